package router_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// callPeer calls ref directly on n (a local peer: the outcome is known before Call
// returns) and returns the answer, or the error's text.
func callPeer(t *testing.T, n *router.Node, ref router.PeerRef) string {
	t.Helper()
	got := "no outcome"
	if _, err := n.Call(router.ToPeer(ref), []byte("ev"), router.Infinity, func(res router.Result) {
		switch {
		case errors.Is(res.Err, router.ErrUnreachable):
			got = "unreachable"
		case res.Err != nil:
			got = res.Err.Error()
		default:
			got = string(res.Value)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// answering is a peer that replies label to every event.
func answering(label string) router.Peer {
	return router.PeerFunc(func(r *router.Request) { r.Reply([]byte(label)) })
}

// TestPeerRegistry checks that AddPeer and RemovePeer change exactly the peer they
// name: several peers of one ensemble, and one of the same name in another, live on
// one node side by side; adding again replaces; removing leaves the others.
func TestPeerRegistry(t *testing.T) {
	n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: benchClock{}, Transport: benchTransport{&benchNet{}}, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	a := router.PeerRef{Ensemble: "e1", Name: "a", Node: "n1"}
	b := router.PeerRef{Ensemble: "e1", Name: "b", Node: "n1"}
	c := router.PeerRef{Ensemble: "e1", Name: "c", Node: "n1"}
	a2 := router.PeerRef{Ensemble: "e2", Name: "a", Node: "n1"}
	add := func(ref router.PeerRef, label string) {
		t.Helper()
		if err := n.AddPeer(ref, answering(label)); err != nil {
			t.Fatal(err)
		}
	}
	want := func(step string, ref router.PeerRef, answer string) {
		t.Helper()
		if got := callPeer(t, n, ref); got != answer {
			t.Errorf("%s: call to %s answered %q, want %q", step, ref, got, answer)
		}
	}
	add(a, "a1")
	add(b, "b1")
	add(c, "c1")
	add(a2, "e2-a")
	want("added", a, "a1")
	want("added", b, "b1")
	want("added", c, "c1")
	want("added", a2, "e2-a")

	add(a, "a2")
	want("replaced", a, "a2")
	want("replaced", b, "b1")

	n.RemovePeer(b)
	want("b removed", b, "unreachable")
	want("b removed", a, "a2")
	want("b removed", c, "c1")
	want("b removed", a2, "e2-a")

	n.RemovePeer(router.PeerRef{Ensemble: "e3", Name: "a", Node: "n1"}) // unknown: nothing changes
	n.RemovePeer(a)
	n.RemovePeer(c)
	want("e1 emptied", a, "unreachable")
	want("e1 emptied", c, "unreachable")
	want("e1 emptied", a2, "e2-a")

	add(b, "b2")
	want("b added again", b, "b2")
	want("b added again", a, "unreachable")
	add(a, "a3")
	want("a added again", a, "a3")
	want("a added again", b, "b2")
}
