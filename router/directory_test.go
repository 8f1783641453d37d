package router_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

func entry(ens, name, node string, v uint64) router.Entry {
	var leader router.PeerRef
	if name != "" {
		leader = router.PeerRef{Ensemble: router.EnsembleID(ens), Name: name, Node: router.NodeID(node)}
	}
	return router.Entry{Ensemble: router.EnsembleID(ens), Leader: leader, Version: v}
}

func TestDirectoryUpdate(t *testing.T) {
	tests := []struct {
		name    string
		start   []router.Entry
		update  router.Entry
		applied bool
		want    []router.Entry
	}{
		{
			name:    "first entry is taken whatever its version",
			update:  entry("e1", "p1", "n1", 0),
			applied: true,
			want:    []router.Entry{entry("e1", "p1", "n1", 0)},
		},
		{
			name:    "newer version replaces",
			start:   []router.Entry{entry("e1", "p1", "n1", 1)},
			update:  entry("e1", "p2", "n2", 2),
			applied: true,
			want:    []router.Entry{entry("e1", "p2", "n2", 2)},
		},
		{
			name:   "same version is not newer",
			start:  []router.Entry{entry("e1", "p1", "n1", 2)},
			update: entry("e1", "p2", "n2", 2),
			want:   []router.Entry{entry("e1", "p1", "n1", 2)},
		},
		{
			name:   "older version is ignored",
			start:  []router.Entry{entry("e1", "p1", "n1", 5)},
			update: entry("e1", "p2", "n2", 4),
			want:   []router.Entry{entry("e1", "p1", "n1", 5)},
		},
		{
			name:    "a newer entry with no leader replaces a leader (an election started)",
			start:   []router.Entry{entry("e1", "p1", "n1", 1)},
			update:  entry("e1", "", "", 2),
			applied: true,
			want:    []router.Entry{entry("e1", "", "", 2)},
		},
		{
			name:    "ensembles are independent",
			start:   []router.Entry{entry("e2", "q1", "n1", 9)},
			update:  entry("e1", "p1", "n1", 1),
			applied: true,
			want:    []router.Entry{entry("e1", "p1", "n1", 1), entry("e2", "q1", "n1", 9)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := router.NewDirectory(tc.start)
			if got := d.Update(tc.update); got != tc.applied {
				t.Errorf("Update(%v) = %v, want %v", tc.update, got, tc.applied)
			}
			if diff := cmp.Diff(tc.want, d.Entries()); diff != "" {
				t.Errorf("entries after Update (-want +got):\n%s", diff)
			}
			if d.Len() != len(tc.want) {
				t.Errorf("Len() = %d, want %d", d.Len(), len(tc.want))
			}
		})
	}
}

func TestNewDirectoryKeepsNewest(t *testing.T) {
	// A saved copy may list an ensemble more than once, in any order.
	d := router.NewDirectory([]router.Entry{
		entry("e2", "q1", "n1", 3),
		entry("e1", "p1", "n1", 2),
		entry("e1", "p3", "n3", 7),
		entry("e1", "p2", "n2", 5),
	})
	want := []router.Entry{entry("e1", "p3", "n3", 7), entry("e2", "q1", "n1", 3)}
	if diff := cmp.Diff(want, d.Entries()); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if _, ok := d.Lookup("e9"); ok {
		t.Errorf("Lookup(e9) found an entry in a directory that never heard of e9")
	}
	var zero router.Directory
	if zero.Len() != 0 || len(zero.Entries()) != 0 {
		t.Errorf("zero Directory is not empty: %v", zero.Entries())
	}
}

