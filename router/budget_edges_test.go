package router_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestInfiniteBudgetStaysInfinite: a request with no deadline (a cast, or a call to a
// peer target with timeout Infinity) is handed to its peer with Budget() Infinity
// however long it waited at the node: the wait is charged only against a finite budget,
// so a peer can tell "no deadline" from a very long one.
func TestInfiniteBudgetStaysInfinite(t *testing.T) {
	leader := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}
	for _, tc := range []struct {
		name string
		msg  router.Message
	}{
		{name: "routed cast", msg: router.Message{Kind: router.KindCast, From: "n1", Ensemble: "e1", Event: []byte("ping"), Budget: router.Infinity, Hops: 1}},
		{name: "peer call without deadline", msg: router.Message{Kind: router.KindPeer, From: "n1", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 1},
			Peer: leader, Event: []byte("get"), Budget: router.Infinity, Hops: 1}},
	} {
		for _, sem := range []router.Semantics{router.Default, router.Riak} {
			t.Run(tc.name+"/"+sem.String(), func(t *testing.T) {
				clock := &handClock{now: time.Second + 10*time.Millisecond}
				n, err := router.New(router.Config{ID: "n2", Incarnation: 1, Semantics: sem, Clock: clock, Transport: &recTransport{},
					Rand: zeroRand{}, Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
				if err != nil {
					t.Fatal(err)
				}
				var got []time.Duration
				if err := n.AddPeer(leader, router.PeerFunc(func(r *router.Request) { got = append(got, r.Budget()) })); err != nil {
					t.Fatal(err)
				}
				m := tc.msg
				n.Deliver(&m, time.Second) // arrived 10ms before the node takes it
				if len(got) != 1 || got[0] != router.Infinity {
					t.Fatalf("the peer was handed budgets %v, want [Infinity] (%d)", got, router.Infinity)
				}
			})
		}
	}
}
