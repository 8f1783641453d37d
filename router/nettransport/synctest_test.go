package nettransport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

// These tests run in a synctest bubble over net.Pipe: time is virtual, so timeouts,
// heartbeats and backoff are measured exactly and without waiting.

type sink struct {
	mu   sync.Mutex
	got  int
	logs bytes.Buffer
}

func (s *sink) Receive(router.Message) { s.mu.Lock(); s.got++; s.mu.Unlock() }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.Write(p)
}

func (s *sink) log() string { s.mu.Lock(); defer s.mu.Unlock(); return s.logs.String() }

// received is how many messages the sink was handed.
func (s *sink) received() int { s.mu.Lock(); defer s.mu.Unlock(); return s.got }

func pipeNode(t *testing.T, id router.NodeID, edit func(*Config)) (*Transport, *sink) {
	t.Helper()
	s := &sink{}
	cfg := Config{ID: id, Incarnation: 1, Cluster: "test", Secret: []byte("pipe-secret"),
		Logger: slog.New(slog.NewTextHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if edit != nil {
		edit(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.Attach(s)
	t.Cleanup(func() { _ = tr.Close() })
	return tr, s
}

// rawDial opens a pipe to acc and runs the dialer's handshake as node id by hand,
// returning the dialer's end: the test then plays a misbehaving peer.
func rawDial(t *testing.T, acc *Transport, id router.NodeID) net.Conn {
	t.Helper()
	me, _ := pipeNode(t, id, nil)
	c1, c2 := net.Pipe()
	acc.Accept(c2)
	if _, err := me.dialHandshake(c1, newFrameReader(c1, 4096, DefaultMaxFrame), acc.cfg.ID); err != nil {
		t.Fatal(err)
	}
	return c1
}

// TestHeartbeatTimeout: a peer that stops sending (no pings either) is declared dead
// HeartbeatTimeout after the last thing it sent, and disconnected.
func TestHeartbeatTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		acc, logs := pipeNode(t, "n1", nil)
		c := rawDial(t, acc, "n2")
		defer c.Close()
		start := time.Now()
		go func() { _, _ = io.Copy(io.Discard, c) }() // reads the pings, sends nothing
		synctest.Wait()
		if !acc.Connected("n2") {
			t.Fatal("not connected after the handshake")
		}
		// Bounded in (virtual) time, so that a peer never dropped fails the test
		// rather than spinning until the test binary's timeout.
		for acc.Connected("n2") && time.Since(start) < 10*DefaultHeartbeatTimeout {
			time.Sleep(10 * time.Millisecond)
			synctest.Wait()
		}
		if acc.Connected("n2") {
			t.Fatalf("silent peer still connected after %v, want it dropped after %v", time.Since(start), DefaultHeartbeatTimeout)
		}
		if took := time.Since(start); took < DefaultHeartbeatTimeout || took > DefaultHeartbeatTimeout+20*time.Millisecond {
			t.Fatalf("silent peer dropped after %v, want %v", took, DefaultHeartbeatTimeout)
		}
		if !strings.Contains(logs.log(), "peer silent past the heartbeat timeout") {
			t.Fatalf("log:\n%s", logs.log())
		}
	})
}

// TestHeartbeatKeepsIdleAlive: two idle transports stay connected far past the
// heartbeat timeout: pings keep them alive.
func TestHeartbeatKeepsIdleAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b *Transport
		a, _ := pipeNode(t, "n1", func(c *Config) {
			c.Peers = map[router.NodeID]string{"n2": "pipe"}
			c.Dial = func(context.Context, string) (net.Conn, error) {
				c1, c2 := net.Pipe()
				b.Accept(c2)
				return c1, nil
			}
		})
		b, _ = pipeNode(t, "n2", nil)
		if err := a.Send("n2", &router.Message{Kind: router.KindGossip}); !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("first send: %v, want ErrUnreachable at once", err)
		}
		synctest.Wait()
		if !a.Connected("n2") {
			t.Fatal("the failed send did not start a dial")
		}
		time.Sleep(10 * DefaultHeartbeatTimeout)
		synctest.Wait()
		if !a.Connected("n2") || !b.Connected("n1") || a.Stats().Disconnects != 0 {
			t.Fatalf("idle connection dropped: %+v", a.Stats())
		}
	})
}

// TestHandshakeTimeout: a connection that never says hello, or sends less than a
// frame header and then nothing, is closed after HandshakeTimeout, logged as a
// handshake that timed out (not a bare "i/o timeout") and counted as refused.
func TestHandshakeTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		send []byte
		log  string
	}{
		{name: "nothing", log: "the handshake timed out: not done within the handshake timeout of 5s (HandshakeTimeout); the other side sent nothing"},
		{name: "part of a header", send: []byte{0xE5, 0x7E, 1}, log: "the handshake timed out: not done within the handshake timeout of 5s (HandshakeTimeout); the other side sent part of its hello and then nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				acc, logs := pipeNode(t, "n1", nil)
				c1, c2 := net.Pipe()
				defer c1.Close()
				start := time.Now()
				acc.Accept(c2)
				if len(tc.send) > 0 {
					if _, err := c1.Write(tc.send); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := c1.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("read: %v, want EOF", err)
				}
				if took := time.Since(start); took != DefaultHandshakeTimeout {
					t.Fatalf("closed after %v, want %v", took, DefaultHandshakeTimeout)
				}
				synctest.Wait()
				if !strings.Contains(logs.log(), "refused connection") || !strings.Contains(logs.log(), tc.log) {
					t.Fatalf("log:\n%s", logs.log())
				}
				if st := acc.Stats(); st.Refused != 1 || st.BadFrames != 0 {
					t.Fatalf("refused %d, bad frames %d; want 1, 0", st.Refused, st.BadFrames)
				}
			})
		})
	}
}

