package router_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// riakNode1 is a riak node n1 whose directory names p1 of e1, on n1, as e1's leader.
func riakNode1(t *testing.T) (*router.Node, router.PeerRef) {
	n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Semantics: router.Riak, Clock: benchClock{}, Transport: benchTransport{&benchNet{}}, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	ref := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	if !n.Learn(router.Entry{Ensemble: "e1", Leader: ref, Version: 1}) {
		t.Fatal("Learn refused the entry")
	}
	return n, ref
}

// outcome records a call's result in *got.
func outcome(got *string) func(router.Result) {
	return func(res router.Result) {
		if res.Err != nil {
			*got = res.Err.Error()
			return
		}
		*got = string(res.Value)
	}
}

// TestReplacedPeerRetryInDone: under riak, AddPeer over p1 ends the old process, and
// its worker's call answers timeout in place. An application that retries in that
// call's done routes the retry while AddPeer is still running; once AddPeer returns,
// a call to e1 reaches the new peer, not the dead process.
func TestReplacedPeerRetryInDone(t *testing.T) {
	n, ref := riakNode1(t)
	if err := n.AddPeer(ref, router.PeerFunc(func(*router.Request) {})); err != nil { // holds every request
		t.Fatal(err)
	}
	first, retry := "no outcome", "no outcome"
	if _, err := n.Call(router.ToEnsemble("e1"), []byte("a"), time.Second, func(res router.Result) {
		outcome(&first)(res)
		if _, err := n.Call(router.ToEnsemble("e1"), []byte("retry"), time.Second, outcome(&retry)); err != nil {
			t.Error(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := n.AddPeer(ref, answering("new")); err != nil {
		t.Fatal(err)
	}
	if first != router.ErrTimeout.Error() {
		t.Errorf("first call: %q, want %q", first, router.ErrTimeout.Error())
	}
	later := "no outcome"
	if _, err := n.Call(router.ToEnsemble("e1"), []byte("later"), time.Second, outcome(&later)); err != nil {
		t.Fatal(err)
	}
	if later != "new" {
		t.Errorf("a call after AddPeer returned: %q, want %q (the new peer's answer)", later, "new")
	}
	if retry != "new" {
		t.Errorf("the retry made in done: %q, want %q (the new peer's answer)", retry, "new")
	}
}

// TestReplacedPeerRemovedInDone: under riak, a done that runs while AddPeer replaces
// p1 removes p1. The other peer of e1 on the node, p2, is left as it was: a call to
// p2 reaches p2.
func TestReplacedPeerRemovedInDone(t *testing.T) {
	n, ref := riakNode1(t)
	p2 := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n1"}
	if err := n.AddPeer(ref, router.PeerFunc(func(*router.Request) {})); err != nil { // holds every request
		t.Fatal(err)
	}
	if err := n.AddPeer(p2, answering("p2")); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Call(router.ToEnsemble("e1"), []byte("a"), time.Second, func(router.Result) {
		n.RemovePeer(ref)
	}); err != nil {
		t.Fatal(err)
	}
	if err := n.AddPeer(ref, answering("new p1")); err != nil {
		t.Fatal(err)
	}
	if got := callPeer(t, n, p2); got != "p2" {
		t.Errorf("a call to p2 answered %q, want %q", got, "p2")
	}
}

// TestRemovedPeerCastCounted: under riak a cast that a peer holds when it is removed
// goes nowhere: what the dead process does with it is no answer to a request answered
// already (Stats.Twice), and the cast is dropped (Stats.CastDrop counts casts dropped
// for any reason).
func TestRemovedPeerCastCounted(t *testing.T) {
	n, ref := riakNode1(t)
	var held []*router.Request
	if err := n.AddPeer(ref, router.PeerFunc(func(r *router.Request) { held = append(held, r) })); err != nil {
		t.Fatal(err)
	}
	if err := n.Cast(router.ToEnsemble("e1"), []byte("c")); err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 {
		t.Fatalf("the peer holds %d requests, want the cast", len(held))
	}
	n.RemovePeer(ref)
	held[0].Forward(router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n1"})
	st := n.Stats()
	if st.CastDrop != 1 || st.Twice != 0 {
		t.Errorf("CastDrop %d, Twice %d; want 1 and 0", st.CastDrop, st.Twice)
	}
}
