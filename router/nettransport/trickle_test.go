package nettransport

import (
	"runtime"
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