// refusedDials makes every dial of c fail at once, as to a port nothing listens on,
// and returns a function that gives the times of the dials made so far.
func refusedDials(c *Config) func() []time.Time {
	var mu sync.Mutex
	var at []time.Time
	c.Dial = func(context.Context, string) (net.Conn, error) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		return nil, errors.New("connection refused")
	}
	return func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(at)
	}
}

// TestBackoff: failed dials are retried after a wait that doubles from BackoffMin up to
// BackoffMax, each within ±25% jitter.
func TestBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var dials func() []time.Time
		tr, _ := pipeNode(t, "n1", func(c *Config) {
			c.Peers = map[router.NodeID]string{"n2": "nowhere"}
			c.BackoffMin, c.BackoffMax = 100*time.Millisecond, 800*time.Millisecond
			dials = refusedDials(c)
		})
		_ = tr.Send("n2", &router.Message{Kind: router.KindGossip})
		time.Sleep(5 * time.Second)
		_ = tr.Close()
		at := dials()
		want := []time.Duration{100, 200, 400, 800, 800, 800}
		if len(at) < len(want)+1 {
			t.Fatalf("%d dials in 5s, want at least %d", len(at), len(want)+1)
		}
		for i, w := range want {
			w *= time.Millisecond
			if gap := at[i+1].Sub(at[i]); gap < w*3/4 || gap > w*5/4 {
				t.Errorf("wait before dial %d: %v, want %v ±25%%", i+2, gap, w)
			}
		}
		if r := tr.Stats().Reconnects; r != uint64(len(at)-1) {
			t.Errorf("Reconnects = %d, want %d", r, len(at)-1)
		}
	})
}

// TestBadFrameAfterHandshake: a malformed frame from an authenticated peer closes its
// connection with a logged reason; the node goes on.
func TestBadFrameAfterHandshake(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame []byte
		log   string
	}{
		{name: "bad body", frame: append(appendHeader(nil, typeMsg, 2), 99, 0), log: "unknown message kind 99"},
		{name: "handshake frame", frame: appendHeader(nil, typeHello, 0), log: "unexpected hello frame after the handshake"},
		{name: "too long", frame: appendHeader(nil, typeMsg, DefaultMaxFrame+1), log: "exceeds the limit"},
		{name: "other version", frame: []byte{magic0, magic1, 9, byte(typePing), 0, 0, 0, 0}, log: "protocol version 9 after the handshake"},
	} {
		t.Run(tc.name, func(t *testing.T) { badFrameCloses(t, tc.frame, "level=WARN msg=disconnected", tc.log) })
	}
}

// badFrameCloses sends frame from an authenticated peer, n2, to a node, n1, and
// checks that the node closes the connection, counts one bad frame, and logs each of
// wants.
func badFrameCloses(t *testing.T, frame []byte, wants ...string) {
	synctest.Test(t, func(t *testing.T) {
		acc, logs := pipeNode(t, "n1", nil)
		c := rawDial(t, acc, "n2")
		defer c.Close()
		go func() { _, _ = c.Write(frame) }()
		_, _ = io.Copy(io.Discard, c) // until the node closes the connection
		synctest.Wait()
		if acc.Connected("n2") || acc.Stats().BadFrames != 1 {
			t.Fatalf("connected=%v stats=%+v", acc.Connected("n2"), acc.Stats())
		}
		for _, w := range wants {
			if !strings.Contains(logs.log(), w) {
				t.Fatalf("log lacks %q:\n%s", w, logs.log())
			}
		}
	})
}

