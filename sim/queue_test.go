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

// checkQueue verifies the heap property and the slot bookkeeping.
func checkQueue(t interface{ Fatalf(string, ...any) }, q *queue) {
	for i := range q.heap {
		if got := q.slots[q.heap[i].slot].idx; int(got) != i {
			t.Fatalf("heap[%d] slot %d records idx %d", i, q.heap[i].slot, got)
		}
		if i > 0 && q.heap[i].before(&q.heap[(i-1)/arity]) {
			t.Fatalf("heap property violated at %d", i)
		}
	}
	used := 0
	for _, s := range q.slots {
		if s.idx >= 0 {
			used++
		} else if s.act != nil {
			t.Fatalf("free slot retains its action")
		}
	}
	if used != len(q.heap) {
		t.Fatalf("%d slots in use, %d heap entries", used, len(q.heap))
	}
	if used+len(q.free) != len(q.slots) {
		t.Fatalf("%d used + %d free != %d slots", used, len(q.free), len(q.slots))
	}
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
// compares against a sorted slice.
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
		t.Repeat(map[string]func(*rapid.T){
			"push": func(t *rapid.T) {
				seq++
				at := time.Duration(rapid.Int64Range(0, 20).Draw(t, "at"))
				s := seq
				ids[s] = q.push(at, s, &seqAction{s})
				model = append(model, ev{at, s})
				seqs = append(seqs, s)
			},
			"pop": func(t *rapid.T) {
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
			},
			"cancel": func(t *rapid.T) {
				if len(seqs) == 0 {
					t.Skip("nothing pushed yet")
				}
				s := rapid.SampledFrom(seqs).Draw(t, "seq")
				i := slices.IndexFunc(model, func(e ev) bool { return e.seq == s })
				if got := q.cancel(ids[s]); got != (i >= 0) {
					t.Fatalf("cancel(seq %d) = %v, pending=%v", s, got, i >= 0)
				}
				if i >= 0 {
					model = slices.Delete(model, i, i+1)
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
				for _, e := range q.heap {
					got = append(got, ev{e.at, e.seq})
				}
				slices.SortFunc(got, byTime)
				if d := gocmp.Diff(want, got, gocmp.AllowUnexported(ev{}), cmpopts.EquateEmpty()); d != "" {
					t.Fatalf("pending set mismatch (-model +queue):\n%s", d)
				}
			},
		})
	})
}
