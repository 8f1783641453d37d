package driver_test

import (
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestCloseWaitsForRiakRelays: under riak the leader answers a follower's forward to
// the worker on the follower's node, which relays it to the caller. Close of that
// node waits for the answer on its way (a node stopped before it came left the caller
// to its deadline, the answer held by the leader's node for one that had gone), and
// returns once the worker has relayed it; a leader that never answers holds Close
// until the worker's timer answers timeout, or RelayWait, when a call's timeout is
// longer: the worker then answers timeout at once.
func TestCloseWaitsForRiakRelays(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers bool
		timeout time.Duration
		took    time.Duration // Close's
	}{
		{"leader answers", true, time.Second, 100 * time.Millisecond},
		{"leader never answers", false, time.Second, time.Second},
		{"leader never answers, a long call", false, time.Hour, driver.RelayWait},
	} {
		answers := tc.answers
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCluster(t, false)
				riak := func(cfg *driver.Config) { cfg.Semantics = router.Riak }
				client, n1, n2 := c.add("client", riak), c.add("n1", riak), c.add("n2", riak)
				c.connect("client", "n1")
				c.connect("n1", "n2")
				leader := ref("e1", "n2")
				var mu sync.Mutex
				var held []*driver.Request
				if err := n2.AddPeer(leader, driver.PeerFunc(func(r *driver.Request) {
					mu.Lock()
					held = append(held, r)
					mu.Unlock()
				})); err != nil {
					t.Fatal(err)
				}
				if err := n1.AddPeer(ref("e1", "n1"), driver.PeerFunc(func(r *driver.Request) { r.Forward(leader) })); err != nil {
					t.Fatal(err)
				}
				for _, n := range []*driver.Node{client, n1} {
					n.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
				}
				var res router.Result
				var callTook time.Duration
				called := make(chan struct{})
				go func() {
					res, callTook = call(client, router.ToEnsemble("e1"), "get", tc.timeout)
					close(called)
				}()
				synctest.Wait()
				mu.Lock()
				n := len(held)
				mu.Unlock()
				if n != 1 {
					t.Fatalf("the leader holds %d requests, want the forwarded one", n)
				}
				start := time.Now()
				closed := make(chan struct{})
				go func() { _ = n1.Close(); close(closed) }()
				synctest.Wait()
				select {
				case <-closed:
					t.Fatal("n1's Close returned while its worker waited for the leader's answer")
				default:
				}
				if answers {
					time.Sleep(100 * time.Millisecond)
					held[0].Reply([]byte("late but in time"))
				}
				<-closed
				took := time.Since(start)
				<-called
				// Close looks for relays every millisecond: it returns within 2ms of the last.
				if took < tc.took || took > tc.took+2*time.Millisecond {
					t.Errorf("Close took %v, want %v", took, tc.took)
				}
				if answers && (res.Err != nil || string(res.Value) != "late but in time") {
					t.Errorf("the call: %+v, want the leader's answer relayed", res)
				}
				if !answers && (!errors.Is(res.Err, router.ErrTimeout) || callTook > tc.took+2*time.Millisecond) {
					t.Errorf("the call: %+v after %v, want the worker's timeout when Close returns", res, callTook)
				}
			})
		})
	}
}
