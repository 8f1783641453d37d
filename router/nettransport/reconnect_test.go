package nettransport

import (
	"io"
	"net"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestReconnectingClientStaysReachable: a client-only node (no address, so its slot is
// forgotten when its connection ends) closes its connection while its next
// incarnation's handshake runs. Whichever ends first, once the old connection is over
// the new one is the client's: Connected says so and Send reaches it. The acceptor used
// to look up the slot and admit the connection into it in two steps, and the old
// connection's end could take the slot out of the transport's map in between: the new
// connection then ran in a slot nothing could find, and every reply to the client
// failed as unreachable until it closed. Rounds repeat the race.
func TestReconnectingClientStaysReachable(t *testing.T) {
	acc, _ := pipeNode(t, "n1", nil)
	dial := func(inc router.Incarnation) net.Conn {
		t.Helper()
		me, _ := pipeNode(t, "client", func(c *Config) { c.Incarnation = inc })
		c1, c2 := net.Pipe()
		acc.Accept(c2)
		if _, err := me.dialHandshake(c1, newFrameReader(c1, 4096, DefaultMaxFrame), "n1"); err != nil {
			t.Fatalf("incarnation %d: %v", inc, err)
		}
		go func() { _, _ = io.Copy(io.Discard, c1) }() // reads what n1 writes: pings
		return c1
	}
	raw := dial(1)
	const rounds = 1000
	for inc := router.Incarnation(2); inc <= rounds; inc++ {
		p := (*acc.peers.Load())["client"]
		if p == nil || p.conn.Load() == nil {
			t.Fatalf("incarnation %d: the client is not connected before its next incarnation dials", inc-1)
		}
		old := p.conn.Load()
		go func(c net.Conn) { _ = c.Close() }(raw)
		raw = dial(inc)
		<-old.ended // ended, replaced by the new connection or not: its slot was let go
		if !acc.Connected("client") {
			t.Fatalf("incarnation %d: handshake done and the old connection over, but the client is not connected; peers %+v", inc, acc.Peers())
		}
	}
	if err := acc.Send("client", &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "client", Seq: 1}}); err != nil {
		t.Fatalf("a reply to the client: %v", err)
	}
}
