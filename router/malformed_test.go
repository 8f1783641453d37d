package router_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestDeliverHopCountOutOfRange: a route whose hop count no node sends (negative, or
// one that would wrap past math.MaxInt) is answered as the hop limit answers, under
// default semantics, instead of being passed on with a count the limit cannot bound.
func TestDeliverHopCountOutOfRange(t *testing.T) {
	for _, hops := range []int{math.MaxInt, -100, -1} {
		tr := &recTransport{}
		n, err := router.New(router.Config{ID: "n2", Incarnation: 1, Clock: stillClock{}, Transport: tr, Rand: zeroRand{},
			Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p3", Node: "n3"}, Version: 1}})})
		if err != nil {
			t.Fatal(err)
		}
		n.Deliver(&router.Message{Kind: router.KindRoute, From: "n1", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 1},
			Ensemble: "e1", Event: []byte("x"), Budget: time.Second, Hops: hops}, 0)
		if len(tr.out) != 1 {
			t.Fatalf("hops %d: sent %v, want one reply", hops, tr.out)
		}
		if got := tr.out[0]; got.to != "n1" || got.m.Kind != router.KindReply || got.m.Code != router.CodeHopLimit {
			t.Errorf("hops %d: sent %s to %s (code %v, hops %d), want a hop-limit reply to n1", hops, got.m.Kind, got.to, got.m.Code, got.m.Hops)
		}
	}
}

// TestDeliverPeerOfAnotherNode: a peer message naming e1/p on n9, delivered to n2,
// which has a peer e1/p of its own, is not handed to n2's peer (whose answer would be
// credited to n9's): the caller is answered as for a peer not here, unreachable for a
// peer-target call and not-leader for a follower's forward.
func TestDeliverPeerOfAnotherNode(t *testing.T) {
	for _, forwarded := range []bool{false, true} {
		tr := &recTransport{}
		n, err := router.New(router.Config{ID: "n2", Incarnation: 1, Clock: stillClock{}, Transport: tr, Rand: zeroRand{}})
		if err != nil {
			t.Fatal(err)
		}
		handed := 0
		if err := n.AddPeer(router.PeerRef{Ensemble: "e1", Name: "p", Node: "n2"}, router.PeerFunc(func(r *router.Request) {
			handed++
			r.Reply([]byte("ok"))
		})); err != nil {
			t.Fatal(err)
		}
		n.Deliver(&router.Message{Kind: router.KindPeer, From: "n1", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 1},
			Ensemble: "e1", Peer: router.PeerRef{Ensemble: "e1", Name: "p", Node: "n9"}, Forwarded: forwarded,
			Event: []byte("x"), Budget: time.Second, Hops: 1}, 0)
		want := router.CodeUnreachable
		if forwarded {
			want = router.CodeNotLeader
		}
		if handed != 0 || len(tr.out) != 1 || tr.out[0].m.Kind != router.KindReply || tr.out[0].m.Code != want {
			t.Errorf("forwarded %v: n2's peer handed it %d times; sent %+v; want no hand-over and one %v reply", forwarded, handed, tr.out, want)
		}
		if st := n.Stats(); st.NoPeer != 1 {
			t.Errorf("forwarded %v: NoPeer %d, want 1", forwarded, st.NoPeer)
		}
	}
}

// TestLearnRefusesUnfitEntries: an entry without an ensemble, or whose leader is a peer
// of another ensemble or lacks a name or node, is not learned, so a call to e1 is not
// answered by e2's leader, by Learn or by the directory itself; a leaderless entry
// and a whole one are learned.
func TestLearnRefusesUnfitEntries(t *testing.T) {
	p := func(ens router.EnsembleID, name string, node router.NodeID) router.PeerRef {
		return router.PeerRef{Ensemble: ens, Name: name, Node: node}
	}
	cases := []struct {
		e       router.Entry
		problem string
	}{
		{router.Entry{Leader: p("e1", "p", "n1"), Version: 1}, "an entry names no ensemble"},
		{router.Entry{Ensemble: "e1", Leader: p("e2", "p", "n1"), Version: 1}, "an entry's leader is a peer of another ensemble"},
		{router.Entry{Ensemble: "e1", Leader: p("e1", "", "n1"), Version: 1}, "an entry's leader lacks a name or a node"},
		{router.Entry{Ensemble: "e1", Leader: p("e1", "p", ""), Version: 1}, "an entry's leader lacks a name or a node"},
		{router.Entry{Ensemble: "e1", Version: 1}, ""},
		{router.Entry{Ensemble: "e1", Leader: p("e1", "p", "n1"), Version: 1}, ""},
	}
	for _, tc := range cases {
		if got := tc.e.Problem(); got != tc.problem {
			t.Errorf("%v: Problem %q, want %q", tc.e, got, tc.problem)
		}
		n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: stillClock{}, Transport: &recTransport{}, Rand: zeroRand{}})
		if err != nil {
			t.Fatal(err)
		}
		if learned := n.Learn(tc.e); learned != (tc.problem == "") {
			t.Errorf("%v: Learn %v, want %v", tc.e, learned, tc.problem == "")
		}
		if _, ok := n.Directory().Lookup(tc.e.Ensemble); ok != (tc.problem == "") {
			t.Errorf("%v: in the directory %v, want %v", tc.e, ok, tc.problem == "")
		}
		// The node's directory's own Update, and a directory made with the entry,
		// refuse it too: no way in skips the check.
		d := router.NewDirectory(nil)
		if updated := d.Update(tc.e); updated != (tc.problem == "") {
			t.Errorf("%v: Directory.Update %v, want %v", tc.e, updated, tc.problem == "")
		}
		if _, ok := router.NewDirectory([]router.Entry{tc.e}).Lookup(tc.e.Ensemble); ok != (tc.problem == "") {
			t.Errorf("%v: in NewDirectory's directory %v, want %v", tc.e, ok, tc.problem == "")
		}
	}
}

