package nettransport

// Edges of the handshake, the codec, the send queue, the goodbye and the dial loop:
// bounds and orders the package's documentation promises that no other test pins
// down.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestHelloTrailingBytes: a hello or challenge must end with its nonce:
// anything after it is a malformed frame, as in every other decoder of the protocol.
func TestHelloTrailingBytes(t *testing.T) {
	body := append(identityBody("test", "n2", 1), 0)
	if _, err := parseIdentity(body); !errors.Is(err, ErrBadFrame) || !strings.Contains(err.Error(), "nonce: 33 bytes, want 32") {
		t.Fatalf("parseIdentity of a hello with a byte past its nonce: %v, want ErrBadFrame naming the nonce", err)
	}
}

// TestHelloIncarnationBound: a handshake refuses an incarnation past
// MaxIncarnation, as Config.Validate refuses one in a Config.
func TestHelloIncarnationBound(t *testing.T) {
	if _, err := parseIdentity(identityBody("test", "n2", uint64(MaxIncarnation))); err != nil {
		t.Fatalf("MaxIncarnation itself: %v", err)
	}
	if _, err := parseIdentity(identityBody("test", "n2", uint64(MaxIncarnation)+1)); !errors.Is(err, ErrBadFrame) || !strings.Contains(err.Error(), "incarnation") {
		t.Fatalf("an incarnation past MaxIncarnation: %v, want ErrBadFrame naming the incarnation", err)
	}
}

// TestHopsBound: a hop count past maxHops is a bad frame (AppendMessage never
// writes one: it clamps), so what decodes encodes back to the same message.
func TestHopsBound(t *testing.T) {
	good := AppendMessage(nil, &router.Message{Kind: router.KindRoute, Ensemble: "e1", Budget: router.Infinity, Hops: maxHops})
	if m, err := DecodeMessage(good); err != nil || m.Hops != maxHops {
		t.Fatalf("hops at the bound: %+v, %v", m, err)
	}
	at, past := binary.AppendUvarint(nil, maxHops), binary.AppendUvarint(nil, maxHops+1)
	if bytes.Count(good, at) != 1 {
		t.Fatalf("hop count not found once in % x", good)
	}
	if _, err := DecodeMessage(bytes.Replace(good, at, past, 1)); !errors.Is(err, ErrBadFrame) || !strings.Contains(err.Error(), "hops") {
		t.Fatalf("hops past the bound: %v, want ErrBadFrame naming hops", err)
	}
}

// TestDialerChecksCluster: a challenge naming another cluster is refused by
// the dialer (RefuseCluster), before it sends its proof.
func TestDialerChecksCluster(t *testing.T) {
	me, _ := pipeNode(t, "n1", nil)
	c1, c2 := net.Pipe()
	_ = c1.SetDeadline(time.Now().Add(5 * time.Second))
	seen := make(chan []frameType, 1)
	go func() {
		defer c2.Close()
		var got []frameType
		defer func() { seen <- got }()
		fr := newFrameReader(c2, 4096, DefaultMaxFrame)
		if h, _, err := fr.next(); err != nil || h.typ != typeHello {
			return
		}
		if _, err := c2.Write(frame(typeChallenge, identityBody("other", "n2", 1))); err != nil {
			return
		}
		for {
			h, _, err := fr.next()
			if err != nil {
				return
			}
			got = append(got, h.typ)
		}
	}()
	_, err := me.dialHandshake(c1, newFrameReader(c1, 4096, DefaultMaxFrame), "n2")
	_ = c1.Close()
	frames := <-seen
	if !errors.Is(err, ErrHandshake) || !strings.Contains(err.Error(), `cluster "other"`) {
		t.Fatalf("err = %v, want ErrHandshake naming the other cluster", err)
	}
	if len(frames) != 1 || frames[0] != typeRefuse {
		t.Fatalf("the dialer sent %v, want one refusal and no proof", frames)
	}
}

