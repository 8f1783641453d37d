package driver_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestRiakServedCountsOnlyOtherNodesCalls: Stats.Served counts the replies a node sent
// for calls started on other nodes. Under riak n1 calls e1, whose member on n2 it (and
// n2) takes for the leader; that member forwards to the leader on n1, which answers
// the worker on n2, and n2 relays the answer back to n1. The call started on n1: n1
// served nothing for another node, and n2 served the call once.
func TestRiakServedCountsOnlyOtherNodesCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		riak := func(cfg *driver.Config) { cfg.Semantics = router.Riak }
		n1, n2 := c.add("n1", riak), c.add("n2", riak)
		c.connect("n1", "n2")
		leader := ref("e1", "n1")
		if err := n1.AddPeer(leader, echo()); err != nil {
			t.Fatal(err)
		}
		if err := n2.AddPeer(ref("e1", "n2"), driver.PeerFunc(func(r *driver.Request) { r.Forward(leader) })); err != nil {
			t.Fatal(err)
		}
		for _, n := range []*driver.Node{n1, n2} {
			n.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n2"), Version: 1})
		}
		res, _ := call(n1, router.ToEnsemble("e1"), "get", time.Second)
		if res.Err != nil || res.Peer != leader {
			t.Fatalf("call: %+v, want ok by %s", res, leader)
		}
		if got := n1.Stats().Served[router.CodeOK]; got != 0 {
			t.Errorf("n1 served %d replies ok, want 0: the only call is its own", got)
		}
		if got := n2.Stats().Served[router.CodeOK]; got != 1 {
			t.Errorf("n2 served %d replies ok, want 1", got)
		}
	})
}
