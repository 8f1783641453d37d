package transporttest

import (
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// closedNet is queueNet whose transports say whether they are closed (a Closed
// method, which driver.New asks), truly or, with lie, wrongly.
type closedNet struct {
	*queueNet
	lie func(closed bool) bool // what Closed says of a transport closed or not
}

func (n closedNet) Transport(i int) router.Transport {
	return closedTransport{queueTransport: queueTransport{n: n.queueNet, from: i}, lie: n.lie}
}

type closedTransport struct {
	queueTransport
	lie func(closed bool) bool
}

func (c closedTransport) Closed() bool {
	c.n.mu.Lock()
	closed := c.n.closed[c.from]
	c.n.mu.Unlock()
	return c.lie(closed)
}

// TestClosedStateChecked: the contract holds a transport that says whether it is
// closed to saying it truly, before its Close and after: driver.New refuses a
// transport that says it is closed, so one that says so while open could never run
// a node, and one that says it is open once closed would have a node built on it
// every call of which fails.
func TestClosedStateChecked(t *testing.T) {
	const name = "a closed transport sends and hands over nothing"
	if msg := check(t, name, closedNet{newQueueNet(t, sound), func(closed bool) bool { return closed }}); msg != "" {
		t.Fatalf("a transport that tells its state truly failed: %s", msg)
	}
	for _, tc := range []struct {
		name string
		lie  func(bool) bool
		want string
	}{
		{"open after its Close", func(bool) bool { return false }, "says it is open (Closed false) after its Close"},
		{"closed before its Close", func(bool) bool { return true }, "says it is closed (Closed) before its Close"},
	} {
		msg := check(t, name, closedNet{newQueueNet(t, sound), tc.lie})
		if !strings.Contains(msg, tc.want) {
			t.Errorf("a transport that says it is %s: %q, want a failure saying %q", tc.name, msg, tc.want)
		}
	}
}
