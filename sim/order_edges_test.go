package sim

import (
	"cmp"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestOrderMatchesStableSortAsHeap is TestOrderMatchesStableSort with more events
// pending at once than a sorted array holds (heapAbove), so that the queue runs them
// as a heap: rapid seldom draws a slice that long, and a heap that broke ties between
// events due at the same time otherwise than by scheduling order went unnoticed.
// Cancels bring some runs back below sortedAt, through the switch back.
func TestOrderMatchesStableSortAsHeap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(heapAbove+1, 4*heapAbove).Draw(t, "events")
		times := rapid.SliceOfN(rapid.Int64Range(-3, 30), n, n).Draw(t, "times")
		w := New(Config{})
		var got []int
		ids := make([]EventID, n)
		for i, at := range times {
			ids[i] = w.Schedule(time.Duration(at), func() { got = append(got, i) })
		}
		cancelled := make([]bool, n)
		for _, i := range rapid.SliceOfN(rapid.IntRange(0, n-1), 0, n).Draw(t, "cancels") {
			if w.Cancel(ids[i]) == cancelled[i] {
				t.Fatalf("Cancel(event %d) returned %v, already cancelled=%v", i, !cancelled[i], cancelled[i])
			}
			cancelled[i] = true
		}
		type ev struct {
			at    time.Duration
			label int
		}
		var model []ev
		for i, at := range times {
			if !cancelled[i] {
				model = append(model, ev{max(time.Duration(at), 0), i})
			}
		}
		slices.SortStableFunc(model, func(a, b ev) int { return cmp.Compare(a.at, b.at) })
		want := make([]int, 0, len(model))
		for _, e := range model {
			want = append(want, e.label)
		}
		w.Run()
		if got == nil {
			got = []int{}
		}
		if d := gocmp.Diff(want, got); d != "" {
			t.Fatalf("execution order (-model +world):\n%s", d)
		}
	})
}
