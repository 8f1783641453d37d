package scenarios

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// sortedPercentiles is the definition percentiles must match: sort, then read the
// nearest ranks.
func sortedPercentiles(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) int64 {
		i := int(p*float64(len(s))+0.5) - 1
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
