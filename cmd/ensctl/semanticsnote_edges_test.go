package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// startStatingNode is a node under semantics that leads e1 and states its
// configuration to the nodes that connect, as ensnode does.
func startStatingNode(t *testing.T, semantics string) *testNode {
	t.Helper()
	secret := []byte("long-enough-secret")
	n := &testNode{secret: filepath.Join(t.TempDir(), "secret")}
	if err := os.WriteFile(n.secret, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.addr = l.Addr().String()
	o := &cluster.Options{Shape: cluster.Shape{Semantics: semantics, Routers: 7, Peers: map[router.NodeID]string{"n1": n.addr}}}
	quiet := slog.New(slog.DiscardHandler)
	inc := router.Incarnation(time.Now().UnixNano())
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Incarnation: inc, Cluster: "ensroute", Secret: secret, Logger: quiet,
		Settings: o.Settings(true)})
	if err != nil {
		t.Fatal(err)
	}
	ref := cluster.PeerRef("e1", "n1")
	n.drv, err = driver.New(driver.Config{ID: "n1", Incarnation: inc, Semantics: o.Semantic(), Transport: tr, Logger: quiet,
		Directory: []router.Entry{{Ensemble: "e1", Leader: ref, Version: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.drv.AddPeer(ref, kv.NewPeer(n.drv, ref)); err != nil {
		t.Fatal(err)
	}
	tr.Attach(n.drv)
	done := make(chan struct{})
	go func() { defer close(done); _ = tr.Serve(l) }()
	t.Cleanup(func() {
		_ = n.drv.Close()
		_ = tr.Close()
		<-done
	})
	return n
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
