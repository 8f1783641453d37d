package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

// TestTraceSecondRunProgressAfterAnEarlyStop: the first run of trace --call of a
// later attempt stops at the attempt's call record (scenarios.Options.Stop); when
// that comes before the run's first progress update, or between its first and its
// second, the second run's updates never go below the first's (the runs are the
// same event for event), and the line showed the second run as the first
// ("simulating: ...", its rate counted from the first run's start). slow-leader-retry,
// seed 1: c1.1.216, the second attempt of c1.1.195, starts at 560ms.
func TestTraceSecondRunProgressAfterAnEarlyStop(t *testing.T) {
	spec, ok := scenarios.Named("slow-leader-retry")
	if !ok {
		t.Fatal("no slow-leader-retry")
	}
	for _, every := range []time.Duration{time.Second, 400 * time.Millisecond} {
		var buf bytes.Buffer
		now := time.Unix(1000, 0)
		progress := &runProgress{w: &buf, now: func() time.Time { now = now.Add(time.Second); return now }, start: now}
		part := traceview.NewPart("c1.1.216", ensembleNames(spec))
		opt := scenarios.Options{Seed: 1, AllViolations: true, TraceSink: part.Add, Progress: progress.hook(), ProgressEvery: every}
		res, got, err := simulateView(spec, opt, part, progress)
		if err != nil {
			t.Fatal(err)
		}
		if res.Stopped || got == part {
			t.Fatalf("every %v: simulateView did not make the request's run again", every)
		}
		out := buf.String()
		if !strings.Contains(out, "\rsimulating, run 2: ") {
			t.Errorf("every %v: the second run's progress is not numbered; the line drew:\n%q", every, lastN(out, 400))
		}
		if i := strings.Index(out, "\rsimulating, run 2: "); i >= 0 && strings.Contains(out[i:], "\rsimulating: ") {
			t.Errorf("every %v: the line went back to the first run's label:\n%q", every, lastN(out, 400))
		}
	}
}
