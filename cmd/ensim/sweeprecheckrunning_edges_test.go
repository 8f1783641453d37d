package main

import (
	"reflect"
	"testing"
	"time"
)

// TestRunningAtInterruptNamesSecondRun: the line an interrupted sweep prints of the
// runs under way says which of them is the second run of a rechecked seed. That
// seed's first run finished, so the summary counts it as run ("every seed before 505
// ran"), and "running at the interrupt: seed 501" alone read as a contradiction.
func TestRunningAtInterruptNamesSecondRun(t *testing.T) {
	now := time.Unix(1000, 0)
	s := &sweeper{workers: []*worker{
		{id: 1, jobs: []*job{{seed: 501, first: &firstRun{hash: "h", worker: 2}}}, since: now.Add(-448 * time.Millisecond)},
		{id: 2, jobs: []*job{{seed: 507}, {seed: 508}}, since: now.Add(-103 * time.Millisecond)},
	}}
	got := s.inFlight(now)
	want := []string{
		"the second run of seed 501 (--recheck, for 448ms, worker 1)",
		"seed 507 (for 103ms, worker 2)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inFlight:\n got %q\nwant %q", got, want)
	}
}
