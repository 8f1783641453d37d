package nettransport_test

import (
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// TestDialHandshakeTimeoutSaysSo: a node that takes the connection but never answers
// the handshake (stopped with SIGSTOP: its kernel still accepts) fails the dial with
// an error that says the handshake went unanswered, and for how long it was waited
// for, rather than a bare "read tcp ...: i/o timeout"; it still matches
// os.ErrDeadlineExceeded, so that a dial loop counts it as one kind of failure, a
// timeout.
func TestDialHandshakeTimeoutSaysSo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn // taken, never answered
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	n := startNode(t, "n2", false, func(c *nettransport.Config) {
		peersOf("n1", l.Addr().String())(c)
		c.HandshakeTimeout = 100 * time.Millisecond
	})
	err = connect(t, n, "n1")
	want := "no answer to the handshake within the handshake timeout of 100ms (HandshakeTimeout): the node at " + l.Addr().String() + " took the connection but did not answer"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Connect to a node that never answers: %v, want %q", err, want)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("%v does not match os.ErrDeadlineExceeded", err)
	}
	logged(t, n, `msg="cannot connect"`, "no answer to the handshake within")
}
