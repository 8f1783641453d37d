package router_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// pickRand answers IntN with pick and records every n it was asked about.
type pickRand struct {
	pick  int
	asked []int
}

func (r *pickRand) IntN(n int) int {
	r.asked = append(r.asked, n)
	return r.pick
}

// sentLog records what a node sends, and refuses nothing.
type sentLog struct{ sent []router.Message }

func (l *sentLog) Send(to router.NodeID, m *router.Message) error {
	l.sent = append(l.sent, *m)
	return nil
}

// TestRouterInstancePick pins how a router instance is picked, as in the original: a
// call or cast for a leader on another node goes to one of that node's router
// instances (7 unless configured), drawn from the node's Rand for each send, and the
// index travels in the message; a leader on the sender's own node is routed in place,
// with no instance and no draw. A router instance that passes a request on draws again.
func TestRouterInstancePick(t *testing.T) {
	remote := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}
	local := router.PeerRef{Ensemble: "e2", Name: "p1", Node: "n1"}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		for pick := range router.DefaultRouters {
			rnd := &pickRand{pick: pick}
			tr := &sentLog{}
			n, err := router.New(router.Config{
				ID: "n1", Incarnation: 1, Semantics: sem,
				Clock: benchClock{}, Transport: tr, Rand: rnd,
				Directory: router.NewDirectory([]router.Entry{
					{Ensemble: "e1", Leader: remote, Version: 1},
					{Ensemble: "e2", Leader: local, Version: 1},
				}),
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := n.AddPeer(local, router.PeerFunc(func(r *router.Request) { r.Reply([]byte("ok")) })); err != nil {
				t.Fatal(err)
			}
			if _, err := n.Call(router.ToEnsemble("e2"), []byte("x"), time.Second, func(router.Result) {}); err != nil {
				t.Fatal(err)
			}
			if err := n.Cast(router.ToEnsemble("e2"), []byte("x")); err != nil {
				t.Fatal(err)
			}
			if len(rnd.asked) != 0 || len(tr.sent) != 0 {
				t.Fatalf("%v: a local leader drew %v and sent %d messages, want in place", sem, rnd.asked, len(tr.sent))
			}
			if _, err := n.Call(router.ToEnsemble("e1"), []byte("x"), time.Second, func(router.Result) {}); err != nil {
				t.Fatal(err)
			}
			if err := n.Cast(router.ToEnsemble("e1"), []byte("x")); err != nil {
				t.Fatal(err)
			}
			// A router instance of n1 handed a request for e1 passes it on to n2.
			n.Deliver(&router.Message{Kind: router.KindRoute, From: "n3", Instance: 0, Ensemble: "e1",
				Call: router.CallID{Node: "n3", Incarnation: 1, Seq: 1}, Event: []byte("x"), Budget: time.Second, Hops: 1}, 0)
			want := []int{router.DefaultRouters, router.DefaultRouters, router.DefaultRouters}
			if len(rnd.asked) != len(want) || rnd.asked[0] != want[0] || rnd.asked[1] != want[1] || rnd.asked[2] != want[2] {
				t.Fatalf("%v: drew IntN(%v), want %v", sem, rnd.asked, want)
			}
			kinds := []router.Kind{router.KindRoute, router.KindCast, router.KindRoute}
			if len(tr.sent) != len(kinds) {
				t.Fatalf("%v: sent %d messages, want %d", sem, len(tr.sent), len(kinds))
			}
			for i, m := range tr.sent {
				if m.Kind != kinds[i] || m.Instance != pick || m.Ensemble != "e1" {
					t.Errorf("%v: message %d is %v, want %v to instance r%d", sem, i, m, kinds[i], pick)
				}
			}
			if tr.sent[2].Hops != 2 {
				t.Errorf("%v: passed-on request has hops=%d, want 2", sem, tr.sent[2].Hops)
			}
		}
	}
}
