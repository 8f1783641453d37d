package scenarios

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// sortedPercentiles is the definition percentiles must match: sort, then read the
// nearest ranks, ⌈p·n⌉ counted from 1 (in exact arithmetic: p is a whole percent).
func sortedPercentiles(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) int64 {
		i := (int(p*100+0.5)*len(s)+99)/100 - 1
		if i < 0 {
			i = 0
		}
		if i >= len(s) {
			i = len(s) - 1
		}
		return int64(s[i])
	}
	return Latency{P50: at(0.50), P99: at(0.99), Max: int64(s[len(s)-1])}
}

// TestPercentilesMatchSorting: selection finds exactly the values sorting would, for
// any latencies: few or many, with runs of equal values (timeouts all take the same
// time), already sorted or reversed, negative or huge.
func TestPercentilesMatchSorting(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 3000).Draw(t, "n")
		distinct := rapid.IntRange(1, 1<<30).Draw(t, "distinct")
		ds := make([]time.Duration, n)
		for i := range ds {
			ds[i] = time.Duration(rapid.Int64Range(-5, int64(distinct)).Draw(t, "d"))
		}
		switch rapid.IntRange(0, 3).Draw(t, "order") {
		case 1:
			slices.Sort(ds)
		case 2:
			slices.Sort(ds)
			slices.Reverse(ds)
		}
		want := sortedPercentiles(ds)
		before := slices.Clone(ds)
		if got := percentiles(ds); got != want {
			t.Fatalf("percentiles = %+v, sorting gives %+v", got, want)
		}
		slices.Sort(before)
		slices.Sort(ds)
		if !slices.Equal(ds, before) {
			t.Fatal("percentiles changed the values, not only their order")
		}
	})
}

// TestSelectNthPlacesEveryRank: after selectNth(a, k), a[k] is the k-th smallest,
// nothing before it is greater and nothing after it smaller; adversarial inputs for
// a median of three (organ pipes, sawtooth) still work, through the fallback sort.
func TestSelectNthPlacesEveryRank(t *testing.T) {
	shapes := map[string]func(i, n int) time.Duration{
		"organ-pipe": func(i, n int) time.Duration { return time.Duration(min(i, n-i)) },
		"sawtooth":   func(i, n int) time.Duration { return time.Duration(i % 7) },
		"constant":   func(i, n int) time.Duration { return 42 },
		"random":     func(i, n int) time.Duration { return time.Duration((i * 7919) % 1009) },
	}
	for name, f := range shapes {
		for _, n := range []int{1, 2, 13, 100, 1001} {
			base := make([]time.Duration, n)
			for i := range base {
				base[i] = f(i, n)
			}
			sorted := slices.Sorted(slices.Values(base))
			for k := 0; k < n; k += 1 + n/37 {
				a := slices.Clone(base)
				selectNth(a, k)
				if a[k] != sorted[k] {
					t.Fatalf("%s, n=%d: a[%d] = %d, want %d", name, n, k, a[k], sorted[k])
				}
				if m := slices.Max(a[:k+1]); m != a[k] {
					t.Fatalf("%s, n=%d, k=%d: %d before a[k] = %d", name, n, k, m, a[k])
				}
				if m := slices.Min(a[k:]); m != a[k] {
					t.Fatalf("%s, n=%d, k=%d: %d after a[k] = %d", name, n, k, m, a[k])
				}
			}
		}
	}
}

// TestPercentileNearestRank: p99 is the value of rank ⌈0.99·n⌉, never one below: of
// 1,049 calls of 1ms and 11 of 10ms, fewer than 99% took 1ms or less (98.96%), so
// p99 is 10ms; of 1,050 and 10, exactly 99% did, and p99 is 1ms. ensim compare reads
// its percentiles so too.
func TestPercentileNearestRank(t *testing.T) {
	for _, tc := range []struct {
		fast, slow int
		p99        time.Duration
	}{
		{1049, 11, 10 * time.Millisecond},
		{1050, 10, time.Millisecond},
		{99, 1, time.Millisecond},
		{98, 2, 10 * time.Millisecond},
	} {
		var ds []time.Duration
		for range tc.fast {
			ds = append(ds, time.Millisecond)
		}
		for range tc.slow {
			ds = append(ds, 10*time.Millisecond)
		}
		if got := time.Duration(percentiles(ds).P99); got != tc.p99 {
			t.Errorf("%d of 1ms, %d of 10ms: p99 %v, want %v", tc.fast, tc.slow, got, tc.p99)
		}
	}
	// A whole rank computed a hair above itself in floating point: 0.07 × 100.
	if i := rank(100, 0.07); i != 6 {
		t.Errorf("rank(100, 0.07) = %d, want index 6 (the 7th value)", i)
	}
}
