package router_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestBudgetNeverGrows: a node charges a request the time between its arrival and
// its hand-over, read on the node's own clock; a clock stepped back in between (the
// Clock port does not promise a monotonic one) charges nothing, and never hands the
// peer more budget than the message carried. This holds for a routed request and for
// a peer message (a follower's forward), under default semantics; riak charges
// nothing either way.
func TestBudgetNeverGrows(t *testing.T) {
	const budget = 50 * time.Millisecond
	leader := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}
	for _, tc := range []struct {
		name    string
		arrived time.Duration // when the message arrived, on the node's clock then
		now     time.Duration // what the clock reads when the node takes it
		want    time.Duration
	}{
		{name: "no wait", arrived: time.Second, now: time.Second, want: budget},
		{name: "10ms wait", arrived: time.Second, now: time.Second + 10*time.Millisecond, want: budget - 10*time.Millisecond},
		{name: "clock stepped back 40ms", arrived: time.Second, now: time.Second - 40*time.Millisecond, want: budget},
		// Spent to the nanosecond: dropped and counted, never handed as 0.
		{name: "waited the whole budget", arrived: time.Second, now: time.Second + budget, want: 0},
	} {
		for _, kind := range []router.Kind{router.KindRoute, router.KindPeer} {
			t.Run(tc.name+"/"+kind.String(), func(t *testing.T) {
				clock := &handClock{now: tc.now}
				n, err := router.New(router.Config{ID: "n2", Incarnation: 1, Semantics: router.Default, Clock: clock, Transport: &recTransport{},
					Rand: zeroRand{}, Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
				if err != nil {
					t.Fatal(err)
				}
				var got []time.Duration
				if err := n.AddPeer(leader, router.PeerFunc(func(r *router.Request) { got = append(got, r.Budget()) })); err != nil {
					t.Fatal(err)
				}
				m := router.Message{Kind: kind, From: "n1", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 1},
					Event: []byte("get"), Budget: budget, Hops: 1}
				if kind == router.KindRoute {
					m.Ensemble = "e1"
				} else {
					m.Peer, m.Forwarded = leader, true
				}
				n.Deliver(&m, tc.arrived)
				if tc.want == 0 {
					if len(got) != 0 || n.Stats().Budget != 1 {
						t.Fatalf("the peer was handed budgets %v, Stats.Budget %d; want none, and the drop counted", got, n.Stats().Budget)
					}
					return
				}
				if len(got) != 1 || got[0] != tc.want {
					t.Fatalf("the peer was handed budgets %v, want [%v]", got, tc.want)
				}
			})
		}
	}
}

// TestRedirectBudgetNeverGrows: a call redirected after a nack is sent on with what is
// left before its deadline on the caller's clock, and never with more than its
// timeout, though that clock stepped back since the call started; a nack at the
// deadline itself, before the deadline timer's turn, leaves nothing to redirect with,
// and ends the call not-leader.
func TestRedirectBudgetNeverGrows(t *testing.T) {
	const timeout = 50 * time.Millisecond
	old := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	leader := router.PeerRef{Ensemble: "e1", Name: "p3", Node: "n3"}
	for _, tc := range []struct {
		name string
		now  time.Duration // when the nack comes; the call started at 1s
		want time.Duration // 0: no redirect
	}{
		{name: "10ms later", now: time.Second + 10*time.Millisecond, want: timeout - 10*time.Millisecond},
		{name: "clock stepped back 40ms", now: time.Second - 40*time.Millisecond, want: timeout},
		{name: "a nanosecond before the deadline", now: time.Second + timeout - 1, want: 1},
		{name: "at the deadline", now: time.Second + timeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &handClock{now: time.Second}
			tr := &recTransport{}
			n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Semantics: router.Default, Clock: clock, Transport: tr,
				Rand: zeroRand{}, Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: old, Version: 1}})})
			if err != nil {
				t.Fatal(err)
			}
			var results []router.Result
			id, err := n.Call(router.ToEnsemble("e1"), []byte("get"), timeout, func(r router.Result) { results = append(results, r) })
			if err != nil {
				t.Fatal(err)
			}
			n.Learn(router.Entry{Ensemble: "e1", Leader: leader, Version: 2})
			clock.now = tc.now
			n.Deliver(&router.Message{Kind: router.KindReply, From: "n2", Call: id, Code: router.CodeNack, Peer: old, Hops: 1}, tc.now)
			if tc.want == 0 {
				if len(tr.out) != 1 || len(results) != 1 || !errors.Is(results[0].Err, router.ErrNotLeader) {
					t.Fatalf("sent %+v, results %+v; want no redirect, and the call ended not-leader", tr.out, results)
				}
				return
			}
			if len(tr.out) != 2 || tr.out[1].to != "n3" {
				t.Fatalf("sent %+v, want the route to n2 and then the redirect to n3", tr.out)
			}
			if got := tr.out[1].m.Budget; got != tc.want {
				t.Errorf("the redirect carries a budget of %v, want %v", got, tc.want)
			}
		})
	}
}

// TestForwardWithSpentBudget: a follower that forwards its request when the budget
// has run out to the nanosecond drops it and counts it (Stats.Budget), as a router
// drops a request whose budget is spent: the leader is never handed a spent budget.
// Riak charges no budget, and forwards.
func TestForwardWithSpentBudget(t *testing.T) {
	follower := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	leader := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n1"}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			clock := &handClock{}
			n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Semantics: sem, Clock: clock, Transport: &recTransport{},
				Rand: zeroRand{}, Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
			if err != nil {
				t.Fatal(err)
			}
			var held *router.Request
			var handed []time.Duration
			if err := n.AddPeer(follower, router.PeerFunc(func(r *router.Request) { held = r })); err != nil {
				t.Fatal(err)
			}
			if err := n.AddPeer(leader, router.PeerFunc(func(r *router.Request) { handed = append(handed, r.Budget()) })); err != nil {
				t.Fatal(err)
			}
			if _, err := n.Call(router.ToPeer(follower), []byte("get"), time.Second, func(router.Result) {}); err != nil {
				t.Fatal(err)
			}
			if held == nil {
				t.Fatal("the follower was handed nothing")
			}
			clock.now = time.Second
			held.Forward(leader)
			if sem == router.Riak {
				if len(handed) != 1 {
					t.Fatalf("riak: the leader was handed %v, want the forward", handed)
				}
				return
			}
			if len(handed) != 0 || n.Stats().Budget != 1 {
				t.Fatalf("the leader was handed budgets %v, Stats.Budget %d; want none, and the drop counted", handed, n.Stats().Budget)
			}
		})
	}
}