// TestSentCounted: Stats.Sent counts the messages queued.
func TestSentCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n2 *Transport
		n1, _ := pipeNode(t, "n1", func(c *Config) {
			c.Peers = map[router.NodeID]string{"n2": "pipe"}
			c.Dial = func(context.Context, string) (net.Conn, error) {
				a, b := net.Pipe()
				n2.Accept(b)
				return a, nil
			}
		})
		n2, s2 := pipeNode(t, "n2", nil)
		if err := n1.Connect(context.Background(), "n2"); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := n1.Send("n2", &router.Message{Kind: router.KindGossip}); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if got := s2.received(); got != 3 {
			t.Fatalf("n2 received %d", got)
		}
		if st := n1.Stats(); st.Sent != 3 {
			t.Fatalf("n1's Stats.Sent = %d, want 3", st.Sent)
		}
		if st := n2.Stats(); st.Received != 3 {
			t.Fatalf("n2's Stats.Received = %d, want 3", st.Received)
		}
	})
}

// TestFlushReportsFailedWrite: Flush on a connection whose write fails (the
// peer stopped reading; its pings still come, so only the write deadline ends it)
// reports that the queue was not written.
func TestFlushReportsFailedWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		peer := rawDial(t, n1, "n2")
		defer peer.Close()
		stop := make(chan struct{})
		defer close(stop)
		go sendEvery(peer, stop, 500*time.Millisecond, frame(typePing, nil), -1) // alive, but reads nothing
		synctest.Wait()
		if err := n1.Send("n2", &router.Message{Kind: router.KindGossip}); err != nil {
			t.Fatal(err)
		}
		err := n1.Flush(context.Background())
		if !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("Flush: %v, want ErrUnreachable: the write failed", err)
		}
	})
}

// TestReleasedRepliesNotRefused: the replies held for a client are released to
// its connection whatever its send queue holds (the store is bounded by QueueBytes
// itself): none is lost because the settings frame queued first.
func TestReleasedRepliesNotRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		one := len(mustFrame(t, reply("c1", 1)))
		n1, _ := pipeNode(t, "n1", func(c *Config) {
			c.QueueBytes = 3 * one
			c.Settings = bytes.Repeat([]byte("s"), one)
		})
		for seq := uint64(1); seq <= 3; seq++ {
			if err := n1.Send("c1", reply("c1", seq)); err != nil {
				t.Fatalf("reply %d: %v, want it held", seq, err)
			}
		}
		ev := pipeClient(t, "c1", n1)
		if got := calls(ev.received()); len(got) != 3 {
			t.Fatalf("c1 received %v, want the 3 replies held for it", got)
		}
	})
}

// TestGoodbyeGivesUpAfterSilentWindow: a peer that sends for a while, then
// neither sends nor acknowledges, is given up on at the end of the first window in
// which nothing came from it, not kept until GoodbyeLimit.
func TestGoodbyeGivesUpAfterSilentWindow(t *testing.T) {
	route := frame(typeMsg, AppendMessage(nil, &router.Message{Kind: router.KindRoute, Call: router.CallID{Node: "n2", Seq: 1}, Event: []byte("ev")}))
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		peer := rawDial(t, n1, "n2")
		defer peer.Close()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			readGoodbye(t, peer)
			go sendEvery(peer, stop, 600*time.Millisecond, route, 2) // at 0.6s and 1.2s, then nothing, no ack
			_, _ = io.Copy(io.Discard, peer)
		}()
		synctest.Wait()
		start := time.Now()
		err := n1.Goodbye(context.Background())
		took := time.Since(start)
		if !errors.Is(err, ErrGoodbye) {
			t.Fatalf("Goodbye: %v, want ErrGoodbye", err)
		}
		// Windows of 1s: [0,1) heard, [1,2) heard, [2,3) silent: given up at 3s.
		if want := 3 * DefaultGoodbyeTimeout; took != want {
			t.Fatalf("Goodbye took %v, want %v", took, want)
		}
	})
}

