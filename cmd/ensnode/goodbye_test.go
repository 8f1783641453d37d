package main

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
)

// holdConn is a client's connection whose writes can be held at a gate: what the
// client sends meanwhile is on its way but not yet read by the node, as requests on
// the wire are when a node stops. A held write goes out when the gate opens, or fails
// if the connection closes first (the node closed it: those requests are lost).
type holdConn struct {
	net.Conn
	mu       sync.Mutex
	gate     chan struct{} // nil: writes pass
	heldMsgs int           // message frames in writes waiting at the gate
	waiting  int           // writes waiting at the gate
	closed   chan struct{}
	once     sync.Once
}

func (h *holdConn) hold() {
	h.mu.Lock()
	h.gate = make(chan struct{})
	h.mu.Unlock()
}

func (h *holdConn) release() {
	h.mu.Lock()
	if h.gate != nil {
		close(h.gate)
		h.gate = nil
	}
	h.mu.Unlock()
}

// held reports the writes waiting at the gate and the message frames they hold.
func (h *holdConn) held() (writes, msgs int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waiting, h.heldMsgs
}

func (h *holdConn) Write(b []byte) (int, error) {
	h.mu.Lock()
	gate := h.gate
	if gate != nil {
		h.waiting++
		h.heldMsgs += msgFrames(b)
	}
	h.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-h.closed:
			return 0, net.ErrClosed
		}
	}
	return h.Conn.Write(b)
}

func (h *holdConn) Close() error {
	h.once.Do(func() { close(h.closed) })
	return h.Conn.Close()
}

// msgFrames counts the message frames in b, a connection writer's write: whole frames,
// each an 8-byte header (magic, version, type, body length) and its body (the
// nettransport package documentation); type 6 is a message.
func msgFrames(b []byte) int {
	n := 0
	for len(b) >= 8 {
		if b[3] == 6 {
			n++
		}
		l := int(binary.BigEndian.Uint32(b[4:8]))
		if 8+l > len(b) {
			break
		}
		b = b[8+l:]
	}
	return n
}

// stopOutcomes is how the calls of a load ended around a node's stop.
type stopOutcomes struct {
	counts map[string]int // ok, unreachable, overloaded, timeout, or the error
	// acrossStop counts the calls begun before the stop that were answered ok
	// after it began: the requests held on their way, at least.
	acrossStop int
	goodbyes   uint64 // goodbyes the client heard
	log        string // the node's
}

