package realcluster

import (
	"testing"
	"time"
)

// TestDuring: During sums the probe's delays that fall between from and to, clipped
// to them: a window holding two stalls is excused both, one holding part of a stall
// that part, one between stalls nothing.
func TestDuring(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	// Stalls at +10..+110ms and +200..+250ms; on time otherwise (one wake-up a ms).
	p := &LatenessProbe{stop: make(chan struct{})}
	for due := 0; due < 400; {
		late := 0
		switch due {
		case 10:
			late = 100
		case 200:
			late = 50
		}
		p.samples = append(p.samples, wakeUp{due: at(due), late: ms(late)})
		due += late + 1
	}
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
	if l := p.Stop(); l.Max != ms(100) {
		t.Fatalf("Max %v, want 100ms", l.Max)
	}
}
