package nettransport

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestDialFailureOfAnotherKindWarned: n1 is connected to n2, and n2 stops. n1 warns
// that it cannot connect (nothing listens at the address: connection refused), and
// its later attempts that fail the same way are not warned of again. Then the
// address answers, first with a node of another id (a host given n2's address but
// another node's config), then with n2 holding another cluster secret: each is a new
// kind of failure, and n1 warns of it too, naming it, rather than logging it at debug
// behind the first warning, which would leave "connection refused" as all its log
// says of n2 while something else answers there. Real TCP on loopback.
func TestDialFailureOfAnotherKindWarned(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	n2, _, _, _ := tcpNodeOn(t, "n2", l, nil)
	quick := func(c *Config) {
		c.Peers = map[router.NodeID]string{"n2": addr}
		c.BackoffMin, c.BackoffMax = 10*time.Millisecond, 20*time.Millisecond
	}
	n1, ev, logs, _ := tcpNode(t, "n1", quick)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n1.Connect(ctx, "n2"); err != nil {
		t.Fatal(err)
	}
	// Connect returns once the connection is installed; its PeerUp comes after, and
	// never comes if the connection ends first.
	waitFor(t, "n1's PeerUp of n2", func() bool { return strings.Contains(ev.conns(), "up n2") })

	_ = n2.Close()
	warned := func(what string) int {
		n := 0
		for _, line := range strings.Split(logs.log(), "\n") {
			if strings.Contains(line, `level=WARN msg="cannot connect" node=n1 peer=n2`) && strings.Contains(line, what) {
				n++
			}
		}
		return n
	}
	waitFor(t, "a warning that nothing listens", func() bool { return warned("connection refused") > 0 })
	attempts := n1.Stats().DialFailures
	waitFor(t, "more attempts", func() bool { return n1.Stats().DialFailures >= attempts+3 })
	if n := warned("connection refused"); n != 1 {
		t.Fatalf("%d warnings that nothing listens, want 1:\n%s", n, logs.log())
	}

	// Another node at n2's address.
	impostor := listenOn(t, addr)
	n4, _, _, _ := tcpNodeOn(t, "n4", impostor, nil)
	waitFor(t, "a warning naming the node at the address", func() bool {
		return warned("the node at this address is n4, want n2") > 0
	})
	attempts = n1.Stats().DialFailures
	waitFor(t, "more attempts", func() bool { return n1.Stats().DialFailures >= attempts+3 })
	if n := warned("the node at this address is n4"); n != 1 {
		t.Fatalf("%d warnings naming n4, want 1:\n%s", n, logs.log())
	}
	_ = n4.Close()

	// n2 again, with another secret.
	other := listenOn(t, addr)
	tcpNodeOn(t, "n2", other, func(c *Config) { c.Secret, c.Incarnation = []byte("another-secret"), 2 })
	waitFor(t, "a warning that n2 refused n1's proof", func() bool {
		return warned("authentication failed") > 0
	})
	if strings.Count(ev.conns(), "up n2") != 1 {
		t.Fatalf("n1 connected again: %s", ev)
	}
}

// listenOn listens on addr, retrying while the port is still held by the listener
// closed a moment ago.
func listenOn(t *testing.T, addr string) net.Listener {
	t.Helper()
	var l net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if l, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestOutageAfterUnseenConnectionWarned: a member that was never connected when n1
// started (its first dial refused: starting along with n1, most likely, so said at
// info) dials n1 while n1's dial loop waits out its backoff, and stops again before
// the loop looks. Its connection was up all the same: n1's next refused dial is an
// outage, warned of at once, not taken for a member still starting and kept at debug
// for firstStartGrace (10s). Real TCP on loopback.
func TestOutageAfterUnseenConnectionWarned(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens at n2's address yet
	n1, ev, logs, n1addr := tcpNode(t, "n1", func(c *Config) {
		c.Peers = map[router.NodeID]string{"n2": addr}
		c.BackoffMin, c.BackoffMax = 2*time.Second, 2*time.Second // the loop sleeps through n2's life
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n1.Connect(ctx, "n2"); err == nil {
		t.Fatal("connected to an address nothing listens at")
	}
	n2, _, _, _ := tcpNodeOn(t, "n2", listenOn(t, addr), func(c *Config) { c.Peers = map[router.NodeID]string{"n1": n1addr} })
	if err := n2.Connect(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "n1 connected to n2", func() bool { return strings.Contains(ev.conns(), "up n2") })
	_ = n2.Close()
	refusedWarn := func() bool {
		for _, line := range strings.Split(logs.log(), "\n") {
			if strings.Contains(line, `level=WARN msg="cannot connect" node=n1 peer=n2`) && strings.Contains(line, "connection refused") {
				return true
			}
		}
		return false
	}
	// The loop's next dial comes within its backoff, 2.5s at most: well inside
	// firstStartGrace, after which a member still refusing is warned of anyway.
	for deadline := time.Now().Add(6 * time.Second); !refusedWarn(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no warning of n2's outage 6s after it stopped:\n%s", logs.log())
		}
	}
}
