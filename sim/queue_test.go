package sim

import (
	"cmp"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// checkQueue verifies the order of the queue's shape (an array sorted latest
// first, or a heap), that the shape suits its size, and the slot bookkeeping.
func checkQueue(t interface{ Fatalf(string, ...any) }, q *queue) {
	for i := range q.ev {
		if got := q.slots[q.ev[i].slot].idx; got < 0 || q.isHeap && int(got) != i {
			t.Fatalf("ev[%d] (heap %v): slot %d records idx %d", i, q.isHeap, q.ev[i].slot, got)
		}
		if q.isHeap && i > 0 && q.ev[i].before(&q.ev[(i-1)/arity]) {
			t.Fatalf("heap property violated at %d", i)
		}
		if !q.isHeap && i > 0 && !q.ev[i].before(&q.ev[i-1]) {
			t.Fatalf("sorted array out of order at %d", i)
		}
	}
	if q.isHeap && len(q.ev) <= sortedAt || !q.isHeap && len(q.ev) > heapAbove {
		t.Fatalf("%d events in the wrong shape (heap: %v)", len(q.ev), q.isHeap)
	}
	used := 0
	for _, s := range q.slots {
		if s.idx >= 0 {
			used++
		} else if s.act != nil {
			t.Fatalf("free slot retains its action")
		}
	}
	if used != len(q.ev) {
		t.Fatalf("%d slots in use, %d events queued", used, len(q.ev))
	}
	free := freeSlots(q)
	for _, s := range free {
		if q.slots[s].idx >= 0 {
			t.Fatalf("slot %d in use is on the free list", s)
		}
	}
	if used+len(free) != len(q.slots) {
		t.Fatalf("%d used + %d free != %d slots", used, len(free), len(q.slots))
	}
}

// freeSlots returns the slots on the free list, in its order. It stops after
// len(q.slots)+1 of them, so a list that loops shows as too long.
func freeSlots(q *queue) []uint32 {
	var free []uint32
	for f := q.free; f != 0 && len(free) <= len(q.slots); f = q.slots[f-1].next {
		free = append(free, f-1)
	}
	return free
}

func TestQueueEmpty(t *testing.T) {
	var q queue
	if _, ok := q.peek(); ok {
		t.Fatal("peek on empty queue reported an event")
	}
	if _, _, ok := q.pop(); ok {
		t.Fatal("pop on empty queue reported an event")
	}
	for _, id := range []EventID{0, 1, 1 << 32, ^EventID(0)} {
		if q.cancel(id) {
			t.Fatalf("cancel(%#x) on empty queue returned true", id)
		}
	}
}

func TestQueueIDsNeverZeroAndStaleAfterReuse(t *testing.T) {
	var q queue
	a := q.push(5, 1, funcAction(func() {}))
	if a == 0 {
		t.Fatal("push returned the zero EventID")
	}
	if _, _, ok := q.pop(); !ok {
		t.Fatal("pop failed")
	}
	b := q.push(5, 2, funcAction(func() {})) // reuses a's slot
	if b == 0 || b == a {
		t.Fatalf("reused slot got id %#x (old %#x)", b, a)
	}
	if q.cancel(a) {
		t.Fatal("stale id cancelled the slot's new event")
	}
	if q.len() != 1 {
		t.Fatalf("len = %d after stale cancel, want 1", q.len())
	}
	if !q.cancel(b) {
		t.Fatal("cancel of live id failed")
	}
	checkQueue(t, &q)
}

// seqAction is an Action that says which push it came from.
type seqAction struct{ seq uint64 }

func (*seqAction) Run() {}

// TestQueueModel drives the queue with random pushes, pops and cancels and
// compares against an unsorted slice. Batches of pushes, pops and cancels take
// it through both of its shapes and back; cancels name the earliest event, the
// latest, any pending one, any event ever pushed (pending, run or cancelled),
// and ids that name no pending event at all.
func TestQueueModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type ev struct {
			at  time.Duration
			seq uint64
		}
		var (
			q     queue
			model []ev // pending, unsorted
			ids   = map[uint64]EventID{}
			seqs  []uint64 // every seq ever pushed, in push order
			seq   uint64
		)
		byTime := func(a, b ev) int {
			if c := cmp.Compare(a.at, b.at); c != 0 {
				return c
			}
			return cmp.Compare(a.seq, b.seq)
		}
		push := func(at time.Duration) {
			seq++
			s := seq
			ids[s] = q.push(at, s, &seqAction{s})
			model = append(model, ev{at, s})
			seqs = append(seqs, s)
		}
		pop := func(t *rapid.T) {
			at, fn, ok := q.pop()
			if ok != (len(model) > 0) {
				t.Fatalf("pop ok=%v with %d pending", ok, len(model))
			}
			if !ok {
				return
			}
			if fn == nil {
				t.Fatal("pop returned nil fn")
			}
			i := 0
			for j := range model {
				if byTime(model[j], model[i]) < 0 {
					i = j
				}
			}
			if at != model[i].at {
				t.Fatalf("pop at=%v, want %v", at, model[i].at)
			}
			// Times tie often: the event itself must be the one with the lowest seq.
			if got := fn.(*seqAction).seq; got != model[i].seq {
				t.Fatalf("pop returned the event of seq %d, want seq %d", got, model[i].seq)
			}
			model = slices.Delete(model, i, i+1)
		}
		cancel := func(t *rapid.T, s uint64) {
			i := slices.IndexFunc(model, func(e ev) bool { return e.seq == s })
			if got := q.cancel(ids[s]); got != (i >= 0) {
				t.Fatalf("cancel(seq %d) = %v, pending=%v", s, got, i >= 0)
			}
			if i >= 0 {
				model = slices.Delete(model, i, i+1)
			}
		}
		// extreme returns the seq of the pending event that sorts first under
		// order, if any.
		extreme := func(t *rapid.T, order func(a, b ev) int) uint64 {
			if len(model) == 0 {
				t.Skip("nothing pending")
			}
			return slices.MinFunc(model, order).seq
		}
		t.Repeat(map[string]func(*rapid.T){
			"push": func(t *rapid.T) {
				push(time.Duration(rapid.Int64Range(0, 20).Draw(t, "at")))
			},
			"pop": pop,
			// The batches below take the queue across heapAbove and back
			// down across sortedAt, through either door.
			"fill": func(t *rapid.T) {
				for n := heapAbove + rapid.IntRange(-2, sortedAt).Draw(t, "above"); q.len() < n; {
					push(time.Duration(rapid.Int64Range(0, 40).Draw(t, "at")))
				}
			},
			"drainByPops": func(t *rapid.T) {
				for n := rapid.IntRange(0, sortedAt+2).Draw(t, "left"); q.len() > n; {
					pop(t)
				}
			},
			"drainByCancels": func(t *rapid.T) {
				for n := rapid.IntRange(0, sortedAt+2).Draw(t, "left"); q.len() > n; {
					cancel(t, model[rapid.IntRange(0, len(model)-1).Draw(t, "pending")].seq)
				}
			},
			"cancel": func(t *rapid.T) {
				if len(seqs) == 0 {
					t.Skip("nothing pushed yet")
				}
				cancel(t, rapid.SampledFrom(seqs).Draw(t, "seq"))
			},
			"cancelEarliest": func(t *rapid.T) {
				cancel(t, extreme(t, byTime))
			},
			"cancelLatest": func(t *rapid.T) {
				cancel(t, extreme(t, func(a, b ev) int { return byTime(b, a) }))
			},
			// move must leave the queue exactly as cancel and push would (the same
			// id, array, slots and free list), whatever id names: a pending event,
			// any event ever pushed, or nothing.
			"move": func(t *rapid.T) {
				var id EventID
				if len(seqs) > 0 && rapid.Bool().Draw(t, "named") {
					id = ids[rapid.SampledFrom(seqs).Draw(t, "seq")]
				} else if rapid.Bool().Draw(t, "bogus") {
					id = EventID(rapid.Uint64Range(0, uint64(len(q.slots))+1).Draw(t, "slot")) |
						EventID(rapid.Uint64Range(0, 3).Draw(t, "gen"))<<32
				}
				at := time.Duration(rapid.Int64Range(0, 40).Draw(t, "at"))
				ref := queue{ev: slices.Clone(q.ev), slots: slices.Clone(q.slots), free: q.free, isHeap: q.isHeap}
				seq++
				act := &seqAction{seq}
				ref.cancel(id)
				want := ref.push(at, seq, act)
				got := q.move(id, at, seq, act)
				if got != want {
					t.Fatalf("move(%#x) = %#x, cancel and push give %#x", id, got, want)
				}
				if d := gocmp.Diff(ref, q, gocmp.AllowUnexported(queue{}, entry{}, slot{}, seqAction{}), cmpopts.EquateEmpty()); d != "" {
					t.Fatalf("move(%#x) left the queue unlike cancel and push (-cancel,push +move):\n%s", id, d)
				}
				for s, e := range ids {
					if e == id {
						if i := slices.IndexFunc(model, func(m ev) bool { return m.seq == s }); i >= 0 {
							model = slices.Delete(model, i, i+1)
						}
					}
				}
				ids[seq] = got
				model = append(model, ev{at, seq})
				seqs = append(seqs, seq)
			},
			"cancelBogus": func(t *rapid.T) {
				// None of these names a pending event: each must fail and
				// change nothing (checked below).
				bogus := []EventID{0, EventID(len(q.slots) + 1)}
				if free := freeSlots(&q); len(free) > 0 {
					// A free slot, with the generation its next event will get.
					s := rapid.SampledFrom(free).Draw(t, "free")
					bogus = append(bogus, EventID(uint64(q.slots[s].gen)<<32|uint64(s+1)))
				}
				if len(model) > 0 {
					// A pending event's slot, with a generation off by one.
					id := ids[rapid.SampledFrom(model).Draw(t, "pending").seq]
					bogus = append(bogus, id+1<<32, id-1<<32)
				}
				for _, id := range bogus {
					if q.cancel(id) {
						t.Fatalf("cancel(%#x) named no pending event but returned true", id)
					}
				}
			},
			"": func(t *rapid.T) {
				checkQueue(t, &q)
				if q.len() != len(model) {
					t.Fatalf("len=%d, model %d", q.len(), len(model))
				}
				want := slices.Clone(model)
				slices.SortFunc(want, byTime)
				var got []ev
				for _, e := range q.ev {
					got = append(got, ev{e.at, e.seq})
				}
				slices.SortFunc(got, byTime)
				if d := gocmp.Diff(want, got, gocmp.AllowUnexported(ev{}), cmpopts.EquateEmpty()); d != "" {
					t.Fatalf("pending set mismatch (-model +queue):\n%s", d)
				}
				if at, ok := q.peek(); ok != (len(want) > 0) || ok && at != want[0].at {
					t.Fatalf("peek = %v, %v; model %v", at, ok, want)
				}
			},
		})
	})
}

