package driver_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestRiakServedCountsLeaderOfLocalRelay: n1 calls e1 under riak; n1's directory
// names e1's member on n1, a follower, which forwards to the leader on n2. The leader
// answers the worker on n1, and the worker hands the answer to its own node's call.
// n2 served a call started on another node, n1, as it does under default semantics:
// some node's Served counts it.
func TestRiakServedCountsLeaderOfLocalRelay(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCluster(t, false)
				set := func(cfg *driver.Config) { cfg.Semantics = sem }
				n1, n2 := c.add("n1", set), c.add("n2", set)
				c.connect("n1", "n2")
				leader := ref("e1", "n2")
				if err := n2.AddPeer(leader, echo()); err != nil {
					t.Fatal(err)
				}
				if err := n1.AddPeer(ref("e1", "n1"), driver.PeerFunc(func(r *driver.Request) { r.Forward(leader) })); err != nil {
					t.Fatal(err)
				}
				n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
				n2.Learn(router.Entry{Ensemble: "e1", Leader: leader, Version: 1})
				res, _ := call(n1, router.ToEnsemble("e1"), "get", time.Second)
				if res.Err != nil || res.Peer != leader {
					t.Fatalf("call: %+v, want ok by %s", res, leader)
				}
				served := n1.Stats().Served[router.CodeOK] + n2.Stats().Served[router.CodeOK]
				if served != 1 {
					t.Errorf("n1 and n2 served %d replies ok in all, want 1: n2 served n1's call", served)
				}
			})
		})
	}
}
