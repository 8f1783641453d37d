package load

import (
	"math"
	"math/bits"
	"time"
)

// hist is a log-linear histogram of durations: 16 buckets per power of two of
// nanoseconds, so a quantile read from it is within 1/16 (6%) of the true value. It
// is small (a few KiB) and never allocates after creation.
type hist struct {
	counts [64 * sub]int64
	n      int64
	max    time.Duration
}

const sub = 16

func bucketOf(d time.Duration) int {
	v := uint64(max(d, 1))
	if v < sub {
		return int(v)
	}
	exp := bits.Len64(v) - 5 // v >> exp lies in [16, 32)
	return exp*sub + int(v>>exp)
}

// lowest returns the smallest duration that falls in bucket i.
func lowest(i int) time.Duration {
	if i < 2*sub {
		return time.Duration(i)
	}
	exp := i/sub - 1
	return time.Duration(uint64(i%sub+sub) << exp)
}

func (h *hist) add(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
	h.max = max(h.max, d)
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the duration at or below which a fraction q of the values lie: the
// top of the bucket of the value of rank ⌈q·n⌉ (the nearest rank, never one below:
// rounded to the nearest, the p99 of 1,060 values was the 1,049th, below which lie
// only 98.96% of them), capped by the largest value seen (Rank).
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := Rank(q, h.n)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(lowest(i+1)-1, h.max)
		}
	}
	return h.max
}

// Rank is the nearest rank of quantile q among n values, ⌈q·n⌉ kept within 1..n,
// computed a hair under q·n, lest a product such as 0.07 × 100 =
// 7.000000000000001 round up. ensctl bench takes its percentiles at it too.
func Rank(q float64, n int64) int64 {
	return min(max(int64(math.Ceil(q*float64(n)-1e-9)), 1), n)
}

// below counts the values under d (exactly for bucket bounds, otherwise to within
// one bucket: the bucket that holds d counts as below).
func (h *hist) below(d time.Duration) int64 {
	var n int64
	last := bucketOf(d)
	for i := 0; i <= last && i < len(h.counts); i++ {
		n += h.counts[i]
	}
	return n
}
