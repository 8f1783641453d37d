package nettransport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// reply is a reply to call seq of node to, incarnation 1.
func reply(to router.NodeID, seq uint64) *router.Message {
	return &router.Message{Kind: router.KindReply, Call: router.CallID{Node: to, Incarnation: 1, Seq: seq}, Code: router.CodeOK}
}

// calls lists the messages received, as kind and call sequence number.
func calls(ms []router.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s %d", m.Kind, m.Call.Seq))
	}
	return out
}

// pipeClient starts a client node (no address of its own) that dials n1 over a pipe,
// and waits in the bubble until all is quiet: by then n1 has released what it held for
// the client, and the client has received it.
func pipeClient(t *testing.T, id router.NodeID, n1 *Transport) *events {
	t.Helper()
	return pipeClientInc(t, id, 1, n1)
}

// dialsOverPipe gives c node id, served by acc, at an address it dials over net.Pipe.
func dialsOverPipe(c *Config, id router.NodeID, acc *Transport) {
	c.Peers = map[router.NodeID]string{id: "pipe"}
	c.Dial = func(context.Context, string) (net.Conn, error) {
		a, b := net.Pipe()
		acc.Accept(b)
		return a, nil
	}
}

// pipeClientInc is pipeClient for incarnation inc of the client.
func pipeClientInc(t *testing.T, id router.NodeID, inc router.Incarnation, n1 *Transport) *events {
	t.Helper()
	_, ev := pipeClientNode(t, id, inc, n1)
	return ev
}

// pipeClientNode is pipeClientInc, with the client's transport.
func pipeClientNode(t *testing.T, id router.NodeID, inc router.Incarnation, n1 *Transport) (*Transport, *events) {
	t.Helper()
	cl, _ := pipeNode(t, id, func(c *Config) {
		c.Incarnation = inc
		dialsOverPipe(c, "n1", n1)
	})
	ev := &events{}
	cl.Attach(ev)
	if err := cl.Connect(context.Background(), "n1"); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
	return cl, ev
}

// TestReplyHeldUntilClientConnects: a reply to a client that is not connected (a
// restarted node's clients come back at their next redial) is held, and written when
// the client connects; a request to it is refused at once, as before. A client that
// comes back after ReplyHold (default 3s) gets nothing, and the reply is counted as
// expired; so is one held for another incarnation of the client than the one that
// connects (its call died with the incarnation that made it).
func TestReplyHeldUntilClientConnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		for seq := uint64(1); seq <= 2; seq++ {
			if err := n1.Send("c1", reply("c1", seq)); err != nil {
				t.Fatalf("reply %d to c1, not connected: %v, want it held", seq, err)
			}
		}
		if err := n1.Send("c1", &router.Message{Kind: router.KindRoute, Ensemble: "e1"}); !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("a request to c1, not connected: %v, want %v", err, router.ErrUnreachable)
		}
		if err := n1.Send("c2", reply("c2", 9)); err != nil {
			t.Fatal(err)
		}
		if st := n1.Stats(); st.Held != 3 || st.Unreachable != 1 {
			t.Fatalf("held %d, unreachable %d; want 3 and 1", st.Held, st.Unreachable)
		}

		time.Sleep(DefaultReplyHold - time.Millisecond)
		ev := pipeClient(t, "c1", n1)
		if err := n1.Send("c1", reply("c1", 3)); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if diff := cmp.Diff([]string{"reply 1", "reply 2", "reply 3"}, calls(ev.received())); diff != "" {
			t.Errorf("c1 received (-want +got):\n%s", diff)
		}

		// c2 comes back too late: its reply expired.
		time.Sleep(2 * time.Millisecond)
		ev2 := pipeClient(t, "c2", n1)
		if err := n1.Send("c2", reply("c2", 10)); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if diff := cmp.Diff([]string{"reply 10"}, calls(ev2.received())); diff != "" {
			t.Errorf("c2 received (-want +got):\n%s", diff)
		}

		// c3 comes back in time, but as a new incarnation.
		if err := n1.Send("c3", reply("c3", 5)); err != nil {
			t.Fatal(err)
		}
		ev3 := pipeClientInc(t, "c3", 2, n1)
		if got := ev3.received(); len(got) != 0 {
			t.Errorf("incarnation 2 of c3 got %v, held for incarnation 1", calls(got))
		}
		if st := n1.Stats(); st.Held != 4 || st.HeldExpired != 2 {
			t.Errorf("held %d, expired %d; want 4 and 2", st.Held, st.HeldExpired)
		}
	})
}

