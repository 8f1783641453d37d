package driver

// A local peer's Handle that panics on its caller's goroutine, which the program
// recovers (net/http recovers each handler's panic).

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

type refusingTransport struct{}

func (refusingTransport) Send(router.NodeID, *router.Message) error { return router.ErrUnreachable }

// pending counts the calls pending in n's cores.
func (n *Node) pending() int {
	total := 0
	for _, s := range n.shards {
		s.lock()
		total += len(s.core.Pending())
		s.mu.Unlock()
	}
	return total
}

// TestRecoveredPanicLeavesNoCallPending: a call whose local peer panicked in Handle,
// the panic recovered by the caller, is ended in its core; it was left pending for
// ever, one entry per panic, with no deadline armed to end it.
func TestRecoveredPanicLeavesNoCallPending(t *testing.T) {
	n, err := New(Config{ID: "n1", Incarnation: 1, Transport: refusingTransport{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	p := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	if err := n.AddPeer(p, PeerFunc(func(r *Request) {
		if string(r.Event()) == "boom" {
			panic("a peer's bug")
		}
		r.Reply([]byte("ok"))
	})); err != nil {
		t.Fatal(err)
	}
	n.Learn(router.Entry{Ensemble: "e1", Leader: p, Version: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	calls := map[string]func(){
		"Call": func() { _, _ = n.Call(ctx, router.ToEnsemble("e1"), []byte("boom")) },
		"CallTimeout": func() {
			_, _ = n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("boom"), time.Minute)
		},
		"Call, no deadline": func() { _, _ = n.Call(context.Background(), router.ToPeer(p), []byte("boom")) },
	}
	for name, f := range calls {
		recovered := func() (r any) {
			defer func() { r = recover() }()
			f()
			return nil
		}()
		if recovered != "a peer's bug" {
			t.Fatalf("%s: recovered %v, want the peer's panic", name, recovered)
		}
		if k := n.pending(); k != 0 {
			t.Errorf("%s: %d calls pending after the peer's panic, want 0", name, k)
		}
	}
	if res, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("hi"), time.Second); err != nil || string(res.Value) != "ok" {
		t.Fatalf("a call after the panics: %q %v", res.Value, err)
	}
	if k := n.pending(); k != 0 {
		t.Errorf("%d calls pending at the end, want 0", k)
	}
}
