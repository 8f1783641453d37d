package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestSendBudgetSlowRepair: under riak, requests to a regressed directory bounce
// between two nodes until anti-entropy repairs it, which takes up to a gossip
// interval. The world does converge and go quiet: it passes nothing on without end,
// however many messages the bounce takes meanwhile, and no invariant is broken.
func TestSendBudgetSlowRepair(t *testing.T) {
	s := named(t, "directory-regression")
	s.Gossip.Interval = Duration(10 * time.Second)
	s.Liveness = nil
	res, err := Run(s, Options{Seed: 1, Semantics: router.Riak, NoHash: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Report.Violations {
		t.Errorf("%s: %s", v.Invariant, v.Detail)
	}
}

// TestSendBudgetFromSpec: a spec's send_budget replaces the run's budget, and the
// violation of a run stopped at it names the spec's field (a world stopped at the
// default budget is told it can set one); a negative budget is refused by name.
func TestSendBudgetFromSpec(t *testing.T) {
	s := named(t, "directory-regression")
	s.Gossip.Interval = Duration(10 * time.Second)
	s.Liveness = nil
	s.SendBudget = 100_000
	res, err := Run(s, Options{Seed: 1, Semantics: router.Riak, NoHash: true})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Report.Violations; len(v) != 1 || !strings.Contains(v[0].Detail, "past the spec's send_budget of 100000:") {
		t.Errorf("a world that sends about 5 million messages under a send_budget of 100,000: violations %+v, want one naming the spec's budget", v)
	}

	loop := bouncing(t, 0, 0, 50*time.Millisecond)
	vs := runBounded(t, loop, router.Riak).Violations
	if len(vs) == 0 {
		t.Error("a request bounced without end under riak: no violation, want the run stopped at the default budget")
	}
	for _, v := range vs {
		if !strings.Contains(v.Detail, "past the run's budget of") || !strings.Contains(v.Detail, "the spec's send_budget sets another") {
			t.Errorf("stopped at the default budget: %s, want it to name the budget and the field that sets another", v.Detail)
		}
	}

	s.SendBudget = -1
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "send_budget: -1 is negative") {
		t.Errorf("send_budget -1: %v, want it refused by name", err)
	}
}
