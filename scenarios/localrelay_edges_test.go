package scenarios

import (
	"testing"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
)

// colocatedRegression is directory-regression with e1's first leader, p3, on n1 beside
// p1, which leads e1 from 100ms on: n1 restarts with a saved directory that names p3,
// so n1 routes its own calls to p3, which forwards them to p1 on its own node. p1's
// answer to the riak worker never crosses the network; the worker hands it to its
// node's call.
func colocatedRegression(t *testing.T) Spec {
	s := named(t, "directory-regression")
	s.Name = "colocated-regression"
	for j, m := range s.Ensembles[0].Members {
		if m.Name == "p3" {
			s.Ensembles[0].Members[j].Node = "n1"
		}
	}
	return s
}

// TestDropRelayOfLocalLeaderIsCaught: a worker that drops the answer a leader on its
// own node gave it, instead of relaying it to the caller, is found as one that drops
// an answer that came over the network is (late-discarded).
func TestDropRelayOfLocalLeaderIsCaught(t *testing.T) {
	spec := colocatedRegression(t)
	const seeds = 5
	var fwd uint64
	for seed := uint64(1); seed <= seeds; seed++ {
		clean := mustRun(t, spec, Options{Seed: seed, Semantics: router.Riak}).Report
		if len(clean.Violations) > 0 {
			t.Fatalf("seed %d without the bug already fails: %+v", seed, clean.Violations[0])
		}
		fwd += clean.Probes["forward-during-election"]
		broken := mustRun(t, spec, Options{Seed: seed, Semantics: router.Riak, Bugs: bugs.Of(bugs.DropRelay)}).Report
		for _, v := range broken.Violations {
			if v.Invariant == InvLateDiscarded {
				t.Logf("caught at seed %d: %s", seed, v.Detail)
				return
			}
		}
		t.Logf("seed %d: %d calls timed out without the bug, %d with it, %d violations", seed, clean.Calls.Timeout, broken.Calls.Timeout, len(broken.Violations))
	}
	t.Fatalf("a worker dropping its local leader's answer went unreported in %d seeds (%d forwards during elections)", seeds, fwd)
}