// TestWelcomeFailureFreesTheSlot: a dialer that proves the secret and then goes away
// before reading the welcome was admitted for a moment; the acceptor's own dial loop
// for that node, which saw the connection in that moment, goes on dialing once the
// welcome fails, and connects.
func TestWelcomeFailureFreesTheSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		var up atomic.Bool // n1 can be dialed
		acc, _ := pipeNode(t, "n2", func(c *Config) {
			c.Peers = map[router.NodeID]string{"n1": "n1"}
			c.BackoffMin, c.BackoffMax = 10*time.Millisecond, 20*time.Millisecond
			c.Dial = func(context.Context, string) (net.Conn, error) {
				if !up.Load() {
					return nil, errors.New("connection refused")
				}
				c1, c2 := net.Pipe()
				n1.Accept(c2)
				return c1, nil
			}
		})
		_ = acc.Send("n1", &router.Message{Kind: router.KindGossip}) // starts the dial loop
		synctest.Wait()

		// A dialer claiming n1 runs the handshake by hand, up to its auth; the welcome
		// then waits on the pipe, which nobody reads.
		c1, c2 := net.Pipe()
		acc.Accept(c2)
		me := identity{cluster: "test", id: "n1", inc: 1}
		if err := writeFrame(c1, typeHello, appendIdentity(nil, &me)); err != nil {
			t.Fatal(err)
		}
		body, _, err := readHandshake(c1, newFrameReader(c1, 4096, DefaultMaxFrame), typeChallenge)
		if err != nil {
			t.Fatal(err)
		}
		them, err := parseIdentity(body)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeFrame(c1, typeAuth, proof([]byte("pipe-secret"), "dialer", &me, &them)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // the dial loop wakes and finds the slot taken
		synctest.Wait()
		if !acc.Connected("n1") {
			t.Fatal("the dialer was not admitted before its welcome")
		}
		up.Store(true)
		_ = c1.Close() // the welcome fails
		time.Sleep(time.Second)
		synctest.Wait()
		if !acc.Connected("n1") {
			t.Fatalf("not connected to n1 a second after the welcome failed: %+v", acc.Stats())
		}
	})
}

// slowCloseConn is a pipe end whose Close, once held, waits until it is let go: a TLS
// connection's Close, sending its close alert, can take a while.
type slowCloseConn struct {
	net.Conn
	hold    atomic.Bool
	holding chan struct{} // closed when a held Close starts waiting
	letGo   chan struct{}
}

func (c *slowCloseConn) Close() error {
	if c.hold.CompareAndSwap(true, false) {
		close(c.holding)
		<-c.letGo
	}
	return c.Conn.Close()
}

// passCounter is a context that counts Connect's passes through its loop, one call
// of Done each, and after limit of them is done, so that a Connect that spins ends.
type passCounter struct {
	context.Context
	passes atomic.Int64
	limit  int64
}

var errTooManyPasses = errors.New("too many passes")

func (c *passCounter) Done() <-chan struct{} {
	if c.passes.Add(1) > c.limit {
		done := make(chan struct{})
		close(done)
		return done
	}
	return c.Context.Done()
}

func (c *passCounter) Err() error {
	if c.passes.Load() > c.limit {
		return errTooManyPasses
	}
	return c.Context.Err()
}

// TestConnectWaitsOutALeavingClose: Connect, waiting for a node that said goodbye,
// blocks while that node's connection is closing, until the peer has let go of it: it
// does not spin while the socket's Close takes its time. Once the node's next
// incarnation is up, Connect returns.
func TestConnectWaitsOutALeavingClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old, _ := pipeNode(t, "n1", nil)
		next, _ := pipeNode(t, "n1", func(c *Config) { c.Incarnation = 2 })
		var acc atomic.Pointer[Transport] // the incarnation of n1 that n2 dials
		acc.Store(old)
		first := &slowCloseConn{holding: make(chan struct{}), letGo: make(chan struct{})}
		var dials atomic.Int64
		n2, _ := pipeNode(t, "n2", func(c *Config) {
			c.Peers = map[router.NodeID]string{"n1": "n1"}
			c.Dial = func(context.Context, string) (net.Conn, error) {
				c1, c2 := net.Pipe()
				acc.Load().Accept(c2)
				if dials.Add(1) == 1 {
					first.Conn = c1
					return first, nil
				}
				return c1, nil
			}
		})
		defer func() {
			select {
			case <-first.letGo:
			default:
				close(first.letGo) // for Close at the end, if the test fails first
			}
		}()
		if err := n2.Connect(context.Background(), "n1"); err != nil {
			t.Fatal(err)
		}
		if err := old.Goodbye(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n2.Connected("n1") {
			t.Fatal("n1 said goodbye and is still connected")
		}

		ctx := &passCounter{Context: context.Background(), limit: 100}
		connected := make(chan error, 1)
		go func() { connected <- n2.Connect(ctx, "n1") }()
		synctest.Wait() // Connect waits for the leaving connection to end

		// n1 stops; n2's side of the connection closes, and its Close is held.
		first.hold.Store(true)
		acc.Store(next)
		_ = old.Close()
		<-first.holding
		synctest.Wait()
		select {
		case err := <-connected:
			t.Fatalf("Connect returned %v after %d passes while the leaving connection was closing; want it to wait", err, ctx.passes.Load())
		default:
		}
		if p := ctx.passes.Load(); p != 1 {
			t.Fatalf("Connect made %d passes while the leaving connection was closing, want 1", p)
		}

		close(first.letGo)
		if err := <-connected; err != nil {
			t.Fatalf("Connect: %v, want the next incarnation connected", err)
		}
		if got := n2.Peers(); len(got) != 1 || !got[0].Connected || got[0].Incarnation != 2 {
			t.Fatalf("peers after Connect: %+v, want n1 incarnation 2 connected", got)
		}
	})
}
