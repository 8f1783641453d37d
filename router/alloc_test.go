package router_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestRemoteCallAllocations pins what a call routed to a remote leader and answered
// allocates in the router core, without a tracer: proxies are reused and Requests come
// in batches, so on average less than one allocation per call (AllocsPerRun divides
// whole numbers: 0 means fewer allocations than calls).
func TestRemoteCallAllocations(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			net, n1 := newBenchNet(t, sem)
			event := []byte("c1")
			ok := 0
			done := func(res router.Result) {
				if res.Err == nil {
					ok++
				}
			}
			call := func() {
				if _, err := n1.Call(router.ToEnsemble("e1"), event, time.Second, done); err != nil {
					t.Fatal(err)
				}
				net.drain()
			}
			for range 100 { // grow the maps and queues to their steady size
				call()
			}
			if a := testing.AllocsPerRun(1000, call); a != 0 {
				t.Errorf("a remote call allocates %v times on average, want less than once", a)
			}
			if ok != 1101 {
				t.Errorf("%d calls answered, want 1101", ok)
			}
		})
	}
}
