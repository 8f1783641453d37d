package router_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// riakFollowerNode is n2 under riak, sharded as given, whose member of e1 the
// directory names the leader, though it follows e1/p3@n3 and forwards every request
// there.
func riakFollowerNode(t *testing.T, shard, shards int, tr router.Transport) *router.Node {
	t.Helper()
	me := router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}
	n, err := router.New(router.Config{ID: "n2", Incarnation: 1, Semantics: router.Riak, Shards: shards, Shard: shard,
		Clock: stillClock{}, Transport: tr, Rand: zeroRand{},
		Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: me, Version: 1}})})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.AddPeer(me, router.PeerFunc(func(r *router.Request) {
		r.Forward(router.PeerRef{Ensemble: "e1", Name: "p3", Node: "n3"})
	})); err != nil {
		t.Fatal(err)
	}
	return n
}

func routeFromN1(seq uint64) *router.Message {
	return &router.Message{Kind: router.KindRoute, From: "n1", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: seq},
		Ensemble: "e1", Event: []byte("get"), Budget: time.Second, Hops: 1}
}

// TestWorkerRelaysOnlyItsCall: a leader's answer to worker w relays to the caller only
// if it answers w's call: an answer naming w and another call (a worker id of an
// earlier incarnation of the node, say) is dropped as late, and the worker goes on
// waiting; its own call's answer is relayed with the leader's result and peer, to the
// caller's node and not to a worker there, and retires it.
func TestWorkerRelaysOnlyItsCall(t *testing.T) {
	tr := &recTransport{}
	n := riakFollowerNode(t, 0, 1, tr)
	n.Deliver(routeFromN1(1), 0)
	if len(tr.out) != 1 || tr.out[0].to != "n3" || tr.out[0].m.Kind != router.KindPeer || tr.out[0].m.Worker == 0 {
		t.Fatalf("sent %+v, want one forward to n3 naming a worker", tr.out)
	}
	w := tr.out[0].m.Worker
	if n.Workers() != 1 {
		t.Fatalf("%d workers after the forward, want the one waiting for the leader", n.Workers())
	}
	leader := router.PeerRef{Ensemble: "e1", Name: "p3", Node: "n3"}
	answer := router.Message{Kind: router.KindReply, From: "n3", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 9},
		Code: router.CodeOK, Result: []byte("v"), Peer: leader, Hops: 2, Worker: w}
	n.Deliver(&answer, 0)
	if len(tr.out) != 1 || n.Stats().Late != 1 || n.Workers() != 1 {
		t.Fatalf("an answer for another call: sent %d more, Late %d, %d workers; want it dropped as late and the worker waiting",
			len(tr.out)-1, n.Stats().Late, n.Workers())
	}
	answer.Call.Seq = 1
	n.Deliver(&answer, 0)
	want := router.Message{Kind: router.KindReply, From: "n2", Call: answer.Call, Code: router.CodeOK, Result: []byte("v"), Peer: leader, Hops: 2}
	if len(tr.out) != 2 {
		t.Fatalf("its own call's answer: sent %+v, want the relay to n1", tr.out[1:])
	}
	if got := tr.out[1]; got.to != "n1" || !cmp.Equal(got.m, want) {
		t.Errorf("relayed to %s:\n%s", got.to, cmp.Diff(want, got.m))
	}
	if n.Workers() != 0 {
		t.Errorf("%d workers after the relay, want it retired", n.Workers())
	}
	n.Deliver(&answer, 0) // a copy: the worker is gone
	if len(tr.out) != 2 || n.Stats().Late != 2 {
		t.Errorf("a copy of the answer: sent %d more, Late %d; want it dropped as late", len(tr.out)-2, n.Stats().Late)
	}
}

