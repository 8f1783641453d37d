package driver_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestMoreRoutersThanTheNode: a client that runs more router instances than the node
// it calls through (it picks an instance the node lacks) still gets its answer at
// once, instead of waiting out its deadline for a request the node dropped.
func TestMoreRoutersThanTheNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", func(cfg *driver.Config) { cfg.Routers = 1 })
		c.leads(ref("e1", "n1"), 1)
		cl := c.add("client", func(cfg *driver.Config) { cfg.Routers = 7 })
		c.connect("client", "n1")
		for i := range 20 { // the client's picks cover instances n1 lacks
			res, took := call(cl, router.ToEnsemble("e1").Through("n1"), "get", time.Second)
			if res.Err != nil || took >= time.Second {
				t.Fatalf("call %d: %+v after %v, want an answer at once", i, res, took)
			}
		}
		if n1.Stats().BadInstance == 0 {
			t.Fatal("no call named an instance n1 lacks: the test proves nothing")
		}
	})
}
