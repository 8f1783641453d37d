package nettransport

import (
	"errors"
	"net"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/ensroute/ensroute/router"
)

// These tests play a node of another release by hand over a pipe: one whose first
// frame declares no features (a release before them), one of another protocol
// version, one whose frames carry what this release does not know.

// rawFrames reads the frames the node writes on c, from after the handshake, and
// sends each on the returned channel until c closes.
func rawFrames(c net.Conn) <-chan rawFrame {
	ch := make(chan rawFrame, 64)
	go func() {
		defer close(ch)
		fr := newFrameReader(c, 4096, DefaultMaxFrame)
		for {
			h, body, err := fr.next()
			if err != nil {
				return
			}
			ch <- rawFrame{h.typ, append([]byte(nil), body...)}
		}
	}()
	return ch
}

type rawFrame struct {
	typ  frameType
	body []byte
}

// nextMessage returns the next message frame of frames, decoded.
func nextMessage(t *testing.T, frames <-chan rawFrame) router.Message {
	t.Helper()
	for f := range frames {
		if f.typ != typeMsg {
			continue
		}
		m, err := DecodeMessage(f.body)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Fatal("the connection closed before a message")
	return router.Message{}
}

// TestFirstFrameDeclaresFeatures: a node's first frame on a connection, before its
// settings and any message, is a ping that declares the features it reads; a node of
// an earlier release ignores it, as it ignores any ping body longer than a code.
func TestFirstFrameDeclaresFeatures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		acc, _ := pipeNode(t, "n1", func(c *Config) { c.Settings = []byte("semantics=riak\n") })
		c := rawDial(t, acc, "n2")
		defer c.Close()
		frames := rawFrames(c)
		first, second := <-frames, <-frames
		if first.typ != typePing || string(first.body) != string([]byte{ctlFeatures, featWorker | featReplace}) {
			t.Fatalf("first frame: %s % x, want a ping % x", first.typ, first.body, []byte{ctlFeatures, featWorker | featReplace})
		}
		if second.typ != typePing || len(second.body) == 0 || second.body[0] != ctlSettings {
			t.Fatalf("second frame: %s % x, want the settings", second.typ, second.body)
		}
	})
}

// TestForwardWorkerOnlyToNodeThatReadsIt: a riak follower's forward names its worker
// only to a node whose first frame declared that it reads one. A node of an earlier
// release (its first frame its settings, or a heartbeat) refuses a frame with the
// worker as a bad frame and closes the whole connection, losing every call in flight
// on it: it gets the forward without, and its leader answers the caller directly. A
// reply keeps its worker: a node answers one only to a forward that named it.
func TestForwardWorkerOnlyToNodeThatReadsIt(t *testing.T) {
	forward := router.Message{Kind: router.KindPeer, Call: router.CallID{Node: "n9", Incarnation: 1, Seq: 2},
		Ensemble: "e1", Peer: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}, Forwarded: true,
		Worker: 7, Event: []byte("get k"), Budget: router.Infinity, Hops: 1}
	reply := router.Message{Kind: router.KindReply, Call: forward.Call, Peer: forward.Peer, Worker: 7, Result: []byte("v"), Hops: 1}
	for _, tc := range []struct {
		name   string
		first  []byte // the raw node's first frame
		worker uint64 // the worker its forward arrives with
	}{
		{"earlier release, settings first", append(appendHeader(nil, typePing, 3), ctlSettings, 'a', '\n'), 0},
		{"earlier release, heartbeat first", appendHeader(nil, typePing, 0), 0},
		{"earlier release, a message first", appendFrame(t, &router.Message{Kind: router.KindGossip}), 0},
		{"this release", append(appendHeader(nil, typePing, 2), ctlFeatures, featWorker), 7},
		{"a later release, more bits and bytes", append(appendHeader(nil, typePing, 3), ctlFeatures, 0xff, 0xff), 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				acc, logs := pipeNode(t, "n1", nil)
				c := rawDial(t, acc, "n2")
				defer c.Close()
				frames := rawFrames(c)
				if _, err := c.Write(tc.first); err != nil {
					t.Fatal(err)
				}
				synctest.Wait() // the node has read it
				for _, m := range []router.Message{forward, reply} {
					sent := m
					if err := acc.Send("n2", &sent); err != nil {
						t.Fatal(err)
					}
					if sent.Worker != m.Worker {
						t.Fatal("Send changed the caller's message")
					}
					got := nextMessage(t, frames)
					want := m.Worker
					if m.Kind == router.KindPeer {
						want = tc.worker
					}
					if got.Kind != m.Kind || got.Worker != want || got.Call != m.Call || got.Forwarded != m.Forwarded {
						t.Fatalf("%s arrived as %v (worker %d), want worker %d", m.Kind, got, got.Worker, want)
					}
				}
				if !acc.Connected("n2") || acc.Stats().BadFrames != 0 {
					t.Fatalf("connected=%v stats=%+v\n%s", acc.Connected("n2"), acc.Stats(), logs.log())
				}
			})
		})
	}
}

// appendFrame is m's whole frame.
func appendFrame(t *testing.T, m *router.Message) []byte {
	t.Helper()
	out, start := beginFrame(nil, typeMsg)
	out = AppendMessage(out, m)
	endFrame(out, start)
	return out
}

