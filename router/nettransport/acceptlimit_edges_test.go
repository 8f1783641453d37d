package nettransport_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestAcceptHandshakeLimit: Accept, for an embedder with a listener of its own, bounds
// the handshakes in progress as Serve does: at most MaxHandshakes over every
// connection handed to Accept. It had no bound, so a stranger who opened thousands of
// connections to the embedder's listener and said nothing held as many handshakes,
// each for a whole HandshakeTimeout. Here strangers open more than the bound: the
// oldest are ended at once (the handshake timeout is an hour), counted and warned of,
// and a node of the cluster that dials meanwhile gets in.
func TestAcceptHandshakeLimit(t *testing.T) {
	const limit, strangers = 4, 10
	acc := startNode(t, "n1", false, func(c *nettransport.Config) {
		c.MaxHandshakes = limit
		c.HandshakeTimeout = time.Hour
	})
	// The embedder's listener: every connection goes to Accept, in order.
	l := listen(t)
	defer l.Close()
	acc.addr = l.Addr().String()
	accepted := make(chan struct{}, 64)
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			acc.tr.Accept(nc)
			accepted <- struct{}{}
		}
	}()
	var conns []net.Conn
	for range strangers {
		conns = append(conns, rawConn(t, acc.addr))
		<-accepted // handed to Accept in the order they came
	}
	for i, c := range conns[:strangers-limit] {
		if got := readToEnd(t, c); len(got) != 0 {
			t.Fatalf("stranger %d got % x, want its connection closed", i, got)
		}
	}
	for i, c := range conns[strangers-limit:] {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		var ne net.Error
		if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("stranger %d, among the last %d: read %d, %v; want its handshake still in progress", strangers-limit+i, limit, n, err)
		}
	}
	if st := acc.tr.Stats(); st.HandshakeLimit != strangers-limit || st.Refused != 0 {
		t.Fatalf("handshake limit %d, refused %d; want %d, 0", st.HandshakeLimit, st.Refused, strangers-limit)
	}
	logged(t, acc, "level=WARN", "ended a handshake", "4 handshakes in progress on the connections handed to Accept, the limit (MaxHandshakes)")

	// A node that dials while strangers hold every slot gets in, ending one of theirs.
	n2 := startNode(t, "n2", false, peersOf("n1", acc.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatalf("connect while strangers hold the slots: %v\n%s", err, acc.log.String())
	}
	if st := acc.tr.Stats(); st.HandshakeLimit != strangers-limit+1 {
		t.Fatalf("handshake limit %d, want %d", st.HandshakeLimit, strangers-limit+1)
	}
}
