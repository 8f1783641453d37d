package scenarios

import (
	"fmt"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
	"pgregory.net/rapid"
)

// peerNameSizes are the sizes of world peerNames are tested for: a small world's
// slots, and a large world's table (bigPeerNames).
var peerNameSizes = []int{0, 1000}

// TestPeerNamesMatchString: the remembered rendering is always the ref's own, across
// more refs than the cache has slots, revisited in a scrambled order, in a small
// world's cache and a large one's.
func TestPeerNamesMatchString(t *testing.T) {
	for _, peers := range peerNameSizes {
		testPeerNamesMatchString(t, newPeerNames(sim.New(sim.Config{}), peers))
	}
}

func testPeerNamesMatchString(t *testing.T, c *peerNames) {
	refs := []router.PeerRef{{}}
	for e := range 40 {
		for p := range 5 {
			for n := range 3 {
				refs = append(refs, router.PeerRef{Ensemble: router.EnsembleID(fmt.Sprintf("e%d", e)), Name: fmt.Sprintf("p%d", p), Node: router.NodeID(fmt.Sprintf("n%d", n))})
			}
		}
	}
	// More refs than either table has slots that differ in one field only, so that
	// such refs share slots.
	for i := range 5000 {
		refs = append(refs,
			router.PeerRef{Ensemble: "e1", Name: fmt.Sprintf("p%d", i), Node: "n1"},
			router.PeerRef{Ensemble: router.EnsembleID(fmt.Sprintf("e%d", i)), Name: "p1", Node: "n1"},
			router.PeerRef{Ensemble: "e1", Name: "p1", Node: router.NodeID(fmt.Sprintf("n%d", i))})
	}
	for round := range 3 {
		for i := range refs {
			r := refs[(i*7919+round)%len(refs)]
			if got, want := c.name(&r).String(), r.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", r, got, want)
			}
		}
	}
}

// TestPeerNamesModel: any sequence of refs, drawn from few short strings (empty ones
// too) so that refs alike but for one field, or one byte, meet in a slot, is named as
// String names each ref, in a small world's cache and a large one's.
func TestPeerNamesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := newPeerNames(sim.New(sim.Config{}), rapid.SampledFrom(peerNameSizes).Draw(t, "peers"))
		part := rapid.StringMatching(`[ep1]{0,3}`)
		for range rapid.IntRange(1, 400).Draw(t, "lookups") {
			r := router.PeerRef{
				Ensemble: router.EnsembleID(part.Draw(t, "ens")),
				Name:     part.Draw(t, "name"),
				Node:     router.NodeID(part.Draw(t, "node")),
			}
			if got, want := c.name(&r).String(), r.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", r, got, want)
			}
		}
	})
}

// TestPeerNamesRemember: a ref named again, even after others, is not rendered again,
// in a small world's cache and a large one's.
func TestPeerNamesRemember(t *testing.T) {
	for _, peers := range peerNameSizes {
		testPeerNamesRemember(t, newPeerNames(sim.New(sim.Config{}), peers))
	}
}

func testPeerNamesRemember(t *testing.T, c *peerNames) {
	refs := []router.PeerRef{
		{Ensemble: "e1", Name: "p1", Node: "n1"},
		{Ensemble: "e2", Name: "p3", Node: "n4"},
		{Ensemble: "e10", Name: "p2", Node: "n17"},
	}
	if n := testing.AllocsPerRun(100, func() {
		for i := range refs {
			c.name(&refs[i])
		}
	}); n != 0 {
		t.Fatalf("%v allocations naming refs named before, want 0", n)
	}
}

