package scenarios

import (
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
