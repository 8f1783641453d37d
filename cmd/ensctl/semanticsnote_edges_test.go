package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/router"
)

// startStatingNode is a node under semantics that leads e1 and states its
// configuration to the nodes that connect, as ensnode does.
func startStatingNode(t *testing.T, semantics string) *testNode {
	t.Helper()
	o := &cluster.Options{Shape: cluster.Shape{Semantics: semantics, Routers: 7}}
	settings := func(addr string) []byte {
		o.Peers = map[router.NodeID]string{"n1": addr}
		return o.Settings(true)
	}
	return startNode(t, "n1", nodeSetup{semantics: o.Semantic(), settings: settings}, "e1")
}

// TestSemanticsDifferenceNoted: an ensctl run without the cluster's --semantics (left
// at default against riak nodes, the usual slip) said nothing of it: the nodes warn of
// such a client in their logs alone, while what ensctl makes of a failure (a riak
// node's timeout at once, a leader drain's question of who leads) follows its own
// --semantics. It now says so on stderr; a client that matches says nothing.
func TestSemanticsDifferenceNoted(t *testing.T) {
	n := startStatingNode(t, "riak")
	for _, tc := range []struct {
		semantics string
		note      string
	}{
		{semantics: "default", note: "ensctl: note: --via n1 runs --semantics riak, and this client default: what ensctl makes of a failure follows its own; give it the cluster's (--semantics riak, or --config)\n"},
		{semantics: "riak"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"call", "--peers", "n1=" + n.addr, "--secret-file", n.secret,
			"--semantics", tc.semantics, "e1", "get", "k"}, &out, &errb)
		if code != 0 || !strings.HasPrefix(out.String(), "missing (e1/n1@n1, ") || errb.String() != tc.note {
			t.Fatalf("--semantics %s: exit %d, stdout %q, stderr %q; want exit 0, stderr %q", tc.semantics, code, out.String(), errb.String(), tc.note)
		}
	}
}
