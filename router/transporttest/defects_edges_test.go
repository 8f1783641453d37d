package transporttest

// The contract's reach over what router.Transport states: for each guarantee, a
// transport that breaks only it fails the check written for it.

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// defect is one way a transport breaks its contract.
type defect int

const (
	sound            defect = iota
	keepsPointer            // keeps the sender's *Message and reads it when delivering
	changesMessage          // zeroes the sender's Hops
	deliversRefused         // a send refused while the node is away is delivered once it is back
	blocksWhenDown          // a send to an isolated node waits for it to come back
	deliversInSend          // hands the message over within Send
	hopsInAByte             // carries Hops in 8 bits
	gossipLast              // gossip on a lane of its own, delivered after the rest
	sendsWhenClosed         // a closed node's sends are taken and delivered
	panicsWhenClosed        // a closed node's Send panics
	handsToClosed           // messages to a closed node are still handed over
	refusesButSends         // a closed node's send is refused, and delivered all the same
	queuesUnbounded         // a stalled node's queue has no bound
	fullUnreachable         // a full queue refuses with ErrUnreachable
	blocksWhenFull          // a send to a full queue waits for room
	refusesButQueues        // a full queue refuses a send, and delivers it all the same
	staysFull               // a queue once full refuses every send after, room or not
	mostlyInSend            // hands all but every 20th message over within Send
)

// queueCap bounds the messages queueNet queues for a stalled node.
const queueCap = 64

// queueNet is a network in memory: Send queues, Await delivers.
type queueNet struct {
	defect   defect
	mu       sync.Mutex
	isolated [Nodes]bool
	closed   [Nodes]bool
	stalled  [Nodes]bool // takes nothing in: its queue fills
	sends    int         // the sends taken, for mostlyInSend
	wasFull  [Nodes]bool // its queue was full once (staysFull)
	queued   [Nodes][]*router.Message
	gossip   [Nodes][]*router.Message
	held     [Nodes][]*router.Message
	got      [Nodes][]router.Message
	back     chan struct{} // closed when the test ends: a blocked send returns
}

func newQueueNet(t *testing.T, d defect) *queueNet {
	n := &queueNet{defect: d, back: make(chan struct{})}
	t.Cleanup(func() { close(n.back) })
	return n
}

type queueTransport struct {
	n    *queueNet
	from int
}

func (t queueTransport) Send(to router.NodeID, m *router.Message) error {
	n := t.n
	j := -1
	for i := range Nodes {
		if n.ID(i) == to {
			j = i
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if j < 0 {
		return router.ErrUnreachable
	}
	if n.closed[t.from] {
		switch n.defect {
		case panicsWhenClosed:
			panic("send on a closed transport")
		case sendsWhenClosed:
		case refusesButSends:
			n.queued[j] = append(n.queued[j], m)
			return router.ErrUnreachable
		default:
			return router.ErrUnreachable
		}
	}
	if n.isolated[j] && n.defect == blocksWhenDown {
		n.mu.Unlock()
		<-n.back
		n.mu.Lock()
	}
	c := *m
	kept := &c
	switch n.defect {
	case keepsPointer:
		kept = m
	case changesMessage:
		m.Hops = 0
	case hopsInAByte:
		c.Hops = int(uint8(c.Hops))
	}
	if n.isolated[j] || n.isolated[t.from] {
		if n.defect == deliversRefused {
			n.held[j] = append(n.held[j], kept)
		}
		return router.ErrUnreachable
	}
	if full := n.stalled[j] && len(n.queued[j]) >= queueCap; full || n.wasFull[j] && n.defect == staysFull {
		n.wasFull[j] = true
		switch n.defect {
		case queuesUnbounded:
		case fullUnreachable:
			return router.ErrUnreachable
		case blocksWhenFull:
			n.mu.Unlock()
			<-n.back
			n.mu.Lock()
			return router.ErrOverloaded
		case refusesButQueues:
			n.queued[j] = append(n.queued[j], kept)
			return router.ErrOverloaded
		default:
			return router.ErrOverloaded
		}
	}
	n.sends++
	switch {
	case n.defect == deliversInSend, n.defect == mostlyInSend && n.sends%20 != 0:
		n.got[j] = append(n.got[j], *kept)
	case n.defect == gossipLast && c.Kind == router.KindGossip:
		n.gossip[j] = append(n.gossip[j], kept)
	default:
		n.queued[j] = append(n.queued[j], kept)
	}
	return nil
}

func (n *queueNet) ID(i int) router.NodeID           { return router.NodeID(fmt.Sprintf("n%d", i+1)) }
func (n *queueNet) Transport(i int) router.Transport { return queueTransport{n: n, from: i} }
func (n *queueNet) Connect(int, int)                 {}
func (n *queueNet) Isolate(i int)                    { n.mu.Lock(); n.isolated[i] = true; n.mu.Unlock() }
func (n *queueNet) Close(i int)                      { n.mu.Lock(); n.closed[i] = true; n.mu.Unlock() }

// Stall holds what is sent to node i in its queue (transporttest.Overloader).
func (n *queueNet) Stall(i int) (release func()) {
	n.mu.Lock()
	n.stalled[i] = true
	n.mu.Unlock()
	return func() { n.mu.Lock(); n.stalled[i] = false; n.mu.Unlock() }
}

func (n *queueNet) Rejoin(i int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isolated[i] = false
	n.queued[i] = append(n.held[i], n.queued[i]...)
	n.held[i] = nil
}

func (n *queueNet) Received(i int) []router.Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]router.Message(nil), n.got[i]...)
}

