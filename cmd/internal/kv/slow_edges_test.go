package kv

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestSlowRateIncludesServing: a Slow server keeps its rate while requests keep
// coming, though serving each takes time of its own (a peer with a Service time
// shorter than the interval): a burst of five at 100 a second, each served for 5ms,
// is answered one every 10ms (the first after its 10ms and its 5ms), not one every
// 15ms.
func TestSlowRateIncludesServing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := NewSlow(100, false)
		t.Cleanup(slow.Close)
		n := leader(t, func(p *Peer) {
			p.Service = 5 * time.Millisecond
			p.ServeWith(slow)
		})
		served := burstServed(5, func() {
			if _, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("get k"), time.Second); err != nil {
				t.Error(err)
			}
		})
		want := []time.Duration{15 * time.Millisecond, 25 * time.Millisecond, 35 * time.Millisecond, 45 * time.Millisecond, 55 * time.Millisecond}
		if diff := cmp.Diff(want, served); diff != "" {
			t.Errorf("the burst's answers, after it came (-want +got):\n%s", diff)
		}
	})
}