// TestDirectoryMonotonic applies random updates and compares the directory with a
// model that keeps, per ensemble, the first entry seen with the highest version: each
// ensemble ends at the highest version seen, and an equal version never replaces.
func TestDirectoryMonotonic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ens := rapid.SampledFrom([]string{"e1", "e2", "e3"})
		gen := rapid.Custom(func(t *rapid.T) router.Entry {
			e := ens.Draw(t, "ensemble")
			name := rapid.SampledFrom([]string{"", "p1", "p2", "p3"}).Draw(t, "leader")
			node := ""
			if name != "" {
				node = "n" + name[1:]
			}
			return entry(e, name, node, rapid.Uint64Range(0, 6).Draw(t, "version"))
		})
		d := &router.Directory{}
		model := make(map[router.EnsembleID]router.Entry)
		maxSeen := make(map[router.EnsembleID]uint64)
		for i, u := range rapid.SliceOf(gen).Draw(t, "updates") {
			maxSeen[u.Ensemble] = max(maxSeen[u.Ensemble], u.Version)
			cur, known := model[u.Ensemble]
			wantApplied := !known || u.Version > cur.Version
			if wantApplied {
				model[u.Ensemble] = u
			}
			if got := d.Update(u); got != wantApplied {
				t.Fatalf("update %d %v: applied=%v, want %v (held %v)", i, u, got, wantApplied, cur)
			}
			if diff := cmp.Diff(sortedEntries(model), d.Entries()); diff != "" {
				t.Fatalf("after update %d %v (-model +directory):\n%s", i, u, diff)
			}
			if got, _ := d.Lookup(u.Ensemble); got.Version != maxSeen[u.Ensemble] {
				t.Fatalf("after update %d %v: %s at v%d, but v%d was seen", i, u, u.Ensemble, got.Version, maxSeen[u.Ensemble])
			}
		}
	})
}

func sortedEntries(m map[router.EnsembleID]router.Entry) []router.Entry {
	out := make([]router.Entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ensemble < out[j].Ensemble })
	return out
}

func ExampleEntry_String() {
	fmt.Println(entry("e1", "p2", "n2", 3))
	fmt.Println(entry("e1", "", "", 4))
	// Output:
	// e1=e1/p2@n2@v3
	// e1=-@v4
}

// TestDirectoryOnSnapshot: a directory started on a snapshot behaves, update for
// update, as one that copied the snapshot's entries (same answers from Update, Lookup,
// Entries and Len; Entries allocates no more than it returns), and the snapshot itself
// never changes: a second directory on it still sees the starting entries.
func TestDirectoryOnSnapshot(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ens := rapid.SampledFrom([]string{"e1", "e2", "e3", "e4"})
		gen := rapid.Custom(func(t *rapid.T) router.Entry {
			name := rapid.SampledFrom([]string{"", "p1", "p2"}).Draw(t, "leader")
			node := ""
			if name != "" {
				node = "n" + name[1:]
			}
			return entry(ens.Draw(t, "ensemble"), name, node, rapid.Uint64Range(0, 5).Draw(t, "version"))
		})
		start := rapid.SliceOf(gen).Draw(t, "start")
		snap := router.NewSnapshot(start)
		copied := router.NewDirectory(start)
		want0 := copied.Entries()
		on := router.NewDirectoryOn(snap)
		for i, u := range rapid.SliceOf(gen).Draw(t, "updates") {
			if a, b := copied.Update(u), on.Update(u); a != b {
				t.Fatalf("update %d %v: copied applied=%v, on snapshot %v", i, u, a, b)
			}
			got := on.Entries()
			if diff := cmp.Diff(copied.Entries(), got); diff != "" {
				t.Fatalf("after update %d (-copied +on snapshot):\n%s", i, diff)
			}
			if cap(got) != len(got) {
				t.Fatalf("after update %d: Entries has room for %d, holds %d", i, cap(got), len(got))
			}
			if copied.Len() != on.Len() {
				t.Fatalf("after update %d: Len %d, on snapshot %d", i, copied.Len(), on.Len())
			}
			for _, e := range []string{"e1", "e2", "e3", "e4", "e5"} {
				a, aok := copied.Lookup(router.EnsembleID(e))
				b, bok := on.Lookup(router.EnsembleID(e))
				if a != b || aok != bok {
					t.Fatalf("after update %d: Lookup(%s) = %v %v, on snapshot %v %v", i, e, a, aok, b, bok)
				}
			}
		}
		if diff := cmp.Diff(want0, router.NewDirectoryOn(snap).Entries()); diff != "" {
			t.Fatalf("the snapshot changed (-start +now):\n%s", diff)
		}
	})
}
