package nettransport_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestWithdrawnWhileLeaving: a node that has said goodbye (SIGTERM, Node.Stop) and
// then takes new credentials (a SIGHUP in the goodbye's window) keeps its
// connections until Close, whatever proof they were made with: the other node no
// longer sends it requests, but it still owes answers to those that came before, and
// a connection dropped now could not be made again (no connection is made after the
// goodbye), so that the answers would be refused and their callers wait out their
// deadlines.
func TestWithdrawnWhileLeaving(t *testing.T) {
	old, next := oldSecret, nextSecret
	n1, n2 := rotatingPair(t, nil)
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := n2.tr.SetCredentials(nettransport.Credentials{Secret: next, AcceptSecrets: [][]byte{old}}); err != nil {
		t.Fatal(err)
	}
	if err := n1.tr.Goodbye(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next}); err != nil {
		t.Fatal(err)
	}
	// Long enough for a drop to have ended the connection (n2 acknowledges at once).
	time.Sleep(300 * time.Millisecond)
	if s := n1.tr.Stats(); s.Withdrawn != 0 || s.Disconnects != 0 {
		t.Errorf("a node leaving dropped a connection at SetCredentials: %+v\n%s", s, n1.log.String())
	}
	reply := &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n2", Incarnation: 1, Seq: 7}, Result: []byte("answer")}
	if err := n1.tr.Send("n2", reply); err != nil {
		t.Fatalf("an answer after the goodbye and the new credentials: %v", err)
	}
	if !await(func() bool {
		for _, m := range n2.rec.messages() {
			if m.Kind == router.KindReply && m.Call.Seq == 7 {
				return true
			}
		}
		return false
	}, n2.rec) {
		t.Fatalf("the answer did not arrive; n1's log:\n%s", n1.log.String())
	}
}

// TestWithdrawnDropThenLeaving: a node says goodbye while the replacement of a
// connection it drops is being dialed. The two nodes stay connected (the other node,
// which took the replacement in the old one's place, is not left with neither), the
// answers the node owes go out, and both Close in time (each ends the connection the
// replacement retired, whatever the other does).
func TestWithdrawnDropThenLeaving(t *testing.T) {
	old, next := oldSecret, nextSecret
	hd := newPausedDial()
	n1, n2 := rotatingPair(t, func(c *nettransport.Config) { c.Dial = hd.dial })
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	if err := n2.tr.SetCredentials(nettransport.Credentials{Secret: next, AcceptSecrets: [][]byte{old}}); err != nil {
		t.Fatal(err)
	}
	dropWhileLeaving(t, n1, hd)
	time.Sleep(300 * time.Millisecond)
	if !n1.tr.Connected("n2") {
		t.Errorf("n1 is not connected to n2 after its goodbye\n%s", n1.log.String())
	}
	// n2 answers too (a node that said goodbye is sent nothing but answers).
	if err := n2.tr.Send("n1", &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 9}}); err != nil {
		t.Errorf("n2's answer to n1 after n1's goodbye: %v\n%s", err, n2.log.String())
	}
	if !await(func() bool {
		for _, m := range n1.rec.messages() {
			if m.Kind == router.KindReply && m.Call.Seq == 9 {
				return true
			}
		}
		return false
	}, n1.rec) {
		t.Errorf("n2's answer did not arrive; n2's log:\n%s", n2.log.String())
	}
	reply := &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n2", Incarnation: 1, Seq: 8}, Result: []byte("answer")}
	if err := n1.tr.Send("n2", reply); err != nil {
		t.Fatalf("an answer after the goodbye: %v", err)
	}
	if !await(func() bool {
		for _, m := range n2.rec.messages() {
			if m.Kind == router.KindReply && m.Call.Seq == 8 {
				return true
			}
		}
		return false
	}, n2.rec) {
		t.Fatalf("the answer did not arrive; n1's log:\n%s", n1.log.String())
	}
}

// TestWithdrawnRetiredEndsAtClose: Close ends the connection a replacement retired
// (one no longer the peer's, left for the other node to end), whatever the other
// node does with it. Here n2 took n1's replacement in place of the old connection,
// and n1, which refused n2's proof on the replacement (n2 proves the secret n1 just
// removed) and has said goodbye meanwhile, keeps the old one until its own Close,
// and answers n2 over it.
func TestWithdrawnRetiredEndsAtClose(t *testing.T) {
	hd := newPausedDial()
	n1, n2 := rotatingPair(t, func(c *nettransport.Config) { c.Dial = hd.dial })
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	dropWhileLeaving(t, n1, hd)
	if !await(func() bool {
		return strings.Contains(n2.log.String(), "replaced by a new connection") || strings.Contains(n1.log.String(), "could not be replaced")
	}) {
		t.Fatalf("the replacement did not end; n1's log:\n%s", n1.log.String())
	}
	// n1 still answers what it owes n2, over the old connection, which it keeps
	// as its connection to n2 until Close: no connection is made after a goodbye.
	time.Sleep(100 * time.Millisecond)
	if err := n1.tr.Send("n2", &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n2", Incarnation: 1, Seq: 10}}); err != nil {
		t.Errorf("n1's answer after its goodbye: %v\n%s", err, n1.log.String())
	}
	if !await(func() bool {
		for _, m := range n2.rec.messages() {
			if m.Kind == router.KindReply && m.Call.Seq == 10 {
				return true
			}
		}
		return false
	}, n2.rec) {
		t.Errorf("n1's answer did not arrive; n1's log:\n%s", n1.log.String())
	}
	closed := make(chan struct{})
	go func() { _ = n2.tr.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Errorf("n2's Close waits for a retired connection n1 keeps open; n2's log:\n%s", n2.log.String())
		_ = n1.tr.Close()
		<-closed
	}
}

// pausedDial is a Config.Dial that, once armed, holds the next dial until release is
// closed; dialing is closed when that dial begins.
type pausedDial struct {
	armed            atomic.Bool
	dialing, release chan struct{}
}

func newPausedDial() *pausedDial {
	return &pausedDial{dialing: make(chan struct{}), release: make(chan struct{})}
}

func (h *pausedDial) dial(ctx context.Context, addr string) (net.Conn, error) {
	if h.armed.CompareAndSwap(true, false) {
		close(h.dialing)
		<-h.release
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// dropWhileLeaving has n1 drop its connection to n2 (which proves the secret
// withdrawn) and say goodbye while the replacement is being dialed (held by hd),
// then lets the dial go on.
func dropWhileLeaving(t *testing.T, n1 *node, hd *pausedDial) {
	t.Helper()
	// n1 has read n2's first frame, which declares that it takes a replacement.
	if !await(func() bool { return n1.tr.Stats().Connects == 1 }) {
		t.Fatal("n1 did not count the connection")
	}
	hd.armed.Store(true)
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: nextSecret}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hd.dialing: // the replacement is being dialed
	case <-time.After(5 * time.Second):
		t.Fatalf("no replacement dialed; log:\n%s", n1.log.String())
	}
	if err := n1.tr.Goodbye(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(hd.release)
}
