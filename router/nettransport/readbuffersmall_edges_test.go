package nettransport

import (
	"bytes"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestEstablishedReadBufferSmallerThanHandshakes: a Config.ReadBuffer smaller than
// the handshake's buffer is the established connection's read buffer all the same,
// as it was before the handshake read through a buffer of its own: a node that keeps
// many connections with a small one kept a handshake frame's room for each instead.
// The frames that came with the last handshake frame, more than the small buffer
// holds, are read first, whole and in order.
func TestEstablishedReadBufferSmallerThanHandshakes(t *testing.T) {
	const small = 1 << 10
	var stream []byte
	stream = append(appendHeader(stream, typeWelcome, 32), make([]byte, 32)...)
	var want []router.Message
	for i, n := range []int{10, 3 * small, 5, 2 * handshakeBuffer} {
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
	if fr.r.Buffered() <= small {
		t.Fatalf("%d bytes past the welcome in the handshake's buffer, want more than %d: the test shows nothing", fr.r.Buffered(), small)
	}
	fr.established(DefaultMaxFrame, small)
	if fr.r.Size() != small {
		t.Fatalf("read buffer of %d bytes once established with ReadBuffer %d, want %d", fr.r.Size(), small, small)
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
