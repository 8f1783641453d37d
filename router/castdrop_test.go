package router_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// unreachableTransport refuses every send, as to a node it cannot reach.
type unreachableTransport struct{}

func (unreachableTransport) Send(router.NodeID, *router.Message) error { return router.ErrUnreachable }

// TestCastDropCountsEveryDrop: Stats.CastDrop counts casts dropped for any reason,
// under both semantics: one a driver sheds, one a follower forwards to a leader it
// cannot reach, to no leader or to itself, one forwarded to a node without the leader
// peer.
func TestCastDropCountsEveryDrop(t *testing.T) {
	leader := router.PeerRef{Ensemble: "e1", Name: "p", Node: "n2"}
	follower := router.PeerRef{Ensemble: "e1", Name: "f", Node: "n1"}
	newNode := func(t *testing.T, id router.NodeID, sem router.Semantics, tr router.Transport) *router.Node {
		t.Helper()
		n, err := router.New(router.Config{ID: id, Incarnation: 1, Semantics: sem, Clock: benchClock{}, Transport: tr, Rand: rand.New(rand.NewPCG(1, 2))})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			n := newNode(t, "n2", sem, unreachableTransport{})
			n.Shed(router.Message{Kind: router.KindCast, From: "n1", Ensemble: "e1", Event: []byte("x"), Budget: router.Infinity, Hops: 1})
			n.Shed(router.Message{Kind: router.KindPeer, From: "n1", Ensemble: "e1", Peer: leader, Forwarded: true, Event: []byte("x"), Budget: router.Infinity, Hops: 1})
			if got := n.Stats().CastDrop; got != 2 {
				t.Errorf("a shed cast and a shed forward of one: CastDrop %d, want 2", got)
			}

			// A follower that forwards a cast to a leader it cannot reach, to no leader or
			// to itself drops it: a cast dropped (under riak the follower swallows the
			// last two, as it swallows a call's).
			for _, to := range []router.PeerRef{leader, {}, follower} {
				n = newNode(t, "n1", sem, unreachableTransport{})
				n.Learn(router.Entry{Ensemble: "e1", Leader: follower, Version: 1})
				if err := n.AddPeer(follower, router.PeerFunc(func(r *router.Request) { r.Forward(to) })); err != nil {
					t.Fatal(err)
				}
				if err := n.Cast(router.ToEnsemble("e1"), []byte("x")); err != nil {
					t.Fatal(err)
				}
				if st := n.Stats(); st.CastDrop != 1 || st.FwdDrop != 0 {
					t.Errorf("a cast forwarded to %q: CastDrop %d, FwdDrop %d; want 1 and 0", to, st.CastDrop, st.FwdDrop)
				}
			}

			n = newNode(t, "n2", sem, unreachableTransport{})
			n.Deliver(&router.Message{Kind: router.KindPeer, From: "n1", Ensemble: "e1", Peer: leader, Forwarded: true, Event: []byte("x"), Budget: router.Infinity, Hops: 1}, 0)
			if got := n.Stats().CastDrop; got != 1 {
				t.Errorf("a forwarded cast for a missing peer: CastDrop %d, want 1", got)
			}
		})
	}
}
