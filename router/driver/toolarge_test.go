package driver_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestTooLargeSaysSo: over loopback TCP, a call or a cast whose event does not fit in
// a frame gets the transport's ErrTooLarge, which names the limit, and not the bare
// ErrUnreachable the core makes of it (the error still matches ErrUnreachable); a
// cast is refused as well, as nothing left the node. A call that fits still runs.
func TestTooLargeSaysSo(t *testing.T) {
	c := newCluster(t, true)
	n1 := c.add("n1", nil)
	c.add("n2", nil)
	c.connect("n1", "n2")
	c.leads(ref("e1", "n2"), 1)
	big := string(bytes.Repeat([]byte("k"), nettransport.DefaultMaxFrame+1))
	res, _ := call(n1, router.ToEnsemble("e1"), big, 5*time.Second)
	if !errors.Is(res.Err, nettransport.ErrTooLarge) || !errors.Is(res.Err, router.ErrUnreachable) {
		t.Fatalf("call: %v, want ErrTooLarge (matching ErrUnreachable)", res.Err)
	}
	if want := "the limit is 1048576"; !strings.Contains(res.Err.Error(), want) {
		t.Fatalf("call: %q does not name the limit (%q)", res.Err, want)
	}
	if code := router.CodeOf(res.Err); code != router.CodeUnreachable {
		t.Fatalf("call: code %v, want unreachable", code)
	}
	if err := n1.Cast(router.ToEnsemble("e1"), []byte(big)); !errors.Is(err, nettransport.ErrTooLarge) {
		t.Fatalf("cast: %v, want ErrTooLarge", err)
	}
	if err := n1.Cast(router.ToEnsemble("e1"), []byte("get k")); err != nil {
		t.Fatalf("small cast: %v", err)
	}
	if res, _ := call(n1, router.ToEnsemble("e1"), "get k", 5*time.Second); res.Err != nil || string(res.Value) != "get k@p-n2" {
		t.Fatalf("small call after: %+v", res)
	}
}

// TestReplyTooLarge: over loopback TCP, a peer whose answer does not fit in a frame
// ran the request, but its answer cannot travel: the caller gets ErrTimeout at once,
// not after its deadline, and a peer-target call without a deadline returns instead
// of waiting for ever. An answer that fits still arrives.
func TestReplyTooLarge(t *testing.T) {
	c := newCluster(t, true)
	n1 := c.add("n1", nil)
	n2 := c.add("n2", nil)
	c.connect("n1", "n2")
	p := ref("e1", "n2")
	big := bytes.Repeat([]byte("v"), nettransport.DefaultMaxFrame+1)
	if err := n2.AddPeer(p, driver.PeerFunc(func(r *driver.Request) {
		if string(r.Event()) == "big" {
			r.Reply(big)
			return
		}
		r.Reply([]byte("small"))
	})); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*driver.Node{n1, n2} {
		n.Learn(router.Entry{Ensemble: "e1", Leader: p, Version: 1})
	}
	res, took := call(n1, router.ToEnsemble("e1"), "big", 10*time.Second)
	if !errors.Is(res.Err, router.ErrTimeout) || took > 5*time.Second {
		t.Fatalf("call: %v after %v, want ErrTimeout at once (the deadline is 10s)", res.Err, took)
	}
	done := make(chan router.Result, 1)
	go func() {
		res, _ := n1.Call(context.Background(), router.ToPeer(p), []byte("big"))
		done <- res
	}()
	select {
	case res := <-done:
		if !errors.Is(res.Err, router.ErrTimeout) {
			t.Fatalf("peer call without a deadline: %v, want ErrTimeout", res.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a peer call without a deadline still waits for an answer that cannot come")
	}
	if res, _ := call(n1, router.ToEnsemble("e1"), "get", 5*time.Second); res.Err != nil || string(res.Value) != "small" {
		t.Fatalf("small call after: %+v", res)
	}
}