// TestQueueShapes walks a queue through its shapes: an array sorted latest
// first up to heapAbove events, a heap beyond, a sorted array again once the
// heap has shrunk to sortedAt, by pops and by cancels. The events keep their
// order throughout.
func TestQueueShapes(t *testing.T) {
	var q queue
	ids := map[uint64]EventID{}
	var seq uint64
	pushN := func(n int) {
		for range n {
			seq++
			// Times in a scrambled order, with ties.
			ids[seq] = q.push(time.Duration(seq*7%13), seq, &seqAction{seq})
		}
	}
	shape := func(wantHeap bool) {
		t.Helper()
		checkQueue(t, &q)
		if q.isHeap != wantHeap {
			t.Fatalf("%d events: heap %v, want %v", q.len(), q.isHeap, wantHeap)
		}
	}
	var popped []*seqAction
	popN := func(n int) {
		for range n {
			_, act, ok := q.pop()
			if !ok {
				t.Fatal("pop found nothing")
			}
			popped = append(popped, act.(*seqAction))
		}
	}
	pushN(heapAbove)
	shape(false)
	pushN(1)
	shape(true)
	popN(heapAbove + 1 - (sortedAt + 1))
	shape(true)
	popN(1)
	shape(false)
	// Each popped event is the earliest of those pending at the time: with
	// every event pushed before the first pop, they come out sorted.
	if !slices.IsSortedFunc(popped, func(a, b *seqAction) int {
		return cmp.Or(cmp.Compare(a.seq*7%13, b.seq*7%13), cmp.Compare(a.seq, b.seq))
	}) {
		t.Fatal("events popped out of order across the change of shape")
	}

	// Back to a heap, then down by cancels, the latest first.
	pushN(heapAbove)
	shape(true)
	for s := seq; q.len() > sortedAt+1; s-- {
		if !q.cancel(ids[s]) {
			t.Fatalf("cancel of pending seq %d failed", s)
		}
	}
	shape(true)
	if !q.cancel(ids[seq-uint64(heapAbove)+1]) {
		t.Fatal("cancel of a pending event failed")
	}
	shape(false)
	for q.len() > 0 {
		popN(1)
	}
	shape(false)
}

// TestHeapNewEarliestAtEverySize: an event earlier than every other, pushed onto a
// heap of any size from heapAbove+1 to a few hundred, comes out first: it climbs
// from the last position to the root, through whichever of the root's children is
// its ancestor (a climb that stopped one level short left it below the root).
func TestHeapNewEarliestAtEverySize(t *testing.T) {
	for n := heapAbove + 1; n <= 400; n++ {
		var q queue
		for i := range n {
			q.push(time.Duration(1000+i), uint64(i+1), &seqAction{uint64(i + 1)})
		}
		early := &seqAction{uint64(n + 1)}
		q.push(1, uint64(n+1), early)
		checkQueue(t, &q)
		if !q.isHeap {
			t.Fatalf("%d events: not a heap", n+1)
		}
		if _, act, ok := q.pop(); !ok || act != early {
			t.Fatalf("a heap of %d events and an earlier one pushed: popped %v, want the earlier one", n, act)
		}
	}
}
