package traceview

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// slashRun runs steady, casts among its calls, with ensembles renamed: names[i] for
// the i-th, "" to keep it.
func slashRun(t *testing.T, names ...string) (scenarios.Spec, *scenarios.Result) {
	t.Helper()
	spec, _ := scenarios.Named("steady")
	for i, n := range names {
		if n != "" {
			spec.Ensembles[i].Name = n
		}
	}
	spec.Workload.Duration = scenarios.Duration(200 * time.Millisecond)
	spec.Workload.CastShare = 0.3 // a cast-taken record names the peer, and no call
	res, err := scenarios.Run(spec, scenarios.Options{Seed: 1, KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	return spec, res
}

func specEnsembles(spec scenarios.Spec) []string {
	var out []string
	for _, e := range spec.Ensembles {
		out = append(out, e.Name)
	}
	return out
}

// TestSlashInEnsembleNames: an ensemble's name may hold a "/", and a peer's is
// written ens/member@node: a record that names only its peer is about the longest
// ensemble the peer starts with, not the name up to its first "/" ("kv/users/p1@n1"
// is about kv/users, not kv). The trace's ensembles, whole or from a Part, are the
// spec's, and no "kv" where no ensemble is named so.
func TestSlashInEnsembleNames(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  []string
	}{
		{[]string{"kv/users", "kv"}, []string{"e3", "kv", "kv/users"}},
		{[]string{"kv/users"}, []string{"e2", "e3", "kv/users"}},
	} {
		spec, res := slashRun(t, tc.names...)
		for _, known := range [][]string{nil, specEnsembles(spec)} {
			tr := New(res.Trace, Meta{Nodes: spec.Nodes, Ensembles: known})
			if diff := cmp.Diff(tc.want, tr.Ensembles()); diff != "" {
				t.Errorf("%v, Meta.Ensembles %v: Ensembles (-want +got):\n%s", tc.names, known, diff)
			}
			peerOnly := 0
			for i := range tr.recs {
				r := &tr.recs[i]
				p := str(r, "peer")
				if !strings.HasPrefix(p, "kv/users/") || tr.cals[tr.call[i]] != nil {
					continue
				}
				peerOnly++
				if got := tr.ensembleOfRecord(i); got != "kv/users" {
					t.Fatalf("%v: record %s %s with peer %s is about %q, want kv/users", tc.names, r.Node, r.Kind, p, got)
				}
			}
			if peerOnly == 0 {
				t.Fatalf("%v: no record names a peer of kv/users without a call: the check above checks nothing", tc.names)
			}
			var call string
			for _, r := range res.Trace {
				if r.Kind == "call" && strings.HasPrefix(str(&r, "target"), "ens:kv/users") {
					call = str(&r, "call")
					break
				}
			}
			p := NewPart(call, known)
			for i := range res.Trace {
				p.Add(&res.Trace[i])
			}
			if diff := cmp.Diff(tc.want, p.Whole().Ensembles); diff != "" {
				t.Errorf("%v, NewPart's ensembles %v: Whole().Ensembles (-want +got):\n%s", tc.names, known, diff)
			}
		}
	}
}