// TestReplyHeldAsClientConnects: the race between a reply and the connection it
// waits for. Send found no connection, and a connection comes up before Send holds
// the reply (after up released what was held): the reply goes on that connection,
// not into the store, where nothing would release it. (That the check is made under
// the store's lock, which release takes too, the race detector and reading show; this
// test shows that it is made.)
func TestReplyHeldAsClientConnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		ev := pipeClient(t, "c1", n1)
		if err := n1.unreached("c1", reply("c1", 1)); err != nil { // what Send does next
			t.Fatal(err)
		}
		synctest.Wait()
		if diff := cmp.Diff([]string{"reply 1"}, calls(ev.received())); diff != "" {
			t.Errorf("c1 received (-want +got):\n%s", diff)
		}
		if st := n1.Stats(); st.Held != 0 {
			t.Errorf("held %d, want 0", st.Held)
		}
	})
}

// TestReplyReheldWhenReleasedToClosedConnection: the connection the held replies are
// released to closes before they are queued on it (a newer incarnation replaced it, or
// it died): they go back to the store for the connection that comes next, uncounted
// twice, instead of being lost.
func TestReplyReheldWhenReleasedToClosedConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		if err := n1.Send("c1", reply("c1", 1)); err != nil {
			t.Fatal(err)
		}
		a, b := net.Pipe()
		defer b.Close()
		dead := newConn(n1, a)
		dead.close(ErrClosed)
		n1.release("c1", 1, dead)
		ev := pipeClient(t, "c1", n1)
		if diff := cmp.Diff([]string{"reply 1"}, calls(ev.received())); diff != "" {
			t.Errorf("c1 received (-want +got):\n%s", diff)
		}
		if st := n1.Stats(); st.Held != 1 || st.HeldExpired != 0 || st.Unreachable != 0 {
			t.Errorf("held %d, expired %d, unreachable %d; want 1, 0 and 0", st.Held, st.HeldExpired, st.Unreachable)
		}
	})
}

// TestReplyHoldEdges: the corners of a reply put back in the store by a release whose
// connection closed, and of a connection not yet released to.
func TestReplyHoldEdges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		held := func(to router.NodeID, inc router.Incarnation, seq uint64) heldReply {
			f, err := n1.appendFrame(nil, reply(to, seq))
			if err != nil {
				t.Fatal(err)
			}
			return heldReply{to: to, inc: inc, at: time.Now(), frame: f}
		}
		// Put back after a reply held later: it keeps its place by age, and expires
		// when its time is up, not when the later one's is.
		old := held("c1", 1, 1)
		time.Sleep(2 * time.Second)
		if err := n1.Send("c2", reply("c2", 2)); err != nil {
			t.Fatal(err)
		}
		if err := n1.hold(old, true); err != nil {
			t.Fatal(err)
		}
		time.Sleep(DefaultReplyHold - time.Second)
		if st := n1.Stats(); st.HeldExpired != 1 {
			t.Fatalf("expired %d, want the reply put back, held %v ago", st.HeldExpired, DefaultReplyHold+time.Second)
		}

		// Put back while a new incarnation of its node is up: dropped, not written.
		ev := pipeClientInc(t, "c3", 2, n1)
		if err := n1.hold(held("c3", 1, 3), true); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := ev.received(); len(got) != 0 {
			t.Fatalf("incarnation 2 of c3 got %v, put back for incarnation 1", calls(got))
		}
		if st := n1.Stats(); st.HeldExpired != 2 {
			t.Fatalf("expired %d, want 2", st.HeldExpired)
		}

		// A connection installed and not released to yet (its handshake may still
		// fail) does not take a reply: it is held for the release.
		ev4 := pipeClient(t, "c4", n1)
		c4 := n1.connTo("c4")
		n1.held.mu.Lock()
		c4.ready = false
		n1.held.mu.Unlock()
		if err := n1.Send("c4", reply("c4", 4)); err != nil {
			t.Fatal(err)
		}
		if err := n1.unreached("c4", reply("c4", 5)); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if diff := cmp.Diff([]string{"reply 4"}, calls(ev4.received())); diff != "" {
			t.Fatalf("c4 received before its release (-want +got):\n%s", diff)
		}
		n1.release("c4", 1, c4)
		synctest.Wait()
		if diff := cmp.Diff([]string{"reply 4", "reply 5"}, calls(ev4.received())); diff != "" {
			t.Fatalf("c4 received after its release (-want +got):\n%s", diff)
		}

		// Once closed, nothing is held: Close drops c2's reply, never released, and
		// what is put back after is dropped too.
		_ = n1.Close()
		if err := n1.hold(held("c5", 1, 6), true); err != nil {
			t.Fatal(err)
		}
		if st := n1.Stats(); st.HeldExpired != 4 || len(n1.held.q) != n1.held.head {
			t.Fatalf("after Close: expired %d, %d held; want 4 and none", st.HeldExpired, len(n1.held.q)-n1.held.head)
		}
	})
}

