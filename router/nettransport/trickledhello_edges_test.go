package nettransport_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestTrickledHelloSaysSo: a dialer that sends its hello a byte at a time, too slowly
// to finish it within the handshake timeout, is refused at the timeout, and the log
// says that its bytes were still coming (a slow link, or a stranger holding a
// handshake open), not that it sent part of its hello and then nothing, which is
// what a dialer that stopped gets. Real TCP on loopback.
func TestTrickledHelloSaysSo(t *testing.T) {
	acc := startNode(t, "n1", true, func(c *nettransport.Config) { c.HandshakeTimeout = time.Second })
	stopped := rawConn(t, acc.addr)
	if _, err := stopped.Write([]byte{0xE5, 0x7E, nettransport.Version}); err != nil {
		t.Fatal(err)
	}
	trickler := rawConn(t, acc.addr)
	hello := []byte{0xE5, 0x7E, nettransport.Version, 1, 0, 0, 0, 60}
	hello = append(hello, make([]byte, 60)...)
	for _, b := range hello {
		if _, err := trickler.Write([]byte{b}); err != nil {
			break // closed at the timeout
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = trickler.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := trickler.Read(make([]byte, 1)); err == nil {
		t.Fatal("the trickled hello was answered")
	}
	logged(t, acc, "refused connection", "the other side was still sending its hello, a little at a time")
	logged(t, acc, "refused connection", "the other side sent part of its hello and then nothing")
	if n := strings.Count(acc.log.String(), "the handshake timed out"); n != 2 {
		t.Fatalf("%d handshake timeouts logged, want 2:\n%s", n, acc.log.String())
	}
}
