package netmodel

import (
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

// TestTimerSetModel drives a timerSet and a plain list of armed timers with the same
// arms, stops (of armed, stopped, fired, cleared and made-up ids), pops and clears,
// and checks every answer against the list: the ids arm returns, whether a timer is
// the earliest, what stop stopped, what pop returns, len and first. Deadlines come
// from a few values, so that timers tie and arming order decides, or rise with the
// arming order, as calls' deadlines do; many stops are of timers that are not the
// earliest, so that the heap is taken apart from the middle as well as the top.
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
			if s.len() != len(armed) {
				t.Fatalf("len = %d, want %d", s.len(), len(armed))
			}
			if i := earliest(armed); i >= 0 && s.first() != armed[i].deadline {
				t.Fatalf("first = %v, want %v", s.first(), armed[i].deadline)
			}
		}
	})
}
