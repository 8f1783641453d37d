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

// heldDial is n2 dialing n1 with its first dial's second write held (heldAuth): its
// Connect runs on a goroutine of its own, and its result comes on done.
type heldDial struct {
	held  *heldAuth
	n2    *node
	dials atomic.Int32
	done  chan error
}

// startHeldDial starts n2 (edit, if not nil, configures it further), has it Connect
// to acc, and returns once its second write waits: the auth that answers the
// challenge, or under TLS the second flight of its TLS handshake.
func startHeldDial(t *testing.T, acc *node, edit func(*nettransport.Config)) *heldDial {
	t.Helper()
	d := &heldDial{held: &heldAuth{holding: make(chan struct{}), release: make(chan struct{})}, done: make(chan error, 1)}
	d.n2 = startNode(t, "n2", false, func(c *nettransport.Config) {
		if edit != nil {
			edit(c)
		}
		peersOf("n1", acc.addr)(c)
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err != nil || d.dials.Add(1) > 1 {
				return nc, err
			}
			d.held.Conn = nc
			return d.held, nil
		}
	})
	t.Cleanup(d.held.free)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		d.done <- d.n2.tr.Connect(ctx, "n1")
	}()
	select {
	case <-d.held.holding:
	case err := <-d.done:
		t.Fatalf("n2's dial ended before its second write: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("n2 never made its second write")
	}
	return d
}

// connects lets n2's held write go and fails the test unless its first dial
// connects.
func (d *heldDial) connects(t *testing.T, acc *node) {
	t.Helper()
	d.held.free()
	if err := <-d.done; err != nil {
		t.Fatalf("n2 did not connect: %v\n%s", err, acc.log.String())
	}
	if n, f := d.dials.Load(), d.n2.tr.Stats().DialFailures; n != 1 || f != 0 {
		t.Fatalf("n2 dialed %d times, %d failed; want its first dial to connect\n%s", n, f, acc.log.String())
	}
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
	d := startHeldDial(t, acc, nil)
	for range 2 * max {
		rawConn(t, acc.addr)
	}
	if !await(func() bool { return acc.tr.Stats().HandshakeLimit >= max+1 }) {
		t.Fatalf("handshakes ended %d, want %d", acc.tr.Stats().HandshakeLimit, max+1)
	}
	d.connects(t, acc)
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
