package router_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestPeerTargetIsNeverRedirected: a call to one named peer that the peer nacks ends
// with the nack's error, even when the caller's directory has learned a newer leader
// for the peer's ensemble since the call started; an ensemble call in the same place
// is redirected to that leader. (The proxy's empty ensemble marks a peer target: Call
// routes the proxy's own request, and a peer target's routing must not change it.)
func TestPeerTargetIsNeverRedirected(t *testing.T) {
	old := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	newer := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n3"}
	for _, tc := range []struct {
		name      string
		target    router.Target
		redirects uint64
	}{
		{name: "peer", target: router.ToPeer(old)},
		{name: "ensemble", target: router.ToEnsemble("e1"), redirects: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &recTransport{}
			n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: stillClock{}, Transport: tr, Rand: zeroRand{},
				Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: old, Version: 1}})})
			if err != nil {
				t.Fatal(err)
			}
			var got []error
			id, err := n.Call(tc.target, []byte("x"), time.Second, func(r router.Result) { got = append(got, r.Err) })
			if err != nil {
				t.Fatal(err)
			}
			n.Learn(router.Entry{Ensemble: "e1", Leader: newer, Version: 2})
			nack := router.Message{Kind: router.KindReply, From: "n2", Call: id, Code: router.CodeNack, Peer: old, Hops: 1}
			n.Deliver(&nack, 0)
			if s := n.Stats(); s.Redirects != tc.redirects {
				t.Fatalf("%d redirects, want %d (sent %v)", s.Redirects, tc.redirects, tr.out)
			}
			if tc.redirects == 0 && (len(got) != 1 || !errors.Is(got[0], router.ErrNotLeader) || len(tr.out) != 1) {
				t.Fatalf("the call ended with %v after %d messages, want once with %v after 1", got, len(tr.out), router.ErrNotLeader)
			}
			if tc.redirects == 1 && (len(got) != 0 || len(tr.out) != 2 || tr.out[1].to != newer.Node) {
				t.Fatalf("the call ended with %v and sent %v, want it redirected to %s", got, tr.out, newer.Node)
			}
		})
	}
}

// TestCallsFromDone: a call whose outcome is known at once (its leader's peer is on
// the caller's node and answers in Handle) completes before Call returns; the next call
// starts from its done, or from the peer's Handle once it has answered, when the first
// call's proxy is free to be taken again while the first Call is still on the stack.
// Each call gets its own answer and id, under both semantics: routing reads a call's
// request (the proxy's) only before it hands it on.
func TestCallsFromDone(t *testing.T) {
	leader := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		for _, fromPeer := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/from peer %v", sem, fromPeer), func(t *testing.T) {
				n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Semantics: sem, Clock: stillClock{}, Transport: &recTransport{}, Rand: zeroRand{},
					Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
				if err != nil {
					t.Fatal(err)
				}
				const calls = 40
				var results []router.Result
				var ids []router.CallID
				var call func(k int)
				call = func(k int) {
					id, err := n.Call(router.ToEnsemble("e1"), []byte{byte('a' + k)}, time.Second, func(r router.Result) {
						results = append(results, r)
						if !fromPeer && k+1 < calls {
							call(k + 1)
						}
					})
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, id)
				}
				if err := n.AddPeer(leader, router.PeerFunc(func(r *router.Request) {
					r.Reply(r.Event())
					if k := int(r.Event()[0] - 'a'); fromPeer && k+1 < calls {
						call(k + 1)
					}
				})); err != nil {
					t.Fatal(err)
				}
				call(0)
				if len(results) != calls || len(ids) != calls {
					t.Fatalf("%d results and %d ids, want %d", len(results), len(ids), calls)
				}
				for k, r := range results {
					id := ids[calls-1-k] // the innermost Call returns first
					if want := []byte{byte('a' + k)}; r.Err != nil || string(r.Value) != string(want) || r.Call != id {
						t.Fatalf("call %d: Call returned %v, done got %+v, want %q for that id", k, id, r, want)
					}
				}
				if s := n.Stats(); s.Calls != calls || s.Completed[router.CodeOK] != calls || len(n.Pending()) != 0 {
					t.Fatalf("stats %+v, %d pending", s, len(n.Pending()))
				}
			})
		}
	}
}

// TestCastPeerThroughRefused: a cast to a peer through a node is refused, as a call
// is: Through routes an ensemble target, and a peer target goes straight to its node.
func TestCastPeerThroughRefused(t *testing.T) {
	tr := &recTransport{}
	n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: stillClock{}, Transport: tr, Rand: zeroRand{}})
	if err != nil {
		t.Fatal(err)
	}
	err = n.Cast(router.ToPeer(router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}).Through("n3"), []byte("x"))
	if !errors.Is(err, router.ErrBadTarget) || !strings.Contains(err.Error(), "via n3") {
		t.Fatalf("Cast: %v, want ErrBadTarget naming n3", err)
	}
	if len(tr.out) != 0 {
		t.Fatalf("a refused cast sent %d messages", len(tr.out))
	}
}

// TestCallRefusalsMatch: each of Call's refusals can be told apart with errors.Is
// under both semantics, and a refused call leaves nothing behind: no message, no
// pending call, no call counted.
func TestCallRefusalsMatch(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		for _, tc := range []struct {
			name    string
			target  router.Target
			timeout time.Duration
			want    error
		}{
			{name: "ensemble without a deadline", target: router.ToEnsemble("e1"), timeout: router.Infinity, want: router.ErrNoDeadline},
			{name: "zero timeout", target: router.ToEnsemble("e1"), timeout: 0, want: router.ErrBadTimeout},
			{name: "negative timeout to a peer", target: router.ToPeer(router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}), timeout: -time.Second, want: router.ErrBadTimeout},
			{name: "no target", timeout: time.Second, want: router.ErrBadTarget},
			{name: "ensemble and peer", target: router.Target{Ensemble: "e1", Peer: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}}, timeout: time.Second, want: router.ErrBadTarget},
			{name: "peer without a node", target: router.ToPeer(router.PeerRef{Ensemble: "e1", Name: "p1"}), timeout: time.Second, want: router.ErrBadTarget},
			{name: "peer without an ensemble", target: router.ToPeer(router.PeerRef{Name: "p1", Node: "n2"}), timeout: time.Second, want: router.ErrBadTarget},
			{name: "peer through a node", target: router.ToPeer(router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}).Through("n3"), timeout: time.Second, want: router.ErrBadTarget},
		} {
			t.Run(fmt.Sprintf("%s/%s", sem, tc.name), func(t *testing.T) {
				tr := &recTransport{}
				n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Clock: stillClock{}, Transport: tr, Rand: zeroRand{}, Semantics: sem})
				if err != nil {
					t.Fatal(err)
				}
				_, err = n.Call(tc.target, []byte("x"), tc.timeout, func(router.Result) { t.Error("a refused call completed") })
				if !errors.Is(err, tc.want) {
					t.Fatalf("Call: %v, want an error matching %v", err, tc.want)
				}
				if s := n.Stats(); len(tr.out) != 0 || len(n.Pending()) != 0 || s.Calls != 0 {
					t.Fatalf("a refused call left %d messages, pending %v, %d calls counted", len(tr.out), n.Pending(), s.Calls)
				}
			})
		}
	}
}
