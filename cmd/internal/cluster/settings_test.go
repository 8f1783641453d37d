package cluster

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestDiffSettings: two nodes' settings differ on the keys both give whose values
// differ: the semantics, --routers, the members of --peers (not their addresses), the
// ensembles' ids and member sets (not the order of the members, which only picks the
// first leader). A client's settings have no ensembles, and leave them out.
func TestDiffSettings(t *testing.T) {
	base := func() *Options {
		return &Options{Shape: Shape{Semantics: "default", Routers: 7,
			Peers: map[router.NodeID]string{"n1": "10.0.0.1:7000", "n2": "10.0.0.2:7000"},
			Ensembles: []Ensemble{
				{ID: "e1", Members: []router.NodeID{"n1", "n2"}},
				{ID: "e2", Members: []router.NodeID{"n2", "n1"}},
			}}}
	}
	ours := base().Settings(true)
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want []string
	}{
		{name: "same", edit: func(*Options) {}},
		{name: "addresses and member order", edit: func(o *Options) {
			o.Peers["n1"] = "node1.example:7000"
			o.Ensembles[0].Members = []router.NodeID{"n2", "n1"}
		}},
		{name: "semantics", edit: func(o *Options) { o.Semantics = "riak" }, want: []string{"semantics"}},
		{name: "routers", edit: func(o *Options) { o.Routers = 16 }, want: []string{"routers"}},
		{name: "ensemble order", edit: func(o *Options) { o.Ensembles[0], o.Ensembles[1] = o.Ensembles[1], o.Ensembles[0] }},
		{name: "a member renamed", edit: func(o *Options) {
			o.Peers["n3"] = o.Peers["n2"]
			delete(o.Peers, "n2")
		}, want: []string{"peers"}},
		{name: "an ensemble renamed", edit: func(o *Options) { o.Ensembles[1].ID = "e3" }, want: []string{"ensembles"}},
		{name: "a member more", edit: func(o *Options) { o.Peers["n3"] = "10.0.0.3:7000" }, want: []string{"peers"}},
		{name: "an ensemble's members", edit: func(o *Options) { o.Ensembles[1].Members = []router.NodeID{"n2"} }, want: []string{"ensembles"}},
		{name: "an ensemble fewer, and riak", edit: func(o *Options) { o.Ensembles = o.Ensembles[:1]; o.Semantics = "riak" }, want: []string{"semantics", "ensembles"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base()
			tc.edit(o)
			var got []string
			for _, d := range DiffSettings(ours, o.Settings(true)) {
				got = append(got, d.Key)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("keys that differ (-want +got):\n%s", diff)
			}
		})
	}

	// Ids that run together alike: members a and ab against aa and b.
	ab, aab := base(), base()
	ab.Peers = map[router.NodeID]string{"a": "10.0.0.1:7000", "ab": "10.0.0.2:7000"}
	aab.Peers = map[router.NodeID]string{"aa": "10.0.0.1:7000", "b": "10.0.0.2:7000"}
	if diffs := DiffSettings(ab.Settings(true), aab.Settings(true)); len(diffs) != 1 || diffs[0].Key != "peers" {
		t.Errorf("members a, ab against aa, b: %+v, want peers to differ", diffs)
	}

	client := base()
	client.Ensembles = nil
	client.Routers = 3
	diffs := DiffSettings(ours, client.Settings(false))
	if len(diffs) != 1 || diffs[0].Key != "routers" || diffs[0].Theirs != "3" || diffs[0].Ours != "7" {
		t.Fatalf("a client with --routers 3 and no ensembles: %+v", diffs)
	}
	if got, want := DescribeDiffs("c1", diffs), "routers: c1 has 3, this node 7"; got != want {
		t.Fatalf("described as %q, want %q", got, want)
	}
	if d := DiffSettings(ours, nil); d != nil {
		t.Fatalf("a node that sends nothing (an older release): %+v", d)
	}
}
