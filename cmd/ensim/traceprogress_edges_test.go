package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/traceview"
	"github.com/ensroute/ensroute/sim"
)

// TestTraceSecondRunProgress: the run trace makes again for a later attempt of a
// request (--call of a workload that retries) shows its progress on the line of the
// first, numbered ("simulating, run 2: ..."), as run's --check-determinism does. It
// had a line of its own, "simulating: ..." started again from 0s once the first had
// reached the end, with nothing to say that this was another run.
func TestTraceSecondRunProgress(t *testing.T) {
	spec, _ := scenarios.Named("retry-storm")
	var later string // a second attempt's call
	find := scenarios.Options{Seed: 1, Semantics: router.Default, TraceSink: func(r *sim.Record) {
		if later != "" || r.Kind != "call" {
			return
		}
		var call string
		for _, a := range r.Attrs {
			switch {
			case a.Key == "call":
				call = a.Str
			case a.Key == "attempt" && a.IsInt && a.Int == 2:
				later = call
			}
		}
	}}
	if _, err := scenarios.Run(spec, find); err != nil || later == "" {
		t.Fatalf("retry-storm, seed 1, makes no second attempt (%v)", err)
	}

	// A terminal's line, on a clock that moves a second at each look, so that every
	// update draws.
	var buf bytes.Buffer
	now := time.Unix(1000, 0)
	progress := &runProgress{w: &buf, now: func() time.Time { now = now.Add(time.Second); return now }, start: now}
	part := traceview.NewPart(later, ensembleNames(spec))
	opt := scenarios.Options{Seed: 1, Semantics: router.Default, AllViolations: true, TraceSink: part.Add, Progress: progress.hook()}
	_, got, err := simulateView(spec, opt, part, progress)
	if err != nil {
		t.Fatal(err)
	}
	if got.Request() != "" || got == part {
		t.Fatalf("simulateView of %s kept the Part of the later attempt, not its request's first", later)
	}
	out := buf.String()
	if !strings.Contains(out, "\rsimulating, run 2: ") {
		t.Errorf("the second run's progress is not numbered; the line drew:\n%q", lastN(out, 400))
	}
	if i := strings.LastIndex(out, "\r\033[K"); i < 0 || strings.Contains(out[i:], "simulating") {
		t.Errorf("the line is not cleared at the end:\n%q", lastN(out, 400))
	}
}

// lastN is the last n bytes of s.
func lastN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
