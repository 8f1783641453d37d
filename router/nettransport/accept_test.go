package nettransport_test

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router/nettransport"
)

// failingListener is a TCP listener on loopback whose next fails calls of Accept fail
// as they do when the process is out of file descriptors, or with err if set.
type failingListener struct {
	net.Listener
	mu    sync.Mutex
	fails int
	err   error
}

func (l *failingListener) failNext(n int) {
	l.mu.Lock()
	l.fails = n
	l.mu.Unlock()
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	fail := l.fails > 0
	if fail {
		l.fails--
	}
	err := l.err
	l.mu.Unlock()
	if fail {
		if err == nil {
			err = os.NewSyscallError("accept4", syscall.EMFILE)
		}
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: err}
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
	logged(t, n1, "level=INFO", "accepting again", "addr="+n1.addr)
	if got := strings.Count(n1.log.String(), "accept failed; retrying until it succeeds"); got != 1 {
		t.Errorf("the failures logged %d times, want once:\n%s", got, n1.log.String())
	}
	if !strings.Contains(n1.log.String(), "too many open files") {
		t.Errorf("the log does not name the error:\n%s", n1.log.String())
	}
	// Failing again within a minute is logged at debug only: a node at its limit may
	// fail and recover many times a second. (The Accept in progress takes the first
	// connection; the next two fail; the third connection is accepted after them.)
	l.mu.Lock()
	l.err = os.NewSyscallError("accept4", syscall.EPROTO) // an error of the connection taken
	l.mu.Unlock()
	l.failNext(2)
	for range 2 {
		c, err := net.Dial("tcp", n1.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	logged(t, n1, "level=DEBUG", "accepting again")
	if got := n1.tr.Stats().AcceptErrors; got != 6 {
		t.Errorf("AcceptErrors %d, want 6", got)
	}
	if got := strings.Count(n1.log.String(), `level=WARN msg="accept failed`); got != 1 {
		t.Errorf("failures warned of %d times within a minute, want once:\n%s", got, n1.log.String())
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
// failed calls of Accept, at once rather than after the pause. It runs in a synctest
// bubble, where time is virtual: Close is called in the middle of a pause of a second
// (its bound), a known time before the pause ends, and must return without any time
// passing, and Serve must have returned by then without calling Accept again. Measured
// on the wall clock, a Close that waited for the pause to end took whatever was left
// of it when the test got to call it, which a loaded machine makes anything up to a
// second; and a Close that returned at once while Serve went on pausing passed unseen,
// as Serve's end was waited for without a bound.
func TestServeEndsWhenClosedWhileAcceptFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: secret,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		l := &downListener{}
		var served error
		ended := make(chan struct{})
		go func() { served = tr.Serve(l); close(ended) }()
		// However the test ends, the bubble ends once Serve has.
		defer func() { _ = tr.Close(); <-ended }()
		// Failures at 0, 5ms, 15ms, 35ms, ...: the pause doubles from 5ms to its bound
		// of a second by the ninth, 1.275s in. Then the test wakes mid-pause: 10.3s is
		// no failure's time (1.275s + whole seconds).
		time.Sleep(10*time.Second + 300*time.Millisecond)
		synctest.Wait() // Serve pauses
		if got := tr.Stats().AcceptErrors; got < 9 {
			t.Fatalf("AcceptErrors %d after 10.3s, want the pause to have grown to its bound", got)
		}
		if !strings.Contains(logs.String(), "accept failed; retrying until it succeeds") {
			t.Fatalf("the failures were not logged:\n%s", logs.String())
		}
		left := time.Second - time.Since(l.lastAccept())
		if left <= 0 || left >= time.Second {
			t.Fatalf("the pause has %v left, want Close to come in the middle of one", left)
		}
		calls := l.calls()
		start := time.Now()
		_ = tr.Close()
		if took := time.Since(start); took != 0 {
			t.Fatalf("Close took %v with %v of the pause left: Serve went on pausing after it", took, left)
		}
		synctest.Wait() // Serve returns, or blocks again
		select {
		case <-ended:
			if served != nil {
				t.Fatalf("Serve after Close: %v, want nil", served)
			}
		default:
			t.Fatalf("Serve still runs after Close returned, with %v of the pause left", left)
		}
		if got := l.calls(); got != calls {
			t.Errorf("Accept called %d times after Close, want none", got-calls)
		}
	})
}

// downListener is a listener whose every Accept fails as it does when the process is
// out of file descriptors, until it is closed; it touches no socket, so that it runs
// in a synctest bubble. It notes when Accept was last called, and how many times.
type downListener struct {
	mu     sync.Mutex
	n      int
	last   time.Time
	closed bool
}

func (l *downListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	l.last = time.Now()
	if l.closed {
		return nil, net.ErrClosed
	}
	return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept4", syscall.EMFILE)}
}

func (l *downListener) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return nil
}

func (l *downListener) Addr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7000}
}

func (l *downListener) calls() int { l.mu.Lock(); defer l.mu.Unlock(); return l.n }

func (l *downListener) lastAccept() time.Time { l.mu.Lock(); defer l.mu.Unlock(); return l.last }

// TestServeReturnsPermanentAcceptError: an error of Accept that says the listening
// socket is unusable (EBADF, EINVAL, ...), or one of a listener of the program's own,
// ends Serve with that error, as before, rather than retry it for ever.
func TestServeReturnsPermanentAcceptError(t *testing.T) {
	for _, broken := range []error{os.NewSyscallError("accept4", syscall.EINVAL), errors.New("this listener is broken")} {
		n1 := startNode(t, "n1", false, nil)
		l := &failingListener{Listener: listen(t), fails: 1, err: broken}
		served := make(chan error, 1)
		go func() { served <- n1.tr.Serve(l) }()
		select {
		case err := <-served:
			if !errors.Is(err, broken) {
				t.Fatalf("Serve: %v, want the listener's error %v", err, broken)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Serve still running 5s after %v", broken)
		}
		if got := n1.tr.Stats().AcceptErrors; got != 0 {
			t.Errorf("%v: AcceptErrors %d, want 0: the error was not retried", broken, got)
		}
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

// TestServeBeforeAttachWarns: a transport that serves before anything is attached
// refuses the connections it accepts (RefuseUnready), and says why once, on its own
// side; the other side's error says so too (it used to see only a handshake cut short,
// and was asked whether the node used TLS).
func TestServeBeforeAttachWarns(t *testing.T) {
	n1 := &node{rec: newRecorder(), log: &syncBuffer{}}
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "test", Secret: secret,
		Logger: slog.New(slog.NewTextHandler(n1.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	n1.tr = tr
	defer tr.Close()
	l := listen(t)
	n1.addr = l.Addr().String()
	go func() { _ = tr.Serve(l) }()
	n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
	for range 2 {
		err := connect(t, n2, "n1")
		var re *nettransport.RefusedError
		if !errors.As(err, &re) || re.Code != nettransport.RefuseUnready || !strings.Contains(err.Error(), "Attach before Serve") || errors.Is(err, nettransport.ErrHungUp) {
			t.Fatalf("connect: %v, want a refusal saying the node is not ready", err)
		}
	}
	logged(t, n1, "level=WARN", "nothing is attached to this transport yet (call Attach before Serve)")
	// Attached, it serves.
	tr.Attach(n1.rec)
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatalf("connect once attached: %v", err)
	}
	if got := strings.Count(n1.log.String(), "nothing is attached"); got != 1 {
		t.Errorf("logged %d times, want once:\n%s", got, n1.log.String())
	}
}
