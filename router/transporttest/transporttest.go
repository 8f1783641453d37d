package transporttest

import (
	"errors"
	"fmt"
	"math"
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

// Closer is what a Harness adds whose transports close, as a production transport's
// do at its program's stop (router/driver's documentation, "A transport of your
// own"). With it, Run checks what a closed transport owes; without, that check
// skips.
type Closer interface {
	// Close closes node i's transport.
	Close(i int)
}

// Overloader is what a Harness adds whose transports bound what they queue for a
// node, as a production transport's send queue is (router.Transport: ErrOverloaded
// when a bounded queue is full). With it, Run checks what a full queue owes; without,
// that check skips.
type Overloader interface {
	// Stall makes node i take in nothing of what is sent to it, as a node whose
	// receiver is held up does, while it stays connected, until release is called:
	// what is sent to it piles up in its senders' queues. release may be called
	// more than once.
	Stall(i int) (release func())
}

// Run runs the transport contract (router.Transport's documentation) against the
// harnesses newHarness builds, one per subtest.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newHarness(t)) })
	}
}

// checks are the contract's checks, one subtest each.
var checks = []struct {
	name string
	fn   func(t tb, h Harness)
}{
	{name: "every field arrives", fn: testFields},
	{name: "a riak worker arrives", fn: testWorker},
	{name: "largest values arrive", fn: testLimits},
	{name: "the sent message stays the sender's", fn: testOwnership},
	{name: "send only queues", fn: testQueues},
	{name: "both directions", fn: testBothWays},
	{name: "order per pair", fn: testOrder},
	{name: "order per pair across kinds", fn: testOrderKinds},
	{name: "unknown node fails at once", fn: testUnknown},
	{name: "isolated node fails fast and comes back", fn: testIsolate},
	{name: "a closed transport sends and hands over nothing", fn: testClosed},
	{name: "a full queue refuses with ErrOverloaded", fn: testOverload},
}

// tb is what the checks need of a *testing.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// sendBound is how long a check waits for a Send that should fail at once (to a node
// not known or not connected) before it fails: far longer than a send that only
// queues or refuses takes, however loaded the machine.
var sendBound = 5 * time.Second

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

func send(t tb, h Harness, from, to int, m router.Message) {
	t.Helper()
	if err := h.Transport(from).Send(h.ID(to), &m); err != nil {
		t.Fatalf("send %s from %s to %s: %v", m.Kind, h.ID(from), h.ID(to), err)
	}
}

func awaitCount(t tb, h Harness, i, n int) []router.Message {
	t.Helper()
	if !h.Await(func() bool { return len(h.Received(i)) >= n }) {
		t.Fatalf("%s received %d messages, want %d", h.ID(i), len(h.Received(i)), n)
	}
	return h.Received(i)
}

func testFields(t tb, h Harness) { sendAndCompare(t, h, Messages(h.ID(0))) }

// sendAndCompare sends want from node 0 to node 1 and fails unless node 1 receives
// exactly those messages, every field intact. A network may hand router-instance
// work (routes, casts) over after the rest, as a mailbox does: they are compared
// without order.
func sendAndCompare(t tb, h Harness, want []router.Message) {
	t.Helper()
	h.Connect(0, 1)
	for _, m := range want {
		send(t, h, 0, 1, m)
	}
	got := awaitCount(t, h, 1, len(want))
	byText := cmpopts.SortSlices(func(a, b router.Message) bool { return a.String() < b.String() })
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), byText); diff != "" {
		t.Fatalf("received (-sent +got):\n%s", diff)
	}
}

