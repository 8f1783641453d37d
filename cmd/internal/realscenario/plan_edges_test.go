package realscenario

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// TestPlanSkippedLeavesNoStep: what a plan made with skip lists in Skipped is left
// out of the run, not run anyway: a leaderless election moves no leader (a "lead" on
// no node), a fault of a client (ensctl itself) is no step on a node, and a partition
// that would cut a client off with its node cuts nothing. The rest of the spec's steps
// are kept, in time order.
func TestPlanSkippedLeavesNoStep(t *testing.T) {
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	pause := Step{At: sec(1), Action: "pause", Node: "n2"}
	resume := Step{At: sec(1.3), Action: "resume", Node: "n2"}
	crash := Step{At: sec(2), Action: "crash", Node: "n3"}
	restart := Step{At: sec(2.3), Action: "restart", Node: "n3"}
	lead := Step{At: sec(2.9), Action: "lead", Ensemble: "e1", Node: "n2"}
	for _, tc := range []struct {
		name    string
		edit    func(*scenarios.Spec)
		skipped string
		steps   []Step
	}{
		{name: "leaderless election", edit: func(s *scenarios.Spec) { s.Elections[0].Leader = "" },
			skipped: "leaves it leaderless", steps: []Step{pause, resume, crash, restart}},
		{name: "client paused", edit: func(s *scenarios.Spec) {
			s.Clients = []string{"c1"}
			s.Faults[0].Node = "c1"
			// The resume of n2, which no pause of n2 came before, does nothing in the
			// simulator: no step either (Plan.Idle).
		}, skipped: "faults[0]: pause of client c1", steps: []Step{crash, restart, lead}},
		{name: "client crashed", edit: func(s *scenarios.Spec) {
			s.Clients = []string{"c1"}
			s.Faults[2].Node = "c1"
			s.Faults = s.Faults[:3]
		}, skipped: "faults[2]: crash of client c1", steps: []Step{pause, resume, lead}},
		{name: "client beside the cut node", edit: func(s *scenarios.Spec) {
			s.Clients = []string{"c1"}
			s.Faults = []scenarios.Fault{{At: scenarios.Duration(sec(1)), Action: "partition", A: []string{"n1", "c1"}, B: []string{"n2", "n3"}}}
		}, skipped: "leaves client c1 with n1", steps: []Step{lead}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(t, "testdata/real-smoke.json")
			tc.edit(&s)
			p, err := NewPlan(s, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0], tc.skipped) {
				t.Fatalf("skipped %q, want one naming %q", p.Skipped, tc.skipped)
			}
			if diff := cmp.Diff(tc.steps, p.Steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if p.Netns {
				t.Errorf("the plan needs network namespaces, though it cuts no link")
			}
		})
	}
}

// TestPlanSimultaneousStepsKeepTheirOrder: faults the spec sets at one time run in
// the spec's order: a crash and a restart of n3 at one time crash it, then restart it
// (the other order would restart a running node, then leave it down). Four such
// rounds, each of a crash, a restart, a pause and a resume at one time, keep their
// order among the election's step, which the plan lists before the faults and sorts
// after them.
func TestPlanSimultaneousStepsKeepTheirOrder(t *testing.T) {
	s := spec(t, "testdata/real-smoke.json")
	s.Faults = nil
	var want []Step
	for _, at := range []time.Duration{time.Second, 1500 * time.Millisecond, 2 * time.Second, 2500 * time.Millisecond} {
		for _, f := range []scenarios.Fault{
			{At: scenarios.Duration(at), Action: "crash", Node: "n3"},
			{At: scenarios.Duration(at), Action: "restart", Node: "n3"},
			{At: scenarios.Duration(at), Action: "pause", Node: "n2"},
			{At: scenarios.Duration(at), Action: "resume", Node: "n2"},
		} {
			s.Faults = append(s.Faults, f)
			want = append(want, Step{At: at, Action: f.Action, Node: f.Node})
		}
	}
	want = append(want, Step{At: 2900 * time.Millisecond, Action: "lead", Ensemble: "e1", Node: "n2"})
	p, err := NewPlan(s, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, p.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
}