// TestWorkerIDsNameTheirShard: a sharded node numbers its workers so that
// ShardOfWorker finds the shard from the id alone (a driver hands a leader's answer
// to that shard), and never uses 0, which names no worker.
func TestWorkerIDsNameTheirShard(t *testing.T) {
	for _, sh := range []struct{ shard, shards int }{{0, 1}, {0, 4}, {2, 4}, {3, 4}, {6, 7}} {
		tr := &recTransport{}
		n := riakFollowerNode(t, sh.shard, sh.shards, tr)
		seen := map[uint64]bool{}
		for seq := uint64(1); seq <= 5; seq++ {
			n.Deliver(routeFromN1(seq), 0)
			w := tr.out[len(tr.out)-1].m.Worker
			if w == 0 || seen[w] || router.ShardOfWorker(w, sh.shards) != sh.shard {
				t.Errorf("shard %d of %d: worker %d (shard %d by its id), seen before %v; want a new non-zero id of this shard",
					sh.shard, sh.shards, w, router.ShardOfWorker(w, sh.shards), seen[w])
			}
			seen[w] = true
		}
	}
	if got := router.ShardOfWorker(0, 4); got != 0 {
		t.Errorf("ShardOfWorker(0, 4) = %d, want 0", got)
	}
}

// TestPeerMessageWorkerHonouredOnlyForRiakForwards: a leader answers a worker only
// for a forward under riak; a peer-target call (not forwarded) naming a worker, or a
// forward reaching a node of default semantics, is answered to the caller's node.
func TestPeerMessageWorkerHonouredOnlyForRiakForwards(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sem       router.Semantics
		forwarded bool
		to        router.NodeID
		worker    uint64
	}{
		{"riak forward", router.Riak, true, "n2", 5},
		{"riak peer target", router.Riak, false, "n1", 0},
		{"default forward", router.Default, true, "n1", 0},
	} {
		tr := &recTransport{}
		leader := router.PeerRef{Ensemble: "e1", Name: "p3", Node: "n3"}
		n, err := router.New(router.Config{ID: "n3", Incarnation: 1, Semantics: tc.sem, Clock: stillClock{}, Transport: tr, Rand: zeroRand{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.AddPeer(leader, router.PeerFunc(func(r *router.Request) { r.Reply([]byte("v")) })); err != nil {
			t.Fatal(err)
		}
		n.Deliver(&router.Message{Kind: router.KindPeer, From: "n2", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 1},
			Ensemble: "e1", Peer: leader, Forwarded: tc.forwarded, Event: []byte("get"), Budget: time.Second, Hops: 2, Worker: 5}, 0)
		if len(tr.out) != 1 || tr.out[0].to != tc.to || tr.out[0].m.Kind != router.KindReply || tr.out[0].m.Worker != tc.worker {
			t.Errorf("%s: sent %+v, want one reply to %s for worker %d", tc.name, tr.out, tc.to, tc.worker)
		}
	}
}

// TestGiveUpRelays: Relaying counts the workers waiting for a leader's answer to their
// follower's forward, and GiveUpRelays makes each answer its caller timeout at once, in
// the order they started; the leader's answer that comes after finds no worker and is
// dropped as late.
func TestGiveUpRelays(t *testing.T) {
	tr := &recTransport{}
	n := riakFollowerNode(t, 0, 1, tr)
	n.Deliver(routeFromN1(1), 0)
	n.Deliver(routeFromN1(2), 0)
	if got := n.Relaying(); got != 2 {
		t.Fatalf("Relaying() = %d after two forwards, want 2", got)
	}
	answer := router.Message{Kind: router.KindReply, From: "n3", Call: tr.out[0].m.Call, Code: router.CodeOK, Result: []byte("v"),
		Peer: router.PeerRef{Ensemble: "e1", Name: "p3", Node: "n3"}, Hops: 2, Worker: tr.out[0].m.Worker}
	sent := len(tr.out)
	n.GiveUpRelays()
	var got []string
	for _, s := range tr.out[sent:] {
		got = append(got, fmt.Sprintf("%s %s %s", s.to, s.m.Code, s.m.Call))
	}
	want := []string{"n1 timeout n1.1.1", "n1 timeout n1.1.2"}
	if !slices.Equal(got, want) || n.Relaying() != 0 || n.Workers() != 0 {
		t.Fatalf("GiveUpRelays sent %q, left %d relaying and %d workers; want %q and none", got, n.Relaying(), n.Workers(), want)
	}
	n.Deliver(&answer, 0)
	if st := n.Stats(); st.Late != 1 || len(tr.out) != sent+2 {
		t.Errorf("the leader's answer after: Late %d, %d more sent; want it dropped as late", st.Late, len(tr.out)-sent-2)
	}
}
