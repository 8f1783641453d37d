package main

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeHeap is the runtime as seedGC sees it: seeds allocate, a collection leaves
// liveAfter bytes live, and every collection and percentage is written down.
type fakeHeap struct {
	allocated uint64
	liveAfter uint64
	live      uint64
	log       []string
}

func (h *fakeHeap) policy(tune bool) *seedGC {
	return &seedGC{
		tune:      tune,
		allocated: func() uint64 { return h.allocated },
		live:      func() uint64 { return h.live },
		collect: func() {
			h.live = h.liveAfter
			h.log = append(h.log, "gc")
		},
		setPercent: func(p int) int {
			h.log = append(h.log, "percent "+strconv.Itoa(p))
			return 0
		},
	}
}

// seeds runs n seeds of perSeed bytes each through g, logging each seed as "seed".
func (h *fakeHeap) seeds(g *seedGC, n int, perSeed uint64) {
	for range n {
		h.allocated += perSeed
		h.log = append(h.log, "seed")
		g.betweenSeeds()
	}
}

// TestSeedGCSmallHeap: a small live heap gets seedHeadroom, so a worker collects
// once every few seeds (half the headroom's worth of them), not after every one.
func TestSeedGCSmallHeap(t *testing.T) {
	h := &fakeHeap{liveAfter: 2 << 20}
	g := h.policy(true)
	h.seeds(g, 18, 4<<20) // 4 MiB a seed against a budget of 32 MiB
	// 64 MiB of headroom over 2 MiB live is 3,200%; half of it is 32 MiB: 8 seeds.
	want := []string{"seed", "gc", "percent 3200"}
	for range 2 {
		want = append(want, "seed", "seed", "seed", "seed", "seed", "seed", "seed", "seed", "gc", "percent 3200")
	}
	want = append(want, "seed")
	if diff := cmp.Diff(want, h.log); diff != "" {
		t.Errorf("collections (-want +got):\n%s", diff)
	}
}

// TestSeedGCLargeHeap: a live heap whose gcPercent share exceeds seedHeadroom keeps
// gcPercent, and the budget is half of that share.
func TestSeedGCLargeHeap(t *testing.T) {
	h := &fakeHeap{liveAfter: 100 << 20} // 400% of it is 400 MiB: budget 200 MiB
	g := h.policy(true)
	h.seeds(g, 4, 150<<20)
	want := []string{"seed", "gc", "percent 400", "seed", "seed", "gc", "percent 400", "seed"}
	if diff := cmp.Diff(want, h.log); diff != "" {
		t.Errorf("collections (-want +got):\n%s", diff)
	}
}

// TestSeedGCUntuned: when GOGC is set in the environment the worker leaves the
// percentage alone and collects after every seed.
func TestSeedGCUntuned(t *testing.T) {
	h := &fakeHeap{liveAfter: 2 << 20}
	g := h.policy(false)
	h.seeds(g, 3, 4<<20)
	want := []string{"seed", "gc", "seed", "gc", "seed", "gc"}
	if diff := cmp.Diff(want, h.log); diff != "" {
		t.Errorf("collections (-want +got):\n%s", diff)
	}
}

// TestSeedGCNothingLive: a collection that reports nothing live must not divide by
// zero or overflow the percentage.
func TestSeedGCNothingLive(t *testing.T) {
	h := &fakeHeap{liveAfter: 0}
	g := h.policy(true)
	h.seeds(g, 1, 1)
	if len(h.log) != 3 || h.log[1] != "gc" || h.log[2] != "percent 1048576" {
		t.Errorf("log %q, want a collection and the capped percentage", h.log)
	}
	if g.budget == 0 {
		t.Error("budget 0 after a collection: every seed would collect")
	}
}

// TestSeedGCReadsTheRuntime: the metrics the policy reads exist and move.
func TestSeedGCReadsTheRuntime(t *testing.T) {
	before := readMetric("/gc/heap/allocs:bytes")
	sink = make([]byte, 1<<20)
	if after := readMetric("/gc/heap/allocs:bytes"); after < before+1<<20 {
		t.Errorf("/gc/heap/allocs:bytes went from %d to %d over a 1 MiB allocation", before, after)
	}
	runtime.GC()
	if readMetric("/gc/heap/live:bytes") == 0 {
		t.Error("/gc/heap/live:bytes reads 0")
	}
	if readMetric("/no/such:metric") != 0 {
		t.Error("an unknown metric reads other than 0")
	}
}

var sink []byte
