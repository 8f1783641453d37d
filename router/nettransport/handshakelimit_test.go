package nettransport_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// rawConn opens a TCP connection to addr that the test drives by hand.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// readToEnd reads c until the other side closes it. The read deadline only keeps a
// failing test from hanging: the node under test has a handshake timeout of an hour.
func readToEnd(t *testing.T, c net.Conn) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("the node did not close the connection: %v (read % x)", err, b)
	}
	return b
}

// TestHandshakeLimit: a listener runs at most MaxHandshakes handshakes at a time.
// Strangers who connect and say nothing hold the slots; the next connection ends the
// oldest of them at once (the handshake timeout is an hour), counted and logged. So
// strangers cannot keep a node of the cluster out: its connection ends a stranger's,
// and its handshake, a round trip or two, is over before anyone else's comes.
func TestHandshakeLimit(t *testing.T) {
	acc := startNode(t, "n1", true, func(c *nettransport.Config) {
		c.MaxHandshakes = 2
		c.HandshakeTimeout = time.Hour
	})
	first, second := rawConn(t, acc.addr), rawConn(t, acc.addr)
	// The listener accepts in order: the third ends the first's handshake.
	third := rawConn(t, acc.addr)
	if got := readToEnd(t, first); len(got) != 0 {
		t.Fatalf("the oldest stranger got % x, want its connection closed", got)
	}
	if st := acc.tr.Stats(); st.HandshakeLimit != 1 || st.Refused != 0 {
		t.Fatalf("handshake limit %d, refused %d; want 1, 0", st.HandshakeLimit, st.Refused)
	}
	logged(t, acc, "ended a handshake", "2 handshakes in progress on this listener, the limit (MaxHandshakes)")

	// A node that dials while strangers hold every slot gets in: it ends the
	// second's handshake, and the third's is still in progress.
	n2 := startNode(t, "n2", false, peersOf("n1", acc.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatalf("connect while strangers hold the slots: %v\n%s", err, acc.log.String())
	}
	if got := readToEnd(t, second); len(got) != 0 {
		t.Fatalf("the second stranger got % x, want its connection closed", got)
	}
	_ = third.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var ne net.Error
	if n, err := third.Read(make([]byte, 1)); n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("the stranger still in its handshake: read %d, %v; want nothing yet", n, err)
	}
	if st := acc.tr.Stats(); st.HandshakeLimit != 2 {
		t.Fatalf("handshake limit %d, want 2", st.HandshakeLimit)
	}
}

// TestHandshakeFrameLimit: a handshake frame is at most MaxHandshakeFrame bytes, far
// below the frame limit: a hello that claims more is refused as soon as its header is
// read, with a log line naming the limit, while the largest honest hello (a cluster
// name and node ids of MaxName bytes) still gets through, both ways.
func TestHandshakeFrameLimit(t *testing.T) {
	if nettransport.MaxHandshakeFrame >= nettransport.DefaultMaxFrame/64 {
		t.Fatalf("MaxHandshakeFrame %d is not much below the frame limit", nettransport.MaxHandshakeFrame)
	}
	long := func(c byte) string { return strings.Repeat(string(c), nettransport.MaxName) }
	cluster := long('c')
	acc := startNode(t, router.NodeID(long('a')), true, func(c *nettransport.Config) {
		c.Cluster = cluster
		c.HandshakeTimeout = time.Hour
	})
	n := nettransport.MaxHandshakeFrame + 1
	c := rawConn(t, acc.addr)
	if _, err := c.Write([]byte{0xE5, 0x7E, nettransport.Version, 1, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}); err != nil {
		t.Fatal(err)
	}
	readToEnd(t, c)
	logged(t, acc, "refused connection", "hello frame of", "exceeds the handshake frame limit of")

	dialer := startNode(t, router.NodeID(long('d')), false, func(c *nettransport.Config) {
		c.Cluster = cluster
		c.Peers = map[router.NodeID]string{router.NodeID(long('a')): acc.addr}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := dialer.tr.Connect(ctx, router.NodeID(long('a'))); err != nil {
		t.Fatalf("the largest honest hello: %v", err)
	}
}

// TestFinishedHandshakeFreesItsSlot: a handshake that ends in a connection gives its
// slot back. Were it kept, the connections that come after would count it as in
// progress and, at the limit, end it: closing a connection that is up.
func TestFinishedHandshakeFreesItsSlot(t *testing.T) {
	acc := startNode(t, "n1", true, func(c *nettransport.Config) {
		c.MaxHandshakes = 1
		c.HandshakeTimeout = time.Hour
	})
	n2 := startNode(t, "n2", false, peersOf("n1", acc.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	// n2 is connected when its own side of the handshake ends, which may be before
	// n1's side ends: until then n2's handshake holds n1's one slot, and the stranger
	// would end it. n1 announces n2 up once its side has ended and freed the slot.
	if !await(func() bool { return acc.rec.isUp("n2") }, acc.rec) {
		t.Fatal("n1 never announced n2 up")
	}
	stranger := rawConn(t, acc.addr) // holds the one slot
	// The listener accepts in order: by the time n3 is connected, the stranger has
	// been counted, and n3's connection has ended the stranger's handshake.
	n3 := startNode(t, "n3", false, peersOf("n1", acc.addr))
	if err := connect(t, n3, "n1"); err != nil {
		t.Fatal(err)
	}
	if got := readToEnd(t, stranger); len(got) != 0 {
		t.Fatalf("the stranger got % x, want its connection closed", got)
	}
	if st := acc.tr.Stats(); st.HandshakeLimit != 1 || st.Disconnects != 0 || !acc.tr.Connected("n2") || !acc.tr.Connected("n3") {
		t.Fatalf("handshake limit %d (want 1), disconnects %d (want 0), n2 connected %v, n3 connected %v",
			st.HandshakeLimit, st.Disconnects, acc.tr.Connected("n2"), acc.tr.Connected("n3"))
	}
}
