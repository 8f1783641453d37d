package driver

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// BenchmarkCallsBesideBusyShard: calls from many goroutines on a node of 8 shards,
// one of which a goroutine keeps busy, holding it 1ms at a time with a moment free
// between, as a turn descheduled with its lock held keeps it (on a machine with far
// more runnable goroutines than cores, far longer). No leader is known, so each call
// ends in its own turn: what is measured is how long a call waits to start, and
// slow/Mcalls is how many calls in a million took over 100µs. A call that drew the
// busy shard waited for it; now it takes another.
func BenchmarkCallsBesideBusyShard(b *testing.B) {
	n, err := New(Config{ID: "n1", Incarnation: 1, Transport: make(sentTo, 1), Shards: 8, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		s := n.shards[0]
		for {
			select {
			case <-stop:
				return
			default:
			}
			s.lock()
			time.Sleep(time.Millisecond)
			s.unlock()
			runtime.Gosched()
		}
	}()
	defer func() {
		close(stop)
		<-stopped
	}()
	var slow atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			began := time.Now()
			if _, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), time.Minute); !errors.Is(err, router.ErrNoLeader) {
				b.Errorf("a call ended with %v, want %v", err, router.ErrNoLeader)
				return
			}
			if time.Since(began) > 100*time.Microsecond {
				slow.Add(1)
			}
		}
	})
	b.ReportMetric(float64(slow.Load())*1e6/float64(b.N), "slow/Mcalls")
}
