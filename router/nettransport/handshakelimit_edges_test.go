package nettransport_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// heldAuth is a dialer's connection whose second write, the auth that answers the
// challenge, waits until release is closed: a client whose process is slow to answer
// (starting on a busy machine) while the acceptor already has its hello.
type heldAuth struct {
	net.Conn
	writes  atomic.Int32
	holding chan struct{} // closed when the auth waits
	release chan struct{}
	once    sync.Once
	freed   sync.Once
}

// free lets the held auth go, once; a test registers it as a cleanup too, so that a
// failure does not leave the dialer waiting and its transport's Close with it.
func (h *heldAuth) free() { h.freed.Do(func() { close(h.release) }) }

func (h *heldAuth) Write(b []byte) (int, error) {
	if h.writes.Add(1) == 2 {
		h.once.Do(func() { close(h.holding) })
		<-h.release
	}
	return h.Conn.Write(b)
}

// TestHandshakeLimitSparesAHello: a listener at its MaxHandshakes ends, for each
// connection more, the oldest handshake whose hello has not come, not a dialer's
// whose hello it answered. n2 dials n1 and sends its hello; before it answers the
// challenge, strangers open twice MaxHandshakes connections and say nothing. Each one
// past the limit ends a stranger's handshake, and n2's goes on: its first dial
// connects. (Ending the oldest whatever it had done ended n2's first: a flood of
// silent connections at a few thousand a second made a client on a busy machine fail
// to connect, with an error that asked whether the node used TLS.) Real TCP on
// loopback.
func TestHandshakeLimitSparesAHello(t *testing.T) {
	const max = 4
	acc := startNode(t, "n1", true, func(c *nettransport.Config) {
		c.MaxHandshakes = max
		c.HandshakeTimeout = time.Hour
	})
	held := &heldAuth{holding: make(chan struct{}), release: make(chan struct{})}
	var dials atomic.Int32
	n2 := startNode(t, "n2", false, func(c *nettransport.Config) {
		peersOf("n1", acc.addr)(c)
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err != nil || dials.Add(1) > 1 {
				return nc, err
			}
			held.Conn = nc
			return held, nil
		}
	})
	t.Cleanup(held.free)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- n2.tr.Connect(ctx, "n1")
	}()
	select {
	case <-held.holding:
	case err := <-done:
		t.Fatalf("n2's dial ended before its auth: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("n2 never got the challenge")
	}
	for range 2 * max {
		rawConn(t, acc.addr)
	}
	if !await(func() bool { return acc.tr.Stats().HandshakeLimit >= max+1 }) {
		t.Fatalf("handshakes ended %d, want %d", acc.tr.Stats().HandshakeLimit, max+1)
	}
	held.free()
	if err := <-done; err != nil {
		t.Fatalf("n2 did not connect: %v\n%s", err, acc.log.String())
	}
	if d, f := dials.Load(), n2.tr.Stats().DialFailures; d != 1 || f != 0 {
		t.Fatalf("n2 dialed %d times, %d failed; want its first dial to connect\n%s", d, f, acc.log.String())
	}
	if got := acc.tr.Stats().HandshakeLimit; got != max+1 {
		t.Fatalf("handshakes ended %d, want %d (one for each stranger past the limit)", got, max+1)
	}
}

// TestHandshakeLimitWarnsOnceAMinute: a stranger that opens one connection more
// than MaxHandshakes, closes them all, and starts again makes a run of ended
// handshakes each time. The first is warned of, the others within the minute are
// logged at debug and counted, where each run used to warn: a log flood anyone who
// can reach the port could keep up (some 40 warnings a second from one script).
// Real TCP on loopback.
func TestHandshakeLimitWarnsOnceAMinute(t *testing.T) {
	const max, runs = 2, 5
	acc := startNode(t, "n1", true, func(c *nettransport.Config) {
		c.MaxHandshakes = max
		c.HandshakeTimeout = time.Hour
	})
	closed := func() int { return strings.Count(acc.log.String(), "the connection closed before its hello") }
	for run := range runs {
		var conns []net.Conn
		for range max + 1 {
			conns = append(conns, rawConn(t, acc.addr))
		}
		if !await(func() bool { return acc.tr.Stats().HandshakeLimit == uint64(run+1) }) {
			t.Fatalf("run %d: handshakes ended %d, want %d", run, acc.tr.Stats().HandshakeLimit, run+1)
		}
		for _, c := range conns {
			_ = c.Close()
		}
		// The ones still in progress end as their strangers close them: the next run
		// starts on a listener with no handshake in progress.
		if !await(func() bool { return closed() == (run+1)*max }) {
			t.Fatalf("run %d: %d connections closed before their hello, want %d:\n%s", run, closed(), (run+1)*max, acc.log.String())
		}
	}
	var warned, quiet int
	for _, line := range strings.Split(acc.log.String(), "\n") {
		switch {
		case strings.Contains(line, "level=WARN") && strings.Contains(line, "ended a handshake"):
			warned++
		case strings.Contains(line, "level=DEBUG") && strings.Contains(line, "ended a handshake"):
			quiet++
		}
	}
	if warned != 1 || quiet != runs-1 {
		t.Fatalf("%d warnings and %d debug lines of an ended handshake, want 1 and %d:\n%s", warned, quiet, runs-1, acc.log.String())
	}
}
