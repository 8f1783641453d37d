package driver_test

import (
	"context"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// BenchmarkLocalCall: calls whose leader is on the caller's node, from many
// goroutines: no network, two short turns of one shard each.
func BenchmarkLocalCall(b *testing.B) {
	c := newCluster(b, false)
	n1 := c.add("n1", nil)
	if err := n1.AddPeer(ref("e1", "n1"), echo()); err != nil {
		b.Fatal(err)
	}
	n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
	benchCalls(b, n1, router.ToEnsemble("e1"), 64)
}

// BenchmarkRemoteCallTCP: calls from n1 to a leader on n2 over loopback TCP, 256
// callers at once.
func BenchmarkRemoteCallTCP(b *testing.B) {
	c := newCluster(b, true)
	n1, _ := c.add("n1", nil), c.add("n2", nil)
	c.connect("n1", "n2")
	c.leads(ref("e1", "n2"), 1)
	benchCalls(b, n1, router.ToEnsemble("e1"), 128)
}

func benchCalls(b *testing.B, n interface {
	Call(context.Context, router.Target, []byte) (router.Result, error)
}, t router.Target, parallelism int) {
	ev := []byte("get k")
	b.SetParallelism(parallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for pb.Next() {
			if _, err := n.Call(ctx, t, ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
