package realscenario

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/scenarios"
)

// TestRealLeadsKeepTheSpecsOrder: two elections of one ensemble leave it with the
// later one's leader, as in the simulator, even when the member of the earlier one
// answers after the later one is due. Here e1 moves to n2 at 1s while n2 is paused
// (0.9s to 1.3s), then to n3 at 1.1s: n2 takes its lead only as it resumes, and a
// lead taken later is a newer entry, so the lead on n3 must wait for it. At the end
// of the workload every node knows n3's member as e1's leader, and the steps report
// the leads in the spec's order.
func TestRealLeadsKeepTheSpecsOrder(t *testing.T) {
	bins := programs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ms := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Millisecond) }
	s := spec(t, "testdata/real-smoke.json")
	s.Workload.Rate, s.Workload.Duration = 300, ms(1600)
	s.Elections = []scenarios.Election{
		{At: ms(1000), Ensemble: "e1", Leader: "p2"},
		{At: ms(1100), Ensemble: "e1", Leader: "p3"},
	}
	s.Faults = []scenarios.Fault{{At: ms(900), Action: "pause", Node: "n2"}, {At: ms(1300), Action: "resume", Node: "n2"}}
	var leaders string
	checking := func(c *realcluster.Cluster) {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = realcluster.Eventually(wctx, 20*time.Millisecond, func() (bool, string) {
			var seen []string
			agreed := true
			for _, n := range c.Nodes() {
				h, err := n.Health(wctx)
				if err != nil {
					return false, err.Error()
				}
				l := h.Leader("e1")
				seen = append(seen, fmt.Sprintf("%s: %s", n.ID, l))
				agreed = agreed && strings.HasSuffix(l, "@n3")
			}
			leaders = strings.Join(seen, ", ")
			return agreed, leaders
		})
	}
	rep, err := Run(ctx, s, Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Slack: 50 * time.Millisecond, ExcuseDelay: true, checking: checking})
	for _, st := range rep.Steps {
		t.Logf("step %s", st)
	}
	if err != nil {
		t.Fatalf("%v\nviolations: %q", err, rep.Violations)
	}
	if len(rep.FailedSteps) > 0 {
		t.Fatalf("failed steps %q: want none (n2 resumes within the lead's 1s)", rep.FailedSteps)
	}
	for _, l := range strings.Split(leaders, ", ") {
		if !strings.HasSuffix(l, "@n3") {
			t.Fatalf("e1's leader as the nodes know it: %s; want n3's member everywhere, the spec's last election", leaders)
		}
	}
	var leads []string
	for _, st := range stepsRun(rep) {
		if strings.HasPrefix(st, "lead ") {
			leads = append(leads, st)
		}
	}
	if want := []string{"lead e1 on n2: ok", "lead e1 on n3: ok"}; strings.Join(leads, "; ") != strings.Join(want, "; ") {
		t.Errorf("leads %q, want %q", leads, want)
	}
}
