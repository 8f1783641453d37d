package nettransport

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestGoodbyeOrdersRequestsBeforeAck: n2 sends routes to n1 as fast as it can while
// n1 says goodbye. When Goodbye returns, n1 has received every route n2's Send took,
// and every later route fails at once with ErrUnreachable; a reply still goes
// through, and no new connection is let in. Over loopback TCP.
func TestGoodbyeOrdersRequestsBeforeAck(t *testing.T) {
	// The acknowledgement comes after every route n2 queued, up to its whole send
	// queue, which a loaded machine may take more than GoodbyeTimeout to deliver: n1
	// waits while they arrive (GoodbyeTimeout as it is), up to a GoodbyeLimit that
	// no machine reaches here.
	n1, ev1, _, addr := tcpNode(t, "n1", func(c *Config) { c.GoodbyeLimit = 30 * time.Second })
	n3, _, _, _ := tcpNode(t, "n3", func(c *Config) {
		c.Secret = []byte("restart-secret")
		c.Peers = map[router.NodeID]string{"n1": addr}
	})
	n2, _, _, _ := tcpNode(t, "n2", func(c *Config) {
		c.Secret = []byte("restart-secret")
		c.Peers = map[router.NodeID]string{"n1": addr}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n2.Connect(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	first := make(chan struct{})
	sender := make(chan error, 1)
	go func() {
		var once sync.Once
		flowing := func() { once.Do(func() { close(first) }) }
		defer flowing()
		route := &router.Message{Kind: router.KindRoute, Call: router.CallID{Node: "n2", Seq: 1}, Event: []byte("ev")}
		for i := 0; ; i++ {
			err := n2.Send("n1", route)
			switch {
			case err == nil:
				sent.Add(1)
			case errors.Is(err, router.ErrOverloaded):
				time.Sleep(time.Millisecond) // the queue is full: n1 reads on
			default:
				sender <- err
				return
			}
			if i == 100 {
				flowing()
			}
		}
	}()
	<-first // routes are flowing
	if err := n1.Goodbye(ctx); err != nil {
		t.Fatalf("Goodbye: %v", err)
	}
	got := ev1.count("msg from n2")
	select {
	case err := <-sender:
		if !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("a route after the goodbye: %v, want ErrUnreachable", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("n2 still sends routes to n1 10s after its goodbye (%d sent)", sent.Load())
	}
	if got != sent.Load() {
		t.Fatalf("n1 had received %d of the %d routes n2 sent before acknowledging", got, sent.Load())
	}
	if st, ps := n2.Stats(), n2.Peers(); st.Goodbyes != 1 || len(ps) != 1 || !ps[0].Leaving {
		t.Fatalf("n2: %+v, peers %+v: want one goodbye heard, n1 leaving (its connection still up)", st, ps)
	}
	for _, k := range []router.Kind{router.KindCast, router.KindPeer, router.KindGossip} {
		if err := n2.Send("n1", &router.Message{Kind: k}); !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("a %v after the goodbye: %v, want ErrUnreachable", k, err)
		}
	}
	reply := &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n1", Seq: 9}}
	if err := n2.Send("n1", reply); err != nil {
		t.Fatalf("a reply after the goodbye: %v", err)
	}
	waitFor(t, "the reply reaches n1", func() bool { return ev1.count("msg from n2") == got+1 })
	var re *RefusedError
	if err := n3.Connect(ctx, "n1"); !errors.As(err, &re) || re.Code != RefuseShutdown {
		t.Fatalf("a new connection after the goodbye: %v, want refused (shutting down)", err)
	}
}

// count returns how many events are s.
func (e *events) count(s string) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var n int64
	for _, l := range e.log {
		if l == s {
			n++
		}
	}
	return n
}

// readGoodbye reads frames from c until a goodbye, which it checks is a version 1
// ping (what a node older than the goodbye reads as a heartbeat).
func readGoodbye(t *testing.T, c net.Conn) {
	t.Helper()
	fr := newFrameReader(c, 4096, DefaultMaxFrame)
	for {
		h, body, err := fr.next()
		if err != nil {
			t.Errorf("no goodbye: %v", err)
			return
		}
		if h.typ == typePing && len(body) == 1 && body[0] == ctlGoodbye {
			if h.version != 1 {
				t.Errorf("goodbye in protocol version %d, want 1", h.version)
			}
			return
		}
	}
}

// TestGoodbyeBoundedBySilentPeer: peers that never acknowledge and send nothing but
// heartbeats (a stuck node, or one older than the goodbye with nothing to send, which
// reads the goodbye as a heartbeat) hold Goodbye up GoodbyeTimeout exactly, all of
// them together, and no longer; Goodbye names them, and not the peer that did
// acknowledge. Virtual time.
func TestGoodbyeBoundedBySilentPeer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bound time.Duration // 0: the default
	}{{"default", 0}, {"configured", 250 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var n3 *Transport
				n1, logs := pipeNode(t, "n1", func(c *Config) {
					c.GoodbyeTimeout = tc.bound
					c.Peers = map[router.NodeID]string{"n3": "pipe"}
					c.Dial = func(context.Context, string) (net.Conn, error) {
						c1, c2 := net.Pipe()
						n3.Accept(c2)
						return c1, nil
					}
				})
				n3, _ = pipeNode(t, "n3", nil)
				if err := n1.Connect(context.Background(), "n3"); err != nil {
					t.Fatal(err)
				}
				silent := rawDial(t, n1, "n2")
				defer silent.Close()
				go func() {
					readGoodbye(t, silent)
					_, _ = io.Copy(io.Discard, silent) // reads on, answers nothing
				}()
				pinging := rawDial(t, n1, "n4")
				defer pinging.Close()
				go func() {
					readGoodbye(t, pinging)
					_, _ = io.Copy(io.Discard, pinging)
				}()
				stop := make(chan struct{})
				defer close(stop)
				go sendEvery(pinging, stop, 100*time.Millisecond, frame(typePing, nil), -1)
				synctest.Wait()
				start := time.Now()
				err := n1.Goodbye(context.Background())
				took := time.Since(start)
				want := tc.bound
				if want == 0 {
					want = DefaultGoodbyeTimeout
				}
				if !errors.Is(err, ErrGoodbye) || !strings.Contains(err.Error(), "n2, n4 did not") || strings.Contains(err.Error(), "n3") {
					t.Fatalf("Goodbye: %v, want ErrGoodbye naming n2 and n4 alone", err)
				}
				if took != want {
					t.Fatalf("Goodbye took %v, want the bound %v", took, want)
				}
				if st := n1.Stats(); st.Unacknowledged != 2 {
					t.Fatalf("stats %+v: want two unacknowledged", st)
				}
				if n3.Stats().Goodbyes != 1 {
					t.Fatalf("n3 heard %d goodbyes, want 1", n3.Stats().Goodbyes)
				}
				if !strings.Contains(logs.log(), "leaving without an acknowledgement") {
					t.Fatalf("log:\n%s", logs.log())
				}
			})
		})
	}
}

