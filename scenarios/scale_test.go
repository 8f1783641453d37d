package scenarios

import (
	"fmt"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestConvergenceMemo: the remembered convergence of every ensemble agrees with a
// fresh look at every directory, each time it is consulted, across the quick
// scenarios (crashes, restarts with old directories, elections, partitions), a few
// swarm seeds and the scale shape. converged panics on a stale answer when verifyConv
// is set. Liveness is moved to the start of each run, so that every call consults
// converged, in the middle of elections and faults too.
func TestConvergenceMemo(t *testing.T) {
	for _, name := range append(QuickNames(), "scale-small") {
		for _, sem := range semantics {
			for seed := uint64(1); seed <= 2; seed++ {
				t.Run(fmt.Sprintf("%s/%s/%d", name, sem, seed), func(t *testing.T) {
					spec, ok := ForSeed(name, seed)
					if !ok {
						spec = scaleSpec(name, "", 50, 200, 4000)
					}
					wd, err := newWorld(spec, Options{Seed: seed, Semantics: sem})
					if err != nil {
						t.Fatal(err)
					}
					// A spec may not demand liveness while faults go on, but the
					// memo must hold then too.
					wd.spec.Liveness = &Liveness{From: 0}
					wd.verifyConv = true
					wd.run()
				})
			}
		}
	}
}

// TestConvergenceMemoCrash: the one member whose directory is stale crashes, and
// the ensemble has converged among the members still running; the remembered "not
// converged" must not outlive the crash. (The scenario loops above never meet this
// case: a crash there does not leave everyone else converged at once.)
func TestConvergenceMemoCrash(t *testing.T) {
	spec, _ := Named("steady")
	wd, err := newWorld(spec, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	wd.verifyConv = true
	const e = router.EnsembleID("e1")
	es := wd.ens[e]
	if !wd.converged(e) {
		t.Fatal("e1 has not converged at the start")
	}
	// A new leader that every member but the last learns.
	es.version++
	es.setLeader(1)
	es.dirLeader, es.dirVersion = es.leader, es.version
	es.convAt = 0
	stale := wd.memberList[len(wd.memberList)-1]
	for _, sn := range wd.memberList {
		if sn != stale {
			sn.node.Learn(router.Entry{Ensemble: e, Leader: es.leader, Version: es.version})
		}
	}
	if wd.converged(e) {
		t.Fatalf("e1 converged with %s's directory stale", stale.id)
	}
	wd.crash(stale)
	if !wd.converged(e) {
		t.Fatalf("e1 has not converged once %s, the only stale member, crashed", stale.id)
	}
}

// TestScaleShapeHolds runs the scale scenario's shape at a hundredth of its size
// (the full one is BenchmarkScenario/scale and ensim run --scenario scale): push-only
// gossip converges, elections at scale keep every invariant, and the calls happen.
func TestScaleShapeHolds(t *testing.T) {
	spec := scaleSpec("scale-small", "scale at a hundredth", 100, 1000, 10_000)
	if len(spec.Elections) != 10 || !spec.Gossip.PushOnly {
		t.Fatalf("shape: %d elections, push-only %v", len(spec.Elections), spec.Gossip.PushOnly)
	}
	for _, sem := range semantics {
		r := mustRun(t, spec, Options{Seed: 1, Semantics: sem}).Report
		if len(r.Violations) > 0 {
			t.Fatalf("%s: %d violations, first %+v", sem, len(r.Violations), r.Violations[0])
		}
		if r.Calls.Total < 9_000 || r.Calls.OK < r.Calls.Total*9/10 {
			t.Fatalf("%s: calls %+v, want about 10,000, nearly all ok", sem, r.Calls)
		}
	}
}

// TestHeavyIsOnlyScale pins which scenarios the quick loops leave out, and that the
// left-out one is listed all the same.
func TestHeavyIsOnlyScale(t *testing.T) {
	var heavy []string
	for _, n := range Names() {
		if Heavy(n) {
			heavy = append(heavy, n)
		}
	}
	if len(heavy) != 1 || heavy[0] != "scale" || len(QuickNames()) != len(Names())-1 {
		t.Fatalf("heavy %v, %d quick of %d", heavy, len(QuickNames()), len(Names()))
	}
	s, _ := Named("scale")
	if len(s.Nodes) != scaleNodes || len(s.Ensembles) != scaleEnsembles || s.Workload.Rate*s.Workload.Duration.D().Seconds() != scaleCalls {
		t.Fatalf("scale is %d nodes, %d ensembles, rate %v", len(s.Nodes), len(s.Ensembles), s.Workload.Rate)
	}
}
