package driver_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestMoreRoutersThanTheNode: a client that runs more router instances than the node
// it calls through (it picks an instance the node lacks) still gets its answer at
// once, instead of waiting out its deadline for a request the node dropped. The node
// warns of it once: the nodes' router counts differ.
func TestMoreRoutersThanTheNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logged bytes.Buffer
		c := newCluster(t, false)
		n1 := c.add("n1", func(cfg *driver.Config) {
			cfg.Routers = 1
			cfg.Logger = slog.New(slog.NewTextHandler(&logged, nil))
		})
		c.leads(ref("e1", "n1"), 1)
		cl := c.add("client", func(cfg *driver.Config) { cfg.Routers = 7 })
		c.connect("client", "n1")
		for i := range 20 { // the client's picks cover instances n1 lacks
			res, took := call(cl, router.ToEnsemble("e1").Through("n1"), "get", time.Second)
			if res.Err != nil || took >= time.Second {
				t.Fatalf("call %d: %+v after %v, want an answer at once", i, res, took)
			}
		}
		if n1.Stats().BadInstance < 2 {
			t.Fatal("fewer than two calls named an instance n1 lacks: the test proves nothing")
		}
		if n := strings.Count(logged.String(), "router counts differ"); n != 1 || !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), "from=client") {
			t.Fatalf("n1 warned %d times, want once, naming the client:\n%s", n, logged.String())
		}
	})
}
