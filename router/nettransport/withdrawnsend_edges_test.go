package nettransport

import (
	"net"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestSendFindsSucceededConnection: a send that found the peer's connection just
// before a connection of the same incarnation succeeded it (withdrawn.go), and
// queues its message after, queues it on the successor, and is accepted.
//
// It was queued on the old connection behind the acknowledgement of the goodbye that
// ends it: the other node, which has moved to the successor when it reads that
// acknowledgement, closes its side then, and the old connection closed with the
// message still queued, lost though Send returned nil (TestWithdrawnReplacementKeepsOrder,
// under load: 1 of 1561 answers never arrived), or, written, it arrived after later
// ones. A request found the old connection leaving (the goodbye heard) or finishing
// (this node's drain) and failed as unreachable, though the node was connected by the
// successor (TestWithdrawnOnBothSides: "1 sends failed (router: node unreachable)").
func TestSendFindsSucceededConnection(t *testing.T) {
	reply := router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n2", Incarnation: 7, Seq: 1}, Result: []byte("answer")}
	gossip := router.Message{Kind: router.KindGossip}
	for _, tc := range []struct {
		name string
		m    router.Message
		then func(old *conn) // what happens on old once it is succeeded
	}{
		// The other node said goodbye on old, and this node acknowledged it: the
		// last frame on old.
		{"reply after the goodbye's acknowledgement", reply, func(old *conn) { old.control([]byte{ctlGoodbye}) }},
		{"request after the goodbye's acknowledgement", gossip, func(old *conn) { old.control([]byte{ctlGoodbye}) }},
		// This node's drain (withdrawn.go) finishes old.
		{"request once old finishes", gossip, func(old *conn) { old.finish() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := pipeNode(t, "n1", nil)
			p := tr.peer("n2")
			a, b := net.Pipe()
			x, y := net.Pipe()
			defer func() {
				for _, nc := range []net.Conn{a, b, x, y} {
					_ = nc.Close()
				}
			}()
			old, next := newConn(tr, a), newConn(tr, x)
			p.mu.Lock()
			p.take(old, 7)
			p.mu.Unlock()

			found := p.conn.Load() // a Send finds old, and waits to run
			p.mu.Lock()
			p.succeed(next, old)
			p.mu.Unlock()
			tc.then(old)
			old.mu.Lock()
			onOld := len(old.out)
			old.mu.Unlock()

			m := tc.m
			if err := tr.sendOn(p, found, &m); err != nil {
				t.Fatalf("send: %v; want it accepted: the node is connected, by the successor", err)
			}
			old.mu.Lock()
			after := len(old.out)
			old.mu.Unlock()
			next.mu.Lock()
			queued := len(next.out)
			next.mu.Unlock()
			if after != onOld || queued == 0 {
				t.Fatalf("queued %d bytes on the connection succeeded, and %d on its successor; want 0 and the message",
					after-onOld, queued)
			}
		})
	}
}
