package main

import (
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeHeap is the runtime as seedGC sees it: seeds allocate, the collector aims at
// goal, and every collection is written down.
type fakeHeap struct {
	allocated uint64
	goal      uint64
	live      uint64
	log       []string
}

func (h *fakeHeap) policy() *seedGC {
	return &seedGC{
		since:     h.allocated,
		prev:      h.allocated,
		allocated: func() uint64 { return h.allocated },
		goal:      func() uint64 { return h.goal },
		live:      func() uint64 { return h.live },
		collect:   func() { h.log = append(h.log, "gc") },
	}
}

// seeds runs one seed per size through g (the bytes it allocates), logging "seed".
func (h *fakeHeap) seeds(g *seedGC, sizes ...uint64) {
	for _, n := range sizes {
		h.allocated += n
		h.log = append(h.log, "seed")
		g.betweenSeeds()
	}
}

const mb = 1 << 20

// TestSeedGCCollectsBeforeTheGoal: a worker collects between the seeds at the last
// boundary before one more seed like the last would pass three quarters of the way
// to the collector's goal: leader-churn's shape, 3.8 MB seeds against a 16 MB goal
// (three quarters of the headroom: 11.9 MB), collects every third seed.
func TestSeedGCCollectsBeforeTheGoal(t *testing.T) {
	h := &fakeHeap{goal: 16 * mb, live: mb / 8}
	g := h.policy()
	const seed = 38 * mb / 10
	h.seeds(g, seed, seed, seed, seed, seed, seed, seed)
	want := []string{"seed", "seed", "seed", "gc", "seed", "seed", "seed", "gc", "seed"}
	if diff := cmp.Diff(want, h.log); diff != "" {
		t.Errorf("collections (-want +got):\n%s", diff)
	}
}

// TestSeedGCFollowsTheSeeds: the next seed is assumed to be like the last: a large
// one after small ones brings the collection forward, and seeds larger than the
// whole headroom collect after every one.
func TestSeedGCFollowsTheSeeds(t *testing.T) {
	h := &fakeHeap{goal: 100 * mb, live: 20 * mb} // three quarters of 80 MB: 60 MB
	g := h.policy()
	h.seeds(g, 10*mb, 10*mb, 30*mb, 70*mb, 70*mb, 1*mb)
	want := []string{"seed", "seed", "seed", "gc", "seed", "gc", "seed", "gc", "seed"}
	if diff := cmp.Diff(want, h.log); diff != "" {
		t.Errorf("collections (-want +got):\n%s", diff)
	}
}

// TestSeedGCOff: with the collector off (GOGC=off: a goal out of reach) the worker
// never collects; with a goal at or below the live heap it collects after every
// seed rather than underflow.
func TestSeedGCOff(t *testing.T) {
	h := &fakeHeap{goal: 1 << 62, live: mb}
	g := h.policy()
	h.seeds(g, 100*mb, 100*mb, 100*mb)
	if len(h.log) != 3 {
		t.Errorf("log %q: want three seeds and no collection", h.log)
	}
	h = &fakeHeap{goal: mb, live: 2 * mb}
	g = h.policy()
	h.seeds(g, 1, 1)
	if diff := cmp.Diff([]string{"seed", "gc", "seed", "gc"}, h.log); diff != "" {
		t.Errorf("goal below live (-want +got):\n%s", diff)
	}
}

// TestSeedGCReadsTheRuntime: the metrics the policy reads exist and move.
func TestSeedGCReadsTheRuntime(t *testing.T) {
	before := readMetric("/gc/heap/allocs:bytes")
	sink = make([]byte, mb)
	if after := readMetric("/gc/heap/allocs:bytes"); after < before+mb {
		t.Errorf("/gc/heap/allocs:bytes went from %d to %d over a 1 MiB allocation", before, after)
	}
	runtime.GC()
	if live, goal := readMetric("/gc/heap/live:bytes"), readMetric("/gc/heap/goal:bytes"); live == 0 || goal <= live {
		t.Errorf("/gc/heap/live:bytes %d, /gc/heap/goal:bytes %d: want a live heap below its goal", live, goal)
	}
	if readMetric("/no/such:metric") != 0 {
		t.Error("an unknown metric reads other than 0")
	}
}

var sink []byte

// TestGCPercentFor: ensim trace, which holds a whole trace, collects at the default
// target; every other command at gcPercent.
func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"trace", "--scenario", "steady"}, traceGCPercent},
		{[]string{"run", "--scenario", "steady"}, gcPercent},
		{[]string{"sweep-worker"}, gcPercent},
		{nil, gcPercent},
	} {
		if got := gcPercentFor(tc.args); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.args, got, tc.want)
		}
	}
}
