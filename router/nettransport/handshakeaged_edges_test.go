package nettransport_test

import (
	"net"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestHandshakeLimitAnsweredAges: a handshake whose hello was answered is spared by
// the bound for a second only; after that it ranks with those that only sent
// something, oldest first, so that strangers who know the cluster's name and stall
// after their hellos cannot hold the bound's slots for the whole handshake timeout.
// n2 sends its hello and holds its answer to the challenge; after more than a second
// a stranger sends a byte, and another connection comes: n2's handshake, the older of
// the two, is ended. Real TCP on loopback.
func TestHandshakeLimitAnsweredAges(t *testing.T) {
	const max = 2
	acc := startNode(t, "n1", true, func(c *nettransport.Config) {
		c.MaxHandshakes = max
		c.HandshakeTimeout = time.Hour
	})
	d := startHeldDial(t, acc, func(c *nettransport.Config) {
		c.BackoffMin, c.BackoffMax = time.Hour, time.Hour // one dial: the one held
	})
	time.Sleep(1200 * time.Millisecond) // past the second its answered hello is spared
	stranger := rawConn(t, acc.addr)
	if _, err := stranger.Write([]byte{0xE5}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // its byte waits in the acceptor's socket
	rawConn(t, acc.addr)
	if !await(func() bool { return acc.tr.Stats().HandshakeLimit == 1 }) {
		t.Fatalf("handshakes ended %d, want 1", acc.tr.Stats().HandshakeLimit)
	}
	_ = stranger.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := stranger.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("the stranger's connection: read %v, want it open (n2's older handshake ended instead)\n%s", err, acc.log.String())
	}
	d.held.free()
	if err := <-d.done; err == nil {
		t.Fatalf("n2 connected: its handshake, answered more than a second before, was spared over a younger stranger's\n%s", acc.log.String())
	}
}
