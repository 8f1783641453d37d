package sim

import "testing"

// The kernel's steady state allocates nothing per event: once the queue has
// grown to the number of events pending at once, Step recycles the slot of the
// event it pops for the one the event schedules. This is a correctness check
// on allocation counts, not a timing: it never depends on the machine's speed.
// The queue is a heap with 1024 events pending and a sorted array with 8.
func TestStepAllocatesNothingInSteadyState(t *testing.T) {
	for _, tc := range []struct {
		name    string
		make    func() *World
		pending int
	}{
		{name: "action", make: func() *World { return newChurn(1024).w }, pending: 1024},
		{name: "reused-func", make: func() *World { return newFuncChurn().w }, pending: 1024},
		{name: "action-few", make: func() *World { return newChurn(8).w }, pending: 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.make()
			if w.q.isHeap != (tc.pending > heapAbove) {
				t.Fatalf("%d events pending in the wrong shape (heap: %v)", tc.pending, w.q.isHeap)
			}
			// Warm up: let the queue and the free list reach their steady size.
			for range 10_000 {
				w.Step()
			}
			before := w.Executed()
			if got := testing.AllocsPerRun(10_000, func() { w.Step() }); got != 0 {
				t.Fatalf("Step allocated %v times per event in steady state, want 0", got)
			}
			if w.Executed() == before || w.Pending() != tc.pending {
				t.Fatalf("the churn did not run: executed %d -> %d, %d pending", before, w.Executed(), w.Pending())
			}
		})
	}
}

// Cancelling and rescheduling, as a timer that is re-armed does, allocates
// nothing either once the queue is warm, whether it is a heap or a sorted array.
func TestCancelRescheduleAllocatesNothing(t *testing.T) {
	for _, pending := range []int{1024, 8} {
		c := newChurn(pending)
		id := c.w.AfterAction(5, c)
		for range 100 {
			c.w.Cancel(id)
			id = c.w.AfterAction(5, c)
		}
		if got := testing.AllocsPerRun(10_000, func() {
			if !c.w.Cancel(id) {
				t.Fatal("cancel found nothing")
			}
			id = c.w.AfterAction(5, c)
		}); got != 0 {
			t.Fatalf("%d pending: cancel+schedule allocated %v times, want 0", pending, got)
		}
	}
}

// Emit allocates nothing without KeepTrace: the encoding buffer is reused and
// attributes passed on the stack stay there.
func TestEmitAllocatesNothing(t *testing.T) {
	w := New(Config{Seed: 1})
	w.Emit("n1", "warm", String("k", "v"))
	var n int64
	if got := testing.AllocsPerRun(10_000, func() {
		n++
		w.Emit("n1", "send", Int("msg", n), String("to", "n2"), String("call", "n1.1.7"), Dur("budget", 5))
	}); got != 0 {
		t.Fatalf("Emit allocated %v times per record, want 0", got)
	}
}

// TestSinkAllocatesNothing: a record handed to a Sink (ensim run --trace streams a
// run's trace through one) allocates nothing, from Emit or from EmitKind: the
// record and its values are the World's, reused, and the Sink copies what it keeps.
// Handing it from the stack had moved every record to the heap.
func TestSinkAllocatesNothing(t *testing.T) {
	seen := 0
	w := New(Config{Seed: 1, Sink: func(r *Record) { seen += len(r.Attrs) }})
	k := w.Kind("send", "msg", "to")
	n1, n2 := w.Name("n1"), w.Name("n2")
	w.Emit("n1", "warm", String("k", "v"), Int("x", 1), Int("y", 2), Int("z", 3))
	w.EmitKind(n1, k, Int("", 0), Named("", n2))
	var n int64
	if got := testing.AllocsPerRun(10_000, func() {
		n++
		w.Emit("n1", "send", Int("msg", n), String("to", "n2"))
		w.EmitKind(n1, k, Int("", n), Named("", n2))
	}); got != 0 {
		t.Fatalf("a record handed to a Sink allocated %v times, want 0", got)
	}
	if seen == 0 {
		t.Fatal("the Sink saw no record")
	}
}
