package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestBenchPercentilesNearestRank: bench's percentiles are of the nearest rank ⌈q·n⌉,
// as the load package's and ensim's are: of 1,049 calls of 1ms and 11 of 10ms only
// 98.96% took 1ms or less, so the p99 is 10ms (hdrhistogram's ValueAtQuantile, which
// rounds the rank to the nearest, said 1ms).
func TestBenchPercentilesNearestRank(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fast, slow int
		q          string
		code       router.Code
	}{
		{"p99 of 1060", 1049, 11, "p99", router.CodeOK},
		{"p99.9 of 1600", 1598, 2, "p999", router.CodeOK},
		{"error p99 of 1060", 1049, 11, "p99", router.CodeTimeout},
	} {
		rec := newRecorder(time.Second)
		for range tc.fast {
			rec.record(0, time.Millisecond, tc.code)
		}
		for range tc.slow {
			rec.record(1, 10*time.Millisecond, tc.code)
		}
		r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 2}
		r.latency, r.errLatency, r.outcomes = rec.merge()
		r.finish(time.Second)
		p := r.LatencyNS
		if tc.code != router.CodeOK {
			p = r.ErrorLatencyNS
		}
		got := time.Duration(p[tc.q])
		if got < 10*time.Millisecond*999/1000 {
			t.Errorf("%s: %s = %v; nearest rank gives 10ms (only %.2f%% of the calls took 1ms or less)",
				tc.name, tc.q, got, 100*float64(tc.fast)/float64(tc.fast+tc.slow))
		}
	}
}

// TestBenchHistogramPrecision: bench's histograms keep 3 significant figures down to
// microseconds (with a lowest value of 1µs told apart, their unit was 512ns, and a
// latency of 5µs read 5.119µs).
func TestBenchHistogramPrecision(t *testing.T) {
	for _, d := range []time.Duration{5 * time.Microsecond, 20 * time.Microsecond, 68 * time.Microsecond, 121 * time.Microsecond, 2 * time.Millisecond} {
		rec := newRecorder(time.Second)
		rec.record(0, d, router.CodeOK)
		ok, _, _ := rec.merge()
		p50 := ok.ValueAtQuantile(50)
		rel := float64(p50-int64(d)) / float64(d)
		if rel > 0.001 {
			t.Errorf("%v: p50 %dns, %.2f%% off; 3 significant figures want within 0.1%%", d, p50, 100*rel)
		}
	}
}

// TestBenchCatchUpAccounting: catchUp skips whole shares, counts exactly the calls of
// the worker's share in [n, min(next, calls)), and skips no call that was still due
// after since (whose deadline cannot have passed).
func TestBenchCatchUpAccounting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200_000; i++ {
		rate := []float64{0.5, 3, 7, 200, 45_000, 1e6, 1e8}[rng.IntN(7)]
		dur := time.Duration(rng.Int64N(int64(10*time.Second))) + time.Second
		s := newSchedule(rate, dur)
		if s.calls == 0 {
			continue
		}
		conc := 1 + rng.IntN(300)
		n := rng.Int64N(s.calls)
		since := s.at(n) + time.Duration(rng.Int64N(int64(3*time.Second)))
		next, skipped := s.catchUp(n, conc, since)
		c := int64(conc)
		var want int64
		if l := min(next, s.calls); l > n {
			want = (l-1-n)/c + 1
		}
		if last := next - c; last > n && last < s.calls && s.at(last) >= since {
			t.Fatalf("rate %v conc %d n %d since %v: skipped call %d due at %v, after since", rate, conc, n, since, last, s.at(last))
		}
		if next <= n || (next-n)%c != 0 || skipped != want {
			t.Fatalf("rate %v conc %d n %d since %v: next %d skipped %d; want a later call of the share and %d skipped", rate, conc, n, since, next, skipped, want)
		}
	}
}
