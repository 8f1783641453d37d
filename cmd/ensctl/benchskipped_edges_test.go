package main

import (
	"strings"
	"testing"
	"time"
)

// TestBenchPrintSkippedOnlyWhenSome: an open loop's text report has its line of
// skipped calls only when some were, as --json has "skipped" only then: a run that
// made every call printed "skipped 0 of N scheduled (generator behind ...)", which
// read as if the generator had fallen behind. A run a signal ended with none skipped
// still says how many scheduled calls were not made.
func TestBenchPrintSkippedOnlyWhenSome(t *testing.T) {
	r := &benchResult{Mode: "open", Ensemble: "e1", Via: "n1", Concurrency: 16, Rate: 100, DurationNS: int64(time.Second),
		Calls: 100, OK: 100, Errors: map[string]int64{}, CallsPerSec: 100, Scheduled: 100,
		StartLagNS: map[string]int64{"p50": 200_000, "p99": 900_000, "max": 1_000_000},
		LatencyNS:  map[string]int64{"p50": 1_000_000, "p99": 2_000_000, "p999": 2_000_000, "max": 2_000_000}}
	report := func() string { return benchText(t, r) }
	if got := report(); strings.Contains(got, "skipped") || strings.Contains(got, "not made") {
		t.Errorf("a run that made every call:\n%s\nwant no line of skipped calls", got)
	}
	r.Interrupted, r.Calls, r.OK = true, 40, 40
	if got, want := report(), "\nnot made    60 of 100 scheduled: the run was interrupted\n"; !strings.Contains(got, want) || strings.Contains(got, "skipped") {
		t.Errorf("an interrupted run that skipped none:\n%s\nwant %q and no line of skipped calls", got, want)
	}
	r.Skipped = 2
	if got, want := report(), "\nskipped     2 of 100 scheduled (generator behind: not started by their deadline, or by the end of the run); 58 not made: the run was interrupted\n"; !strings.Contains(got, want) {
		t.Errorf("an interrupted run that skipped 2:\n%s\nwant %q", got, want)
	}
}
