package transporttest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/router"
)

// Nodes is how many nodes a Harness joins.
const Nodes = 3

// Routers is the number of router instances per node a Harness must accept (messages
// name instances up to Routers-1).
const Routers = 7

// Harness is one world of Nodes nodes joined by the transport under test. Node i's
// transport sends as ID(i). Its methods are called from the test's goroutine.
type Harness interface {
	// ID returns node i's id.
	ID(i int) router.NodeID
	// Transport returns node i's transport.
	Transport(i int) router.Transport
	// Received returns what node i was handed so far, in arrival order.
	Received(i int) []router.Message
	// Connect lets nodes i and j talk, and returns once they can.
	Connect(i, j int)
	// Await lets time pass (a simulator runs events, a real network waits) until cond
	// holds, and reports whether it did before the harness gave up.
	Await(cond func() bool) bool
	// Isolate makes node i unreachable, as a crash or a noticed partition does;
	// Rejoin brings it back.
	Isolate(i int)
	Rejoin(i int)
}

// Run runs the transport contract (router.Transport's documentation) against the
// harnesses newHarness builds, one per subtest.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{name: "every field arrives", fn: testFields},
		{name: "a riak worker arrives", fn: testWorker},
		{name: "both directions", fn: testBothWays},
		{name: "order per pair", fn: testOrder},
		{name: "unknown node fails at once", fn: testUnknown},
		{name: "isolated node fails fast and comes back", fn: testIsolate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newHarness(t)) })
	}
}

// Messages returns one message of every kind with every field a kind uses set, as
// node from would send them, under default semantics: riak's Worker is set only in
// WorkerMessages.
func Messages(from router.NodeID) []router.Message {
	peer := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	call := router.CallID{Node: from, Incarnation: 1<<40 + 3, Seq: 1<<33 + 7}
	return []router.Message{
		{Kind: router.KindRoute, From: from, Instance: Routers - 1, Call: call, Ensemble: "e1", Event: []byte("get k"), Budget: 250 * time.Millisecond, Hops: 1},
		{Kind: router.KindCast, From: from, Ensemble: "e1", Event: []byte("put k v"), Budget: router.Infinity, Hops: 2},
		{Kind: router.KindPeer, From: from, Call: call, Ensemble: "e1", Peer: peer, Forwarded: true, Event: []byte{0, 1, 2, 255}, Budget: time.Nanosecond, Hops: 3},
		{Kind: router.KindReply, From: from, Call: call, Peer: peer, Code: router.CodeOK, Result: []byte("v"), Hops: 4},
		{Kind: router.KindReply, From: from, Call: call, Code: router.CodeHopLimit, Hops: 5},
		{Kind: router.KindGossip, From: from, Entries: []router.Entry{{Ensemble: "e1", Leader: peer, Version: 1 << 62}, {Ensemble: "e2", Version: 3}}},
	}
}

// WorkerMessages returns the messages that name a riak worker (router.Message.Worker),
// as node from would send them: a follower's forward, which names the worker that
// called the follower, and the leader's answer to that worker.
func WorkerMessages(from router.NodeID) []router.Message {
	peer := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	call := router.CallID{Node: "n9", Incarnation: 1<<40 + 5, Seq: 1<<33 + 9}
	return []router.Message{
		{Kind: router.KindPeer, From: from, Call: call, Ensemble: "e1", Peer: peer, Forwarded: true, Worker: 1<<40 + 1, Event: []byte("put k v"), Budget: 250 * time.Millisecond, Hops: 2},
		{Kind: router.KindReply, From: from, Call: call, Peer: peer, Code: router.CodeOK, Result: []byte("v"), Worker: 3, Hops: 3},
	}
}

func send(t *testing.T, h Harness, from, to int, m router.Message) {
	t.Helper()
	if err := h.Transport(from).Send(h.ID(to), &m); err != nil {
		t.Fatalf("send %s from %s to %s: %v", m.Kind, h.ID(from), h.ID(to), err)
	}
}

