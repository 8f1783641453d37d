package realcluster

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDuring: During sums the probe's delays that fall between from and to, clipped
// to them: a window holding two stalls is excused both, one holding part of a stall
// that part, one between stalls nothing, not even one ending just before a stall.
func TestDuring(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	// Stalls at +10..+110ms and +200..+250ms; on time otherwise (one wake-up a ms).
	p := &LatenessProbe{stop: make(chan struct{}), samples: [][]wakeUp{wakeUps(t0, 0, 400, map[int]int{10: 100, 200: 50})}}
	for _, tc := range []struct {
		name     string
		from, to int
		want     time.Duration
	}{
		{name: "both stalls", from: 0, to: 300, want: ms(150)},
		{name: "the end of the first", from: 60, to: 150, want: ms(50)},
		{name: "inside the second", from: 210, to: 220, want: ms(10)},
		{name: "the end of one, the start of the other", from: 100, to: 230, want: ms(40)},
		{name: "between them", from: 120, to: 190, want: 0},
		{name: "after them", from: 260, to: 500, want: 0},
	} {
		if got := p.During(at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("%s: During(+%dms, +%dms) = %v, want %v", tc.name, tc.from, tc.to, got, tc.want)
		}
	}
	// A window that ends a moment before the second stall starts holds none of it.
	if got := p.During(at(120), at(200).Add(-500*time.Microsecond)); got != 0 {
		t.Errorf("During(+120ms, +199.5ms) = %v, want 0", got)
	}
	if l := p.Stop(); l.Max != ms(100) {
		t.Fatalf("Max %v, want 100ms", l.Max)
	}
}

// TestLatenessPercentiles: Stop reports the count of wake-ups and their lateness at
// the 99th and 99.9th percentiles and at most; a probe stopped before its first
// wake-up saw nothing.
func TestLatenessPercentiles(t *testing.T) {
	p := &LatenessProbe{stop: make(chan struct{}), samples: make([][]wakeUp, 1)}
	t0 := time.Now()
	// Late by 1ms to 2000ms, in a shuffled order.
	for i := range 2000 {
		late := time.Duration((i*7919)%2000+1) * time.Millisecond
		p.samples[0] = append(p.samples[0], wakeUp{due: t0.Add(time.Duration(i) * time.Second), late: late})
	}
	want := Lateness{Samples: 2000, P99: 1981 * time.Millisecond, P999: 1999 * time.Millisecond, Max: 2000 * time.Millisecond}
	if diff := cmp.Diff(want, p.Stop()); diff != "" {
		t.Errorf("Stop (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Lateness{}, ProbeLateness(time.Hour).Stop()); diff != "" {
		t.Errorf("Stop before the first wake-up (-want +got):\n%s", diff)
	}
}
