package router_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
	"github.com/ensroute/ensroute/router/routertest"
)

// FuzzPeerMessage: a node's core takes what another node sends it, once the
// transport has decoded it: any message nettransport.DecodeMessage makes of a frame's
// body, handed over as the driver hands it (a route's or cast's instance folded onto
// one the node runs, only well-formed gossip entries learned), from any other node,
// to any node, once or twice, and naming the call in flight or not. Whatever it is,
// no node panics, each node's event is clean between events, and the call that was
// in flight completes exactly once, by its deadline. Fuzz with
//
//	go test ./router -run '^$' -fuzz FuzzPeerMessage -fuzztime 2m
func FuzzPeerMessage(f *testing.F) {
	peer := router.PeerRef{Ensemble: modelEns, Name: "p2", Node: "n2"}
	call := router.CallID{Node: "n1", Incarnation: 1, Seq: 1}
	for _, m := range []router.Message{
		{Kind: router.KindRoute, Instance: 7, Call: call, Ensemble: modelEns, Event: []byte("x"), Budget: time.Second, Hops: 1},
		{Kind: router.KindCast, Ensemble: modelEns, Event: []byte("x"), Budget: router.Infinity},
		{Kind: router.KindPeer, Call: call, Ensemble: modelEns, Peer: peer, Forwarded: true, Event: []byte("x"), Budget: time.Second, Hops: 2},
		{Kind: router.KindPeer, Call: call, Ensemble: modelEns, Peer: router.PeerRef{Ensemble: modelEns, Name: "p9", Node: "n3"}, Budget: time.Second},
		{Kind: router.KindReply, Call: call, Peer: peer, Code: router.CodeOK, Result: []byte("v"), Hops: 1},
		{Kind: router.KindReply, Call: call, Code: router.CodeNoLeader},
		{Kind: router.KindReply, Call: call, Peer: peer, Code: router.CodeOK, Result: []byte("v"), Worker: 1},
		{Kind: router.KindPeer, Call: call, Ensemble: modelEns, Peer: peer, Event: []byte("x"), Budget: time.Second, Worker: 3},
		{Kind: router.KindGossip, Entries: []router.Entry{{Ensemble: modelEns, Leader: router.PeerRef{Ensemble: modelEns, Name: "p3", Node: "n3"}, Version: 9}, {Ensemble: "e2", Version: 1}}},
		{Kind: router.KindGossip, Entries: []router.Entry{{Ensemble: modelEns, Version: 1 << 62}}},
	} {
		for _, useCall := range []bool{false, true} {
			f.Add(nettransport.AppendMessage(nil, &m), uint8(1), uint8(0), useCall, false)
		}
		f.Add(nettransport.AppendMessage(nil, &m), uint8(0), uint8(2), true, true)
	}
	f.Fuzz(func(t *testing.T, body []byte, from, to uint8, useCall, twice bool) {
		m, err := nettransport.DecodeMessage(body)
		if err != nil {
			return
		}
		for _, sem := range []router.Semantics{router.Default, router.Riak} {
			env := newModelEnv(t, routertest.Config{Semantics: sem})
			const timeout = 50 * modelTick
			id, err := env.Call("n1", router.ToEnsemble(modelEns), "ev", timeout)
			if err != nil {
				t.Fatal(err)
			}
			deadline := env.Now() + timeout
			if _, err := env.DeliverAll(1000); err != nil {
				t.Fatal(err)
			}
			msg := m
			dest := modelNodes[int(to)%len(modelNodes)]
			msg.From = modelNodes[int(from)%len(modelNodes)]
			if msg.From == dest {
				msg.From = modelNodes[(int(to)+1)%len(modelNodes)]
			}
			if useCall {
				msg.Call = id
			}
			node := env.Node(dest)
			switch msg.Kind {
			case router.KindRoute, router.KindCast:
				if r := node.Routers(); msg.Instance >= r {
					msg.Instance %= r
				}
			case router.KindGossip:
				var ok []router.Entry
				for _, e := range msg.Entries {
					if e.Problem() == "" {
						ok = append(ok, e)
					}
				}
				msg.Entries = ok
			}
			for range 1 + btoi(twice) {
				in := msg // the node may not keep what it is handed
				node.Deliver(&in, env.Now())
				checkClean(t, env)
				if len(env.Results(id)) > 1 {
					t.Fatalf("%s: call %s completed twice at %s", sem, id, msg)
				}
			}
			done := time.Duration(-1)
			if len(env.Results(id)) == 1 {
				done = env.Now()
			}
			for env.Now() <= deadline+modelTick {
				if _, err := env.DeliverAll(10000); err != nil {
					t.Fatal(err)
				}
				checkClean(t, env)
				if rs := env.Results(id); len(rs) > 1 {
					t.Fatalf("%s: call %s completed %d times after %s reached %s: %v", sem, id, len(rs), msg, dest, rs)
				} else if len(rs) == 1 && done < 0 {
					done = env.Now()
				}
				env.Advance(modelTick)
			}
			if done < 0 || done > deadline {
				t.Fatalf("%s: call %s (deadline %v) completed at %v (-1: never) after %s reached %s: %v", sem, id, deadline, done, msg, dest, env.Results(id))
			}
		}
	})
}

func checkClean(t *testing.T, env *routertest.Env) {
	for _, n := range modelNodes {
		if err := router.EventLeftover(env.Node(n)); err != nil {
			t.Fatal(err)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
