package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
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