// TestReplyHoldBounded: the replies held are bounded by QueueBytes over all nodes;
// past it a reply is refused as unreachable, as with no hold. The room comes back when
// the replies held are released to their node, or expire. A negative ReplyHold holds
// none; nor does a node that said goodbye, and Close drops those held, as expired.
func TestReplyHoldBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		one := len(mustFrame(t, reply("c1", 1)))
		n1, _ := pipeNode(t, "n1", func(c *Config) { c.QueueBytes = 3 * one })
		fill := func(round string, to ...router.NodeID) {
			t.Helper()
			for i, id := range append(to, "c9") {
				err := n1.Send(id, reply(id, uint64(i+1)))
				if want := i < len(to); (err == nil) != want {
					t.Fatalf("%s: reply %d of 4 (of %d bytes, %d bytes allowed): %v, want held %v", round, i+1, one, 3*one, err, want)
				}
			}
		}
		fill("first", "c1", "c2", "c1")
		if st := n1.Stats(); st.Held != 3 || st.Unreachable != 1 {
			t.Fatalf("held %d, unreachable %d; want 3 and 1", st.Held, st.Unreachable)
		}
		pipeClient(t, "c1", n1) // takes two of them
		pipeClient(t, "c2", n1) // and the third
		fill("after the release", "c3", "c4", "c5")
		time.Sleep(DefaultReplyHold + time.Millisecond)
		fill("after the expiry", "c6", "c7", "c8")
		if st := n1.Stats(); st.Held != 9 || st.HeldExpired != 3 || st.Unreachable != 3 {
			t.Fatalf("held %d, expired %d, unreachable %d; want 9, 3 and 3", st.Held, st.HeldExpired, st.Unreachable)
		}
		_ = n1.Close()
		if st := n1.Stats(); st.HeldExpired != 6 {
			t.Fatalf("expired %d once closed, want 6", st.HeldExpired)
		}

		off, _ := pipeNode(t, "n2", func(c *Config) { c.ReplyHold = -1 })
		if err := off.Send("c1", reply("c1", 1)); !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("with ReplyHold negative: %v, want %v", err, router.ErrUnreachable)
		}
		leaving, _ := pipeNode(t, "n3", nil)
		if err := leaving.Goodbye(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := leaving.Send("c1", reply("c1", 1)); !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("after Goodbye: %v, want %v", err, router.ErrUnreachable)
		}
	})
}

// TestReplyHeldForMember: a reply to a member whose connection is down is held while
// the dial loop reconnects, and written once it has.
func TestReplyHeldForMember(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m1 *Transport
		var up atomic.Bool
		n1, _ := pipeNode(t, "n1", func(c *Config) {
			c.Peers = map[router.NodeID]string{"m1": "pipe"}
			c.Dial = func(context.Context, string) (net.Conn, error) {
				if !up.Load() {
					return nil, errors.New("connection refused")
				}
				a, b := net.Pipe()
				m1.Accept(b)
				return a, nil
			}
		})
		m1, _ = pipeNode(t, "m1", nil)
		ev := &events{}
		m1.Attach(ev)
		if err := n1.Send("m1", reply("m1", 1)); err != nil {
			t.Fatalf("a reply to m1, not connected: %v, want it held", err)
		}
		up.Store(true)
		time.Sleep(time.Second) // the dial loop's next attempts
		synctest.Wait()
		if !n1.Connected("m1") {
			t.Fatal("n1 did not reconnect to m1")
		}
		if diff := cmp.Diff([]string{"reply 1"}, calls(ev.received())); diff != "" {
			t.Errorf("m1 received (-want +got):\n%s", diff)
		}
	})
}

func mustFrame(t *testing.T, m *router.Message) []byte {
	t.Helper()
	tr, err := New(Config{ID: "x", Cluster: "test", Secret: []byte("restart-secret")})
	if err != nil {
		t.Fatal(err)
	}
	f, err := tr.appendFrame(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestReplyToSelfNotHeld: a reply addressed to the node itself (Peers may list the
// whole cluster, this node included) is refused at once, not held: no connection to
// itself will ever come to take it.
func TestReplyToSelfNotHeld(t *testing.T) {
	for _, peers := range []map[router.NodeID]string{nil, {"n1": "127.0.0.1:1", "n2": "127.0.0.1:2"}} {
		n1, _ := pipeNode(t, "n1", func(c *Config) { c.Peers = peers })
		if err := n1.Send("n1", reply("n1", 1)); !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("peers %v: a reply to itself: %v, want %v", peers, err, router.ErrUnreachable)
		}
		if st := n1.Stats(); st.Held != 0 || st.Unreachable != 1 {
			t.Fatalf("peers %v: held %d, unreachable %d; want 0 and 1", peers, st.Held, st.Unreachable)
		}
	}
}
