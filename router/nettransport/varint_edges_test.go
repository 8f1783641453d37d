package nettransport

// Over-long varints: every encoder of the protocol writes each varint in its fewest
// bytes (binary.AppendUvarint), so a decoder takes no other encoding of a value.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// overlong returns v's encoding in n bytes, n past its fewest: continuation bytes of
// zero bits before a last byte of zero.
func overlong(v uint64, n int) []byte {
	b := binary.AppendUvarint(nil, v)
	b[len(b)-1] |= 0x80
	for len(b) < n-1 {
		b = append(b, 0x80)
	}
	return append(b, 0)
}

// TestOverlongVarintRefused: a message whose varint (a number or a length) takes
// more bytes than its value needs is a bad frame naming the field, the value and
// both lengths; the same message with every varint minimal decodes.
func TestOverlongVarintRefused(t *testing.T) {
	m := router.Message{Kind: router.KindRoute, Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 300}, Ensemble: "e1", Budget: router.Infinity}
	body := AppendMessage(nil, &m)
	// kind, flags, instance 0 at 2; call node's length 2 at 3, "n1", incarnation 1
	// at 6, seq 300 at 7..8.
	if !bytes.Equal(body[:9], []byte{byte(router.KindRoute), flagInfinite, 0, 2, 'n', '1', 1, 0xac, 0x02}) {
		t.Fatalf("the message's layout changed: % x", body)
	}
	if _, err := DecodeMessage(body); err != nil {
		t.Fatalf("the minimal encoding: %v", err)
	}
	for _, tc := range []struct {
		name      string
		at, width int // the varint's place in body and its bytes there
		with      []byte
		want      string
	}{
		{"instance", 2, 1, overlong(0, 2), "instance: over-long varint: 0 in 2 bytes, where its encoding takes 1"},
		{"length", 3, 1, overlong(2, 10), "call node length: over-long varint: 2 in 10 bytes, where its encoding takes 1"},
		{"seq", 7, 2, overlong(300, 3), "call seq: over-long varint: 300 in 3 bytes, where its encoding takes 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := slices.Concat(body[:tc.at], tc.with, body[tc.at+tc.width:])
			_, err := DecodeMessage(bad)
			if !errors.Is(err, ErrBadFrame) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DecodeMessage(% x): %v, want ErrBadFrame saying %q", bad, err, tc.want)
			}
		})
	}
}

// TestMinimalVarintsDecode: the largest value of each length of varint, and the
// smallest, decode: the check refuses only bytes no encoder writes.
func TestMinimalVarintsDecode(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 16383, 16384, 1 << 56, 1<<63 - 1, 1 << 63, math.MaxUint64} {
		for shift := range 64 {
			m := router.Message{Kind: router.KindGossip, Call: router.CallID{Seq: v >> shift}, Entries: []router.Entry{{Ensemble: "e", Version: v >> shift}}}
			got, err := DecodeMessage(AppendMessage(nil, &m))
			if err != nil || got.Call.Seq != v>>shift || got.Entries[0].Version != v>>shift {
				t.Fatalf("seq and version %d: %+v, %v", v>>shift, got, err)
			}
		}
	}
}

// TestOverlongVarintInHelloRefused: a hello's over-long incarnation is a malformed
// hello (the acceptor answers RefuseProtocol).
func TestOverlongVarintInHelloRefused(t *testing.T) {
	body := slices.Concat(appendStr(nil, "test"), appendStr(nil, "n2"), overlong(7, 2), make([]byte, nonceSize))
	_, err := parseIdentity(body)
	if !errors.Is(err, ErrBadFrame) || !strings.Contains(err.Error(), "incarnation: over-long varint: 7 in 2 bytes") {
		t.Fatalf("parseIdentity of a hello with an over-long incarnation: %v, want ErrBadFrame naming it", err)
	}
	if _, err := parseIdentity(slices.Concat(appendStr(nil, "test"), appendStr(nil, "n2"), []byte{7}, make([]byte, nonceSize))); err != nil {
		t.Fatalf("the same hello, minimal: %v", err)
	}
}

// TestOverlongVarintClosesConnection: from an authenticated peer, a message with an
// over-long varint closes the connection, counted as a bad frame and logged with
// what was wrong.
func TestOverlongVarintClosesConnection(t *testing.T) {
	m := router.Message{Kind: router.KindCast, Ensemble: "e1", Budget: router.Infinity}
	body := AppendMessage(nil, &m)
	body = slices.Concat(body[:2], overlong(0, 3), body[3:]) // the instance
	frame := append(appendHeader(nil, typeMsg, len(body)), body...)
	badFrameCloses(t, frame, "level=WARN msg=disconnected", "instance: over-long varint: 0 in 3 bytes")
}
