package transporttest_test

// The contract's own reach: what Run sends must hold every field a message carries,
// or a transport that drops one passes it.

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/transporttest"
)

// memNet is a network in memory that delivers the messages sent when time passes
// (Await), and keeps every message it was given to send.
type memNet struct {
	mu       sync.Mutex
	linked   map[[2]int]bool
	isolated map[int]bool
	queued   [transporttest.Nodes][]router.Message
	got      [transporttest.Nodes][]router.Message
	sent     []router.Message
}

type memTransport struct {
	n    *memNet
	from int
}

func (t memTransport) Send(to router.NodeID, m *router.Message) error {
	n := t.n
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, *m)
	j := -1
	for i := range transporttest.Nodes {
		if memID(i) == to {
			j = i
		}
	}
	if j < 0 || n.isolated[j] || n.isolated[t.from] || !n.linked[[2]int{min(t.from, j), max(t.from, j)}] {
		return router.ErrUnreachable
	}
	n.queued[j] = append(n.queued[j], *m)
	return nil
}

// Await delivers what was sent and asks cond, a few times: a condition may send.
func (n *memNet) Await(cond func() bool) bool {
	for range 3 {
		n.mu.Lock()
		for j := range n.queued {
			n.got[j] = append(n.got[j], n.queued[j]...)
			n.queued[j] = nil
		}
		n.mu.Unlock()
		if cond() {
			return true
		}
	}
	return false
}

func memID(i int) router.NodeID { return router.NodeID(fmt.Sprintf("n%d", i+1)) }

func (n *memNet) ID(i int) router.NodeID           { return memID(i) }
func (n *memNet) Transport(i int) router.Transport { return memTransport{n: n, from: i} }
func (n *memNet) Isolate(i int)                    { n.mu.Lock(); n.isolated[i] = true; n.mu.Unlock() }
func (n *memNet) Rejoin(i int)                     { n.mu.Lock(); delete(n.isolated, i); n.mu.Unlock() }
func (n *memNet) Connect(i, j int) {
	n.mu.Lock()
	n.linked[[2]int{min(i, j), max(i, j)}] = true
	n.mu.Unlock()
}
func (n *memNet) Received(i int) []router.Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]router.Message(nil), n.got[i]...)
}

// TestContractSendsEveryField: every field of router.Message is set in some message
// the contract sends, so that a transport that loses one (a riak worker, say) fails
// it.
func TestContractSendsEveryField(t *testing.T) {
	var mu sync.Mutex
	var nets []*memNet
	transporttest.Run(t, func(t *testing.T) transporttest.Harness {
		n := &memNet{linked: map[[2]int]bool{}, isolated: map[int]bool{}}
		mu.Lock()
		nets = append(nets, n)
		mu.Unlock()
		return n
	})
	set := map[string]bool{}
	for _, n := range nets {
		for _, m := range n.sent {
			v := reflect.ValueOf(m)
			for i := range v.NumField() {
				if !v.Field(i).IsZero() {
					set[v.Type().Field(i).Name] = true
				}
			}
		}
	}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[router.Message]()) {
		if !set[f.Name] {
			t.Errorf("no message the contract sends sets Message.%s: a transport that drops it passes", f.Name)
		}
	}
}