// stopUnderLoad runs node n1, hosting ensemble e1, and a client that calls e1 through
// n1 from 8 goroutines in a closed loop, each call with the given timeout. Under load
// the client's writes are held, until at least one request waits at the gate; n1 is
// then stopped as SIGTERM stops it, and the gate opens when the client hears n1's
// goodbye, or when n1 closes the connection (without the goodbye: the held requests
// are then lost). It returns how the calls ended.
func stopUnderLoad(t *testing.T, noGoodbye bool, timeout time.Duration) stopOutcomes {
	t.Helper()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	secret := []byte("long-enough-secret")
	if err := os.WriteFile(secretFile, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := realcluster.FreeAddr()
	var logs syncBuffer
	o, err := parse([]string{"--id", "n1", "--peers", "n1=" + addr, "--ensemble", "e1=n1",
		"--secret-file", secretFile, "--admin", ""}, &logs)
	if err != nil {
		t.Fatal(err)
	}
	o.noGoodbye = noGoodbye
	n, err := start(o, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			n.stop()
		}
	}()

	var hc atomic.Pointer[holdConn]
	d := &net.Dialer{}
	tr, drv := newClient(t, addr, secret, func(ctx context.Context, a string) (net.Conn, error) {
		nc, err := d.DialContext(ctx, "tcp", a)
		if err != nil {
			return nil, err
		}
		h := &holdConn{Conn: nc, closed: make(chan struct{})}
		hc.CompareAndSwap(nil, h)
		return h, nil
	}, nil)
	deadline := time.Now().Add(10 * time.Second)
	poll := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10s\n%s", what, logs.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	poll("connect", func() bool { return tr.Connect(context.Background(), "n1") == nil })

	const workers = 8
	var (
		mu         sync.Mutex
		counts     = map[string]int{}
		acrossStop int
		stopping   atomic.Bool
		done       atomic.Bool
		wg         sync.WaitGroup
	)
	target := router.ToEnsemble("e1").Through("n1")
	for range workers {
		wg.Go(func() {
			for last := false; !last; {
				// Each worker calls once more after the stop: the load outlasts it.
				last = done.Load()
				before := !stopping.Load()
				_, err := drv.CallTimeout(context.Background(), target, []byte("get k"), timeout)
				var what string
				switch {
				case err == nil:
					what = "ok"
				case errors.Is(err, router.ErrUnreachable):
					what = "unreachable"
				case errors.Is(err, router.ErrOverloaded):
					what = "overloaded"
				case errors.Is(err, router.ErrTimeout):
					what = "timeout"
				default:
					what = err.Error()
				}
				mu.Lock()
				counts[what]++
				if err == nil && before && stopping.Load() {
					acrossStop++
				}
				mu.Unlock()
			}
		})
	}
	ok := func() int { mu.Lock(); defer mu.Unlock(); return counts["ok"] }
	poll("100 calls answered", func() bool { return ok() >= 100 })

	h := hc.Load()
	h.hold()
	// A request waits at the gate: in a write held there, or queued behind it (the
	// writer is stuck in the held write, so whatever is queued now was queued after).
	poll("a request held", func() bool {
		writes, msgs := h.held()
		if writes == 0 {
			return false
		}
		if msgs > 0 {
			return true
		}
		for _, p := range tr.Peers() {
			if p.ID == "n1" && p.Queued > 0 {
				return true
			}
		}
		return false
	})
	stopping.Store(true)
	stopDone := make(chan struct{})
	go func() {
		n.stop()
		close(stopDone)
	}()
	stopped = true
	// The gate opens when the client hears the goodbye, or when n1 closes the
	// connection, whichever comes first.
	poll("goodbye or close", func() bool {
		select {
		case <-h.closed:
			return true
		default:
		}
		return tr.Stats().Goodbyes > 0
	})
	h.release()
	<-stopDone
	done.Store(true)
	wg.Wait()
	return stopOutcomes{counts: counts, acrossStop: acrossStop, goodbyes: tr.Stats().Goodbyes, log: logs.String()}
}

// TestStopUnderLoadLosesNothing: a node stopped while a client loads it in a closed
// loop, with requests on their way to it, answers every request that reached the
// wire: every call ends with an answer or a fast error (unreachable once the client
// heard the goodbye, or overloaded), none by its timeout. The timeout is long (30s),
// so a lost request cannot end by luck within the test.
func TestStopUnderLoadLosesNothing(t *testing.T) {
	out := stopUnderLoad(t, false, 30*time.Second)
	t.Logf("calls: %v; answered across the stop: %d", out.counts, out.acrossStop)
	for what, k := range out.counts {
		switch what {
		case "ok", "unreachable", "overloaded":
		default:
			t.Errorf("%d calls ended %s\n%s", k, what, out.log)
		}
	}
	if out.goodbyes != 1 {
		t.Errorf("the client heard %d goodbyes, want 1", out.goodbyes)
	}
	if out.acrossStop == 0 {
		t.Errorf("no call begun before the stop was answered after it began: the held requests were not served\n%s", out.log)
	}
	if out.counts["unreachable"] == 0 {
		t.Errorf("no call failed fast after the goodbye: the load did not outlast the stop")
	}
}

// TestStopWithoutGoodbyeLosesCalls is the bug injection of the test above: the same
// stop without the goodbye closes the connection on the held requests, and their
// calls wait out their whole timeout.
func TestStopWithoutGoodbyeLosesCalls(t *testing.T) {
	out := stopUnderLoad(t, true, 2*time.Second)
	t.Logf("calls: %v", out.counts)
	if out.counts["timeout"] == 0 {
		t.Fatalf("no call timed out without the goodbye: the test cannot see a lost request\n%v", out.counts)
	}
	if out.goodbyes != 0 {
		t.Fatalf("the client heard %d goodbyes from a node told not to say it", out.goodbyes)
	}
}
