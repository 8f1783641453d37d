package nettransport_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestConnectAfterGoodbye: after Goodbye no connection is made, and Connect says so
// at once instead of waiting for its context to end.
func TestConnectAfterGoodbye(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := n2.tr.Goodbye(context.Background()); err != nil {
		t.Fatalf("Goodbye with no connection: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := n2.tr.Connect(ctx, "n1")
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "leaving") {
		t.Fatalf("Connect after Goodbye: %v; want at once an error that says the node is leaving", err)
	}
}

// TestLeavingPeerIsNotConnected: once n1 has said goodbye, n2 shows it as leaving,
// not connected, in Peers and Connected, while the connection is still up (it carries
// n2's replies); Connect does not take the leaving connection for one, and waits for
// the next (here n1 is gone: the dial's error). Once the connection ends, n1 is
// neither connected nor leaving. Over loopback TCP.
func TestLeavingPeerIsNotConnected(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	want := []nettransport.PeerStatus{{ID: "n1", Addr: n1.addr, Connected: true, Incarnation: 1}}
	// Awaited: the connection's first frame (features.go) may still be queued.
	if !await(func() bool { return slices.Equal(n2.tr.Peers(), want) }) {
		t.Fatalf("before the goodbye: %+v, want %+v", n2.tr.Peers(), want)
	}
	if err := n1.tr.Goodbye(context.Background()); err != nil {
		t.Fatalf("Goodbye: %v", err)
	}
	// n2 acknowledged, so it had marked n1 leaving.
	want[0].Connected, want[0].Leaving = false, true
	if got := n2.tr.Peers(); !slices.Equal(got, want) {
		t.Fatalf("after the goodbye: %+v, want %+v", got, want)
	}
	if n2.tr.Connected("n1") {
		t.Fatal("Connected reports the leaving node connected")
	}
	connected := make(chan error, 1)
	go func() { connected <- connect(t, n2, "n1") }()
	_ = n1.tr.Close()
	if err := <-connected; err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Connect to a node that said goodbye and then closed: %v, want the failed dial's error", err)
	}
	want[0].Leaving, want[0].Incarnation = false, 0
	if !await(func() bool { return slices.Equal(n2.tr.Peers(), want) }) {
		t.Fatalf("after the close: %+v, want %+v", n2.tr.Peers(), want)
	}
}
