package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realscenario"
	"github.com/ensroute/ensroute/scenarios"
)

// TestScenarioIdleFaultsLeftOut: a fault that finds its node where the simulator
// does nothing with it (ensim run notes it as such: a crash of a node already down,
// a pause or a resume of one that is down, a restart of one that is up) is no step
// of the real run either: ensctl notes it as ensim does, and reports no step failed
// (the run is the spec's), where the processes refused each such step as a failure
// ("node not running"). The other faults run.
func TestScenarioIdleFaultsLeftOut(t *testing.T) {
	bins := programs(t)
	dir := t.TempDir()
	ms := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Millisecond) }
	s := smokeSpec(t)
	s.Name, s.Elections = "idle", nil
	s.Workload.Rate, s.Workload.Duration = 200, ms(1000)
	s.Faults = []scenarios.Fault{
		{At: ms(300), Action: "crash", Node: "n2"},
		{At: ms(400), Action: "crash", Node: "n2"},
		{At: ms(450), Action: "pause", Node: "n2"},
		{At: ms(480), Action: "resume", Node: "n2"},
		{At: ms(600), Action: "restart", Node: "n2"},
		{At: ms(700), Action: "restart", Node: "n2"},
	}
	specFile := writeSpec(t, dir, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	// A slack longer than any call can overrun, as in TestScenarioSlack: what is
	// checked here is the steps, and a loaded machine that wakes the caller late
	// after a call to the crashed n2 timed out would break the deadline invariant
	// (exit 1) with the default 50ms.
	code := run(ctx, []string{"scenario", "--spec", specFile, "--ensnode", bins.Ensnode, "--slack", "10s", "--json"}, &out, &errb)
	var rep realscenario.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d, stdout %q, stderr %q: %v", code, out.String(), errb.String(), err)
	}
	if code != 0 || len(rep.FailedSteps) > 0 {
		t.Fatalf("exit %d, failed steps %q, violations %q, stderr %q; want exit 0 and no step failed", code, rep.FailedSteps, rep.Violations, errb.String())
	}
	var steps []string
	for _, line := range rep.Steps {
		_, st, _ := strings.Cut(line, " ")
		steps = append(steps, strings.TrimSpace(st))
	}
	if want := "crash n2: ok; restart n2: ok"; strings.Join(steps, "; ") != want {
		t.Errorf("steps %q, want %q", steps, want)
	}
	for _, i := range []string{"1", "2", "3", "5"} {
		if note := "ensctl: note: " + specFile + ": faults[" + i + "]: "; !strings.Contains(errb.String(), note) {
			t.Errorf("stderr lacks %q:\n%s", note, errb.String())
		}
	}
	for _, i := range []string{"0", "4"} {
		if note := ": faults[" + i + "]: "; strings.Contains(errb.String(), note) {
			t.Errorf("stderr notes faults[%s], which runs:\n%s", i, errb.String())
		}
	}
}
