package scenarios

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestRetryStormLiveness: retry-storm has a liveness phase after its burst, while
// its workload still runs, as overload has: default, whose mailboxes shed the
// storm, keeps it, and riak, whose queues the retries keep full, breaks it (a break
// its riak_breaks names, so expected, not a failure), on each seed. The scenario
// had no liveness phase, and so showed neither.
func TestRetryStormLiveness(t *testing.T) {
	spec := named(t, "retry-storm")
	if spec.Liveness == nil {
		t.Fatal("retry-storm has no liveness phase")
	}
	from, last := spec.Liveness.From.D(), spec.Workload.Duration.D()
	for _, b := range spec.Workload.Bursts {
		if end := b.At.D() + b.Duration.D(); from < end+400*time.Millisecond {
			t.Errorf("the liveness phase starts at %v, before the burst that ends at %v has drained", from, end)
		}
	}
	if last-from < 500*time.Millisecond {
		t.Errorf("the liveness phase, %v to the workload's end at %v, checks too few calls", from, last)
	}
	for seed := uint64(1); seed <= 3; seed++ {
		def := mustRun(t, spec, Options{Seed: seed, Semantics: router.Default}).Report
		if len(def.Violations) > 0 || len(def.Expected) > 0 {
			t.Errorf("seed %d, default: %d violations (first %+v), %d expected; want none", seed, len(def.Violations), def.Violations, len(def.Expected))
		}
		riak := mustRun(t, spec, Options{Seed: seed, Semantics: router.Riak}).Report
		if len(riak.Violations) > 0 {
			t.Errorf("seed %d, riak: unexpected violations, first %+v", seed, riak.Violations[0])
		}
		if riak.ExpectedTotal == 0 {
			t.Errorf("seed %d, riak: no liveness violation, where the retries keep its queues full", seed)
		}
		for _, v := range riak.Expected {
			if v.Invariant != InvLiveness {
				t.Errorf("seed %d, riak: expected violation of %s, want only liveness", seed, v.Invariant)
				break
			}
		}
	}
}