func testWorker(t tb, h Harness) {
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

// LimitMessages returns messages that carry the largest values a transport must carry
// intact, as node from would send them: the largest hop count (one past
// router.MaxHopLimit), the largest ids, versions and finite budget, and a reply of
// every code.
func LimitMessages(from router.NodeID) []router.Message {
	peer := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	call := router.CallID{Node: from, Incarnation: math.MaxUint64, Seq: math.MaxUint64}
	out := []router.Message{
		{Kind: router.KindRoute, From: from, Call: call, Ensemble: "e1", Event: []byte("get k"), Budget: math.MaxInt64 - 1, Hops: router.MaxHopLimit + 1},
		{Kind: router.KindPeer, From: from, Call: call, Ensemble: "e1", Peer: peer, Forwarded: true, Worker: math.MaxUint64, Event: []byte("put k v"), Budget: time.Nanosecond, Hops: router.MaxHopLimit + 1},
		{Kind: router.KindGossip, From: from, Entries: []router.Entry{{Ensemble: "e1", Leader: peer, Version: math.MaxUint64}}},
	}
	for c := router.CodeOK; c.Valid(); c++ {
		out = append(out, router.Message{Kind: router.KindReply, From: from, Call: call, Peer: peer, Code: c, Worker: math.MaxUint64, Hops: router.MaxHopLimit + 1})
	}
	return out
}

func testLimits(t tb, h Harness) { sendAndCompare(t, h, LimitMessages(h.ID(0))) }

// testOwnership: Send reads the message in place and never changes it, and a transport
// that keeps it keeps a copy, so the sender may reuse its message at once (the core
// does). The messages go through one variable, overwritten after each Send.
func testOwnership(t tb, h Harness) {
	h.Connect(0, 1)
	want := Messages(h.ID(0))
	var m router.Message
	for _, w := range want {
		m = w
		if err := h.Transport(0).Send(h.ID(1), &m); err != nil {
			t.Fatalf("send %s: %v", w.Kind, err)
		}
		if diff := cmp.Diff(w, m, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("Send changed the sender's message (-before +after):\n%s", diff)
		}
		// The sender reuses its message; the slices stay the message's (nobody
		// modifies them once sent), so only the fields change.
		m = router.Message{Kind: router.KindCast, From: "reused", Instance: 1, Ensemble: "reused", Budget: 1, Hops: 9, Event: []byte("reused")}
	}
	got := awaitCount(t, h, 1, len(want))
	byText := cmpopts.SortSlices(func(a, b router.Message) bool { return a.String() < b.String() })
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), byText); diff != "" {
		t.Fatalf("received (-sent +got), the sender having reused its message after each Send: the transport read it after Send returned:\n%s", diff)
	}
}

// testQueues: Send hands a message over to be delivered later and returns; it does not
// deliver it on the sender's goroutine, nor wait until it is delivered. (A driver
// sends under its locks: a receiver run within Send could call back into the sender,
// and one that answers at once does.) A transport may deliver some messages before
// their Send has returned, on goroutines of its own; not every one. That much is a
// heuristic; with an Overloader it is exact: sends to a node that takes nothing in
// (Stall) return, and hand it nothing, until it takes in again.
func testQueues(t tb, h Harness) {
	h.Connect(0, 1)
	const n = 50
	early := 0
	for i := range n {
		before := len(h.Received(1))
		send(t, h, 0, 1, router.Message{Kind: router.KindReply, From: h.ID(0), Call: router.CallID{Node: h.ID(1), Seq: uint64(i + 1)}})
		if len(h.Received(1)) > before {
			early++
		}
	}
	if early == n {
		t.Fatalf("each of %d messages had been delivered when its Send returned: Send must only queue a message, not deliver it (nor wait for its delivery)", n)
	}
	awaitCount(t, h, 1, n)
	o, ok := h.(Overloader)
	if !ok {
		return
	}
	release := o.Stall(1)
	defer release()
	const stalled = 5
	for i := range stalled {
		m := router.Message{Kind: router.KindReply, From: h.ID(0), Call: router.CallID{Node: h.ID(1), Seq: uint64(n + i + 1)}}
		// A transport that delivers within Send waits here on the stalled receiver.
		if err := sendBounded(t, h, 0, h.ID(1), &m); err != nil {
			t.Fatalf("send %d to %s, which takes nothing in (stalled): %v, want it queued", i+1, h.ID(1), err)
		}
	}
	if got := len(h.Received(1)) - n; got > 0 {
		t.Fatalf("%d of %d messages sent to %s while it took nothing in (stalled) were handed to it before it took in again: Send must only queue a message, not deliver it", got, stalled, h.ID(1))
	}
	release()
	awaitCount(t, h, 1, n+stalled)
}

