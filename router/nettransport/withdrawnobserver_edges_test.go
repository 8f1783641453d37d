package nettransport_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestWithdrawnReplacementNotAnnounced: a connection that takes another's place
// (the replacement of one whose proof was withdrawn, to the same incarnation) is not
// announced to the ConnObserver again: the node stayed connected, and the observer
// hears of the peer's connections one at a time, each up before down (the driver's
// PeerUp sends a member the whole directory, as to a node that just connected). It
// hears one PeerUp, and one PeerDown when the node goes.
func TestWithdrawnReplacementNotAnnounced(t *testing.T) {
	old, next := oldSecret, nextSecret
	n1, n2 := rotatingPair(t, nil)
	ev1, ev2 := &connEvents{}, &connEvents{}
	n1.tr.Attach(ev1)
	n2.tr.Attach(ev2)
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool {
		return n1.tr.Stats().Connects == 1 && ev1.conns() == "up n2 1" && ev2.conns() == "up n1 1"
	}) {
		t.Fatalf("not announced once up: n1 heard %q, n2 %q", ev1.conns(), ev2.conns())
	}
	if err := n2.tr.SetCredentials(nettransport.Credentials{Secret: next, AcceptSecrets: [][]byte{old}}); err != nil {
		t.Fatal(err)
	}
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next}); err != nil {
		t.Fatal(err)
	}
	// Replaced: the old connection has closed on both sides, the new one is up.
	if !await(func() bool {
		return n1.tr.Stats().Disconnects == 1 && n2.tr.Stats().Disconnects == 1 && n1.tr.Connected("n2") && n2.tr.Connected("n1")
	}) {
		t.Fatalf("not replaced; n1's log:\n%s", n1.log.String())
	}
	if got := n1.log.String(); !strings.Contains(got, "replaced by a new connection") {
		t.Fatalf("n1 did not replace the connection (closed and redialed?):\n%s", got)
	}
	if a, b := ev1.conns(), ev2.conns(); a != "up n2 1" || b != "up n1 1" {
		t.Errorf("after the replacement n1 heard %q, n2 %q; want the one PeerUp each", a, b)
	}
	_ = n2.tr.Close()
	if !await(func() bool { return ev1.conns() == "up n2 1; down n2" }) {
		t.Errorf("once n2 closed, n1 heard %q, want %q", ev1.conns(), "up n2 1; down n2")
	}
}

// connEvents is a receiver that notes what its ConnObserver methods hear.
type connEvents struct {
	mu  sync.Mutex
	log []string
}

func (e *connEvents) Receive(router.Message) {}

func (e *connEvents) PeerUp(id router.NodeID, inc router.Incarnation) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, fmt.Sprintf("up %s %d", id, inc))
}

func (e *connEvents) PeerDown(id router.NodeID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, "down "+string(id))
}

func (e *connEvents) conns() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.log, "; ")
}
