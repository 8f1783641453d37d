package realcluster

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// TestDuringAnyGoroutine: a stall that only one of the probe's goroutines saw (its
// timer was on a processor whose thread the kernel left off the CPU, while the other
// goroutine woke on time elsewhere) is the process's delay: During counts it. Stalls
// that overlap count once, and two apart count both.
func TestDuringAnyGoroutine(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	onTime := func(from, to int, stalls map[int]int) []wakeUp { return wakeUps(t0, from, to, stalls) }
	p := &LatenessProbe{stop: make(chan struct{}), samples: [][]wakeUp{
		onTime(0, 400, nil),                          // always on time
		onTime(0, 400, map[int]int{10: 75, 200: 40}), // stalled +10..+85ms and +200..+240ms
		onTime(0, 400, map[int]int{50: 60}),          // stalled +50..+110ms, overlapping the first stall
	}}
	for _, tc := range []struct {
		name     string
		from, to int
		want     time.Duration
	}{
		{name: "the stall one goroutine saw", from: 150, to: 300, want: ms(40)},
		{name: "overlapping stalls, once", from: 0, to: 150, want: ms(100)},
		{name: "all of them", from: 0, to: 400, want: ms(140)},
		{name: "part of the overlap", from: 60, to: 90, want: ms(30)},
		{name: "none", from: 120, to: 190, want: 0},
	} {
		if got := p.During(at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("%s: During(+%dms, +%dms) = %v, want %v", tc.name, tc.from, tc.to, got, tc.want)
		}
	}
	// 400 wake-ups, 11+115+159 around the two stalls, 51+289 around the one.
	if l := p.Stop(); l.Max != ms(75) || l.Samples != 400+285+340 {
		t.Fatalf("Stop: %+v, want 1025 wake-ups, 75ms late at most", l)
	}
}

// TestProbeGoroutines: a probe runs two goroutines per processor, at least four, and
// each of them wakes.
func TestProbeGoroutines(t *testing.T) {
	want := max(4, 2*runtime.GOMAXPROCS(0))
	p := ProbeLateness(time.Millisecond)
	waitFor(t, 10*time.Second, "every goroutine of the probe wakes", func() (bool, string) {
		p.mu.Lock()
		defer p.mu.Unlock()
		woke := 0
		for _, g := range p.samples {
			if len(g) > 0 {
				woke++
			}
		}
		return len(p.samples) == want && woke == want, fmt.Sprintf("%d goroutines, %d of them woke, want %d", len(p.samples), woke, want)
	})
	if l := p.Stop(); l.Samples < want {
		t.Fatalf("Stop: %d wake-ups, want %d at least", l.Samples, want)
	}
}

// wakeUps is a probe goroutine's record from t0+from to t0+to ms: a wake-up every
// millisecond, on time but for stalls (due in ms: late by ms), after each of which
// the next is due a millisecond after the late wake-up.
func wakeUps(t0 time.Time, from, to int, stalls map[int]int) []wakeUp {
	var w []wakeUp
	for due := from; due < to; {
		late := stalls[due]
		w = append(w, wakeUp{due: t0.Add(time.Duration(due) * time.Millisecond), late: time.Duration(late) * time.Millisecond})
		due += late + 1
	}
	return w
}

// TestDuringLeavesOrdinaryLateness: wake-ups a fraction of a millisecond late, as a
// timer's are on a loaded machine, are not a stall: four goroutines each 0.6ms late
// every millisecond, staggered, would otherwise cover most of a window; a wake-up later
// than ordinaryLateness still counts whole.
func TestDuringLeavesOrdinaryLateness(t *testing.T) {
	t0 := time.Now()
	var samples [][]wakeUp
	for g := range 4 {
		var w []wakeUp
		stalled := false
		for due := time.Duration(g) * 250 * time.Microsecond; due < time.Second; {
			late := 600 * time.Microsecond
			if g == 1 && due > 500*time.Millisecond && !stalled {
				late, stalled = 10*time.Millisecond, true // one stall
			}
			w = append(w, wakeUp{due: t0.Add(due), late: late})
			due += late + time.Millisecond
		}
		samples = append(samples, w)
	}
	p := &LatenessProbe{stop: make(chan struct{}), samples: samples}
	if got := p.During(t0, t0.Add(500*time.Millisecond)); got != 0 {
		t.Errorf("During over half a second of wake-ups 0.6ms late = %v, want 0", got)
	}
	if got := p.During(t0, t0.Add(time.Second)); got != 10*time.Millisecond {
		t.Errorf("During over a second holding one 10ms stall = %v, want 10ms", got)
	}
}
