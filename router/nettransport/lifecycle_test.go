package nettransport

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestSecondProcessWithSameIDRefused: n2, a member of n1's Peers, runs and is
// connected to n1 (its pings keep the connection heard from). A second process
// started by mistake as n2, a newer incarnation, dials n1: n1 refuses it (RefuseAlive)
// instead of dropping the n2 that runs for it, counts it, and logs one error naming
// both incarnations; the second process's redials are refused too, logged at debug.
// Once the first n2 is gone, the second is let in. (A newer incarnation over a
// half-open connection, never heard from since its handshake, still replaces it at
// once: TestRestartReplacesHalfOpenConnection; so does a client's,
// TestClientReconnectsAtOnce.)
//
// The three attempts are a redial apart (150ms), so the last comes after the window
// of two heartbeat intervals (200ms) from the gossip n1 heard: only n2's pings keep
// it refused. Over pipes in a bubble, so that the pings keep their time exactly: over
// TCP on a loaded machine (the race detector, CI) a ping came late by more than the
// window, and let the second in.
func TestSecondProcessWithSameIDRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const beat, redial = 100 * time.Millisecond, 150 * time.Millisecond
		fast := func(c *Config) { c.HeartbeatInterval, c.HeartbeatTimeout = beat, time.Hour }
		n1, logs, n2 := memberDialsIn(t, fast)
		if err := n2.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if logs.received() != 1 {
			t.Fatal("n1 did not hear n2's gossip")
		}

		second, _ := pipeNode(t, "n2", func(c *Config) {
			fast(c)
			dialsOverPipe(c, "n1", n1)
			c.Incarnation = 6
			c.BackoffMin, c.BackoffMax = redial, redial
		})
		start := time.Now()
		for i := 0; i < 3; i++ {
			err := second.Connect(context.Background(), "n1")
			var re *RefusedError
			if !errors.As(err, &re) || re.Code != RefuseAlive {
				t.Fatalf("attempt %d of the second n2, %v after the first: %v, want refused as %q\nn1's log:\n%s", i, time.Since(start), err, RefuseAlive, logs.log())
			}
		}
		if took := time.Since(start); took <= 2*beat {
			t.Fatalf("the attempts took %v, within the window of %v: the pings were not needed", took, 2*beat)
		}
		if ps := n1.Peers(); len(ps) != 1 || !ps[0].Connected || ps[0].Incarnation != 5 {
			t.Fatalf("n1's peers: %+v, want the first n2 (incarnation 5) still connected", ps)
		}
		if got := n1.Stats().DuplicateID; got < 3 {
			t.Errorf("n1 counted %d refusals of a duplicate id, want at least 3", got)
		}
		log := logs.log()
		if n := strings.Count(log, "level=ERROR"); n != 1 || !strings.Contains(log, "incarnation 5 of n2 is connected and was heard from lately, so incarnation 6 from") {
			t.Fatalf("n1 logged %d errors, want one naming both incarnations:\n%s", n, log)
		}
		// A third process as n2, from the same host within the minute: its own error,
		// not kept quiet by the second's (the refusal log quiets warnings only).
		third, _ := pipeNode(t, "n2", func(c *Config) {
			fast(c)
			dialsOverPipe(c, "n1", n1)
			c.Incarnation = 7
		})
		if err := third.Connect(context.Background(), "n1"); err == nil {
			t.Fatal("a third n2 was let in")
		}
		synctest.Wait() // n1 logs after it refused
		if log := logs.log(); strings.Count(log, "level=ERROR") != 2 || !strings.Contains(log, "so incarnation 7 from") {
			t.Fatalf("n1's errors after a third n2, want one more naming incarnation 7:\n%s", log)
		}
		_ = third.Close()

		// The first n2 stops: the second is let in at its next redial.
		_ = n2.Close()
		if err := second.Connect(context.Background(), "n1"); err != nil {
			t.Fatalf("the second n2 once the first stopped: %v\nn1's log:\n%s", err, logs.log())
		}
		synctest.Wait()
		if ps := n1.Peers(); len(ps) != 1 || !ps[0].Connected || ps[0].Incarnation != 6 {
			t.Fatalf("n1's peers: %+v, want the second n2 (incarnation 6) connected", ps)
		}
	})
}

