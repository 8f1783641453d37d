package scenarios

import (
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/google/go-cmp/cmp"
)

// TestNoHashSameRun: a run without the trace hash is the same run: the same report
// but for the hash and the count of trace records, and the same outcomes. A record
// left unbuilt must never change what the world does.
func TestNoHashSameRun(t *testing.T) {
	for _, name := range []string{"steady", "leader-churn", "slow-leader", "partition-heal", "swarm"} {
		for _, sem := range []router.Semantics{router.Default, router.Riak} {
			for _, seed := range []uint64{1, 2} {
				spec, ok := ForSeed(name, seed)
				if !ok {
					t.Fatalf("no scenario %q", name)
				}
				hashed, err := Run(spec, Options{Seed: seed, Semantics: sem})
				if err != nil {
					t.Fatal(err)
				}
				bare, err := Run(spec, Options{Seed: seed, Semantics: sem, NoHash: true})
				if err != nil {
					t.Fatal(err)
				}
				if bare.Report.TraceHash != "" || bare.Report.TraceEvents != 0 || len(bare.Trace) != 0 {
					t.Errorf("%s/%s/%d without the hash: hash %q, %d trace events, %d records kept; want none",
						name, sem, seed, bare.Report.TraceHash, bare.Report.TraceEvents, len(bare.Trace))
				}
				if hashed.Report.TraceHash == "" || hashed.Report.TraceEvents == 0 {
					t.Fatalf("%s/%s/%d with the hash: hash %q, %d trace events", name, sem, seed,
						hashed.Report.TraceHash, hashed.Report.TraceEvents)
				}
				want := hashed.Report
				want.TraceHash, want.TraceEvents = "", 0
				if diff := cmp.Diff(want, bare.Report); diff != "" {
					t.Errorf("%s/%s/%d: report (-hashed +without the hash):\n%s", name, sem, seed, diff)
				}
				if diff := cmp.Diff(hashed.Outcomes(), bare.Outcomes()); diff != "" {
					t.Errorf("%s/%s/%d: outcomes (-hashed +without the hash):\n%s", name, sem, seed, diff)
				}
			}
		}
	}
}
