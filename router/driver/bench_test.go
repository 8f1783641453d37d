package driver_test

import (
	"context"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// BenchmarkLocalCall: calls whose leader is on the caller's node, from many
// goroutines: no network, two short turns of one shard each.
func BenchmarkLocalCall(b *testing.B) {
	c := newCluster(b, false)
	n1 := c.add("n1", nil)
	if err := n1.AddPeer(ref("e1", "n1"), mirror()); err != nil {
		b.Fatal(err)
	}
	n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
	benchCalls(b, n1, router.ToEnsemble("e1"), 64)
}

// BenchmarkLocalPeer: calls to a peer named directly (router.ToPeer) on the caller's
// node: no directory lookup, no routing.
func BenchmarkLocalPeer(b *testing.B) {
	c := newCluster(b, false)
	n1 := c.add("n1", nil)
	if err := n1.AddPeer(ref("e1", "n1"), mirror()); err != nil {
		b.Fatal(err)
	}
	benchCalls(b, n1, router.ToPeer(ref("e1", "n1")), 64)
}

// BenchmarkRemotePeerTCP: calls to a peer named directly on another node, over
// loopback TCP, 256 callers at once.
func BenchmarkRemotePeerTCP(b *testing.B) {
	c := newCluster(b, true)
	n1, n2 := c.add("n1", nil), c.add("n2", nil)
	c.connect("n1", "n2")
	if err := n2.AddPeer(ref("e1", "n2"), mirror()); err != nil {
		b.Fatal(err)
	}
	benchCalls(b, n1, router.ToPeer(ref("e1", "n2")), 128)
}

// BenchmarkRemoteCallTCP: calls from n1 to a leader on n2 over loopback TCP, 256
// callers at once. Both nodes share the process (and its cores): the real path, with
// a client process and a node process, is measured with ensctl bench.
func BenchmarkRemoteCallTCP(b *testing.B) {
	c := newCluster(b, true)
	n1, _ := c.add("n1", nil), c.add("n2", nil)
	c.connect("n1", "n2")
	if err := c.nodes["n2"].AddPeer(ref("e1", "n2"), mirror()); err != nil {
		b.Fatal(err)
	}
	for _, n := range c.nodes {
		n.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n2"), Version: 1})
	}
	benchCalls(b, n1, router.ToEnsemble("e1"), 128)
}

// mirror is a peer that answers with the event itself: the benchmarks measure the
// driver, not the peer's allocations.
func mirror() driver.Peer {
	return driver.PeerFunc(func(r *driver.Request) { r.Reply(r.Event()) })
}

func benchCalls(b *testing.B, n interface {
	CallTimeout(context.Context, router.Target, []byte, time.Duration) (router.Result, error)
}, t router.Target, parallelism int) {
	ev := []byte("get k")
	b.SetParallelism(parallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := n.CallTimeout(context.Background(), t, ev, time.Minute); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
