package nettransport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/router"
)

// sampleMessages covers every kind and every field the codec carries.
func sampleMessages() []router.Message {
	peer := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	call := router.CallID{Node: "n1", Incarnation: 1<<40 + 3, Seq: 1<<33 + 7}
	return []router.Message{
		{Kind: router.KindRoute, Instance: 6, Call: call, Ensemble: "e1", Event: []byte("get k"), Budget: 250 * time.Millisecond, Hops: 1},
		{Kind: router.KindCast, Instance: 0, Ensemble: "e1", Event: []byte("put k v"), Budget: router.Infinity, Hops: 2},
		{Kind: router.KindPeer, Call: call, Ensemble: "e1", Peer: peer, Forwarded: true, Event: []byte{0, 1, 2}, Budget: time.Nanosecond, Hops: 3},
		{Kind: router.KindPeer, Call: call, Ensemble: "e9", Peer: peer, Budget: time.Second},
		{Kind: router.KindReply, Call: call, Peer: peer, Code: router.CodeOK, Result: []byte("v"), Hops: 4},
		{Kind: router.KindReply, Call: call, Code: router.CodeHopLimit, Hops: 5},
		{Kind: router.KindGossip, Entries: []router.Entry{
			{Ensemble: "e1", Leader: peer, Version: 1 << 62},
			{Ensemble: "e2", Version: 3},
		}},
		// Under riak, a follower's forward names the worker that called the follower,
		// and the leader's answer goes to it.
		{Kind: router.KindPeer, Call: call, Ensemble: "e1", Peer: peer, Forwarded: true, Event: []byte("x"), Budget: time.Second, Hops: 2, Worker: 1<<50 + 1},
		{Kind: router.KindReply, Call: call, Peer: peer, Code: router.CodeOK, Result: []byte("v"), Hops: 2, Worker: 7},
	}
}

var cmpMsg = cmpopts.EquateEmpty()

func TestRoundTrip(t *testing.T) {
	for _, d := range []*decoder{{}, newDecoder()} {
		for _, m := range sampleMessages() {
			body := AppendMessage(nil, &m)
			got, err := d.message(body)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			if diff := cmp.Diff(m, got, cmpMsg); diff != "" {
				t.Errorf("%s: round trip (-sent +got):\n%s", m, diff)
			}
		}
	}
}

// TestHopsPastTheLimitSaturate: under riak semantics nothing limits a request's hops;
// a count past what a decoder takes goes as that limit, and decodes, rather than
// making the receiver close the connection as a bad frame.
func TestHopsPastTheLimitSaturate(t *testing.T) {
	for _, hops := range []int{maxHops - 1, maxHops, maxHops + 1, 1 << 40} {
		m := router.Message{Kind: router.KindRoute, Ensemble: "e1", Hops: hops}
		got, err := newDecoder().message(AppendMessage(nil, &m))
		if err != nil {
			t.Fatalf("hops %d: %v", hops, err)
		}
		if want := min(hops, maxHops); got.Hops != want {
			t.Errorf("hops %d: decoded %d, want %d", hops, got.Hops, want)
		}
	}
}

// TestDecodedOwnsMemory: the decoded payload does not alias the frame body, which the
// reader reuses, and payloads carved from one slab do not overlap.
func TestDecodedOwnsMemory(t *testing.T) {
	d := newDecoder()
	m1 := router.Message{Kind: router.KindReply, Result: []byte("aaaa")}
	m2 := router.Message{Kind: router.KindReply, Result: []byte("bbbb")}
	b1 := AppendMessage(nil, &m1)
	g1, _ := d.message(b1)
	g2, _ := d.message(AppendMessage(nil, &m2))
	for i := range b1 {
		b1[i] = 'x'
	}
	g1.Result = append(g1.Result, 'z') // must not clobber g2's bytes in the slab
	if string(g1.Result) != "aaaaz" || string(g2.Result) != "bbbb" {
		t.Fatalf("payloads %q %q", g1.Result, g2.Result)
	}
}