// TestForwardToAnotherEnsemble: a follower that forwards to a peer of another
// ensemble, which Learn would never take for this one's leader, does not have a call
// to e1 run by e2's leader: the forward is refused as one to no leader (a nack under
// default; dropped under riak, the caller waiting out its timeout).
func TestForwardToAnotherEnsemble(t *testing.T) {
	f := router.PeerRef{Ensemble: "e1", Name: "f", Node: "n1"}
	other := router.PeerRef{Ensemble: "e2", Name: "l", Node: "n1"}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Semantics: sem, Clock: stillClock{}, Transport: &recTransport{}, Rand: zeroRand{}})
		if err != nil {
			t.Fatal(err)
		}
		n.Learn(router.Entry{Ensemble: "e1", Leader: f, Version: 1})
		ran := 0
		if err := n.AddPeer(f, router.PeerFunc(func(r *router.Request) { r.Forward(other) })); err != nil {
			t.Fatal(err)
		}
		if err := n.AddPeer(other, router.PeerFunc(func(r *router.Request) { ran++; r.Reply([]byte("ran in e2")) })); err != nil {
			t.Fatal(err)
		}
		var got []router.Result
		if _, err := n.Call(router.ToEnsemble("e1"), []byte("x"), time.Second, func(r router.Result) { got = append(got, r) }); err != nil {
			t.Fatal(err)
		}
		if ran != 0 {
			t.Errorf("%v: e2's leader ran a call to e1", sem)
		}
		wantErr := router.ErrNotLeader
		if sem == router.Riak {
			wantErr = nil // no outcome yet: the worker answers timeout at its timer
		}
		switch {
		case wantErr == nil && len(got) != 0:
			t.Errorf("%v: outcomes %+v, want none before the timeout", sem, got)
		case wantErr != nil && (len(got) != 1 || !errors.Is(got[0].Err, wantErr)):
			t.Errorf("%v: outcomes %+v, want one %v", sem, got, wantErr)
		}
	}
}