// TestTargetNamesMatchString: as TestPeerNamesMatchString, for call targets of every
// kind (direct, through a node, to a peer).
func TestTargetNamesMatchString(t *testing.T) {
	c := newTargetNames(sim.New(sim.Config{}), 0)
	targets := []router.Target{{}}
	for e := range 40 {
		ens := router.EnsembleID(fmt.Sprintf("e%d", e))
		targets = append(targets, router.ToEnsemble(ens))
		for n := range 6 {
			targets = append(targets, router.ToEnsemble(ens).Through(router.NodeID(fmt.Sprintf("n%d", n))))
		}
		targets = append(targets, router.Target{Peer: router.PeerRef{Ensemble: ens, Name: "p1", Node: "n1"}})
	}
	for round := range 3 {
		for i := range targets {
			tg := targets[(i*7919+round)%len(targets)]
			if got, want := c.name(tg).String(), tg.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", tg, got, want)
			}
		}
	}
}

// TestCallTargetNames: the tracer names an EvCall's target by the indexes of the
// workload call being made only when the event's target is that call's; any other
// target (another ensemble, another member to go through, a peer, no call being made)
// is named by its own strings. Every name is the target's own rendering, across more
// index pairs than the cache has slots, in a small world, whose cache has its few
// slots, and in a larger one, whose cache is a table with room for its targets
// (bigIdxNames).
func TestCallTargetNames(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ensembles  int
		bigIdx     bool
		tableSlots int
	}{
		{name: "small", ensembles: 10, tableSlots: nameSlots},
		{name: "large", ensembles: 60, bigIdx: true, tableSlots: 512}, // 60 + 180 members: room for twice as many
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd, err := newWorld(scaleSpec("names", "30 nodes", 30, tc.ensembles, 100), Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got := wd.targetNames.bigIdx != nil; got != tc.bigIdx || got && len(wd.targetNames.bigIdx.keys) != tc.tableSlots {
				t.Fatalf("%d ensembles: a table by indexes %v, want %v with %d slots", tc.ensembles, got, tc.bigIdx, tc.tableSlots)
			}
			testCallTargetNames(t, wd, tc.tableSlots)
		})
	}
}

func testCallTargetNames(t *testing.T, wd *world, slots int) {
	tr := wd.byIdx[0].tr
	targetOf := func(ct callTarget) router.Target {
		tg := router.ToEnsemble(wd.eord[ct.ens])
		if ct.via >= 0 {
			tg = tg.Through(wd.order[ct.via])
		}
		return tg
	}
	var cts []callTarget
	for e := range wd.eord {
		for v := -1; v < len(wd.order); v++ {
			cts = append(cts, callTarget{ens: int32(e), via: int32(v), set: true})
		}
	}
	if len(cts) <= slots {
		t.Fatalf("only %d index pairs: the cache's %d slots are never shared", len(cts), slots)
	}
	peer := router.Target{Peer: wd.ensBy[0].members[0]}
	for round := range 3 {
		for i := range cts {
			ct := cts[(i*7919+round)%len(cts)]
			other := cts[(i*104729+1)%len(cts)]
			for _, tg := range []router.Target{targetOf(ct), targetOf(other), peer} {
				for _, calling := range []callTarget{ct, {}} {
					wd.calling = calling
					ev := router.Event{Kind: router.EvCall, Target: tg}
					if got, want := tr.targetName(&ev).String(), tg.String(); got != want {
						t.Fatalf("calling %+v: target %v named %q, want %q", calling, tg, got, want)
					}
				}
			}
		}
	}
}

// TestSigSeesEveryByteOfAShortString: sig reads every byte of a string of up to five
// bytes (the first, the middle and the last four), so two short keys that differ
// anywhere hash apart and do not evict each other from the caches.
func TestSigSeesEveryByteOfAShortString(t *testing.T) {
	for n := 1; n <= 5; n++ {
		base := []byte("abcde"[:n])
		for i := range n {
			other := append([]byte(nil), base...)
			other[i] = 'z'
			if sig(string(base)) == sig(string(other)) {
				t.Errorf("sig(%q) == sig(%q): byte %d is not read", base, other, i)
			}
		}
	}
}