// TestDisconnectWithoutGoodbyeWarns: a member whose connection ends without a goodbye
// (it crashed or was killed) is logged as a warning; one that said goodbye first, as a
// graceful stop does, at info.
func TestDisconnectWithoutGoodbyeWarns(t *testing.T) {
	for _, graceful := range []bool{false, true} {
		n2, _, _, addr := tcpNode(t, "n2", nil)
		n1, ev, logs, _ := tcpNode(t, "n1", func(c *Config) { c.Peers = map[router.NodeID]string{"n2": addr} })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := n1.Connect(ctx, "n2"); err != nil {
			t.Fatal(err)
		}
		// Connect returns once the connection is installed, a moment before the
		// observer is told it is up. A connection that ends before that moment is
		// never announced, up or down, so wait for the announcement before ending it.
		waitFor(t, "n1 announces n2 up", func() bool { return strings.Contains(ev.conns(), "up n2") })
		if graceful {
			if err := n2.Goodbye(ctx); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		_ = n2.Close()
		waitFor(t, "n1 hears n2 go", func() bool { return strings.Contains(ev.conns(), "down n2") })
		want, level := "level=WARN msg=disconnected node=n1 peer=n2 reason=\"closed by peer without a goodbye", "WARN"
		if graceful {
			want, level = "level=INFO msg=disconnected node=n1 peer=n2 reason=\"closed by peer\"", "INFO"
		}
		if !strings.Contains(logs.log(), want) {
			t.Errorf("graceful %v: n1 does not log the disconnection at %s:\n%s", graceful, level, logs.log())
		}
	}
}

// TestMemberAtWrongAddressWarned: n2 dials n1, but n1's Peers give n2 an address
// nobody answers at (n2 listens elsewhere): n1 warns that clients cannot reach n2.
// With n2's right address, nothing is said.
func TestMemberAtWrongAddressWarned(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := l.Addr().String()
	_ = l.Close() // a port nobody listens on
	for _, wrong := range []bool{true, false} {
		n2, _, n2logs, addr2 := tcpNode(t, "n2", nil)
		at := addr2
		if wrong {
			at = nobody
		}
		n1, ev, logs, addr1 := tcpNode(t, "n1", func(c *Config) { c.Peers = map[router.NodeID]string{"n2": at} })
		n2.cfg.Peers = map[router.NodeID]string{"n1": addr1}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := n2.Connect(ctx, "n1"); err != nil {
			t.Fatal(err)
		}
		cancel()
		waitFor(t, "n1 connected to n2", func() bool { return strings.Contains(ev.conns(), "up n2") })
		const warning = "a member dialed in, but does not answer at its address"
		n2Status := func() PeerStatus {
			for _, p := range n1.Peers() {
				if p.ID == "n2" {
					return p
				}
			}
			t.Fatal("n1 does not list n2")
			return PeerStatus{}
		}
		if wrong {
			waitFor(t, "n1 warns", func() bool { return strings.Contains(logs.log(), warning) })
			if !strings.Contains(logs.log(), "addr="+nobody) {
				t.Errorf("the warning does not name the address:\n%s", logs.log())
			}
			if st := n2Status(); !st.Connected || !st.Unanswered {
				t.Errorf("n1's status of n2: %+v, want connected and unanswered at its address", st)
			}
			continue
		}
		// n1's probe reached n2, which logs it as a connection closed before its
		// hello; n1 records what it found just after closing it.
		waitFor(t, "n2 sees n1's probe", func() bool { return strings.Contains(n2logs.log(), "closed before its hello") })
		for range 20 {
			if st := n2Status(); !st.Connected || st.Unanswered {
				t.Fatalf("n1's status of n2: %+v, want connected, answering at its address", st)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if strings.Contains(logs.log(), warning) {
			t.Errorf("n1 warns of n2 at its right address:\n%s", logs.log())
		}
	}
}

// TestAddressChecksInOrder: what a check of a peer's address found is shown only
// while nothing newer is known: a check that ends after a later one started, or
// after a connection dialed to the address came up, is dropped, so a slow probe
// that found nobody cannot flag a peer this node has since dialed.
func TestAddressChecksInOrder(t *testing.T) {
	p := newPeer(nil, "n2", "127.0.0.1:1")
	first, second := p.checkStarts(), p.checkStarts()
	if !p.checked(second, true) || !p.unanswered.Load() {
		t.Fatal("the latest check's finding is not recorded")
	}
	if p.checked(first, false) || !p.unanswered.Load() {
		t.Fatal("an older check overwrote a newer one")
	}
	slow := p.checkStarts()
	p.dialedOK()
	if p.checked(slow, true) || p.unanswered.Load() {
		t.Fatal("a check that ended after a dialed connection came up flags the peer")
	}
}

// TestFirstStartQuiet: a member that was never connected and where nothing listens
// yet (a cluster starting node by node) is logged at info, not as a warning, for
// firstStartGrace; a member that refuses the handshake is a warning at once.
func TestFirstStartQuiet(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := l.Addr().String()
	_ = l.Close()
	n1, _, logs, _ := tcpNode(t, "n1", func(c *Config) { c.Peers = map[router.NodeID]string{"n2": nobody} })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n1.Connect(ctx, "n2"); err == nil {
		t.Fatal("connected to nobody")
	}
	waitFor(t, "n1 logs its first attempt", func() bool { return strings.Contains(logs.log(), "cannot connect") })
	if !strings.Contains(logs.log(), "level=INFO msg=\"cannot connect\" node=n1 peer=n2") || strings.Contains(logs.log(), "level=WARN") {
		t.Fatalf("a member not listening yet, never connected, is not logged at info alone:\n%s", logs.log())
	}

	// A node that answers but refuses: a warning at once.
	_, _, _, addr := tcpNode(t, "n3", func(c *Config) { c.Secret = []byte("another-secret") })
	n1b, _, logsb, _ := tcpNode(t, "n1", func(c *Config) { c.Peers = map[router.NodeID]string{"n3": addr} })
	if err := n1b.Connect(ctx, "n3"); err == nil {
		t.Fatal("connected with another secret")
	}
	waitFor(t, "a warning", func() bool { return strings.Contains(logsb.log(), "level=WARN msg=\"cannot connect\" node=n1 peer=n3") })
}

// TestClientReconnectsAtOnce: a client (no entry in Peers) that reconnects as a newer
// incarnation while its old connection is still heard from replaces it, as ensctl run
// twice in a row does: only members are held to RefuseAlive.
func TestClientReconnectsAtOnce(t *testing.T) {
	const beat = 100 * time.Millisecond
	fast := func(c *Config) { c.HeartbeatInterval, c.HeartbeatTimeout = beat, time.Hour }
	n1, ev, _, addr := tcpNode(t, "n1", fast)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for inc := router.Incarnation(1); inc <= 2; inc++ {
		cl, _, _, _ := tcpNode(t, "client", func(c *Config) {
			fast(c)
			c.Incarnation = inc
			c.Peers = map[router.NodeID]string{"n1": addr}
		})
		if err := cl.Connect(ctx, "n1"); err != nil {
			t.Fatalf("incarnation %d: %v", inc, err)
		}
		if err := cl.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "n1 hears the client", func() bool { return strings.Count(ev.String(), "msg from client") == int(inc) })
	}
	if st := n1.Stats(); st.DuplicateID != 0 {
		t.Fatalf("a client's reconnection was refused as a duplicate id %d times", st.DuplicateID)
	}
}

// TestAcceptAfterClose: a connection handed to Accept after Close is closed at once,
// unread: no handshake starts on a closed transport (Close has already waited for
// its goroutines, and would not wait for this one). In a bubble, so that "at once"
// is exact: a handshake would keep the connection open until its timeout.
func TestAcceptAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, logs := pipeNode(t, "n1", nil)
		if err := n1.Close(); err != nil {
			t.Fatal(err)
		}
		a, b := net.Pipe()
		defer a.Close()
		start := time.Now()
		n1.Accept(b)
		if n, err := a.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
			t.Fatalf("read %d bytes, %v; want the connection closed", n, err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("the connection closed after %v, want at once", waited)
		}
		synctest.Wait()
		if st := n1.Stats(); st.Refused != 0 || strings.Contains(logs.log(), "refused") {
			t.Fatalf("refused %d; log:\n%s", st.Refused, logs.log())
		}
	})
}

