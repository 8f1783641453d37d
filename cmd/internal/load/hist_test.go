package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHistQuantiles: quantiles read from the histogram are within 1/16 of the exact
// ones, over values spread across many powers of two.
func TestHistQuantiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h hist
	var all []time.Duration
	for range 20000 {
		d := time.Duration(r.ExpFloat64() * float64(3*time.Millisecond))
		h.add(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		exact := all[int(q*float64(len(all)-1))]
		got := h.quantile(q)
		if diff := got - exact; diff < -exact/16-1 || diff > exact/16+1 {
			t.Errorf("q%v = %v, exact %v", q, got, exact)
		}
	}
	if h.max != all[len(all)-1] {
		t.Errorf("max %v, want %v", h.max, all[len(all)-1])
	}
}

// TestHistBuckets: every duration falls in the bucket whose bounds hold it.
func TestHistBuckets(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 15, 16, 17, 31, 32, 33, 1000, 1 << 20, time.Second, time.Hour} {
		i := bucketOf(d)
		if lo, hi := lowest(i), lowest(i+1); max(d, 1) < lo || max(d, 1) >= hi {
			t.Errorf("%v in bucket %d = [%v, %v)", d, i, lo, hi)
		}
	}
	var h hist
	h.add(time.Millisecond)
	h.add(5 * time.Millisecond)
	if n := h.below(2 * time.Millisecond); n != 1 {
		t.Errorf("below 2ms: %d, want 1", n)
	}
}

// TestHistSmallCases pins the quantiles of a few values, where an off-by-one in the
// rank, the bucket or the cap shows at once (the random spread of TestHistQuantiles
// hides one): a quantile is the top of the bucket that holds the value of its rank
// (rounded to the nearest), so within 1/16 above that value, and never above the
// largest value recorded.
func TestHistSmallCases(t *testing.T) {
	var two hist
	two.add(time.Millisecond)
	two.add(10 * time.Millisecond)
	// Rank 1 of 2: the 1ms value, not the 10ms one.
	if got := two.quantile(0.5); got < time.Millisecond || got >= time.Millisecond+time.Millisecond/16 {
		t.Errorf("median of 1ms and 10ms: %v, want 1ms to 1.0625ms", got)
	}
	if got := two.quantile(1); got != 10*time.Millisecond {
		t.Errorf("q1 of 1ms and 10ms: %v, want 10ms", got)
	}
	// A single value: every quantile is that value exactly, the top of its bucket
	// capped by the largest value; q0 too (its rank, 0, counts as the first).
	var one hist
	one.add(time.Millisecond)
	for _, q := range []float64{0, 0.01, 0.5, 0.99, 1} {
		if got := one.quantile(q); got != time.Millisecond {
			t.Errorf("q%v of a single 1ms: %v, want 1ms", q, got)
		}
	}
	// below counts a value equal to its bound: Fast is the latency at or under which
	// a failure is fast.
	if n := one.below(time.Millisecond); n != 1 {
		t.Errorf("below(1ms) of a single 1ms: %d, want 1", n)
	}
	if n := one.below(time.Millisecond / 2); n != 0 {
		t.Errorf("below(0.5ms) of a single 1ms: %d, want 0", n)
	}
}

// TestHistMerge: merging histograms adds their counts, as if every value had been
// added to one (Summary merges the shards' histograms, then each outcome's, so a
// merge that replaced counts would lose calls from every figure).
func TestHistMerge(t *testing.T) {
	var a, b, all hist
	for _, d := range []time.Duration{time.Millisecond, 3 * time.Millisecond} {
		a.add(d)
		all.add(d)
	}
	for _, d := range []time.Duration{time.Millisecond, 10 * time.Millisecond} {
		b.add(d)
		all.add(d)
	}
	var merged hist
	merged.merge(&a)
	merged.merge(&b)
	if diff := cmp.Diff(all, merged, cmp.AllowUnexported(hist{})); diff != "" {
		t.Errorf("merged differs from all values added (-want +got):\n%s", diff)
	}
}

// TestQuantileNearestRank: a quantile is the value of rank ⌈q·n⌉, never one below:
// of 1,049 calls of 1ms and 11 of 10ms, fewer than 99% took 1ms or less (98.96%), so
// p99 is 10ms. A rank that is a whole number, q·n computed a hair above it in floating
// point (0.07 × 100), is that rank, not the next.
func TestQuantileNearestRank(t *testing.T) {
	for _, tc := range []struct {
		fast, slow int
		q          float64
		want       time.Duration
	}{
		{1049, 11, 0.99, 10 * time.Millisecond},
		{1050, 10, 0.99, time.Millisecond},
		{7, 93, 0.07, time.Millisecond},
		{6, 94, 0.07, 10 * time.Millisecond},
		{1, 1, 0.5, time.Millisecond},
	} {
		var h hist
		for range tc.fast {
			h.add(time.Millisecond)
		}
		for range tc.slow {
			h.add(10 * time.Millisecond)
		}
		got := h.quantile(tc.q)
		if lo := bucketOf(got); lo != bucketOf(tc.want) {
			t.Errorf("%d of 1ms, %d of 10ms: quantile %v is %v, want %v's bucket", tc.fast, tc.slow, tc.q, got, tc.want)
		}
	}
}