// TestDecodeRejects: malformed bodies come back as ErrBadFrame naming the problem.
func TestDecodeRejects(t *testing.T) {
	good := AppendMessage(nil, &sampleMessages()[0])
	gossip := AppendMessage(nil, &sampleMessages()[6])
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{name: "empty", body: nil, want: "kind: body ends early"},
		{name: "unknown kind", body: append([]byte{99}, good[1:]...), want: "unknown message kind 99"},
		{name: "unknown flags", body: append([]byte{good[0], 0x80}, good[2:]...), want: "unknown flags"},
		{name: "truncated", body: good[:len(good)-3], want: "event: length 5 exceeds the 4 bytes left"},
		{name: "trailing", body: append(append([]byte{}, good...), 0), want: "1 trailing bytes"},
		{name: "string past end", body: []byte{byte(router.KindRoute), 0, 0, 100, 'n'}, want: "call node: length 100 exceeds the 1 bytes left"},
		{name: "huge string", body: []byte{byte(router.KindRoute), 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, want: "call node length"},
		{name: "bad varint", body: []byte{byte(router.KindRoute), 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, want: "instance: bad varint"},
		{name: "instance too large", body: []byte{byte(router.KindRoute), 0, 0xff, 0xff, 0x7f}, want: "instance: 2097151 exceeds 65536"},
		{name: "entry count past end", body: gossipWithCount(gossip), want: "entry count"},
		{name: "bad code", body: withCode(t, 200), want: "unknown code 200"},
		// A count no body of that size can hold is refused before the entries are
		// allocated: an entry takes at least minEntry bytes.
		{name: "entry count past what the body holds", body: withEntryCount(good, 100), want: "entry count: 100 exceeds 20"},
		// Infinity has its flag: a finite budget of that value would be a second
		// spelling of it.
		{name: "budget of infinity without the flag", body: withBudgetInfinity(t), want: "budget: 9223372036854775807 exceeds"},
		// Zero is no worker, which has no flag: a flag with 0 would be a second spelling.
		{name: "worker 0 with its flag", body: withWorkerZero(t), want: "worker 0 with its flag set"},
		{name: "worker past end", body: withWorkerCut(t), want: "worker: bad varint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeMessage(tc.body)
			if !errors.Is(err, ErrBadFrame) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrBadFrame containing %q", err, tc.want)
			}
		})
	}
}

// withWorkerZero encodes a reply to a worker whose worker id is 0, its flag set.
func withWorkerZero(t *testing.T) []byte {
	body, i := workerBody(t)
	body[i] = 0
	return body
}

// withWorkerCut is a reply to a worker cut off before its worker id.
func withWorkerCut(t *testing.T) []byte {
	body, i := workerBody(t)
	return body[:i]
}

// workerBody encodes a reply to worker 1 and returns it with the index of the
// worker's byte.
func workerBody(t *testing.T) ([]byte, int) {
	m := router.Message{Kind: router.KindReply, Code: router.CodeTimeout, Worker: 1}
	body := AppendMessage(nil, &m)
	m.Worker = 0
	plain := AppendMessage(nil, &m)
	if len(body) != len(plain)+1 {
		t.Fatalf("worker 1 took %d bytes more, want 1", len(body)-len(plain))
	}
	for i := 2; i < len(plain); i++ { // past kind and flags, the first byte that differs is the worker's
		if body[i] != plain[i] {
			if body[i] != 1 {
				t.Fatalf("byte %d is %#x, want the worker's 1", i, body[i])
			}
			return body, i
		}
	}
	t.Fatal("no worker byte found")
	return nil, 0
}

// gossipWithCount rewrites the entry count of an encoded gossip message with no
// payloads (the count is the byte after the two empty payload lengths).
func gossipWithCount(body []byte) []byte {
	i := bytes.Index(body, []byte{0, 0, 2})
	out := append([]byte{}, body[:i+2]...)
	out = append(out, 0xe8, 0x07) // 1000 as a uvarint
	return append(out, body[i+3:]...)
}

// withEntryCount replaces the empty entry list that ends body (a message with no
// entries) with a count of n followed by n zero bytes.
func withEntryCount(body []byte, n int) []byte {
	out := append([]byte{}, body[:len(body)-1]...)
	out = binary.AppendUvarint(out, uint64(n))
	return append(out, make([]byte, n)...)
}

