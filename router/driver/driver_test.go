package driver_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// The timing tests run in a synctest bubble over net.Pipe: virtual time, so a
// deadline is checked to the nanosecond and nothing sleeps for real.

func TestLocalAndRemoteLeader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, _ := c.add("n1", nil), c.add("n2", nil)
		c.connect("n1", "n2")
		c.leads(ref("e1", "n1"), 1)
		c.leads(ref("e2", "n2"), 1)
		for _, tc := range []struct {
			ens  router.EnsembleID
			want string
			by   router.PeerRef
		}{
			{ens: "e1", want: "get k@p-n1", by: ref("e1", "n1")},
			{ens: "e2", want: "get k@p-n2", by: ref("e2", "n2")},
		} {
			res, _ := call(n1, router.ToEnsemble(tc.ens), "get k", time.Second)
			if res.Err != nil || string(res.Value) != tc.want || res.Peer != tc.by {
				t.Fatalf("call %s: %+v, want %q by %s", tc.ens, res, tc.want, tc.by)
			}
		}
		if st := c.nodes["n2"].Stats(); st.Hops[1] != 1 {
			t.Fatalf("n2 hops %v, want one request after one hop", st.Hops)
		}
	})
}

// TestDeadlineIsTheContexts: a call to a leader that does not answer returns
// ErrTimeout exactly at its context's deadline; the answer that comes later is
// dropped and counted as late.
func TestDeadlineIsTheContexts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, _ := c.leaderOnN2(driver.PeerFunc(func(r *driver.Request) {
			time.AfterFunc(300*time.Millisecond, func() { r.Reply([]byte("late")) })
		}))
		res, took := call(n1, router.ToEnsemble("e1"), "get", 100*time.Millisecond)
		if !errors.Is(res.Err, router.ErrTimeout) || !errors.Is(res.Err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTimeout", res.Err)
		}
		if took != 100*time.Millisecond {
			t.Fatalf("returned after %v, want exactly the 100ms deadline", took)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if st := n1.Stats().Router; st.Late != 1 || st.Completed[router.CodeTimeout] != 1 {
			t.Fatalf("late=%d timeouts=%d, want 1 and 1", st.Late, st.Completed[router.CodeTimeout])
		}
	})
}

func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", nil)
		_ = n1.AddPeer(ref("e1", "n1"), driver.PeerFunc(func(*driver.Request) {}))
		n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		start := time.Now()
		_, err := n1.Call(ctx, router.ToPeer(ref("e1", "n1")), []byte("x"))
		if !errors.Is(err, context.Canceled) || time.Since(start) != 10*time.Millisecond {
			t.Fatalf("err %v after %v, want context.Canceled after 10ms", err, time.Since(start))
		}
		if len(n1.Stats().Mailboxes) != 3 {
			t.Fatal("three router instances expected")
		}
	})
}

// TestUnreachableAtOnce: a call whose leader's node is not connected fails at once
// with ErrUnreachable, and a background dial follows.
func TestUnreachableAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", nil)
		c.add("n2", nil)
		n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n2"), Version: 1})
		res, took := call(n1, router.ToEnsemble("e1"), "get", time.Second)
		if !errors.Is(res.Err, router.ErrUnreachable) || took != 0 {
			t.Fatalf("%v after %v, want ErrUnreachable at once", res.Err, took)
		}
		synctest.Wait()
		if !c.trs["n1"].Connected("n2") {
			t.Fatal("no reconnect after the failed send")
		}
	})
}

// TestShedWhenMailboxFull: a router instance stuck behind a slow peer fills its
// bounded mailbox; the next route is shed and its caller gets ErrOverloaded at once.
func TestShedWhenMailboxFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", nil)
		n2 := c.add("n2", func(cfg *driver.Config) { cfg.Mailbox = 1 })
		c.connect("n1", "n2")
		c.leads(ref("e1", "n2"), 1)
		release := make(chan struct{})
		_ = n2.AddPeer(ref("e1", "n2"), driver.PeerFunc(func(r *driver.Request) {
			<-release // holds up the router instance that handed it over
			r.Reply([]byte("ok"))
		}))
		// Routers is 3: with several calls in flight, some instance gets a second and a
		// third route while the first blocks it.
		var wg sync.WaitGroup
		errs := make(chan error, 12)
		for range 12 {
			wg.Go(func() {
				res, _ := call(n1, router.ToEnsemble("e1"), "x", time.Second)
				errs <- res.Err
			})
		}
		synctest.Wait()
		close(release)
		wg.Wait()
		close(errs)
		shed := 0
		for err := range errs {
			if errors.Is(err, router.ErrOverloaded) {
				shed++
			} else if err != nil {
				t.Fatalf("unexpected %v", err)
			}
		}
		if shed == 0 || uint64(shed) != n2.Stats().Shed {
			t.Fatalf("%d calls overloaded, n2 shed %d", shed, n2.Stats().Shed)
		}
	})
}