// Await delivers what is queued, then asks cond, a few times: a condition may send.
func (n *queueNet) Await(cond func() bool) bool {
	for range 5 {
		n.mu.Lock()
		for j := range Nodes {
			if n.stalled[j] {
				continue
			}
			for _, m := range append(n.queued[j], n.gossip[j]...) {
				if !n.closed[j] || n.defect == handsToClosed {
					n.got[j] = append(n.got[j], *m)
				}
			}
			n.queued[j], n.gossip[j] = nil, nil
		}
		n.mu.Unlock()
		if cond() {
			return true
		}
	}
	return false
}

// failures is a tb that records the first failure and ends the check.
type failures struct{ msg string }

func (f *failures) Helper() {}
func (f *failures) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// Skipf is a failure here: every check applies to the network these tests run.
func (f *failures) Skipf(format string, args ...any) {
	f.msg = "skipped: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// check runs the contract's check named name on h, and returns its failure, or "".
func check(t *testing.T, name string, h Harness) string {
	t.Helper()
	for _, c := range checks {
		if c.name == name {
			f := &failures{}
			done := make(chan struct{})
			go func() {
				defer close(done)
				c.fn(f, h)
			}()
			<-done
			return f.msg
		}
	}
	t.Fatalf("no check %q", name)
	return ""
}

// TestSoundQueueNetKeepsTheContract: the network the other tests break passes every
// check as it is.
func TestSoundQueueNetKeepsTheContract(t *testing.T) {
	for _, c := range checks {
		if msg := check(t, c.name, newQueueNet(t, sound)); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
}

// TestBrokenTransportsFail: a transport that breaks one stated guarantee fails the
// check for it.
func TestBrokenTransportsFail(t *testing.T) {
	defer func(d time.Duration) { sendBound = d }(sendBound)
	sendBound = 100 * time.Millisecond
	for _, tc := range []struct {
		defect defect
		check  string
		want   string // in the failure
	}{
		{keepsPointer, "the sent message stays the sender's", "read it after Send returned"},
		{changesMessage, "the sent message stays the sender's", "Send changed the sender's message"},
		{deliversRefused, "isolated node fails fast and comes back", "its send had failed"},
		{blocksWhenDown, "isolated node fails fast and comes back", "Send must never block"},
		{deliversInSend, "send only queues", "Send must only queue"},
		{hopsInAByte, "largest values arrive", "Hops"},
		{gossipLast, "order per pair across kinds", "out of order"},
		{sendsWhenClosed, "a closed transport sends and hands over nothing", "want ErrUnreachable"},
		{panicsWhenClosed, "a closed transport sends and hands over nothing", "panicked"},
		{handsToClosed, "a closed transport sends and hands over nothing", "a closed transport hands nothing to Receive"},
		{refusesButSends, "a closed transport sends and hands over nothing", "sent after its transport closed"},
		{queuesUnbounded, "a full queue refuses with ErrOverloaded", "all queued"},
		{fullUnreachable, "a full queue refuses with ErrOverloaded", "want ErrOverloaded"},
		{blocksWhenFull, "a full queue refuses with ErrOverloaded", "Send must never block"},
		{refusesButQueues, "a full queue refuses with ErrOverloaded", "its send had failed"},
		{staysFull, "a full queue refuses with ErrOverloaded", "every send to it was refused"},
		{mostlyInSend, "send only queues", "before it took in again"},
	} {
		msg := check(t, tc.check, newQueueNet(t, tc.defect))
		switch {
		case msg == "":
			t.Errorf("defect %d passed %q", tc.defect, tc.check)
		case !strings.Contains(msg, tc.want):
			t.Errorf("defect %d failed %q with %q, want it to say %q", tc.defect, tc.check, msg, tc.want)
		}
	}
}
