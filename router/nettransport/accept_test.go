package nettransport_test

import (
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// failingListener is a TCP listener on loopback whose next fails calls of Accept fail
// as they do when the process is out of file descriptors.
type failingListener struct {
	net.Listener
	mu    sync.Mutex
	fails int
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	fail := l.fails > 0
	if fail {
		l.fails--
	}
	l.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestServeRetriesFailedAccept: an Accept that fails for want of file descriptors is
// retried, counted and logged once, so the node accepts again once the cause is gone,
// instead of leaving its socket listening with nobody accepting.
func TestServeRetriesFailedAccept(t *testing.T) {
	n1 := startNode(t, "n1", false, nil)
	l := &failingListener{Listener: listen(t), fails: 4}
	n1.addr = l.Addr().String()
	served := make(chan error, 1)
	go func() { served <- n1.tr.Serve(l) }()

	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatalf("connect after failed accepts: %v\nn1's log:\n%s", err, n1.log.String())
	}
	if got := n1.tr.Stats().AcceptErrors; got != 4 {
		t.Errorf("AcceptErrors %d, want 4", got)
	}
	logged(t, n1, "accepting again", "addr="+n1.addr)
	if got := strings.Count(n1.log.String(), "accept failed; retrying until it succeeds"); got != 1 {
		t.Errorf("the failures logged %d times, want once:\n%s", got, n1.log.String())
	}
	if !strings.Contains(n1.log.String(), "too many open files") {
		t.Errorf("the log does not name the error:\n%s", n1.log.String())
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v while the transport is open", err)
	default:
	}
	_ = n1.tr.Close()
	if err := <-served; err != nil {
		t.Fatalf("Serve after Close: %v, want nil", err)
	}
}

// TestServeEndsWhenClosedWhileAcceptFails: Close ends a Serve that is pausing between
// failed calls of Accept, at once rather than after the pause.
func TestServeEndsWhenClosedWhileAcceptFails(t *testing.T) {
	n1 := startNode(t, "n1", false, nil)
	l := &failingListener{Listener: listen(t), fails: 1 << 30}
	served := make(chan error, 1)
	go func() { served <- n1.tr.Serve(l) }()
	logged(t, n1, "accept failed; retrying until it succeeds")
	// Let the pause grow to its bound of a second.
	if !await(func() bool { return n1.tr.Stats().AcceptErrors >= 9 }) {
		t.Fatalf("AcceptErrors %d after 10s, want the pause to have grown", n1.tr.Stats().AcceptErrors)
	}
	_ = n1.tr.Close()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve after Close: %v, want nil", err)
		}
	case <-time.After(500 * time.Millisecond):
		t.Fatal("Serve still pausing half a second after Close")
	}
}

// TestServeReturnsWhenListenerClosed: a listener closed by its owner ends Serve with
// net.ErrClosed; that is not retried.
func TestServeReturnsWhenListenerClosed(t *testing.T) {
	n1 := startNode(t, "n1", false, nil)
	l := listen(t)
	served := make(chan error, 1)
	go func() { served <- n1.tr.Serve(l) }()
	_ = l.Close()
	select {
	case err := <-served:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Serve: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still running 5s after its listener closed")
	}
	if got := n1.tr.Stats().AcceptErrors; got != 0 {
		t.Errorf("AcceptErrors %d, want 0: a closed listener is not a failure to retry", got)
	}
}
