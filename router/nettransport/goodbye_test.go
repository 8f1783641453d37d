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
	// n1 waits as long as it takes: the acknowledgement comes after every route n2
	// queued, up to its whole send queue (kept small), which a loaded machine may take
	// more than the default second to deliver.
	n1, ev1, _, addr := tcpNode(t, "n1", func(c *Config) { c.GoodbyeTimeout = 10 * time.Second })
	n3, _, _, _ := tcpNode(t, "n3", func(c *Config) {
		c.Secret = []byte("restart-secret")
		c.Peers = map[router.NodeID]string{"n1": addr}
	})
	n2, _, _, _ := tcpNode(t, "n2", func(c *Config) {
		c.Secret = []byte("restart-secret")
		c.Peers = map[router.NodeID]string{"n1": addr}
		c.QueueBytes = 64 << 10
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

// TestGoodbyeBoundedBySilentPeer: a peer that never acknowledges (a node older than
// the goodbye, which reads it as a heartbeat, or a stuck one) holds Goodbye up
// GoodbyeTimeout exactly, and no longer; Goodbye names it, and not the peer that did
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
				synctest.Wait()
				start := time.Now()
				err := n1.Goodbye(context.Background())
				took := time.Since(start)
				want := tc.bound
				if want == 0 {
					want = DefaultGoodbyeTimeout
				}
				if !errors.Is(err, ErrGoodbye) || !strings.Contains(err.Error(), "n2 did not") || strings.Contains(err.Error(), "n3") {
					t.Fatalf("Goodbye: %v, want ErrGoodbye naming n2 alone", err)
				}
				if took != want {
					t.Fatalf("Goodbye took %v, want the bound %v", took, want)
				}
				if st := n1.Stats(); st.Unacknowledged != 1 {
					t.Fatalf("stats %+v: want one unacknowledged", st)
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
