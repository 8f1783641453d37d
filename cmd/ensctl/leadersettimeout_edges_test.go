package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/router"
)

// TestLeaderSetTimeoutExplained: a leader set whose member does not answer within
// --timeout (its node's peers are served one a second, and two requests wait ahead of
// it) fails, exit 1, saying which member did not answer and that a longer --timeout
// waits for it, as leader get and call explain their timeouts, not a bare
// "router: timeout".
func TestLeaderSetTimeoutExplained(t *testing.T) {
	slow := kv.NewSlow(1, false)
	n := startServingNode(t, "n1", slow, "e1")
	ref := cluster.PeerRef("e1", "n1")
	for range 2 {
		if err := n.drv.Cast(router.ToPeer(ref), []byte("get k")); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"leader", "set", "--peers", "n1=" + n.addr, "--secret-file", n.secret,
		"--timeout", "300ms", "e1", "n1"}, &out, &errb)
	want := "no answer came from the member on n1 within --timeout 300ms: its node was slow or busy (a longer --timeout waits for it)"
	if code != 1 || !strings.Contains(errb.String(), want) {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errb.String(), want)
	}
}
