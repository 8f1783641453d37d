package driver_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
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
	if want := "limit 1048576"; !strings.Contains(res.Err.Error(), want) {
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
