package sim

import (
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestRescheduleIsCancelAndSchedule runs two worlds side by side, one moving
// events with Reschedule and the other with Cancel then ScheduleAction, and
// requires the same ids, the same pending counts and the same events run at the
// same times in the same order. Events reschedule other events while they run,
// so times in the past are clamped, as ScheduleAction clamps them; half the runs
// start with enough events pending for the queue to be a heap.
func TestRescheduleIsCancelAndSchedule(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type ran struct {
			at time.Duration
			n  int
		}
		type side struct {
			w      *World
			ids    []EventID // by event number
			log    []ran
			budget int // moves left to events, so that runs end
		}
		sides := [2]*side{{w: New(Config{NoHash: true}), budget: 200}, {w: New(Config{NoHash: true}), budget: 200}}
		// move reschedules event number i (or schedules it if it is new) on
		// side s at at, the way side s does it.
		var move func(s *side, useReschedule bool, i int, at time.Duration)
		act := func(s *side, useReschedule bool, n int, then []int) Action {
			return funcAction(func() {
				s.log = append(s.log, ran{s.w.Now(), n})
				for _, j := range then { // move others from inside the event
					if s.budget > 0 {
						s.budget--
						move(s, useReschedule, j, s.w.Now()+time.Duration(j%7)-3)
					}
				}
			})
		}
		var follow [][]int // what event n moves when it runs
		move = func(s *side, useReschedule bool, n int, at time.Duration) {
			for len(s.ids) <= n {
				s.ids = append(s.ids, 0)
			}
			a := act(s, useReschedule, n, follow[n%len(follow)])
			if useReschedule {
				s.ids[n] = s.w.Reschedule(s.ids[n], at, a)
			} else {
				s.w.Cancel(s.ids[n])
				s.ids[n] = s.w.ScheduleAction(at, a)
			}
		}
		follow = rapid.SliceOfN(rapid.SliceOfN(rapid.IntRange(0, 30), 0, 2), 1, 8).Draw(t, "follow")
		// Many events from the start, half the time: a queue past 64 is a heap.
		for n := range rapid.IntRange(0, 1).Draw(t, "prefill") * rapid.IntRange(60, 120).Draw(t, "events") {
			at := time.Duration(rapid.Int64Range(0, 60).Draw(t, "at"))
			move(sides[0], true, n, at)
			move(sides[1], false, n, at)
		}
		for range rapid.IntRange(1, 200).Draw(t, "ops") {
			switch op := rapid.IntRange(0, 3).Draw(t, "op"); op {
			case 0, 1: // move or schedule an event
				n := rapid.IntRange(0, 120).Draw(t, "event")
				at := time.Duration(rapid.Int64Range(0, 60).Draw(t, "at"))
				move(sides[0], true, n, at)
				move(sides[1], false, n, at)
			case 2: // cancel one
				if n := rapid.IntRange(0, 120).Draw(t, "cancel"); n < len(sides[0].ids) {
					if a, b := sides[0].w.Cancel(sides[0].ids[n]), sides[1].w.Cancel(sides[1].ids[n]); a != b {
						t.Fatalf("Cancel = %v with Reschedule, %v with Cancel and ScheduleAction", a, b)
					}
				}
			case 3: // run a few events
				k := rapid.IntRange(1, 5).Draw(t, "steps")
				for range k {
					a, b := sides[0].w.Step(), sides[1].w.Step()
					if a != b {
						t.Fatalf("Step = %v with Reschedule, %v with Cancel and ScheduleAction", a, b)
					}
				}
			}
			if d := gocmp.Diff(sides[1].ids, sides[0].ids); d != "" {
				t.Fatalf("ids differ (-cancel,schedule +reschedule):\n%s", d)
			}
			if a, b := sides[0].w.Pending(), sides[1].w.Pending(); a != b {
				t.Fatalf("Pending = %d with Reschedule, %d with Cancel and ScheduleAction", a, b)
			}
		}
		sides[0].w.Run()
		sides[1].w.Run()
		if d := gocmp.Diff(sides[1].log, sides[0].log, gocmp.AllowUnexported(ran{})); d != "" {
			t.Fatalf("runs differ (-cancel,schedule +reschedule):\n%s", d)
		}
	})
}
