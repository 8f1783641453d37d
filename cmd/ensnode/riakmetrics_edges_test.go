package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestMetricsCountRiakDrops: what riak semantics drops without an answer shows on
// /metrics, each under its own reason, and a worker's timeout under its own name: a
// route for an ensemble the node knows no leader of (no_leader), a follower's forward
// to a peer the node does not host (forward), a cast with no leader (cast), and a
// worker whose leader never answers (worker timeouts).
func TestMetricsCountRiakDrops(t *testing.T) {
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Incarnation: 1, Cluster: "ensroute",
		Secret: []byte("long-enough-secret"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	drv, err := driver.New(driver.Config{ID: "n1", Incarnation: 1, Transport: tr, Semantics: router.Riak, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drv.Close() })
	hang := router.PeerRef{Ensemble: "e1", Name: "p", Node: "n1"}
	if err := drv.AddPeer(hang, driver.PeerFunc(func(*driver.Request) {})); err != nil {
		t.Fatal(err)
	}
	drv.Learn(router.Entry{Ensemble: "e1", Leader: hang, Version: 1})
	call := func(seq uint64) router.CallID { return router.CallID{Node: "n2", Incarnation: 1, Seq: seq} }
	drv.Receive(router.Message{Kind: router.KindRoute, From: "n2", Call: call(1), Ensemble: "e9", Event: []byte("x"), Budget: time.Second, Hops: 1})
	drv.Receive(router.Message{Kind: router.KindPeer, From: "n2", Call: call(2), Ensemble: "e1", Peer: router.PeerRef{Ensemble: "e1", Name: "q", Node: "n1"},
		Forwarded: true, Event: []byte("x"), Budget: time.Second, Hops: 2})
	drv.Receive(router.Message{Kind: router.KindCast, From: "n2", Ensemble: "e9", Event: []byte("x"), Budget: time.Second, Hops: 1})
	drv.Receive(router.Message{Kind: router.KindRoute, From: "n2", Call: call(3), Ensemble: "e1", Event: []byte("x"), Budget: 10 * time.Millisecond, Hops: 1})
	deadline := time.Now().Add(10 * time.Second)
	for st := drv.Stats(); st.Router.NoLeader < 1 || st.Router.FwdDrop < 1 || st.Router.CastDrop < 1 || st.Router.Workers < 1; st = drv.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("the requests were not all counted: %+v", st.Router)
		}
		time.Sleep(time.Millisecond)
	}
	const want = `
# HELP ensroute_dropped_total Requests dropped without an answer, by why: no_leader (riak: a remote hop knew no leader), forward (riak: a follower's forward that could not go or reached no leader), cast (a cast that could not go on, either semantics).
# TYPE ensroute_dropped_total counter
ensroute_dropped_total{reason="cast"} 1
ensroute_dropped_total{reason="forward"} 1
ensroute_dropped_total{reason="no_leader"} 1
# HELP ensroute_worker_timeouts_total Under riak: leader-hop workers that answered timeout (their peer, or the leader their peer forwarded to, did not answer within the call's timeout, or their peer was removed).
# TYPE ensroute_worker_timeouts_total counter
ensroute_worker_timeouts_total 1
`
	if err := testutil.CollectAndCompare(&metrics{drv: drv, tr: tr}, strings.NewReader(want), "ensroute_dropped_total", "ensroute_worker_timeouts_total"); err != nil {
		t.Fatal(err)
	}
}