// TestVersionRefusalNamesBothVersions: a dialer refused by a node of another protocol
// version says which version that node speaks and which this one does: the refusal's
// frame header carries the refuser's version. Before, it said only "protocol version
// mismatch", and only the refusing node's log named both.
func TestVersionRefusalNamesBothVersions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		err := dialRefused(t, []byte{magic0, magic1, Version + 1, byte(typeRefuse), 0, 0, 0, 1, byte(RefuseVersion)})
		var re *RefusedError
		if !errors.As(err, &re) || re.Code != RefuseVersion || re.Version != Version+1 {
			t.Fatalf("dial: %v, want a version refusal from version %d", err, Version+1)
		}
		for _, want := range []string{"protocol version mismatch", "it speaks protocol version 2, this node 1"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q lacks %q", err, want)
			}
		}
	})
}

// TestRefusalWithMoreThanItsCode: a refusal whose body has bytes after its code (a
// later release that says more) is read for its code, not taken for a protocol error
// that would hide the reason.
func TestRefusalWithMoreThanItsCode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		body := append([]byte{byte(RefuseCluster)}, "cluster other"...)
		err := dialRefused(t, append(appendHeader(nil, typeRefuse, len(body)), body...))
		var re *RefusedError
		if !errors.As(err, &re) || re.Code != RefuseCluster {
			t.Fatalf("dial: %v, want the refusal's code, %s", err, RefuseCluster)
		}
	})
}

// TestNewerFramesRefusedNotMisread: what a later release might add to a message (a
// kind, a flag bit, a reply code, bytes at the end) is refused as a bad frame that
// names it, never decoded as something else; on a connection, the node closes it and
// logs the peer and what it did not know.
func TestNewerFramesRefusedNotMisread(t *testing.T) {
	base := []router.Message{
		{Kind: router.KindRoute, Call: router.CallID{Node: "n2", Incarnation: 1, Seq: 1}, Ensemble: "e1", Event: []byte("get k"), Budget: 5e8},
		{Kind: router.KindCast, Ensemble: "e1", Event: []byte("put k v"), Budget: router.Infinity},
		{Kind: router.KindPeer, Call: router.CallID{Node: "n2", Incarnation: 1, Seq: 2}, Ensemble: "e1", Peer: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}, Forwarded: true, Worker: 3},
		{Kind: router.KindReply, Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 3}, Code: router.CodeNack, Result: []byte("x")},
		{Kind: router.KindGossip, Entries: []router.Entry{{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}, Version: 2}}},
	}
	for _, m := range base {
		body := AppendMessage(nil, &m)
		var newer [][]byte
		for k := int(router.KindGossip) + 1; k < 256; k++ {
			b := append([]byte(nil), body...)
			b[0] = byte(k)
			newer = append(newer, b)
		}
		for bit := 4; bit < 8; bit++ {
			b := append([]byte(nil), body...)
			b[1] |= 1 << bit
			newer = append(newer, b)
		}
		for _, tail := range [][]byte{{0}, {1}, {0, 0}, []byte("more")} {
			newer = append(newer, append(append([]byte(nil), body...), tail...))
		}
		for _, b := range newer {
			if got, err := DecodeMessage(b); err == nil || !errors.Is(err, ErrBadFrame) {
				t.Fatalf("%v: a newer frame % x decoded as %v (err %v)", m, b, got, err)
			}
		}
	}
	// Every reply code in place: those past the known ones are refused.
	for code := 0; code < 256; code++ {
		b := AppendMessage(nil, &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n1"}})
		// The code's byte: after kind, flags, instance, the call (its node "n1", its
		// incarnation, its seq), the ensemble, the peer's name and node (its ensemble
		// is the message's, left out).
		const i = 1 + 1 + 1 + 3 + 1 + 1 + 1 + 1 + 1
		if b[i] != byte(router.CodeOK) {
			t.Fatalf("byte %d of % x is not the code", i, b)
		}
		b[i] = byte(code)
		_, err := DecodeMessage(b)
		if valid := router.Code(code).Valid(); valid != (err == nil) {
			t.Fatalf("code %d: valid %v, decode error %v", code, valid, err)
		}
	}

	for _, tc := range []struct {
		name  string
		frame []byte
		log   string
	}{
		{"kind", append(appendHeader(nil, typeMsg, 2), 6, 0), "unknown message kind 6"},
		{"flag", func() []byte { b := appendFrame(t, &base[1]); b[headerSize+1] |= 1 << 4; return b }(), "unknown flags 0x"},
		{"longer", func() []byte {
			b := appendFrame(t, &base[1])
			b = append(b, 0)
			b[7]++
			return b
		}(), "1 trailing bytes"},
		{"frame type", appendHeader(nil, numTypes, 0), "unknown frame type 8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			badFrameCloses(t, tc.frame, "level=WARN msg=disconnected node=n1 peer=n2 reason=", tc.log)
		})
	}
}

// dialRefused dials a node n2 that reads the hello and answers with refusal (a whole
// frame), and returns the dial's error. It runs in a synctest bubble.
func dialRefused(t *testing.T, refusal []byte) error {
	me, _ := pipeNode(t, "n1", nil)
	c1, c2 := net.Pipe()
	defer c1.Close()
	go func() {
		defer c2.Close()
		fr := newFrameReader(c2, 4096, MaxHandshakeFrame)
		if _, _, err := fr.next(); err != nil { // the hello
			return
		}
		_, _ = c2.Write(refusal)
	}()
	_, err := me.dialHandshake(c1, newFrameReader(c1, 4096, MaxHandshakeFrame), "n2")
	return err
}