// withBudgetInfinity encodes a route whose finite budget is router.Infinity's value.
func withBudgetInfinity(t *testing.T) []byte {
	t.Helper()
	body := AppendMessage(nil, &router.Message{Kind: router.KindRoute, Ensemble: "e1", Budget: router.Infinity - 1})
	near, inf := binary.AppendUvarint(nil, uint64(router.Infinity-1)), binary.AppendUvarint(nil, uint64(router.Infinity))
	if bytes.Count(body, near) != 1 {
		t.Fatalf("budget not found once in % x", body)
	}
	return bytes.Replace(body, near, inf, 1)
}

func withCode(t *testing.T, code byte) []byte {
	t.Helper()
	m := router.Message{Kind: router.KindReply, Code: router.CodeNack}
	b := AppendMessage(nil, &m)
	i := bytes.IndexByte(b, byte(router.CodeNack))
	b[i] = code
	return b
}

// FuzzDecodeMessage: any body decodes or fails with ErrBadFrame, never panics, never
// decodes to more than the body held (a count or length field cannot make it
// allocate more), and what decodes encodes back to the same message. A connection's
// decoder (interned names, payloads in a shared slab, the last name of each field)
// decodes it as DecodeMessage does, after other messages and before more, which
// leave what it decoded as it was.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(AppendMessage(nil, &m))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := DecodeMessage(body)
		d := newDecoder()
		for _, s := range sampleMessages() {
			if _, err := d.message(AppendMessage(nil, &s)); err != nil {
				t.Fatal(err)
			}
		}
		got, derr := d.message(body)
		if (err == nil) != (derr == nil) || err != nil && err.Error() != derr.Error() {
			t.Fatalf("DecodeMessage: %v; a connection's decoder: %v", err, derr)
		}
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v is not ErrBadFrame", err)
			}
			return
		}
		if diff := cmp.Diff(m, got, cmpMsg); diff != "" {
			t.Fatalf("a connection's decoder decodes otherwise (-DecodeMessage +decoder):\n%s", diff)
		}
		for _, again := range [][]byte{body, AppendMessage(nil, &sampleMessages()[0])} {
			if _, err := d.message(again); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(m, got, cmpMsg); diff != "" {
				t.Fatalf("the next message changed what the decoder decoded before (-want +got):\n%s", diff)
			}
		}
		size := len(m.Event) + len(m.Result) + len(m.Entries)
		if size > len(body) {
			t.Fatalf("a %d-byte body decoded to %d payload bytes and entries", len(body), size)
		}
		again, err := DecodeMessage(AppendMessage(nil, &m))
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if diff := cmp.Diff(m, again, cmpMsg); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// TestInternTableBounded: a decoder interns the short names it decodes in a table of
// at most maxInterned, so that a peer sending ever new names (call nodes of clients
// that come and go, for months) cannot grow it without end; names past the bound, and
// names longer than internLen, still decode, as copies of their own.
func TestInternTableBounded(t *testing.T) {
	d := newDecoder()
	long := strings.Repeat("x", internLen+1)
	for i := range maxInterned + 100 {
		name := router.NodeID("client-" + strconv.Itoa(i))
		m := router.Message{Kind: router.KindReply, Call: router.CallID{Node: name, Seq: 1}}
		got, err := d.message(AppendMessage(nil, &m))
		if err != nil || got.Call.Node != name {
			t.Fatalf("message %d: %v, call node %q", i, err, got.Call.Node)
		}
		m.Call.Node = router.NodeID(long)
		if got, err := d.message(AppendMessage(nil, &m)); err != nil || got.Call.Node != m.Call.Node {
			t.Fatalf("a long name: %v, %q", err, got.Call.Node)
		}
	}
	if len(d.intern) != maxInterned {
		t.Fatalf("%d names interned, want the bound, %d", len(d.intern), maxInterned)
	}
	if _, ok := d.intern[long]; ok {
		t.Fatalf("a name of %d bytes, past internLen, was interned", len(long))
	}
}