func awaitCount(t *testing.T, h Harness, i, n int) []router.Message {
	t.Helper()
	if !h.Await(func() bool { return len(h.Received(i)) >= n }) {
		t.Fatalf("%s received %d messages, want %d", h.ID(i), len(h.Received(i)), n)
	}
	return h.Received(i)
}

func testFields(t *testing.T, h Harness) {
	h.Connect(0, 1)
	want := Messages(h.ID(0))
	for _, m := range want {
		send(t, h, 0, 1, m)
	}
	got := awaitCount(t, h, 1, len(want))
	// A network may hand router-instance work (routes, casts) over after the rest, as
	// a mailbox does: compare without order.
	byText := cmpopts.SortSlices(func(a, b router.Message) bool { return a.String() < b.String() })
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), byText); diff != "" {
		t.Fatalf("received (-sent +got):\n%s", diff)
	}
}

func testWorker(t *testing.T, h Harness) {
	h.Connect(0, 1)
	want := WorkerMessages(h.ID(0))
	for _, m := range want {
		send(t, h, 0, 1, m)
	}
	got := awaitCount(t, h, 1, len(want))
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("received (-sent +got):\n%s", diff)
	}
}

func testBothWays(t *testing.T, h Harness) {
	h.Connect(0, 1)
	h.Connect(1, 2)
	send(t, h, 0, 1, router.Message{Kind: router.KindGossip, From: h.ID(0)})
	send(t, h, 1, 0, router.Message{Kind: router.KindGossip, From: h.ID(1)})
	send(t, h, 2, 1, router.Message{Kind: router.KindGossip, From: h.ID(2)})
	awaitCount(t, h, 0, 1)
	got := awaitCount(t, h, 1, 2)
	from := map[router.NodeID]bool{got[0].From: true, got[1].From: true}
	if !from[h.ID(0)] || !from[h.ID(2)] {
		t.Fatalf("%s got messages from %v, want from %s and %s", h.ID(1), from, h.ID(0), h.ID(2))
	}
}

func testOrder(t *testing.T, h Harness) {
	h.Connect(0, 1)
	const n = 500
	for i := range n {
		send(t, h, 0, 1, router.Message{Kind: router.KindReply, From: h.ID(0), Call: router.CallID{Node: h.ID(1), Seq: uint64(i + 1)}})
	}
	got := awaitCount(t, h, 1, n)
	for i, m := range got {
		if m.Call.Seq != uint64(i+1) {
			t.Fatalf("message %d has seq %d: order lost", i, m.Call.Seq)
		}
	}
}

func testUnknown(t *testing.T, h Harness) {
	err := h.Transport(0).Send("no-such-node", &router.Message{Kind: router.KindGossip, From: h.ID(0)})
	if !errors.Is(err, router.ErrUnreachable) {
		t.Fatalf("send to an unknown node: %v, want ErrUnreachable", err)
	}
}

func testIsolate(t *testing.T, h Harness) {
	h.Connect(0, 1)
	h.Isolate(1)
	probe := router.Message{Kind: router.KindGossip, From: h.ID(0)}
	var last error
	if !h.Await(func() bool {
		last = h.Transport(0).Send(h.ID(1), &probe)
		return errors.Is(last, router.ErrUnreachable)
	}) {
		t.Fatalf("sends to an isolated node never failed fast; last error: %v", last)
	}
	h.Rejoin(1)
	before := len(h.Received(1))
	var odd error
	if !h.Await(func() bool {
		if len(h.Received(1)) > before {
			return true
		}
		last = h.Transport(0).Send(h.ID(1), &probe)
		if last != nil && !errors.Is(last, router.ErrUnreachable) && odd == nil {
			odd = last
		}
		return false
	}) {
		t.Fatalf("no message reached the node after it rejoined; last error: %v", last)
	}
	if odd != nil {
		t.Fatalf("a send after the rejoin failed with %v, want nil or ErrUnreachable", odd)
	}
}
