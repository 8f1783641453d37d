package realscenario

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestRealNotRunHasNoTime: a step due after the last call's deadline is reported as
// not run, with the time it was due and no time of its own: its line used to start
// with the time the steps reached it ("+302ms    not run ..."), which read as when it
// ran. The lines of the steps that ran keep theirs.
func TestRealNotRunHasNoTime(t *testing.T) {
	bins := programs(t)
	s := spec(t, "testdata/real-smoke.json")
	sec := func(f float64) scenarios.Duration { return scenarios.Duration(f * float64(time.Second)) }
	s.Elections = nil
	s.Workload.Rate, s.Workload.Duration = 100, sec(0.5)
	s.Faults = []scenarios.Fault{
		{At: sec(0.2), Action: "pause", Node: "n2"},
		{At: sec(0.3), Action: "resume", Node: "n2"},
		{At: sec(10), Action: "crash", Node: "n1"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, s, Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Slack: 50 * time.Millisecond, ExcuseDelay: true})
	if err != nil {
		t.Fatalf("%v\nviolations: %q\nsteps: %q", err, rep.Violations, rep.Steps)
	}
	if len(rep.Steps) != 3 {
		t.Fatalf("steps %q; want pause, resume and the crash not run", rep.Steps)
	}
	for _, line := range rep.Steps[:2] {
		if !strings.HasPrefix(line, "+") || !strings.HasSuffix(line, ": ok") {
			t.Errorf("step %q: want the time it ran, then what it did", line)
		}
	}
	if want := "not run   crash n1 (due at +10s, after the last call's deadline, +600ms)"; rep.Steps[2] != want {
		t.Errorf("step %q, want %q", rep.Steps[2], want)
	}
}