// TestHeartbeatEveryInterval: an idle connection pings every heartbeat interval, and a
// connection that wrote a message writes again within an interval of it, wherever
// the message fell between the writer's ticks. Both used to be two intervals: a
// ping counted as the write that spares the next tick its ping, so an idle
// connection pinged every other interval, and a live member could be silent for as
// long as the window in which a second process with its id is refused as such
// (peer.admit), letting one in now and then. In a bubble, so that time is exact.
func TestHeartbeatEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const beat = 100 * time.Millisecond
		_, _, n2 := memberDialsIn(t, func(c *Config) { c.HeartbeatInterval, c.HeartbeatTimeout = beat, time.Hour })
		time.Sleep(3 * beat) // the settings and the first pings
		synctest.Wait()
		idle := n2.Stats().Writes
		time.Sleep(20 * beat)
		synctest.Wait()
		if pings := n2.Stats().Writes - idle; pings < 19 || pings > 21 {
			t.Errorf("an idle connection wrote %d times in 20 heartbeat intervals, want a ping every interval", pings)
		}
		// A message at several offsets from the ticks: the next write comes within an
		// interval of it.
		for _, offset := range []time.Duration{beat / 10, beat / 3, beat / 2, 3 * beat / 4, 9 * beat / 10} {
			time.Sleep(offset)
			if err := n2.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			sent := n2.Stats().Writes
			time.Sleep(beat)
			synctest.Wait()
			if n2.Stats().Writes == sent {
				t.Errorf("a message sent %v after the last check: no write in the heartbeat interval after it", offset)
			}
		}
	})
}