// TestBackoffResetAfterInboundConnection: a member whose dials failed (the
// backoff grew to BackoffMax) connects by dialing in; when that connection ends, the
// dial loop redials after BackoffMin, not after the backoff of the old failures.
func TestBackoffResetAfterInboundConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var dials func() []time.Time
		n1, _ := pipeNode(t, "n1", func(c *Config) {
			c.Peers = map[router.NodeID]string{"n2": "pipe"}
			c.BackoffMin, c.BackoffMax = 100*time.Millisecond, 2*time.Second
			dials = refusedDials(c)
		})
		_ = n1.Send("n2", &router.Message{Kind: router.KindGossip}) // starts the dial loop
		time.Sleep(4 * time.Second)                                 // 100+200+...: the backoff is at 2s
		n2, _ := pipeNode(t, "n2", func(c *Config) { dialsOverPipe(c, "n1", n1) })
		if err := n2.Connect(context.Background(), "n1"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second) // the loop wakes and sees the inbound connection
		synctest.Wait()
		_ = n2.Close()
		synctest.Wait()
		ended := time.Now()
		time.Sleep(3 * time.Second)
		var next time.Time
		for _, a := range dials() {
			if !a.Before(ended) {
				next = a
				break
			}
		}
		if next.IsZero() {
			t.Fatalf("no dial within 3s of the connection's end")
		}
		if gap := next.Sub(ended); gap > 125*time.Millisecond {
			t.Fatalf("redialed %v after the connection ended, want within BackoffMin (100ms) +25%%", gap)
		}
	})
}

// TestLatePingStillAlive: a member's connection heard from within two
// heartbeat intervals is alive (a ping may come late): a newer incarnation with its id
// is refused, RefuseAlive, though the last ping came more than one interval ago.
func TestLatePingStillAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const beat = 100 * time.Millisecond
		n1, _ := pipeNode(t, "n1", func(c *Config) {
			c.HeartbeatInterval, c.HeartbeatTimeout = beat, time.Hour
			c.Peers = map[router.NodeID]string{"n2": "pipe"}
			c.Dial = func(context.Context, string) (net.Conn, error) { return nil, errors.New("n1 never dials") }
		})
		peer := rawDial(t, n1, "n2")
		defer peer.Close()
		go func() { _, _ = io.Copy(io.Discard, peer) }()
		if _, err := peer.Write(frame(typePing, nil)); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		time.Sleep(beat * 3 / 2) // the next ping is late: half an interval past when it was due
		second, _ := pipeNode(t, "n2", func(c *Config) { c.Incarnation = 2 })
		c1, c2 := net.Pipe()
		defer c1.Close()
		n1.Accept(c2)
		_, err := second.dialHandshake(c1, newFrameReader(c1, 4096, DefaultMaxFrame), "n1")
		var re *RefusedError
		if !errors.As(err, &re) || re.Code != RefuseAlive {
			t.Fatalf("a newer n2, %v after the first n2's last ping: %v, want %v", beat*3/2, err, RefuseAlive)
		}
	})
}

// TestImpostorsTakingTurnsLoggedOnce: two second processes with a member's id that
// take turns redialing are each an error in the log once, not at every turn (the
// peer remembered only the last one refused: TestSecondProcessWithSameIDRefused failed
// 10 runs in 200 when the second's redial came after the third's refusal); the
// memory is bounded, the oldest forgotten first.
func TestImpostorsTakingTurnsLoggedOnce(t *testing.T) {
	p := &peer{}
	var got []bool
	for _, inc := range []router.Incarnation{6, 7, 6, 7, 6} {
		got = append(got, p.firstImpostor(inc))
	}
	if want := []bool{true, true, false, false, false}; !slices.Equal(got, want) {
		t.Fatalf("first refusals of 6, 7, 6, 7, 6: %v, want %v", got, want)
	}
	for inc := router.Incarnation(100); inc < 100+maxImpostors; inc++ {
		p.firstImpostor(inc)
	}
	if !p.firstImpostor(6) || len(p.impostors) != maxImpostors {
		t.Fatalf("after %d more, 6 is still remembered (%v)", maxImpostors, p.impostors)
	}
}
