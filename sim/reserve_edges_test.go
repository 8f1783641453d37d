package sim

import (
	"math"
	"slices"
	"testing"
)

// TestScheduleAfterTheLargestReserveKeepsOrder: whatever Reserve accepts, the
// Schedule that follows it still takes a number after every number taken before, so
// that its event runs after an event scheduled earlier for the same time. A Reserve
// that took every number up to the last (2^64-1) left the next Schedule to wrap to 0
// and run first.
func TestScheduleAfterTheLargestReserveKeepsOrder(t *testing.T) {
	for _, n := range []uint64{math.MaxUint64 - 1, math.MaxUint64 - 2, 1<<63 + 1, 1<<63 - 1, 1 << 62} {
		w := New(Config{})
		var got []string
		w.Schedule(5, func() { got = append(got, "before") })
		refused := func() (refused bool) {
			defer func() { refused = recover() != nil }()
			w.Reserve(n)
			return false
		}()
		w.Schedule(5, func() { got = append(got, "after") })
		w.Schedule(5, func() { got = append(got, "last") })
		w.Run()
		if want := []string{"before", "after", "last"}; !slices.Equal(got, want) {
			t.Errorf("Reserve(%d) (refused: %v), then Schedule: ran %v, want %v", n, refused, got, want)
		}
	}
}

// TestReserveUpToItsLimit: Reserve hands out numbers up to 2^63, in one call or in
// several, and refuses the first number past it, leaving the World as it was.
func TestReserveUpToItsLimit(t *testing.T) {
	w := New(Config{})
	w.Reserve(1 << 62)
	if first := w.Reserve(1 << 62); first != 1<<62+1 {
		t.Fatalf("second Reserve(2^62) = %d, want 2^62+1", first)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic for a Reserve past 2^63")
			}
		}()
		w.Reserve(1)
	}()
	// Refused, it took nothing: the next Schedule's number is 2^63+1, after them all.
	var got []string
	w.ScheduleReserved(7, 1<<63, funcAction(func() { got = append(got, "reserved") }))
	w.Schedule(7, func() { got = append(got, "scheduled") })
	w.Run()
	if want := []string{"reserved", "scheduled"}; !slices.Equal(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
}