// TestGossip: a leader change announced on one node reaches the connected members at
// once, and a member that connects later catches up when it connects.
func TestGossip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		members := func(ids ...router.NodeID) func(*driver.Config) {
			return func(cfg *driver.Config) { cfg.Members = ids }
		}
		n1 := c.add("n1", members("n2", "n3"))
		n2 := c.add("n2", members("n1", "n3"))
		c.connect("n1", "n2")
		e := router.Entry{Ensemble: "e1", Leader: ref("e1", "n2"), Version: 7}
		if !n2.Announce(e) {
			t.Fatal("announce not applied")
		}
		synctest.Wait()
		if got, _ := n1.Lookup("e1"); got != e {
			t.Fatalf("n1 has %v, want %v", got, e)
		}
		n3 := c.add("n3", members("n1", "n2"))
		c.connect("n3", "n1")
		synctest.Wait()
		if got, _ := n3.Lookup("e1"); got != e {
			t.Fatalf("n3 has %v after connecting, want %v", got, e)
		}
		if n2.Announce(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 6}) {
			t.Fatal("an older entry was applied")
		}
	})
}

// TestClientOnlyNode: a node with no directory and no peers calls through a member.
// The answer comes straight from the leader's node, over the connection the client
// opened to it: a client connects to every member.
func TestClientOnlyNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		c.add("n1", nil)
		c.add("n2", nil)
		c.connect("n1", "n2")
		c.leads(ref("e1", "n2"), 1)
		cl := c.add("client", nil)
		c.connect("client", "n1")
		c.connect("client", "n2")
		res, _ := call(cl, router.ToEnsemble("e1").Through("n1"), "get", time.Second)
		if res.Err != nil || res.Peer != ref("e1", "n2") {
			t.Fatalf("%+v, want an answer from the leader on n2", res)
		}
		if _, ok := cl.Lookup("e1"); ok {
			t.Fatal("the client learned a directory")
		}
	})
}

// TestReplyAcrossShards: calls resolved by another node's routers come back to a
// peer on their own node, which a router instance hands over on its shard's turn; the
// reply reaches the shard that owns the call instead of being dropped as late.
func TestReplyAcrossShards(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		shards := func(cfg *driver.Config) { cfg.Shards = 4 }
		n1, _ := c.add("n1", shards), c.add("n2", shards)
		c.connect("n1", "n2")
		c.leads(ref("e1", "n1"), 1)
		for range 20 {
			res, _ := call(n1, router.ToEnsemble("e1").Through("n2"), "get", time.Second)
			if res.Err != nil || res.Peer != ref("e1", "n1") {
				t.Fatalf("%+v, want an answer from n1's own peer", res)
			}
		}
		if st := n1.Stats().Router; st.Late != 0 || st.Completed[router.CodeOK] != 20 {
			t.Fatalf("late=%d ok=%d", st.Late, st.Completed[router.CodeOK])
		}
	})
}

func TestClose(t *testing.T) {
	c := newCluster(t, false)
	n1 := c.add("n1", nil)
	_ = n1.Close()
	_ = n1.Close()
	if _, err := n1.Call(context.Background(), router.ToEnsemble("e1"), nil); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("call after close: %v", err)
	}
}

