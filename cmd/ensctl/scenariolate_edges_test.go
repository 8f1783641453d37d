package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestScenarioLateFaultNoted: a fault that begins once every call is over tests no
// call; ensim notes it before the run (Spec.LateFaults), and ensctl scenario, which
// runs the same spec on processes, says so too.
func TestScenarioLateFaultNoted(t *testing.T) {
	bins := programs(t)
	dir := t.TempDir()
	ms := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Millisecond) }
	s := smokeSpec(t)
	s.Name, s.Elections, s.Liveness = "late", nil, nil
	s.Workload.Rate, s.Workload.Duration = 200, ms(300)
	s.Faults = []scenarios.Fault{{At: ms(1500), Action: "crash", Node: "n2"}}
	if len(s.LateFaults()) != 1 {
		t.Fatalf("the spec's late faults: %q, want the crash", s.LateFaults())
	}
	specFile := writeSpec(t, dir, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"scenario", "--spec", specFile, "--ensnode", bins.Ensnode, "--slack", "10s", "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q; want 0", code, errb.String())
	}
	if note := "ensctl: note: " + specFile + ": faults[0]: the crash of n2 at 1.5s comes after every call is over"; !strings.Contains(errb.String(), note) {
		t.Errorf("stderr lacks %q:\n%s", note, errb.String())
	}
}
