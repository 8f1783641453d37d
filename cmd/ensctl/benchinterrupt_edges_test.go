package main

import (
	"strings"
	"testing"
	"time"
)

// TestBenchPrintInterruptedOpenLoop: an open loop that a signal ended made only the
// calls due until then; its report says how many of those scheduled were never
// reached, so that the skipped and the made add up to the scheduled, rather than
// read as a run that made or skipped every one of them.
func TestBenchPrintInterruptedOpenLoop(t *testing.T) {
	r := &benchResult{Mode: "open", Ensemble: "e1", Via: "n1", Concurrency: 16, Rate: 2000, DurationNS: int64(1500 * time.Millisecond),
		Interrupted: true, Calls: 2984, OK: 2984, Errors: map[string]int64{}, CallsPerSec: 1994, Scheduled: 20000, Skipped: 3,
		StartLagNS: map[string]int64{"p50": 400_000, "p99": 2_800_000, "max": 11_000_000},
		LatencyNS:  map[string]int64{"p50": 700_000, "p99": 5_500_000, "p999": 13_000_000, "max": 14_000_000}}
	reportHas(t, r, "; 17013 not made: the run was interrupted\n")
	// A run that was not interrupted made or skipped every scheduled call: no such note.
	r.Interrupted, r.Calls, r.OK, r.Skipped = false, 19990, 19990, 10
	if text := benchText(t, r); strings.Contains(text, "not made") {
		t.Errorf("a whole run's report says calls were not made:\n%s", text)
	}
}
