package main

import (
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// testNode is a node of cluster "ensroute" run in this process on loopback TCP, as
// ensnode runs one: the TCP transport, the production driver and a demo key/value
// peer for each ensemble it leads.
type testNode struct {
	addr   string
	secret string // the secret file
	drv    *driver.Node
}

// startTestNode starts node id leading each of leads; the secret file and the
// address are for ensctl's --secret-file and --peers.
func startTestNode(t *testing.T, id router.NodeID, leads ...router.EnsembleID) *testNode {
	t.Helper()
	return startServingNode(t, id, nil, leads...)
}

// leadSlowly makes n's member of e its leader, taking service over each request.
func leadSlowly(t *testing.T, n *testNode, e router.EnsembleID, service time.Duration) {
	t.Helper()
	ref := cluster.PeerRef(e, n.drv.ID())
	p := kv.NewPeer(n.drv, ref)
	p.Service = service
	if err := n.drv.AddPeer(ref, p); err != nil {
		t.Fatal(err)
	}
	n.drv.Learn(router.Entry{Ensemble: e, Leader: ref, Version: 1})
}

// startServingNode is startTestNode with the peers' requests served by slow, if not
// nil (a leader slower than its callers), which it closes with the node.
func startServingNode(t *testing.T, id router.NodeID, slow *kv.Slow, leads ...router.EnsembleID) *testNode {
	t.Helper()
	secret := []byte("long-enough-secret")
	n := &testNode{secret: filepath.Join(t.TempDir(), "secret")}
	if err := os.WriteFile(n.secret, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	inc := router.Incarnation(time.Now().UnixNano())
	tr, err := nettransport.New(nettransport.Config{ID: id, Incarnation: inc, Cluster: "ensroute", Secret: secret, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var dir []router.Entry
	for _, e := range leads {
		dir = append(dir, router.Entry{Ensemble: e, Leader: cluster.PeerRef(e, id), Version: 1})
	}
	n.drv, err = driver.New(driver.Config{ID: id, Incarnation: inc, Transport: tr, Directory: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range leads {
		ref := cluster.PeerRef(e, id)
		p := kv.NewPeer(n.drv, ref)
		if slow != nil {
			p.ServeWith(slow)
		}
		if err := n.drv.AddPeer(ref, p); err != nil {
			t.Fatal(err)
		}
	}
	tr.Attach(n.drv)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.addr = l.Addr().String()
	done := make(chan struct{})
	go func() { defer close(done); _ = tr.Serve(l) }()
	t.Cleanup(func() {
		if slow != nil {
			slow.Close()
		}
		_ = n.drv.Close()
		_ = tr.Close()
		<-done
	})
	return n
}
