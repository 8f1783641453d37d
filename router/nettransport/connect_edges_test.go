package nettransport_test

// Edges of Connect that its documentation promises.

import (
	"errors"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestConnectToNodeThatDialedIn: Connect waits until the node is connected, as
// Connected reports: for a node that dialed in, which this node has no address for
// (a client), and is connected already, it returns nil at once; it used to fail
// with "no address" while Connected said true and sends went through.
func TestConnectToNodeThatDialedIn(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if !await(func() bool { return n1.tr.Connected("n2") }, n1.rec) {
		t.Fatal("n1 never saw n2 connected")
	}
	if err := connect(t, n1, "n2"); err != nil {
		t.Fatalf("Connect to a node that dialed in and is connected: %v, want nil", err)
	}
	// Not connected, it has no address to dial: unreachable, saying why.
	if err := connect(t, n1, "n3"); !errors.Is(err, router.ErrUnreachable) {
		t.Fatalf("Connect to a node with no address that is not connected: %v, want ErrUnreachable", err)
	}
}
