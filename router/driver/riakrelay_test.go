package driver_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestRiakRelayFindsItsWorker: under riak a leader's answer to a follower's forward goes
// to the worker that called the follower, on the follower's node, which relays it to
// the caller. The worker lives in one of its node's shards (the one whose router
// instance took the request), and the answer must reach that shard: from another
// node; and from a leader on the follower's own node, whose forward stays in that
// shard, the answer handled in place.
func TestRiakRelayFindsItsWorker(t *testing.T) {
	for _, leaderHere := range []bool{false, true} {
		name := "leader on another node"
		if leaderHere {
			name = "leader on the follower's node"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { relayThroughShards(t, newCluster(t, false), leaderHere) })
		})
	}
	// The same over loopback TCP, the frames carrying the worker for real.
	t.Run("tcp", func(t *testing.T) { relayThroughShards(t, newCluster(t, true), false) })
}

// relayThroughShards runs calls from a client through n1, whose member of e1 the
// client and n1 take for the leader but which forwards to the leader (on n2, or
// beside it on n1 when leaderHere), and checks that each is answered by the leader
// through n1's worker.
func relayThroughShards(t *testing.T, c *cluster, leaderHere bool) {
	riak := func(cfg *driver.Config) { cfg.Semantics, cfg.Shards, cfg.Routers = router.Riak, 4, 8 }
	client, n1, n2 := c.add("client", riak), c.add("n1", riak), c.add("n2", riak)
	c.connect("client", "n1")
	c.connect("n1", "n2")
	leader := ref("e1", "n2")
	if leaderHere {
		leader = router.PeerRef{Ensemble: "e1", Name: "q-n1", Node: "n1"}
	}
	leaderNode := map[bool]*driver.Node{false: n2, true: n1}[leaderHere]
	if err := leaderNode.AddPeer(leader, echo()); err != nil {
		t.Fatal(err)
	}
	follower := driver.PeerFunc(func(r *driver.Request) { r.Forward(leader) })
	if err := n1.AddPeer(ref("e1", "n1"), follower); err != nil {
		t.Fatal(err)
	}
	// The client and n1 still take n1's member for the leader.
	for _, n := range []*driver.Node{client, n1} {
		n.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
	}
	const calls = 32 // over 8 router instances in 4 shards: every shard serves some
	for i := range calls {
		res, _ := call(client, router.ToEnsemble("e1"), "get", 5*time.Second)
		if want := "get@" + leader.Name; res.Err != nil || string(res.Value) != want || res.Peer != leader {
			t.Fatalf("call %d: %+v, want %s by %s", i, res, want, leader)
		}
	}
	st := n1.Stats().Router
	if st.Workers != 0 || st.Late != 0 {
		t.Errorf("n1: %d worker timeouts, %d late replies; want every answer relayed", st.Workers, st.Late)
	}
	if got := n1.Stats().Served[router.CodeOK]; got < calls {
		t.Errorf("n1 served %d calls ok, want its %d relays at least", got, calls)
	}
}
