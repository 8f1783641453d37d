package nettransport

// A connection's read buffer during its handshake: a stranger who connects and says
// nothing costs the node room for a handshake frame, not Config.ReadBuffer.

import (
	"bytes"
	"log/slog"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestSilentConnectionsDoNotReserveReadBuffer: connections in their handshake that
// have sent nothing hold no Config.ReadBuffer: with a 16 MiB one, sixteen of them
// held the node's heap 256 MiB larger.
func TestSilentConnectionsDoNotReserveReadBuffer(t *testing.T) {
	const readBuffer, conns = 16 << 20, 16
	tr, err := New(Config{ID: "n1", Cluster: "test", Secret: []byte("pipe-secret"), ReadBuffer: readBuffer, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tr.Attach(&sink{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = tr.Serve(l) }()
	defer func() { _ = tr.Close(); <-served }()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	var held []net.Conn
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	for range conns {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	// Each handshake reads (and waits) once its connection's reader is made.
	for deadline := time.Now().Add(10 * time.Second); tr.Stats().Reads < conns; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d handshakes reading, want %d", tr.Stats().Reads, conns)
		}
	}
	after := heap()
	// One ReadBuffer for all of them is far more than a handshake frame each, and
	// far less than one each.
	if grown := int64(after) - int64(before); grown > readBuffer {
		t.Fatalf("%d silent connections grew the heap by %d bytes (ReadBuffer %d): a connection that has proved nothing reserves its whole read buffer", conns, grown, readBuffer)
	}
}

// TestEstablishedReadBufferKeepsBufferedFrames: the frames that came with the last
// handshake frame, in the handshake's small buffer, are read first from the
// established connection's larger one, whole and in order, a frame larger than the
// handshake's buffer among them.
func TestEstablishedReadBufferKeepsBufferedFrames(t *testing.T) {
	readAcrossSwitch(t, DefaultReadBuffer, 0, 10, 2*handshakeBuffer, 3)
}

// readAcrossSwitch writes a welcome and then a cast of each size of event as one
// stream, reads the welcome through a handshake's reader, switches it to an
// established one of readBuffer bytes (with more than buffered bytes past the welcome
// in the handshake's buffer then, or the test shows nothing), and reads every cast,
// whole and in order, then the stream's end.
func readAcrossSwitch(t *testing.T, readBuffer, buffered int, sizes ...int) {
	t.Helper()
	var stream []byte
	stream = append(appendHeader(stream, typeWelcome, 32), make([]byte, 32)...)
	var want []router.Message
	for i, n := range sizes {
		m := router.Message{Kind: router.KindCast, Ensemble: "e1", Event: bytes.Repeat([]byte{byte(i + 1)}, n), Budget: router.Infinity}
		want = append(want, m)
		s, start := beginFrame(stream, typeMsg)
		stream = AppendMessage(s, &m)
		endFrame(stream, start)
	}
	fr := newFrameReader(bytes.NewReader(stream), handshakeBuffer, DefaultMaxFrame)
	fr.handshake()
	if h, body, err := fr.next(); err != nil || h.typ != typeWelcome || len(body) != 32 {
		t.Fatalf("the welcome: %v %d bytes, %v", h.typ, len(body), err)
	}
	if fr.r.Buffered() <= buffered {
		t.Fatalf("%d bytes past the welcome in the handshake's buffer, want more than %d: the test shows nothing", fr.r.Buffered(), buffered)
	}
	fr.established(DefaultMaxFrame, readBuffer)
	if fr.r.Size() != readBuffer {
		t.Fatalf("read buffer of %d bytes once established with ReadBuffer %d, want %d", fr.r.Size(), readBuffer, readBuffer)
	}
	for i, w := range want {
		h, body, err := fr.next()
		if err != nil || h.typ != typeMsg {
			t.Fatalf("frame %d: %v, %v", i, h.typ, err)
		}
		m, err := DecodeMessage(body)
		if err != nil || !bytes.Equal(m.Event, w.Event) {
			t.Fatalf("frame %d: %d bytes of event, want %d: %v", i, len(m.Event), len(w.Event), err)
		}
	}
	if _, _, err := fr.next(); err == nil {
		t.Fatal("a frame past the end of the stream")
	}
}