// TestRestartAfterGoodbyeLetIn: a member that said goodbye is leaving, however lately
// it was heard from: its next incarnation, started as soon as it stops, replaces its
// connection instead of being refused as a second process with its id.
func TestRestartAfterGoodbyeLetIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fast := func(c *Config) { c.HeartbeatInterval, c.HeartbeatTimeout = 100*time.Millisecond, time.Hour }
		n1, logs, n2 := memberDialsIn(t, fast)
		synctest.Wait()
		if err := n2.Goodbye(context.Background()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		next, _ := pipeNode(t, "n2", func(c *Config) {
			fast(c)
			dialsOverPipe(c, "n1", n1)
			c.Incarnation = 6
		})
		if err := next.Connect(context.Background(), "n1"); err != nil {
			t.Fatalf("the next incarnation of n2, after its goodbye: %v\nn1's log:\n%s", err, logs.log())
		}
		if ps := n1.Peers(); len(ps) != 1 || !ps[0].Connected || ps[0].Incarnation != 6 {
			t.Fatalf("n1's peers: %+v, want n2's incarnation 6 connected", ps)
		}
	})
}

// memberDialsIn returns n1 (and its log) and n2, incarnation 5 of a member of n1's
// Peers, connected over a pipe that n2 dialed; n1 never dials. edit sets what else
// both are given. In a synctest bubble.
func memberDialsIn(t *testing.T, edit func(*Config)) (n1 *Transport, logs *sink, n2 *Transport) {
	t.Helper()
	n1, logs = pipeNode(t, "n1", func(c *Config) {
		edit(c)
		c.Peers = map[router.NodeID]string{"n2": "pipe"} // n2 is a member, not a client
		c.Dial = func(context.Context, string) (net.Conn, error) { return nil, errors.New("n1 never dials") }
	})
	n2, _ = pipeNode(t, "n2", func(c *Config) {
		edit(c)
		dialsOverPipe(c, "n1", n1)
		c.Incarnation = 5
	})
	if err := n2.Connect(context.Background(), "n1"); err != nil {
		t.Fatal(err)
	}
	return n1, logs, n2
}
