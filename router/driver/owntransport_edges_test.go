package driver_test

// A transport of the program's own (package documentation, "A transport of your
// own"): nodes in one process joined by channels. It keeps the transport contract
// (router/transporttest), and driver nodes run on it as on nettransport.

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/transporttest"
)

// chanNet joins nodes in one process. Each node has an inbox, drained in order by a
// goroutine of its own; Send only queues.
type chanNet struct {
	mu    sync.Mutex
	nodes map[router.NodeID]*chanNode
	down  map[router.NodeID]bool
}

type chanNode struct {
	net   *chanNet
	id    router.NodeID
	inbox chan router.Message
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func newChanNet() *chanNet {
	return &chanNet{nodes: map[router.NodeID]*chanNode{}, down: map[router.NodeID]bool{}}
}

// add joins node id, whose messages go to receive.
func (n *chanNet) add(id router.NodeID, receive func(router.Message)) *chanNode {
	c := &chanNode{net: n, id: id, inbox: make(chan router.Message, 1024), done: make(chan struct{})}
	n.mu.Lock()
	n.nodes[id] = c
	n.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			select {
			case m := <-c.inbox:
				receive(m)
			case <-c.done:
				return
			}
		}
	}()
	return c
}

func (n *chanNet) setDown(id router.NodeID, down bool) {
	n.mu.Lock()
	n.down[id] = down
	n.mu.Unlock()
}

// Send queues a copy of m for to, or fails at once: to is not known, either end is
// down, or to's inbox is full.
func (c *chanNode) Send(to router.NodeID, m *router.Message) error {
	n := c.net
	n.mu.Lock()
	defer n.mu.Unlock()
	dst := n.nodes[to]
	if dst == nil || n.down[to] || n.down[c.id] {
		return router.ErrUnreachable
	}
	select {
	case dst.inbox <- *m:
		return nil
	default:
		return router.ErrOverloaded
	}
}

// close stops the node's deliveries; later sends to it, and from it, fail at once.
// It is idempotent.
func (c *chanNode) close() {
	c.once.Do(func() {
		c.net.mu.Lock()
		delete(c.net.nodes, c.id)
		c.net.down[c.id] = true
		c.net.mu.Unlock()
		close(c.done)
	})
	c.wg.Wait()
}

// chanHarness is transporttest's harness over a chanNet.
type chanHarness struct {
	net   *chanNet
	nodes []*chanNode
	mu    sync.Mutex
	got   [transporttest.Nodes][]router.Message
}

func newChanHarness(t *testing.T) *chanHarness {
	h := &chanHarness{net: newChanNet()}
	for i := range transporttest.Nodes {
		h.nodes = append(h.nodes, h.net.add(router.NodeID(fmt.Sprintf("n%d", i+1)), func(m router.Message) {
			h.mu.Lock()
			h.got[i] = append(h.got[i], m)
			h.mu.Unlock()
		}))
	}
	t.Cleanup(func() {
		for _, c := range h.nodes {
			c.close()
		}
	})
	return h
}

func (h *chanHarness) ID(i int) router.NodeID           { return h.nodes[i].id }
func (h *chanHarness) Transport(i int) router.Transport { return h.nodes[i] }
func (h *chanHarness) Connect(int, int)                 {}
func (h *chanHarness) Isolate(i int)                    { h.net.setDown(h.ID(i), true) }
func (h *chanHarness) Rejoin(i int)                     { h.net.setDown(h.ID(i), false) }
func (h *chanHarness) Close(i int)                      { h.nodes[i].close() }

func (h *chanHarness) Received(i int) []router.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]router.Message(nil), h.got[i]...)
}

func (h *chanHarness) Await(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// TestOwnTransportKeepsTheContract: the channel transport passes the contract.
func TestOwnTransportKeepsTheContract(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) transporttest.Harness { return newChanHarness(t) })
}

// TestNodesOnOwnTransport: driver nodes on the channel transport learn the directory
// by gossip, and call a leader on another node directly and through a follower's
// forward, under either semantics; each stops its driver, then its transport, after
// which a send fails at once.
func TestNodesOnOwnTransport(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			net := newChanNet()
			ids := []router.NodeID{"n1", "n2"}
			var nodes []*driver.Node
			var links []*chanNode
			for _, id := range ids {
				var node *driver.Node
				ready := make(chan struct{})
				link := net.add(id, func(m router.Message) { <-ready; node.Receive(m) })
				n, err := driver.New(driver.Config{ID: id, Semantics: sem, Transport: link, Members: ids,
					GossipInterval: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				node = n
				// A test that fails half way stops the nodes and their deliveries too.
				t.Cleanup(func() { _ = n.Close(); link.close() })
				close(ready)
				nodes, links = append(nodes, n), append(links, link)
			}
			leader := router.PeerRef{Ensemble: "e", Name: "p2", Node: "n2"}
			follower := router.PeerRef{Ensemble: "e", Name: "p1", Node: "n1"}
			if err := nodes[1].AddPeer(leader, driver.PeerFunc(func(r *driver.Request) { r.Reply(append([]byte("ok "), r.Event()...)) })); err != nil {
				t.Fatal(err)
			}
			if err := nodes[0].AddPeer(follower, driver.PeerFunc(func(r *driver.Request) { r.Forward(leader) })); err != nil {
				t.Fatal(err)
			}
			nodes[1].Announce(router.Entry{Ensemble: "e", Leader: leader, Version: 1})
			deadline := time.Now().Add(10 * time.Second)
			for _, ok := nodes[0].Lookup("e"); !ok; _, ok = nodes[0].Lookup("e") {
				if time.Now().After(deadline) {
					t.Fatal("n1 never learned e's leader")
				}
				time.Sleep(time.Millisecond)
			}
			for _, target := range []router.Target{router.ToEnsemble("e"), router.ToPeer(follower)} {
				res, err := nodes[0].CallTimeout(context.Background(), target, []byte("x"), 5*time.Second)
				if err != nil || string(res.Value) != "ok x" {
					t.Fatalf("call to %v: %q, %v; want \"ok x\"", target, res.Value, err)
				}
			}
			for i, n := range nodes {
				if err := n.Close(); err != nil {
					t.Fatal(err)
				}
				links[i].close()
			}
			if err := links[0].Send("n2", &router.Message{Kind: router.KindGossip, From: "n1"}); err != router.ErrUnreachable {
				t.Fatalf("a send after the transport closed: %v, want ErrUnreachable", err)
			}
		})
	}
}