// TestConcurrentCalls: many goroutines call local and remote leaders over loopback TCP
// at once; every call succeeds exactly once (run it with -race).
func TestConcurrentCalls(t *testing.T) {
	c := newCluster(t, true)
	n1, _ := c.add("n1", nil), c.add("n2", nil)
	c.connect("n1", "n2")
	c.leads(ref("e1", "n1"), 1)
	c.leads(ref("e2", "n2"), 1)
	var wg sync.WaitGroup
	const workers, per = 16, 200
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			ens := router.EnsembleID([]string{"e1", "e2"}[w%2])
			for range per {
				if res, _ := call(n1, router.ToEnsemble(ens), "get", 5*time.Second); res.Err != nil {
					errs <- res.Err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if st := n1.Stats().Router; st.Completed[router.CodeOK] != workers*per || st.Late != 0 {
		t.Fatalf("ok=%d late=%d, want %d and 0", st.Completed[router.CodeOK], st.Late, workers*per)
	}
}

// TestServedAndPassedOn: a node counts what it does for the calls of other nodes
// apart from its own calls: n1's call through n2 to e1, led on n3, is passed on by
// n2 and answered by n3; only n1 counts a completed call.
func TestServedAndPassedOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, n2, n3 := c.add("n1", nil), c.add("n2", nil), c.add("n3", nil)
		c.connect("n1", "n2")
		c.connect("n1", "n3")
		c.connect("n2", "n3")
		c.leads(ref("e1", "n3"), 1)
		if res, _ := call(n1, router.ToEnsemble("e1").Through("n2"), "get", time.Second); res.Err != nil {
			t.Fatal(res.Err)
		}
		var ok driver.Codes
		ok[router.CodeOK] = 1
		for _, tc := range []struct {
			name      string
			n         *driver.Node
			completed uint64
			served    driver.Codes
			passedOn  uint64
		}{
			{name: "caller", n: n1, completed: 1},
			{name: "via", n: n2, passedOn: 1},
			{name: "leader", n: n3, served: ok},
		} {
			st := tc.n.Stats()
			if st.Router.Completed[router.CodeOK] != tc.completed || st.Served != tc.served || st.PassedOn != tc.passedOn {
				t.Errorf("%s: completed %d, served %v, passed on %d; want %d, %v, %d", tc.name,
					st.Router.Completed[router.CodeOK], st.Served, st.PassedOn, tc.completed, tc.served, tc.passedOn)
			}
		}
	})
}

// TestForwardIsPassedOn: a follower's forward to a leader on another node is work the
// follower's node passes on, as a route is: counted in PassedOn there, and served where
// the leader answers. Each node counts the hops of what it receives.
func TestForwardIsPassedOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, n2, n3 := c.add("n1", nil), c.add("n2", nil), c.add("n3", nil)
		c.connect("n1", "n2")
		c.connect("n2", "n3")
		c.connect("n3", "n1")
		c.leads(ref("e1", "n3"), 1)
		follower := driver.PeerFunc(func(r *driver.Request) { r.Forward(ref("e1", "n3")) })
		if err := n2.AddPeer(ref("e1", "n2"), follower); err != nil {
			t.Fatal(err)
		}
		for _, n := range []*driver.Node{n1, n2, n3} {
			n.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n2"), Version: 2})
		}
		if res, _ := call(n1, router.ToEnsemble("e1"), "get", time.Second); res.Err != nil || string(res.Value) != "get@p-n3" {
			t.Fatalf("result %+v, want get@p-n3", res)
		}
		var ok driver.Codes
		ok[router.CodeOK] = 1
		var hops1, hops2 [driver.MaxHops + 1]uint64
		hops1[1], hops2[2] = 1, 1
		for _, tc := range []struct {
			name     string
			n        *driver.Node
			served   driver.Codes
			passedOn uint64
			hops     [driver.MaxHops + 1]uint64
		}{
			{name: "caller", n: n1},
			{name: "follower", n: n2, passedOn: 1, hops: hops1},
			{name: "leader", n: n3, served: ok, hops: hops2},
		} {
			st := tc.n.Stats()
			if st.Served != tc.served || st.PassedOn != tc.passedOn || st.Hops != tc.hops {
				t.Errorf("%s: served %v, passed on %d, hops %v; want %v, %d, %v", tc.name,
					st.Served, st.PassedOn, st.Hops, tc.served, tc.passedOn, tc.hops)
			}
		}
	})
}

// TestHopsPastMaxHops: a message that has travelled MaxHops or more counts in the
// last bucket of Stats.Hops, and by its whole count in HopSum.
func TestHopsPastMaxHops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", nil)
		for _, h := range []int{driver.MaxHops, driver.MaxHops + 3} {
			n1.Receive(router.Message{Kind: router.KindPeer, From: "n2", Call: router.CallID{Node: "n2", Incarnation: 1, Seq: uint64(h)},
				Ensemble: "e1", Peer: ref("e1", "n1"), Budget: time.Second, Hops: h})
		}
		st := n1.Stats()
		if st.Hops[driver.MaxHops] != 2 || st.HopSum != 2*driver.MaxHops+3 {
			t.Fatalf("hops %v, sum %d; want 2 in the last bucket, sum %d", st.Hops, st.HopSum, 2*driver.MaxHops+3)
		}
	})
}
