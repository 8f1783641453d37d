package scenarios

import (
	"math"
	"math/bits"
	"slices"
	"time"
)

// percentiles summarises ds, which it reorders; zero for none. P50 and P99 are the
// nearest-rank percentiles and Max the largest value: what ds sorted holds at those
// ranks, found by selection in linear time instead of by sorting every latency.
func percentiles(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	i50, i99 := rank(len(ds), 0.50), rank(len(ds), 0.99)
	selectNth(ds, i50)
	selectNth(ds[i50:], i99-i50) // ranks grow with p: i99 >= i50
	top := ds[i99]
	for _, d := range ds[i99+1:] {
		top = max(top, d)
	}
	return Latency{P50: int64(ds[i50]), P99: int64(ds[i99]), Max: int64(top)}
}

// rank is the index of the nearest-rank percentile p of n sorted values: the smallest
// value with at least a fraction p of the values at or below it, rank ⌈p·n⌉ (as
// ensim compare reads it; rounded to the nearest, the p99 of 1,060 calls was the
// 1,049th, with only 98.96% at or below it). The rank is taken a hair under p·n,
// lest a product such as 0.07 × 100 = 7.000000000000001 round up; the product is
// converted before the subtraction, so that it is never fused into it (the same
// rank on every architecture).
func rank(n int, p float64) int {
	i := int(math.Ceil(float64(p*float64(n))-1e-9)) - 1
	return min(max(i, 0), n-1)
}

// selectNth reorders a so that a[k] holds what a sorted would hold there, with
// nothing greater before it and nothing smaller after it (quickselect, a median of
// three for pivot). A run of bad pivots that fails to shrink the range fast enough
// falls back to sorting what is left, so the worst case is that of a sort.
func selectNth(a []time.Duration, k int) {
	lo, hi := 0, len(a)
	budget := 2 * bits.Len(uint(len(a)))
	for hi-lo > 12 {
		if budget == 0 {
			slices.Sort(a[lo:hi])
			return
		}
		budget--
		// The median of the first, middle and last values is the pivot: it is in the
		// range, so both scans below stop inside it.
		m := lo + (hi-lo)/2
		x, y, z := a[lo], a[m], a[hi-1]
		if x > y {
			x, y = y, x
		}
		if y > z {
			y = z
			if x > y {
				y = x
			}
		}
		p := y
		// Hoare's partition: a[lo:j+1] <= p, a[i:hi] >= p, and what lies between (if
		// anything) equals p.
		i, j := lo, hi-1
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j + 1
		case k >= i:
			lo = i
		default:
			return // a[k] equals p, and is in place
		}
	}
	// A short range: insertion sort.
	for i := lo + 1; i < hi; i++ {
		for j := i; j > lo && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
