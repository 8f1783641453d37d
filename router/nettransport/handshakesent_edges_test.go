package nettransport_test

import (
	"net"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestHandshakeLimitSparesATLSClient: over TLS, a dialer slow to finish its TLS
// handshake (its process verifying the certificate on a busy machine) has sent its
// ClientHello, which the acceptor has read; the bound must not take it for a silent
// stranger. Strangers open twice MaxHandshakes connections meanwhile and say nothing:
// each one past the limit ends a stranger's handshake, and the dialer's first dial
// connects. Real TCP on loopback.
func TestHandshakeLimitSparesATLSClient(t *testing.T) {
	const max = 4
	load, _ := tlsLoader(t)
	acc := startNode(t, "n1", true, func(c *nettransport.Config) {
		load("n1")(c)
		c.MaxHandshakes = max
		c.HandshakeTimeout = time.Hour
	})
	d := startHeldDial(t, acc, load("n2"))
	for range 2 * max {
		rawConn(t, acc.addr)
	}
	if !await(func() bool { return acc.tr.Stats().HandshakeLimit >= max+1 }) {
		t.Fatalf("handshakes ended %d, want %d", acc.tr.Stats().HandshakeLimit, max+1)
	}
	d.connects(t, acc)
}

// TestHandshakeLimitSparesAPartHello: a dialer whose hello comes in pieces (a slow
// link) has sent bytes, which the acceptor has already read: while the rest is on its
// way, a stranger that connects after it and says nothing is ended before it. Real
// TCP on loopback.
func TestHandshakeLimitSparesAPartHello(t *testing.T) {
	const max = 2
	acc := startNode(t, "n1", true, func(c *nettransport.Config) {
		c.MaxHandshakes = max
		c.HandshakeTimeout = time.Hour
	})
	part := rawConn(t, acc.addr)
	if _, err := part.Write([]byte{0xE5, 0x7E, nettransport.Version, 1, 0, 0, 0, 60, 0, 0}); err != nil {
		t.Fatal(err)
	}
	// The acceptor reads what came: the bytes wait in no kernel buffer any more.
	time.Sleep(100 * time.Millisecond)
	rawConn(t, acc.addr)
	rawConn(t, acc.addr)
	if !await(func() bool { return acc.tr.Stats().HandshakeLimit == 1 }) {
		t.Fatalf("handshakes ended %d, want 1", acc.tr.Stats().HandshakeLimit)
	}
	_ = part.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := part.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("the part hello's connection: read %v, want it open (a timeout of the read)\n%s", err, acc.log.String())
	}
}
