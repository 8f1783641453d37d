package router_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

// TestDirectoryGetMatchesModel checks the node's own lookup (Directory.get) and Lookup
// against a plain map through random updates and lookups, on a directory of its own and
// on one over a shared snapshot, with updates in place and ones that take an ensemble
// over from the snapshot.
func TestDirectoryGetMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ens := rapid.SampledFrom([]string{"e1", "e2", "e3", "e4", "f1", "g2"})
		gen := rapid.Custom(func(t *rapid.T) router.Entry {
			name := rapid.SampledFrom([]string{"", "p1", "p2"}).Draw(t, "leader")
			node := rapid.SampledFrom([]string{"n1", "n2"}).Draw(t, "node")
			if name == "" {
				node = ""
			}
			return entry(ens.Draw(t, "ensemble"), name, node, rapid.Uint64Range(0, 5).Draw(t, "version"))
		})
		start := rapid.SliceOf(gen).Draw(t, "start")
		model := make(map[router.EnsembleID]router.Entry)
		for _, e := range start {
			if cur, ok := model[e.Ensemble]; !ok || cur.Version < e.Version {
				model[e.Ensemble] = e
			}
		}
		var d *router.Directory
		if rapid.Bool().Draw(t, "on snapshot") {
			d = router.NewDirectoryOn(router.NewSnapshot(start))
		} else {
			d = router.NewDirectory(start)
		}
		for i := range rapid.IntRange(1, 40).Draw(t, "steps") {
			if rapid.Bool().Draw(t, "update") {
				e := gen.Draw(t, "entry")
				cur, ok := model[e.Ensemble]
				want := !ok || cur.Version < e.Version
				if want {
					model[e.Ensemble] = e
				}
				if got := d.Update(e); got != want {
					t.Fatalf("step %d: Update(%s) = %v, want %v", i, e, got, want)
				}
				continue
			}
			id := router.EnsembleID(ens.Draw(t, "lookup"))
			want, wantOK := model[id]
			if got, ok := router.DirectoryGet(d, id); ok != wantOK || got != want {
				t.Fatalf("step %d: get(%s) = %s, %v; want %s, %v", i, id, got, ok, want, wantOK)
			}
			if got, ok := d.Lookup(id); ok != wantOK || got != want {
				t.Fatalf("step %d: Lookup(%s) = %s, %v; want %s, %v", i, id, got, ok, want, wantOK)
			}
		}
	})
}
