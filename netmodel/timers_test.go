package netmodel

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

// modelTimer is a timer of the reference model of a timerSet: a plain list in
// arming order.
type modelTimer struct {
	id       router.TimerID
	deadline time.Duration
	t        router.Timer
}

// earliest returns the index in armed of the timer due first (the earliest
// deadline, the first armed among equals), or -1.
func earliest(armed []modelTimer) int {
	best := -1
	for i, m := range armed {
		if best < 0 || m.deadline < armed[best].deadline {
			best = i
		}
	}
	return best
}

// checkShape returns what is wrong with the set's inner shape, or "": the run is
// linked both ways from head to tail, in (deadline, arming order), its slots marked
// inRun; the heap is a heap whose slots know their places; every other slot is on
// the free list, marked unused; and len counts the run and the heap.
func (s *timerSet) checkShape() string {
	seen := make([]bool, len(s.slots))
	mark := func(i int32) string {
		if i < 0 || int(i) >= len(s.slots) {
			return fmt.Sprintf("slot %d out of range", i)
		}
		if seen[i] {
			return fmt.Sprintf("slot %d reached twice", i)
		}
		seen[i] = true
		return ""
	}
	runLen, prev := 0, int32(0)
	for l := s.head; l != 0; l = s.slots[l-1].next {
		if err := mark(l - 1); err != "" {
			return "run: " + err
		}
		sl := &s.slots[l-1]
		switch {
		case sl.pos != inRun:
			return fmt.Sprintf("run: slot %d has pos %d", l-1, sl.pos)
		case sl.prev != prev:
			return fmt.Sprintf("run: slot %d links back to %d, not %d", l-1, sl.prev-1, prev-1)
		case prev != 0 && s.less(l-1, prev-1):
			return fmt.Sprintf("run: slot %d comes before slot %d ahead of it", l-1, prev-1)
		}
		prev = l
		runLen++
	}
	if s.tail != prev {
		return fmt.Sprintf("run: tail is slot %d, the last linked is %d", s.tail-1, prev-1)
	}
	for p, i := range s.heap {
		if err := mark(i); err != "" {
			return "heap: " + err
		}
		if s.slots[i].pos != int32(p) {
			return fmt.Sprintf("heap: slot %d at %d has pos %d", i, p, s.slots[i].pos)
		}
		if p > 0 && s.less(i, s.heap[(p-1)/2]) {
			return fmt.Sprintf("heap: slot %d at %d comes before its parent", i, p)
		}
	}
	for l := s.free; l != 0; l = s.slots[l-1].next {
		if err := mark(l - 1); err != "" {
			return "free list: " + err
		}
		if s.slots[l-1].pos != unused {
			return fmt.Sprintf("free list: slot %d has pos %d", l-1, s.slots[l-1].pos)
		}
	}
	if i := slices.Index(seen, false); i >= 0 {
		return fmt.Sprintf("slot %d is in neither the run, the heap nor the free list", i)
	}
	if s.n != runLen+len(s.heap) {
		return fmt.Sprintf("n is %d, the run and the heap hold %d", s.n, runLen+len(s.heap))
	}
	return ""
}

// TestTimerSetModel drives a timerSet and a plain list of armed timers with the same
// arms, stops (of armed, stopped, fired, cleared and made-up ids), pops and clears,
// and checks every answer against the list: the ids arm returns, whether a timer is
// the earliest, what stop stopped, what pop returns, len and first; and after every
// step the set's inner shape (checkShape). Deadlines come
// from a few values, so that timers tie and arming order decides, or rise with the
// arming order, as calls' deadlines do, so that both the run and the heap hold
// timers; many stops are of timers that are not the earliest, so that both are taken
// apart from the middle and the back as well as the front.
func TestTimerSetModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s timerSet
		var armed []modelTimer
		var ids []router.TimerID // every id returned so far
		tag := uint64(0)
		steps := rapid.IntRange(100, 1000).Draw(t, "steps")
		// How often each operation comes differs from run to run: stops as often as
		// arms in some, timers piling up in others.
		arms := rapid.IntRange(20, 60).Draw(t, "arms")
		for range steps {
			switch op := rapid.IntRange(0, 99).Draw(t, "op"); {
			case op < arms: // arm
				tag++
				d := time.Duration(rapid.IntRange(0, 6).Draw(t, "deadline"))
				if rapid.Bool().Draw(t, "rising") {
					// Later than most armed before it, as calls' deadlines are.
					d += time.Duration(tag)
				}
				tm := router.Timer{Kind: router.TimerWorker, Worker: tag}
				id, head := s.arm(d, tm)
				// A new id every time: one returned before would stop this timer.
				if id == 0 || slices.Contains(ids, id) {
					t.Fatalf("arm returned id %#x, zero or returned before", id)
				}
				armed = append(armed, modelTimer{id: id, deadline: d, t: tm})
				ids = append(ids, id)
				if want := earliest(armed) == len(armed)-1; head != want {
					t.Fatalf("arm(%v) of timer %d: head %v, want %v", d, tag, head, want)
				}
			case op < 90: // stop
				var id router.TimerID
				switch {
				case len(armed) > 0 && rapid.IntRange(0, 3).Draw(t, "which") > 0:
					// An armed timer; not the earliest, if there is another, three
					// times in four.
					i := rapid.IntRange(0, len(armed)-1).Draw(t, "armed")
					if e := earliest(armed); i == e && len(armed) > 1 && rapid.IntRange(0, 3).Draw(t, "spare") > 0 {
						i = (i + 1) % len(armed)
					}
					id = armed[i].id
				case len(ids) > 0 && rapid.Bool().Draw(t, "old"):
					id = ids[rapid.IntRange(0, len(ids)-1).Draw(t, "old id")]
				case rapid.Bool().Draw(t, "near"):
					// Made up from a small slot number and generation, as a free
					// slot's next id would be.
					gen := rapid.Uint64Range(0, 3).Draw(t, "gen")
					id = router.TimerID(gen<<32 | rapid.Uint64Range(0, 9).Draw(t, "slot"))
				default:
					id = router.TimerID(rapid.Uint64().Draw(t, "made-up id"))
				}
				i := slices.IndexFunc(armed, func(m modelTimer) bool { return m.id == id })
				stopped, head := s.stop(id)
				if stopped != (i >= 0) || head != (i >= 0 && i == earliest(armed)) {
					t.Fatalf("stop(%#x) = %v, %v; want %v, %v", id, stopped, head, i >= 0, i >= 0 && i == earliest(armed))
				}
				if i >= 0 {
					armed = slices.Delete(armed, i, i+1)
				}
			case op < 97: // pop
				if len(armed) == 0 {
					continue
				}
				i := earliest(armed)
				if got := s.pop(); got != armed[i].t {
					t.Fatalf("pop = timer %d, want %d", got.Worker, armed[i].t.Worker)
				}
				armed = slices.Delete(armed, i, i+1)
			default:
				s.clear()
				armed = armed[:0]
			}
			if err := s.checkShape(); err != "" {
				t.Fatalf("after step: %s", err)
			}
			if s.len() != len(armed) {
				t.Fatalf("len = %d, want %d", s.len(), len(armed))
			}
			if i := earliest(armed); i >= 0 && s.first() != armed[i].deadline {
				t.Fatalf("first = %v, want %v", s.first(), armed[i].deadline)
			}
		}
	})
}
