package nettransport

import (
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

// slowReader dials acc as n2 over a pipe and reads what acc writes, per bytes every
// 100ms (none: it never reads), while it pings every 200ms: a live peer, however
// slowly it reads. It returns the bytes read so far, and stop, which ends the peer
// (before the bubble ends).
func slowReader(t *testing.T, acc *Transport, per int) (read *atomic.Int64, stop func()) {
	c := rawDial(t, acc, "n2")
	read = new(atomic.Int64)
	quit := make(chan struct{})
	go func() {
		buf := make([]byte, per)
		for per > 0 {
			n, err := c.Read(buf)
			read.Add(int64(n))
			if err != nil {
				return
			}
			select {
			case <-quit:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	go func() {
		for {
			select {
			case <-quit:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if _, err := c.Write(frame(typePing, nil)); err != nil {
				return
			}
		}
	}()
	synctest.Wait()
	return read, func() {
		close(quit)
		_ = c.Close()
		synctest.Wait()
	}
}

// sendReplies queues n replies of 100 KiB each to n2 and returns the bytes queued.
func sendReplies(t *testing.T, acc *Transport, n int) int64 {
	payload := make([]byte, 100<<10)
	for i := range n {
		m := router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n2", Incarnation: 1, Seq: uint64(i + 1)}, Result: payload}
		if err := acc.Send("n2", &m); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	return int64(n) * int64(len(frame(typeMsg, AppendMessage(nil, &router.Message{Kind: router.KindReply,
		Call: router.CallID{Node: "n2", Incarnation: 1, Seq: 1}, Result: payload}))))
}

// TestSlowSteadyReaderStaysConnected: a peer that reads 640 KB/s, steadily, is sent a
// whole send queue (4 MB, which takes it about 6s) and stays connected: each chunk
// of a write makes progress within the heartbeat timeout. One write of the whole
// queue, with one deadline, closed the connection after 3s as if the peer were silent,
// with half of it read, and counted every byte as written.
func TestSlowSteadyReaderStaysConnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		acc, logs := pipeNode(t, "n1", nil)
		read, stop := slowReader(t, acc, 64<<10)
		defer stop()
		queued := sendReplies(t, acc, 40)
		start := time.Now()
		for acc.Connected("n2") && read.Load() < queued && time.Since(start) < 30*time.Second {
			time.Sleep(50 * time.Millisecond)
		}
		synctest.Wait()
		if !acc.Connected("n2") {
			t.Fatalf("the slow reader was disconnected after %v, having read %d of %d bytes; log:\n%s", time.Since(start), read.Load(), queued, logs.log())
		}
		if read.Load() < queued {
			t.Fatalf("the slow reader read %d of %d bytes in %v", read.Load(), queued, time.Since(start))
		}
		if took := time.Since(start); took < DefaultHeartbeatTimeout {
			t.Fatalf("read in %v: the test wants a queue that takes longer than the heartbeat timeout to read", took)
		}
	})
}

// TestStoppedReaderDropped: a peer that pings but reads nothing is dropped a heartbeat
// timeout after the write began, with a log that says so (not that it was silent),
// and no byte counted as written.
func TestStoppedReaderDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		acc, logs := pipeNode(t, "n1", nil)
		_, stop := slowReader(t, acc, 0)
		defer stop()
		sendReplies(t, acc, 4)
		start := time.Now()
		for acc.Connected("n2") && time.Since(start) < 10*DefaultHeartbeatTimeout {
			time.Sleep(10 * time.Millisecond)
		}
		synctest.Wait() // the log line comes after the connection is marked down
		if acc.Connected("n2") {
			t.Fatalf("a peer that reads nothing still connected after %v", time.Since(start))
		}
		if took := time.Since(start); took < DefaultHeartbeatTimeout || took > DefaultHeartbeatTimeout+20*time.Millisecond {
			t.Fatalf("dropped after %v, want %v", took, DefaultHeartbeatTimeout)
		}
		if log := logs.log(); !strings.Contains(log, `level=WARN msg=disconnected node=n1 peer=n2 reason="peer read nothing of what was written to it for the heartbeat timeout"`) {
			t.Fatalf("log:\n%s", log)
		}
		if out := acc.Stats().BytesOut; out != 0 {
			t.Fatalf("BytesOut = %d, want 0: the peer read nothing", out)
		}
	})
}

// TestTooSlowReaderDropped: a peer that reads, but slower than a chunk of a write
// (WriteChunk) per heartbeat timeout (here 40 KB/s), is dropped when a chunk is not
// written in time, and the log says it read too slowly, not that it read nothing.
func TestTooSlowReaderDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		acc, logs := pipeNode(t, "n1", nil)
		read, stop := slowReader(t, acc, 4<<10)
		defer stop()
		sendReplies(t, acc, 4)
		start := time.Now()
		for acc.Connected("n2") && time.Since(start) < 10*DefaultHeartbeatTimeout {
			time.Sleep(10 * time.Millisecond)
		}
		synctest.Wait()
		if acc.Connected("n2") {
			t.Fatalf("a peer reading 40 KB/s still connected after %v", time.Since(start))
		}
		if read.Load() == 0 {
			t.Fatal("the peer read nothing: the test wants one that reads slowly")
		}
		if log := logs.log(); !strings.Contains(log, `level=WARN msg=disconnected node=n1 peer=n2 reason="peer read too slowly: a chunk written to it was not read within the heartbeat timeout"`) {
			t.Fatalf("log:\n%s", log)
		}
		if out, got := acc.Stats().BytesOut, read.Load(); out != uint64(got) {
			t.Fatalf("BytesOut = %d, but the peer read %d", out, got)
		}
	})
}
