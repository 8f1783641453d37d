package nettransport

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// hotMessages are the messages of every remote call: a route to the leader's node and
// the reply back.
func hotMessages() []router.Message {
	call := router.CallID{Node: "ctl-host-4242", Incarnation: 1<<60 + 3, Seq: 1<<20 + 7}
	peer := router.PeerRef{Ensemble: "e2", Name: "p-n2", Node: "n2"}
	return []router.Message{
		{Kind: router.KindRoute, Instance: 3, Call: call, Ensemble: "e2", Event: []byte("get bench"), Budget: time.Second, Hops: 1},
		{Kind: router.KindReply, Call: call, Peer: peer, Code: router.CodeOK, Result: []byte("missing"), Hops: 1},
	}
}

// TestDecodeAllocatesNothing: a connection's decoder turns the messages of a call into
// router.Messages without allocating (names are interned, payloads carved from a slab
// allocated once per 64 KiB). An error label built on every field would allocate.
func TestDecodeAllocatesNothing(t *testing.T) {
	for _, m := range hotMessages() {
		body := AppendMessage(nil, &m)
		d := newDecoder()
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := d.message(body); err != nil {
				t.Fatal(err)
			}
		})
		// A slab of 64 KiB holds thousands of these payloads: less than one allocation
		// per hundred messages.
		if allocs > 0.01 {
			t.Errorf("%s: %.2f allocations per decode, want none", m.Kind, allocs)
		}
	}
}

// TestEncodeAllocatesNothing: encoding into a buffer with room allocates nothing.
func TestEncodeAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 4096)
	for _, m := range hotMessages() {
		if allocs := testing.AllocsPerRun(1000, func() { buf = AppendMessage(buf[:0], &m) }); allocs != 0 {
			t.Errorf("%s: %.2f allocations per encode, want none", m.Kind, allocs)
		}
	}
}

func BenchmarkAppendMessage(b *testing.B) {
	for _, m := range hotMessages() {
		b.Run(m.Kind.String(), func(b *testing.B) {
			buf := make([]byte, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendMessage(buf[:0], &m)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkDecodeMessage(b *testing.B) {
	for _, m := range hotMessages() {
		b.Run(m.Kind.String(), func(b *testing.B) {
			body := AppendMessage(nil, &m)
			d := newDecoder()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.message(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