// sendEvery writes f to c every d, n times (forever if n < 0), then ack (if not
// nil); it ends when a write fails or stop is closed.
func sendEvery(c net.Conn, stop <-chan struct{}, d time.Duration, f []byte, n int, ack ...byte) {
	for i := 0; n < 0 || i < n; i++ {
		select {
		case <-stop:
			return
		case <-time.After(d):
		}
		if _, err := c.Write(f); err != nil {
			return
		}
	}
	if ack != nil {
		_, _ = c.Write(frame(typePing, ack))
	}
}

// TestGoodbyeWaitsWhileRequestsArrive: a peer's acknowledgement comes behind the
// requests it queued before it heard the goodbye, which a busy machine may take
// longer than GoodbyeTimeout to deliver. While they arrive, each within
// GoodbyeTimeout of the last, Goodbye waits for the acknowledgement; a peer that sends
// on and never acknowledges (a node older than the goodbye) is waited for until
// GoodbyeLimit. Virtual time.
func TestGoodbyeWaitsWhileRequestsArrive(t *testing.T) {
	route := frame(typeMsg, AppendMessage(nil, &router.Message{Kind: router.KindRoute, Call: router.CallID{Node: "n2", Seq: 1}, Event: []byte("ev")}))
	for _, tc := range []struct {
		name   string
		limit  time.Duration // 0: the default
		routes int           // routes before the acknowledgement; -1: routes forever, no acknowledgement
		want   time.Duration
		err    bool
	}{
		{name: "acknowledged after 6 routes", routes: 6, want: 3600 * time.Millisecond},
		{name: "routes on", routes: -1, want: DefaultGoodbyeLimit, err: true},
		{name: "routes on, configured", limit: 2 * time.Second, routes: -1, want: 2 * time.Second, err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				n1, sink := pipeNode(t, "n1", func(c *Config) { c.GoodbyeLimit = tc.limit })
				peer := rawDial(t, n1, "n2")
				defer peer.Close()
				stop := make(chan struct{})
				defer close(stop)
				go func() {
					readGoodbye(t, peer)
					go sendEvery(peer, stop, 600*time.Millisecond, route, tc.routes, ctlGoodbyeAck)
					_, _ = io.Copy(io.Discard, peer)
				}()
				synctest.Wait()
				// A bound far past the limit, so that a limit not applied fails below
				// rather than waits for ever on a peer that routes on.
				ctx, cancel := context.WithTimeout(context.Background(), 10*DefaultGoodbyeLimit)
				defer cancel()
				start := time.Now()
				err := n1.Goodbye(ctx)
				took := time.Since(start)
				if tc.err != errors.Is(err, ErrGoodbye) || (err != nil && !tc.err) {
					t.Fatalf("Goodbye: %v, want an error %v", err, tc.err)
				}
				if took != tc.want {
					t.Fatalf("Goodbye took %v, want %v", took, tc.want)
				}
				if tc.routes >= 0 && sink.received() != tc.routes {
					t.Fatalf("n1 received %d routes before Goodbye returned, want %d", sink.received(), tc.routes)
				}
			})
		})
	}
}

// TestGoodbyeEndsWithConnection: a peer that closes its connection on the goodbye
// does not hold it up, nor does a context that ends first.
func TestGoodbyeEndsWithConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		c := rawDial(t, n1, "n2")
		go func() {
			readGoodbye(t, c)
			_ = c.Close()
		}()
		synctest.Wait()
		start := time.Now()
		if err := n1.Goodbye(context.Background()); err != nil || time.Since(start) != 0 {
			t.Fatalf("Goodbye: %v after %v, want nil at once", err, time.Since(start))
		}
	})
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		c := rawDial(t, n1, "n2")
		defer c.Close()
		go func() { _, _ = io.Copy(io.Discard, c) }()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := n1.Goodbye(ctx); !errors.Is(err, ErrGoodbye) || time.Since(start) != 100*time.Millisecond {
			t.Fatalf("Goodbye: %v after %v, want ErrGoodbye after the context's 100ms", err, time.Since(start))
		}
	})
}
