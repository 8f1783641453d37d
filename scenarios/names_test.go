package scenarios

import (
	"fmt"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
	"pgregory.net/rapid"
)

// TestPeerNamesMatchString: the remembered rendering is always the ref's own, across
// more refs than the cache has slots, revisited in a scrambled order.
func TestPeerNamesMatchString(t *testing.T) {
	c := peerNames{w: sim.New(sim.Config{})}
	refs := []router.PeerRef{{}}
	for e := range 40 {
		for p := range 5 {
			for n := range 3 {
				refs = append(refs, router.PeerRef{Ensemble: router.EnsembleID(fmt.Sprintf("e%d", e)), Name: fmt.Sprintf("p%d", p), Node: router.NodeID(fmt.Sprintf("n%d", n))})
			}
		}
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
// String names each ref.
func TestPeerNamesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := peerNames{w: sim.New(sim.Config{})}
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

// TestPeerNamesRemember: a ref named again, even after others, is not rendered again.
func TestPeerNamesRemember(t *testing.T) {
	c := peerNames{w: sim.New(sim.Config{})}
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
	c := newTargetNames(sim.New(sim.Config{}))
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
// index pairs than the cache has slots.
func TestCallTargetNames(t *testing.T) {
	wd, err := newWorld(scaleSpec("names", "30 nodes, 20 ensembles", 30, 20, 100), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
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
	if len(cts) <= nameSlots {
		t.Fatalf("only %d index pairs: the cache's slots are never shared", len(cts))
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
