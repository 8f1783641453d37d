package main

import (
	"testing"
	"time"
)

// TestBenchScheduleEndsBeforeDuration: open loop's schedule holds the calls due
// before --duration and none due at it, also where rate × duration, computed in
// floating point, lands a hair above a whole number: at 1.1 calls a second for 90s,
// 99.00000000000001, the 100th call would be due at 90s exactly, when the run ends.
func TestBenchScheduleEndsBeforeDuration(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		dur   time.Duration
		calls int64
	}{
		{1.1, 90 * time.Second, 99},
		{3, time.Second, 3},
		{0.5, 5 * time.Second, 3},
	} {
		s := newSchedule(tc.rate, tc.dur)
		if s.calls != tc.calls || s.at(s.calls-1) >= tc.dur || s.at(s.calls) < tc.dur {
			t.Errorf("rate %v for %v: %d calls, the last due at %v, the next at %v; want %d, all before %v",
				tc.rate, tc.dur, s.calls, s.at(s.calls-1), s.at(s.calls), tc.calls, tc.dur)
		}
	}
}

// TestBenchPrintOpenLoop: the text report of an open loop says how many calls were
// skipped of how many scheduled, and, apart, how many started more than 1ms late.
func TestBenchPrintOpenLoop(t *testing.T) {
	r := &benchResult{Mode: "open", Ensemble: "e1", Via: "n1", Concurrency: 4, Rate: 100, DurationNS: int64(time.Second),
		Calls: 95, OK: 95, Errors: map[string]int64{}, CallsPerSec: 95, Scheduled: 100, Skipped: 5, Behind: 7,
		StartLagNS: map[string]int64{"p50": 200_000, "p99": 1_500_000, "max": 3_000_000},
		LatencyNS:  map[string]int64{"p50": 1_000_000, "p99": 2_000_000, "p999": 2_000_000, "max": 2_000_000}}
	reportHas(t, r,
		"bench e1 via n1: open loop at 100 calls/s, up to 4 in flight, 1s\n",
		"\ncalls       95 (95 calls/s)\n",
		"\nskipped     5 of 100 scheduled (generator behind",
		"\nstarted late 7 (over 1ms); start lag p50 200µs  p99 1.5ms  max 3ms\n",
	)
}

// TestBenchBehindCountsLateStarts: open loop counts as started late only the calls
// that started more than 1ms after they were due, not every call its generator's
// sleep let start a few microseconds late. At 100 calls a second for 500ms, 50 calls
// 10ms apart, the generator is idle between them: some start within the millisecond
// (all 50 more than 1ms late would take a machine stalled at every one of them).
func TestBenchBehindCountsLateStarts(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	res, code := benchJSON(t, n, "--rate", "100", "--concurrency", "2", "--duration", "500ms")
	if code != 0 || res.Calls != 50 || res.Behind >= res.Calls {
		t.Fatalf("exit %d, %d calls, %d started late (start lag %v); want exit 0, 50 calls, not all of them late",
			code, res.Calls, res.Behind, res.StartLagNS)
	}
}
