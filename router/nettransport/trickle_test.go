package nettransport

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestTrickledFrameNotReservedUpFront: a node that proved the secret, over TCP,
// declares a message frame of the whole frame limit and sends only 1,000 bytes of it.
// The node reading it holds memory for what arrived, not the 1 MiB declared (200 such
// connections took a node's heap from 6.5 MB to 228 MB).
func TestTrickledFrameNotReservedUpFront(t *testing.T) {
	_, _, _, addr := tcpNode(t, "acceptor", nil)
	nc, err := deadDial(t, "acceptor", addr, "trickler", 1)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	frame := appendHeader(nil, typeMsg, DefaultMaxFrame)
	frame = append(frame, make([]byte, 1000)...)
	if _, err := nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the acceptor's reader takes the header and the bytes
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got >= DefaultMaxFrame/2 {
		t.Fatalf("%d bytes allocated for a frame of which 1,000 bytes arrived, want far less than the %d declared", got, DefaultMaxFrame)
	}
}

// TestTrickledFrameIsSilence: a node that proved the secret declares a frame and
// sends it a byte every 50ms, far more often than the heartbeat timeout (300ms) but
// never a whole frame. The acceptor finds it silent past the heartbeat timeout and
// closes the connection: bytes that never make a frame prove nothing.
func TestTrickledFrameIsSilence(t *testing.T) {
	_, ev, logs, addr := tcpNode(t, "acceptor", func(c *Config) {
		c.HeartbeatInterval, c.HeartbeatTimeout = 50*time.Millisecond, 300*time.Millisecond
	})
	nc, err := deadDial(t, "acceptor", addr, "trickler", 1)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the trickler is up", func() bool { return ev.conns() == "up trickler 1" })
	if _, err := nc.Write(appendHeader(nil, typeMsg, 4096)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	trickled := make(chan int)
	go func() {
		n := 0
		defer func() { trickled <- n }()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := nc.Write([]byte{0}); err != nil {
					return
				}
				n++
			}
		}
	}()
	waitFor(t, "the acceptor drops the trickler", func() bool { return ev.conns() == "up trickler 1; down trickler" })
	close(stop)
	n := <-trickled
	if !strings.Contains(logs.log(), `peer=trickler reason="peer silent past the heartbeat timeout"`) {
		t.Errorf("want the trickler dropped as silent:\n%s", logs.log())
	}
	t.Logf("dropped after %d bytes trickled", n)
}

// TestStallGivesPeerMoreTime: the acceptor's process stalls (noted on its stall
// clock) after the connection's heartbeat deadline was set, and the deadline passes.
// The silence may be the acceptor's own, so the peer gets a whole heartbeat timeout
// more: it is still connected after one and a half timeouts, and dropped as silent
// only when the second passes too.
func TestStallGivesPeerMoreTime(t *testing.T) {
	const timeout = 800 * time.Millisecond
	tr, ev, logs, addr := tcpNode(t, "acceptor", func(c *Config) {
		c.HeartbeatInterval, c.HeartbeatTimeout = 100*time.Millisecond, timeout
	})
	if _, err := deadDial(t, "acceptor", addr, "quiet", 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "quiet is up", func() bool { return ev.conns() == "up quiet 1" })
	up := time.Now()
	time.Sleep(50 * time.Millisecond) // the reader has set its deadline
	tr.stalls.resumed.Store(int64(time.Since(tr.epoch)))
	time.Sleep(time.Until(up.Add(timeout * 3 / 2)))
	if got := ev.conns(); got != "up quiet 1" {
		t.Fatalf("after a stall, the peer was dropped within a timeout and a half: %s\n%s", got, logs.log())
	}
	waitFor(t, "quiet dropped after the second timeout", func() bool { return ev.conns() == "up quiet 1; down quiet" })
	if !strings.Contains(logs.log(), `peer=quiet reason="peer silent past the heartbeat timeout"`) {
		t.Errorf("want quiet dropped as silent:\n%s", logs.log())
	}
}
