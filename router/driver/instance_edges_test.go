package driver_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestNegativeInstanceFolded: a route that names a negative router instance (a
// transport of one's own may hand one over; the TCP transport never does) is folded
// onto one of the node's instances, as an instance past the node's count is, and
// served: the node neither drops it nor indexes its mailboxes with a negative number.
func TestNegativeInstanceFolded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", nil) // 3 router instances
		got := make(chan string, 4)
		if err := n1.AddPeer(ref("e1", "n1"), driver.PeerFunc(func(r *driver.Request) { got <- string(r.Event()) })); err != nil {
			t.Fatal(err)
		}
		n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
		for i, inst := range []int{-1, -4, -3} {
			n1.Receive(router.Message{Kind: router.KindRoute, From: "client", Instance: inst, Ensemble: "e1", Event: []byte("get"),
				Call: router.CallID{Node: "client", Incarnation: 1, Seq: uint64(i + 1)}, Budget: time.Second, Hops: 1})
		}
		synctest.Wait()
		if len(got) != 3 {
			t.Fatalf("the peer was handed %d of the 3 routes", len(got))
		}
		if n := n1.Stats().BadInstance; n != 3 {
			t.Fatalf("Stats.BadInstance = %d, want 3", n)
		}
	})
}
