package sim

import (
	"slices"
	"testing"
)

// TestReserveKeepsSchedulingOrder: events scheduled later under reserved sequence
// numbers run, among events due at the same time, exactly where they would have run
// had they been scheduled at the Reserve.
func TestReserveKeepsSchedulingOrder(t *testing.T) {
	run := func(reserve bool) []string {
		w := New(Config{})
		var got []string
		add := func(name string) func() { return func() { got = append(got, name) } }
		w.Schedule(5, add("a"))
		var first uint64
		if reserve {
			first = w.Reserve(2)
		} else {
			w.Schedule(5, add("r1"))
			w.Schedule(5, add("r2"))
		}
		w.Schedule(5, add("b"))
		w.Schedule(3, func() {
			got = append(got, "early")
			if reserve {
				// Scheduled from inside an event, later than everything above, in the
				// opposite order: the reserved numbers still decide.
				w.ScheduleReserved(5, first+1, funcAction(add("r2")))
				w.ScheduleReserved(5, first, funcAction(add("r1")))
			}
			w.Schedule(5, add("c"))
		})
		w.Run()
		return got
	}
	want := run(false)
	if got := run(true); !slices.Equal(got, want) {
		t.Fatalf("with Reserve: %v, scheduled up front: %v", got, want)
	}
	if want := []string{"early", "a", "r1", "r2", "b", "c"}; !slices.Equal(run(true), want) {
		t.Fatalf("order %v, want %v", run(true), want)
	}
}

func TestScheduleReservedRefusesUnreservedSeq(t *testing.T) {
	w := New(Config{})
	w.Schedule(1, func() {})
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a sequence number never reserved")
		}
	}()
	w.ScheduleReserved(1, 2, funcAction(func() {}))
}

// TestReserveRefusesToWrap: Reserve past the last sequence number it hands out
// (2^63) panics, rather than leave Schedule to wrap and take a number a pending event
// holds; up to it is fine.
func TestReserveRefusesToWrap(t *testing.T) {
	w := New(Config{})
	w.Schedule(1, func() {}) // takes 1
	if first := w.Reserve(1<<63 - 1); first != 2 {
		t.Fatalf("Reserve(2^63-1) = %d, want 2", first)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a Reserve past the last sequence number")
		}
	}()
	w.Reserve(1)
}

// TestScheduleReservedEdges: the last number Reserve handed out is a number it handed
// out (a fresh World's Reserve(1) included); 0 never is, and would put its event
// ahead of every event due at the same time; a time already past runs at Now, which
// never goes back.
func TestScheduleReservedEdges(t *testing.T) {
	w := New(Config{})
	var got []string
	add := func(name string) Action { return funcAction(func() { got = append(got, name) }) }
	last := w.Reserve(1)
	w.ScheduleReserved(0, last, add("first reserved"))
	w.Run()
	if !slices.Equal(got, []string{"first reserved"}) {
		t.Fatalf("ran %v, want the event under the one number reserved", got)
	}

	w.Schedule(10, func() {})
	seq := w.Reserve(3)
	w.Run()
	w.ScheduleReserved(5, seq+2, add("late")) // the last of the three, due in the past
	w.Step()
	if now := w.Now(); now != 10 || got[len(got)-1] != "late" {
		t.Fatalf("an event reserved for 5 ran at %v (ran %v); want it run at Now, 10", now, got)
	}

	defer func() {
		if recover() == nil {
			t.Fatal("no panic for sequence number 0")
		}
	}()
	w.ScheduleReserved(10, 0, add("zero"))
}
