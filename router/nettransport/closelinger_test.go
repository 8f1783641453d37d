package nettransport

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/testcerts"
	"github.com/ensroute/ensroute/router"
)

// heldReader is a receiver that, once shut, holds up its transport's reader at the
// next message until opened, as a node that is slow to read does; entered is closed
// when it first holds one.
type heldReader struct {
	*events
	shut            atomic.Bool
	entered, opened chan struct{}
	onEnter, onOpen sync.Once
}

func newHeldReader() *heldReader {
	return &heldReader{events: &events{}, entered: make(chan struct{}), opened: make(chan struct{})}
}

func (h *heldReader) Receive(m router.Message) {
	if h.shut.Load() {
		h.onEnter.Do(func() { close(h.entered) })
		<-h.opened
	}
	h.events.Receive(m)
}

func (h *heldReader) open() { h.onOpen.Do(func() { close(h.opened) }) }

// smallReceiveBuffer sets a socket's receive buffer as small as the kernel allows (a
// net.Dialer's or net.ListenConfig's Control).
func smallReceiveBuffer(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	}); err != nil {
		return err
	}
	return serr
}

// slowReaderNode is a node "b" connected to the node "a" at addr over a connection
// whose receive buffer is as small as the kernel allows, with its reader held up
// (heldReader) and pinging every millisecond: what a writes to it backs up in a's
// socket, and a hears from it all the while.
func slowReaderNode(t *testing.T, addr string) (*Transport, *heldReader) {
	t.Helper()
	small := &net.Dialer{Control: smallReceiveBuffer}
	b, err := New(Config{ID: "b", Incarnation: 1, Cluster: "test", Secret: []byte("restart-secret"),
		Peers: map[router.NodeID]string{"a": addr}, HeartbeatInterval: time.Millisecond,
		Dial:   func(ctx context.Context, a string) (net.Conn, error) { return small.DialContext(ctx, "tcp", a) },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := newHeldReader()
	b.Attach(h)
	t.Cleanup(func() { h.open(); _ = b.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Connect(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	h.shut.Store(true)
	return b, h
}

// TestCloseLetsPeerReadWhatWasWritten: a transport closed after a flush (what a node
// that stops does) closes its side of each connection and waits for the other node
// to read to the end and close its own. Closing the socket at once made the kernel
// answer the other node's next ping, which it sends all the while, with a reset that
// threw away what the flush had written into the socket and the other node had not
// read yet: four answers to a client that read slowly were lost.
func TestCloseLetsPeerReadWhatWasWritten(t *testing.T) {
	a, _, _, addr := tcpNode(t, "a", nil)
	_, held := slowReaderNode(t, addr)
	waitFor(t, "a has b's connection", func() bool { return a.Connected("b") })
	const n = 4 // 3.6MB in all: more than the connection holds
	if got := sendBigAndClose(t, a, nil, held, n); got != n {
		t.Fatalf("b read %d of the %d replies a flushed before Close", got, n)
	}
}

// TestCloseBoundedByLinger: a transport does not wait past CloseLinger for a node
// that does not read; a negative CloseLinger closes at once.
func TestCloseBoundedByLinger(t *testing.T) {
	for _, linger := range []time.Duration{50 * time.Millisecond, -1} {
		a, _, _, addr := tcpNode(t, "a", func(c *Config) { c.CloseLinger = linger })
		_, _ = slowReaderNode(t, addr)
		waitFor(t, "a has b's connection", func() bool { return a.Connected("b") })
		if err := a.Send("b", &router.Message{Kind: router.KindReply, Result: make([]byte, 900<<10)}); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = a.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("CloseLinger %v: Close still waits after 10s for a node that does not read", linger)
		}
	}
}

// gatedObserver is a receiver whose PeerUp waits until the gate opens:
// an observer that takes a moment (it takes a lock, say) while a connection is being
// brought up.
type gatedObserver struct {
	*events
	entered   chan struct{} // closed when a PeerUp starts waiting
	gate      chan struct{}
	enterOnce sync.Once
	gateOnce  sync.Once
}

func newGatedObserver() *gatedObserver {
	return &gatedObserver{events: &events{}, entered: make(chan struct{}), gate: make(chan struct{})}
}

func (g *gatedObserver) PeerUp(id router.NodeID, inc router.Incarnation) {
	g.enterOnce.Do(func() { close(g.entered) })
	<-g.gate
	g.events.PeerUp(id, inc)
}

func (g *gatedObserver) open() { g.gateOnce.Do(func() { close(g.gate) }) }

// sendBigAndClose sends n replies of 900KB from a to b, opens b's held reader after
// 100ms, flushes, then closes a; if obs is not nil, while a's PeerUp for b is still
// held up there, which it lets go 200ms into the Close. It returns how many replies b
// read.
func sendBigAndClose(t *testing.T, a *Transport, obs *gatedObserver, held *heldReader, n int) int {
	t.Helper()
	body := []byte(strings.Repeat("v", 900<<10))
	for i := range n {
		if err := a.Send("b", &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "b", Seq: uint64(i + 1)}, Result: body}); err != nil {
			t.Fatal(err)
		}
	}
	time.AfterFunc(100*time.Millisecond, held.open)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { _ = a.Close(); close(closed) }()
	if obs != nil {
		time.Sleep(200 * time.Millisecond)
		obs.open()
	}
	<-closed
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && len(held.received()) < n; {
		time.Sleep(5 * time.Millisecond)
	}
	return len(held.received())
}

// slowReaderListener is a node "b" listening on loopback with a receive buffer as
// small as the kernel allows, pinging every millisecond, with a receiver that holds
// up its reader once shut (heldReader): slowReaderNode for a node that is dialed.
func slowReaderListener(t *testing.T) (*Transport, *heldReader, string) {
	t.Helper()
	lc := net.ListenConfig{Control: smallReceiveBuffer}
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, _, _, addrB := tcpNodeOn(t, "b", l, func(c *Config) { c.HeartbeatInterval = time.Millisecond })
	held := newHeldReader()
	b.Attach(held)
	t.Cleanup(held.open)
	return b, held, addrB
}

// TestCloseLetsPeerReadWhileInboundComesUp: a connection that is the peer's and
// running, whose accept goroutine has not returned yet (it is in up: announceUp, the
// observer's PeerUp, then the probe), is closed gracefully too. It stayed among the
// handshakes in progress until then, whose sockets Close closes outright: what a had
// flushed to b was reset at b's next ping.
func TestCloseLetsPeerReadWhileInboundComesUp(t *testing.T) {
	a, _, _, addr := tcpNode(t, "a", nil)
	obs := newGatedObserver()
	t.Cleanup(obs.open) // before a's Close in the cleanups (LIFO)
	a.Attach(obs)
	_, held := slowReaderNode(t, addr)
	select {
	case <-obs.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("a never announced b up")
	}
	waitFor(t, "a has b's connection", func() bool { return a.Connected("b") })
	const n = 4
	if got := sendBigAndClose(t, a, obs, held, n); got != n {
		t.Fatalf("b read %d of the %d replies a flushed before Close: a's Close closed the socket of a connection still in t.accepting outright (not half-closed), and b's next ping was answered with a reset", got, n)
	}
}

// TestCloseLetsPeerReadWhileOutboundComesUp: the dialer's side of the same window.
// The dial's interruption of its handshake (closing the socket when the transport
// closes) lasted until the dial returned, after up: Close closed the socket of a
// running connection outright.
func TestCloseLetsPeerReadWhileOutboundComesUp(t *testing.T) {
	b, held, addrB := slowReaderListener(t)
	a, _, _, _ := tcpNode(t, "a", func(c *Config) { c.Peers = map[router.NodeID]string{"b": addrB} })
	obs := newGatedObserver()
	t.Cleanup(obs.open)
	a.Attach(obs)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Connect(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-obs.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("a never announced b up")
	}
	waitFor(t, "b has a's connection", func() bool { return b.connTo("a") != nil })
	held.shut.Store(true)
	const n = 4
	if got := sendBigAndClose(t, a, obs, held, n); got != n {
		t.Fatalf("b read %d of the %d replies a flushed before Close: the dial's AfterFunc closed the raw socket of a running connection outright at Close, and b's next ping was answered with a reset", got, n)
	}
}

// TestCloseTLSBoundedByLinger: over TLS, end's CloseWrite is tls.Conn.CloseWrite,
// which writes a close-notify alert under the TLS output lock with a write deadline
// of its own, 5s (crypto/tls), whatever CloseLinger is. When the other node does not
// read (here a pipe whose reader is held up; over TCP, a full socket buffer), the
// writer waits in it; at the end of the linger conn.close's tls.Conn.Close, which
// writes one too, waited for the same lock: Close took 5s. With a negative
// CloseLinger tls.Conn.Close's own alert took as long. conn.close now closes the
// socket under TLS first.
func TestCloseTLSBoundedByLinger(t *testing.T) {
	dir := t.TempDir()
	caFile := testcerts.Write(t, dir, "a", "b")
	load := func(name string) (server, client *tls.Config) {
		s, c, err := LoadTLS(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"), caFile)
		if err != nil {
			t.Fatal(err)
		}
		return s, c
	}
	for _, linger := range []time.Duration{100 * time.Millisecond, -1} {
		t.Run(linger.String(), func(t *testing.T) {
			sa, cla := load("a")
			sb, cb := load("b")
			a, _ := pipeNode(t, "a", func(c *Config) {
				c.ServerTLS, c.ClientTLS, c.CloseLinger = sa, cla, linger
				// No heartbeat from a during the test: its writer stays idle.
				c.HeartbeatInterval, c.HeartbeatTimeout = 10*time.Second, 20*time.Second
			})
			b, _ := pipeNode(t, "b", func(c *Config) {
				c.ServerTLS, c.ClientTLS = sb, cb
				c.Peers = map[router.NodeID]string{"a": "127.0.0.1:1"} // the certificates' name
				c.Dial = func(context.Context, string) (net.Conn, error) {
					x, y := net.Pipe()
					a.Accept(y)
					return x, nil
				}
			})
			recv := newHeldReader()
			b.Attach(recv)
			t.Cleanup(recv.open) // before the transports' Close (LIFO)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := b.Connect(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a has b's connection", func() bool { return a.Connected("b") })
			// And a's accept goroutine is over (else the test would show nothing, when
			// the connection's socket was closed outright as a handshake's).
			waitFor(t, "a's accept goroutine returns", func() bool {
				a.mu.Lock()
				defer a.mu.Unlock()
				return len(a.accepting) == 0
			})
			recv.shut.Store(true)
			if err := a.Send("b", &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "b", Seq: 1}}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-recv.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("b never received a's message")
			}
			// The write that carried it is over (tls.Conn.Close would otherwise see a
			// Write in flight and close the raw connection without an alert).
			if err := a.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_ = a.Close()
			took := time.Since(start)
			if bound := max(linger, 0) + 3*time.Second; took > bound { // 5s when the alert waits
				t.Fatalf("CloseLinger %v over TLS: Close took %v (more than %v): a close-notify alert (crypto/tls gives its write a 5s deadline of its own) waited for a node that does not read", linger, took.Round(time.Millisecond), bound)
			}
		})
	}
}
