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
	return startNode(t, id, nodeSetup{slow: slow}, leads...)
}

// nodeSetup is how startNode builds a test node, besides its id and the ensembles it
// leads.
type nodeSetup struct {
	slow      *kv.Slow         // serves the peers' requests, if not nil; closed with the node
	semantics router.Semantics // the node's semantics; the zero value is router.Default
	// settings, if not nil, returns what the node states to the nodes that connect,
	// as ensnode does, given its address.
	settings func(addr string) []byte
}

// startNode starts node id, set up as s says, leading each of leads; the secret file
// and the address are for ensctl's --secret-file and --peers.
func startNode(t *testing.T, id router.NodeID, s nodeSetup, leads ...router.EnsembleID) *testNode {
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
	quiet := slog.New(slog.DiscardHandler)
	inc := router.Incarnation(time.Now().UnixNano())
	cfg := nettransport.Config{ID: id, Incarnation: inc, Cluster: "ensroute", Secret: secret, Logger: quiet}
	if s.settings != nil {
		cfg.Settings = s.settings(n.addr)
	}
	tr, err := nettransport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var dir []router.Entry
	for _, e := range leads {
		dir = append(dir, router.Entry{Ensemble: e, Leader: cluster.PeerRef(e, id), Version: 1})
	}
	n.drv, err = driver.New(driver.Config{ID: id, Incarnation: inc, Semantics: s.semantics, Transport: tr, Directory: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range leads {
		ref := cluster.PeerRef(e, id)
		p := kv.NewPeer(n.drv, ref)
		if s.slow != nil {
			p.ServeWith(s.slow)
		}
		if err := n.drv.AddPeer(ref, p); err != nil {
			t.Fatal(err)
		}
	}
	tr.Attach(n.drv)
	done := make(chan struct{})
	go func() { defer close(done); _ = tr.Serve(l) }()
	t.Cleanup(func() {
		if s.slow != nil {
			s.slow.Close()
		}
		_ = n.drv.Close()
		_ = tr.Close()
		<-done
	})
	return n
}