func testBothWays(t tb, h Harness) {
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

func testOrder(t tb, h Harness) {
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

// testOrderKinds: the order per pair holds across kinds too, for the messages a node
// is handed directly (replies, peer events, gossip; router.Kind.Queued), and for the
// routes to one router instance: a transport with a lane of its own for some kind
// breaks it.
func testOrderKinds(t tb, h Harness) {
	h.Connect(0, 1)
	peer := router.PeerRef{Ensemble: "e1", Name: "p1", Node: h.ID(1)}
	const n = 300
	for i := range n {
		seq := uint64(i + 1)
		call := router.CallID{Node: h.ID(0), Incarnation: 1, Seq: seq}
		var m router.Message
		switch i % 4 {
		case 0:
			m = router.Message{Kind: router.KindReply, From: h.ID(0), Call: call, Code: router.CodeOK}
		case 1:
			m = router.Message{Kind: router.KindPeer, From: h.ID(0), Call: call, Ensemble: "e1", Peer: peer, Budget: time.Second, Hops: 1}
		case 2:
			m = router.Message{Kind: router.KindGossip, From: h.ID(0), Entries: []router.Entry{{Ensemble: "order", Version: seq}}}
		case 3:
			m = router.Message{Kind: router.KindRoute, From: h.ID(0), Instance: 2, Call: call, Ensemble: "e1", Budget: time.Second, Hops: 1}
		}
		send(t, h, 0, 1, m)
	}
	got := awaitCount(t, h, 1, n)
	var direct, routes []uint64
	for _, m := range got {
		seq := m.Call.Seq
		if m.Kind == router.KindGossip && len(m.Entries) == 1 {
			seq = m.Entries[0].Version
		}
		if m.Kind.Queued() {
			routes = append(routes, seq)
		} else {
			direct = append(direct, seq)
		}
	}
	for _, c := range []struct {
		name string
		seqs []uint64
	}{{"replies, peer events and gossip", direct}, {"routes to one instance", routes}} {
		for i := 1; i < len(c.seqs); i++ {
			if c.seqs[i] <= c.seqs[i-1] {
				t.Fatalf("%s arrived out of order: %s", c.name, fmt.Sprint(c.seqs))
			}
		}
	}
}

func testUnknown(t tb, h Harness) {
	err := sendBounded(t, h, 0, "no-such-node", &router.Message{Kind: router.KindGossip, From: h.ID(0)})
	if !errors.Is(err, router.ErrUnreachable) {
		t.Fatalf("send to an unknown node: %v, want ErrUnreachable", err)
	}
}

// probe returns the k-th probe of testIsolate: gossip whose one entry's version
// tells it apart.
func probe(from router.NodeID, k uint64) router.Message {
	return router.Message{Kind: router.KindGossip, From: from, Entries: []router.Entry{{Ensemble: "probe", Version: k}}}
}

// isProbe reports whether m is a probe, and which.
func isProbe(m router.Message) (uint64, bool) {
	if m.Kind != router.KindGossip || len(m.Entries) != 1 || m.Entries[0].Ensemble != "probe" {
		return 0, false
	}
	return m.Entries[0].Version, true
}

// testIsolate: a send to an isolated node fails at once, a message whose send was
// refused never arrives (ErrUnreachable means the request did not run: a caller may
// try it again elsewhere), and once the node is back a later send gets through.
func testIsolate(t tb, h Harness) {
	h.Connect(0, 1)
	h.Isolate(1)
	var k uint64
	refused := map[uint64]bool{}
	try := func() error {
		k++
		p := probe(h.ID(0), k)
		err := sendBounded(t, h, 0, h.ID(1), &p)
		if err != nil {
			refused[k] = true
		}
		return err
	}
	var last error
	if !h.Await(func() bool {
		last = try()
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
		last = try()
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
	// A last message, which arrives after anything sent before it: a refused probe
	// held for the rejoin would be there by then.
	sent := false
	if !h.Await(func() bool {
		if sent {
			for _, m := range h.Received(1) {
				if v, ok := isProbe(m); ok && v == k {
					return true
				}
			}
			return false
		}
		sent = try() == nil
		return false
	}) {
		t.Fatalf("the last message after the rejoin never arrived")
	}
	for _, m := range h.Received(1) {
		if v, ok := isProbe(m); ok && refused[v] {
			t.Fatalf("message %d arrived, but its send had failed (%d of %d sends failed): a refused message must never be delivered", v, len(refused), k)
		}
	}
}

// sendBounded sends m from node from to to, and fails the test if Send has not
// returned after a few seconds: a send never blocks.
func sendBounded(t tb, h Harness, from int, to router.NodeID, m *router.Message) error {
	t.Helper()
	tr := h.Transport(from)
	done := make(chan error, 1)
	panicked := make(chan any, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				panicked <- r
			}
		}()
		done <- tr.Send(to, m)
	}()
	select {
	case err := <-done:
		return err
	case r := <-panicked:
		t.Fatalf("a send from %s to %s panicked: %v", h.ID(from), to, r)
		return nil
	case <-time.After(sendBound):
		t.Fatalf("a send from %s to %s has not returned after %v: Send must never block, and fail at once for a node that is not connected", h.ID(from), to, sendBound)
		return nil
	}
}

// testClosed: once node 1's transport is closed, a send from it fails at once with
// ErrUnreachable and never panics (a driver's Announce still sends after its Close),
// and nothing more is handed to node 1, nor does anything node 1 sent after its close
// arrive anywhere. A transport that says whether it is closed (a Closed method, which
// driver.New asks) says false until its Close and true from then on.
func testClosed(t tb, h Harness) {
	c, ok := h.(Closer)
	if !ok {
		t.Skipf("the harness's transports do not close (it has no Close(i int))")
		return
	}
	h.Connect(0, 1)
	h.Connect(0, 2)
	first := probe(h.ID(0), 1)
	send(t, h, 0, 1, first)
	awaitProbe(t, h, 1, 1)
	tr, tells := h.Transport(1).(closedState)
	if tells && tr.Closed() {
		t.Fatalf("%s's transport says it is closed (Closed) before its Close: driver.New would refuse it", h.ID(1))
	}
	c.Close(1)
	if tells && !tr.Closed() {
		t.Fatalf("%s's transport says it is open (Closed false) after its Close: driver.New would build a node on it, every call of which fails", h.ID(1))
	}
	for _, to := range []int{0, 2} {
		m := probe(h.ID(1), 100)
		if err := sendBounded(t, h, 1, h.ID(to), &m); !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("a send from %s, closed, to %s: %v, want ErrUnreachable", h.ID(1), h.ID(to), err)
		}
	}
	before := len(h.Received(1))
	for k := range uint64(3) {
		m := probe(h.ID(0), 200+k)
		_ = sendBounded(t, h, 0, h.ID(1), &m) // nil is fine: 0 may not know yet
	}
	// A message of 0's on another path, sent after the rest: by its arrival a
	// transport that hands messages to a closed node would most likely have.
	send(t, h, 0, 2, probe(h.ID(0), 300))
	awaitProbe(t, h, 2, 300)
	if got := h.Received(1); len(got) > before {
		t.Fatalf("%s, closed, was handed %d more messages (first %s): a closed transport hands nothing to Receive", h.ID(1), len(got)-before, got[before].Kind)
	}
	for _, i := range []int{0, 2} {
		for _, m := range h.Received(i) {
			if v, ok := isProbe(m); ok && v == 100 {
				t.Fatalf("%s received a message %s sent after its transport closed (its send had failed)", h.ID(i), h.ID(1))
			}
		}
	}
}

// closedState is a transport that says whether it is closed (driver.New refuses one
// that is).
type closedState interface {
	Closed() bool
}

// awaitProbe waits until node i has received probe k.
func awaitProbe(t tb, h Harness, i int, k uint64) {
	t.Helper()
	if !h.Await(func() bool {
		for _, m := range h.Received(i) {
			if v, ok := isProbe(m); ok && v == k {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("%s never received probe %d", h.ID(i), k)
	}
}

// overloadPayload is the size of each message testOverload sends, and overloadSends
// the most it sends to a stalled node (256 MiB of payloads) before it fails: a
// bounded queue, the socket buffers and whatever else lies on the way hold far less.
const (
	overloadPayload = 16 << 10
	overloadSends   = 1 << 14
)

// testOverload: a send to a node that is connected but takes nothing in is queued
// until the queue is full, and then refused at once with router.ErrOverloaded: not
// queued without bound, not blocked until there is room, not called unreachable (the
// node is there: a caller may try another path, or later). A message whose send was
// refused so never arrives; those that arrive come in order; once the node takes in
// again, a later send gets through.
func testOverload(t tb, h Harness) {
	o, ok := h.(Overloader)
	if !ok {
		t.Skipf("the harness's transports bound no queue that a test can fill (it has no Stall(i int) func())")
		return
	}
	h.Connect(0, 1)
	release := o.Stall(1)
	defer release()
	payload := make([]byte, overloadPayload)
	var k uint64
	refused := map[uint64]bool{}
	try := func() error {
		k++
		m := router.Message{Kind: router.KindReply, From: h.ID(0), Call: router.CallID{Node: h.ID(1), Incarnation: 1, Seq: k}, Code: router.CodeOK, Result: payload}
		err := sendBounded(t, h, 0, h.ID(1), &m)
		if err != nil {
			refused[k] = true
		}
		return err
	}
	var err error
	for err == nil && k < overloadSends {
		err = try()
	}
	switch {
	case err == nil:
		t.Fatalf("%d sends of %d bytes to %s, which takes nothing in, all queued: a bounded queue refuses a send with ErrOverloaded once it is full", k, overloadPayload, h.ID(1))
	case !errors.Is(err, router.ErrOverloaded):
		t.Fatalf("send %d to %s, which takes nothing in but is connected, failed with %v, want ErrOverloaded", k, h.ID(1), err)
	}
	full := k
	for range 3 {
		_ = try() // refused or queued: whatever was refused must not arrive
	}
	release()
	// Once the node takes in again, a send gets through and arrives.
	last := uint64(0)
	if !h.Await(func() bool {
		if last == 0 {
			if try() == nil {
				last = k
			}
			return false
		}
		for _, m := range h.Received(1) {
			if m.Kind == router.KindReply && m.Call.Seq == last {
				return true
			}
		}
		return false
	}) {
		if last == 0 {
			t.Fatalf("once %s took in again, every send to it was refused (the %dth was the first refused)", h.ID(1), full)
		}
		t.Fatalf("once %s took in again, message %d was sent to it and never arrived", h.ID(1), last)
	}
	prev := uint64(0)
	for _, m := range h.Received(1) {
		if m.Kind != router.KindReply {
			continue
		}
		if refused[m.Call.Seq] {
			t.Fatalf("message %d arrived, but its send had failed (%d of %d sends failed, the first at %d): a refused message must never be delivered", m.Call.Seq, len(refused), k, full)
		}
		if m.Call.Seq <= prev {
			t.Fatalf("message %d arrived after message %d: order lost across the full queue", m.Call.Seq, prev)
		}
		prev = m.Call.Seq
	}
}
