package scenarios

import (
	"testing"
	"time"
)

// TestLivenessNote: a liveness phase that begins at or after the workload's last call
// (the end of workload.duration, or of its last burst) checks no call, and
// LivenessNote says so; one that begins before it, or no liveness phase, gets no
// note, and neither does any named scenario.
func TestLivenessNote(t *testing.T) {
	for _, tc := range []struct {
		name   string
		from   Duration
		bursts []Burst
		rate   float64
		want   string
	}{
		{name: "within the workload", from: ms(1999)},
		{name: "at its end", from: ms(2000),
			want: "liveness.from 2s is at or after the workload's last call (workload.duration, 2s): the liveness phase checks no call, and passes whatever the router does (move liveness.from earlier, or make calls after it)"},
		{name: "in the wrong unit", from: dur(100 * time.Second),
			want: "liveness.from 1m40s is at or after the workload's last call (workload.duration, 2s): the liveness phase checks no call, and passes whatever the router does (move liveness.from earlier, or make calls after it)"},
		{name: "before a burst's end", from: ms(3000), bursts: []Burst{{At: ms(2500), Duration: ms(1000), Rate: 100}}},
		{name: "after a burst's end", from: ms(4000), bursts: []Burst{{At: ms(2500), Duration: ms(1000), Rate: 100}},
			want: "liveness.from 4s is at or after the workload's last call (the end of workload.bursts[0], 3.5s): the liveness phase checks no call, and passes whatever the router does (move liveness.from earlier, or make calls after it)"},
		{name: "bursts alone", from: ms(4000), rate: -1, bursts: []Burst{{At: ms(2500), Duration: ms(1000), Rate: 100}},
			want: "liveness.from 4s is at or after the workload's last call (the end of workload.bursts[0], 3.5s): the liveness phase checks no call, and passes whatever the router does (move liveness.from earlier, or make calls after it)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = &Liveness{From: tc.from}
			s.Workload.Bursts = tc.bursts
			if tc.rate < 0 {
				s.Workload.Rate = 0
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := s.LivenessNote(); got != tc.want {
				t.Errorf("LivenessNote() = %q, want %q", got, tc.want)
			}
		})
	}
	s := named(t, "steady")
	s.Liveness = nil
	if got := s.LivenessNote(); got != "" {
		t.Errorf("no liveness phase: LivenessNote() = %q, want none", got)
	}
	// A workload of no call passes every check of calls, liveness phase or not.
	const none = "the workload makes no call (workload.rate is 0 and it has no bursts): no call is checked, and the run passes whatever the router does (give workload.rate, or bursts)"
	for _, lv := range []*Liveness{nil, {From: ms(1000)}} {
		s := named(t, "steady")
		s.Workload.Rate, s.Liveness = 0, lv
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := s.LivenessNote(); got != none {
			t.Errorf("rate 0, liveness %v: LivenessNote() = %q, want %q", lv, got, none)
		}
	}
	for _, name := range Names() {
		if got := named(t, name).LivenessNote(); got != "" {
			t.Errorf("%s: %s", name, got)
		}
	}
}
