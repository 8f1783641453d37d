package nettransport

import (
	"context"
	"errors"
	"fmt"
	"net"
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
	cl, _ := pipeNode(t, id, func(c *Config) {
		c.Peers = map[router.NodeID]string{"n1": "pipe"}
		c.Dial = func(context.Context, string) (net.Conn, error) {
			a, b := net.Pipe()
			n1.Accept(b)
			return a, nil
		}
	})
	ev := &events{}
	cl.Attach(ev)
	if err := cl.Connect(context.Background(), "n1"); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
	return ev
}

// TestReplyHeldUntilClientConnects: a reply to a client that is not connected (a
// restarted node's clients come back at their next redial) is held, and written when
// the client connects, before what is sent after; a request to it is refused at once,
// as before. A client that comes back after ReplyHold (default 3s) gets nothing, and
// the reply is counted as expired.
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
		if st := n1.Stats(); st.Held != 3 || st.HeldExpired != 1 {
			t.Errorf("held %d, expired %d; want 3 and 1", st.Held, st.HeldExpired)
		}
	})
}

// TestReplyHeldAsClientConnects: the race between a reply and the connection it
// waits for. Send found no connection, and a connection comes up before Send holds
// the reply (after up released what was held): the reply goes on that connection,
// not into the store, where nothing would release it.
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

// TestReplyHoldBounded: the replies held are bounded by QueueBytes over all nodes;
// past it a reply is refused as unreachable, as with no hold. A negative ReplyHold
// holds none.
func TestReplyHoldBounded(t *testing.T) {
	one := len(mustFrame(t, reply("c1", 1)))
	n1, _ := pipeNode(t, "n1", func(c *Config) { c.QueueBytes = 3 * one })
	for seq := uint64(1); seq <= 4; seq++ {
		err := n1.Send(router.NodeID(fmt.Sprintf("c%d", seq%2)), reply("c1", seq))
		if want := seq <= 3; (err == nil) != want {
			t.Fatalf("reply %d (of %d bytes, %d bytes allowed): %v, want held %v", seq, one, 3*one, err, want)
		}
	}
	if st := n1.Stats(); st.Held != 3 || st.Unreachable != 1 {
		t.Fatalf("held %d, unreachable %d; want 3 and 1", st.Held, st.Unreachable)
	}

	off, _ := pipeNode(t, "n2", func(c *Config) { c.ReplyHold = -1 })
	if err := off.Send("c1", reply("c1", 1)); !errors.Is(err, router.ErrUnreachable) {
		t.Fatalf("with ReplyHold negative: %v, want %v", err, router.ErrUnreachable)
	}
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
