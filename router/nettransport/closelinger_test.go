package nettransport

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// heldReader is a receiver that, once shut, holds up its transport's reader at the
// next message until opened, as a node that is slow to read does.
type heldReader struct {
	*events
	shut   atomic.Bool
	opened chan struct{}
	once   sync.Once
}

func (h *heldReader) Receive(m router.Message) {
	if h.shut.Load() {
		<-h.opened
	}
	h.events.Receive(m)
}

func (h *heldReader) open() { h.once.Do(func() { close(h.opened) }) }

// slowReaderNode is a node "b" connected to the node "a" at addr over a connection
// whose receive buffer is as small as the kernel allows, with its reader held up
// (heldReader) and pinging every millisecond: what a writes to it backs up in a's
// socket, and a hears from it all the while.
func slowReaderNode(t *testing.T, addr string) (*Transport, *heldReader) {
	t.Helper()
	small := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return serr
	}}
	b, err := New(Config{ID: "b", Incarnation: 1, Cluster: "test", Secret: []byte("restart-secret"),
		Peers: map[router.NodeID]string{"a": addr}, HeartbeatInterval: time.Millisecond,
		Dial:   func(ctx context.Context, a string) (net.Conn, error) { return small.DialContext(ctx, "tcp", a) },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := &heldReader{events: &events{}, opened: make(chan struct{})}
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
	const n = 4
	body := []byte(strings.Repeat("v", 900<<10)) // 3.6MB in all: more than the connection holds
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
	_ = a.Close()
	waitFor(t, "b reads every reply a wrote", func() bool { return len(held.received()) == n })
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
