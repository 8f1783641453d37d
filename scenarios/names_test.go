package scenarios

import (
	"fmt"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestPeerNamesMatchString: the remembered rendering is always the ref's own, across
// more refs than the cache has slots, revisited in a scrambled order.
func TestPeerNamesMatchString(t *testing.T) {
	var c peerNames
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
			if got, want := c.name(r), r.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", r, got, want)
			}
		}
	}
}

// TestTargetNamesMatchString: as TestPeerNamesMatchString, for call targets of every
// kind (direct, through a node, to a peer).
func TestTargetNamesMatchString(t *testing.T) {
	var c targetNames
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
			if got, want := c.name(tg), tg.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", tg, got, want)
			}
		}
	}
}
