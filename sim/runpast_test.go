package sim

import (
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func TestRunPast(t *testing.T) {
	w := New(Config{})
	var got []string
	w.Schedule(10, func() {
		got = append(got, "10")
		w.Schedule(20, recorder(&got, "20-nested")) // at t: runs
		w.Schedule(21, recorder(&got, "21-nested")) // the first past t: runs
	})
	w.Schedule(20, recorder(&got, "20"))
	w.Schedule(21, recorder(&got, "21-later")) // past t, after the first: waits
	w.Schedule(25, recorder(&got, "25"))
	if !w.RunPast(20) {
		t.Fatal("RunPast(20) = false with events past 20 pending")
	}
	if d := gocmp.Diff([]string{"10", "20", "20-nested", "21-later"}, got); d != "" {
		t.Fatalf("RunPast(20) ran (-want +got):\n%s", d)
	}
	if w.Now() != 21 || w.Pending() != 2 || w.Executed() != 4 {
		t.Fatalf("Now=%v Pending=%d Executed=%d, want 21ns, 2 and 4", w.Now(), w.Pending(), w.Executed())
	}
	// Every event pending is past t: the first runs, and only it.
	if !w.RunPast(0) || w.Now() != 21 || w.Pending() != 1 {
		t.Fatalf("RunPast(0): Now=%v Pending=%d, want 21ns and 1", w.Now(), w.Pending())
	}
	if w.RunPast(1000) {
		t.Fatal("RunPast(1000) = true though no event is past 1000")
	}
	if w.Now() != 25 || w.Pending() != 0 {
		t.Fatalf("Now=%v Pending=%d, want 25ns (not advanced to t) and 0", w.Now(), w.Pending())
	}
	if w.RunPast(0) || w.Executed() != 6 {
		t.Fatalf("RunPast on an empty queue: true or ran something (executed %d)", w.Executed())
	}
	want := []string{"10", "20", "20-nested", "21-later", "21-nested", "25"}
	if d := gocmp.Diff(want, got); d != "" {
		t.Fatalf("order (-want +got):\n%s", d)
	}
}

func TestRunPastStop(t *testing.T) {
	w := New(Config{})
	var got []string
	w.Schedule(1, recorder(&got, "1"))
	w.Schedule(2, func() { got = append(got, "2"); w.Stop() })
	w.Schedule(3, recorder(&got, "3"))
	w.Stop() // before: no effect
	if w.RunPast(100) || w.Now() != 2 || w.Pending() != 1 {
		t.Fatalf("stopped RunPast: Now=%v Pending=%d, want false, 2ns and 1", w.Now(), w.Pending())
	}
	if w.RunPast(100) || w.Pending() != 0 {
		t.Fatalf("RunPast after a stop: Pending=%d, want 0", w.Pending())
	}
	if d := gocmp.Diff([]string{"1", "2", "3"}, got); d != "" {
		t.Fatalf("order (-want +got):\n%s", d)
	}
}

// TestRunPastIsStepByStep builds two worlds alike and runs one with RunPast and
// the other with the loop RunPast stands for, Step by Step, comparing what ran
// and when, Now, Executed, Pending and what each returned. Events schedule,
// reschedule and cancel others while they run, and sometimes call Stop; half the
// runs start with enough events pending for the queue to be a heap.
func TestRunPastIsStepByStep(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type ran struct {
			At time.Duration
			N  int
		}
		type side struct {
			w      *World
			ids    []EventID // by event number
			log    []ran
			budget int // events still to be scheduled from events, so that runs end
		}
		type plan struct {
			after  []time.Duration // children scheduled this far ahead
			cancel int             // an event number to cancel, or -1
			stop   bool            // calls Stop
		}
		plans := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) plan {
			return plan{
				after:  rapid.SliceOfN(rapid.Map(rapid.Int64Range(-2, 40), func(d int64) time.Duration { return time.Duration(d) }), 0, 2).Draw(t, "after"),
				cancel: rapid.IntRange(-1, 150).Draw(t, "cancel"),
				stop:   rapid.IntRange(0, 15).Draw(t, "stop") == 0,
			}
		}), 1, 16).Draw(t, "plans")
		var schedule func(s *side, at time.Duration) int
		schedule = func(s *side, at time.Duration) int {
			n := len(s.ids)
			p := plans[n%len(plans)]
			s.ids = append(s.ids, s.w.Schedule(at, func() {
				s.log = append(s.log, ran{s.w.Now(), n})
				for _, d := range p.after {
					if s.budget > 0 {
						s.budget--
						schedule(s, s.w.Now()+d)
					}
				}
				if p.cancel >= 0 && p.cancel < len(s.ids) {
					s.w.Cancel(s.ids[p.cancel])
				}
				if p.stop {
					s.w.Stop()
				}
			}))
			return n
		}
		sides := [2]*side{{w: New(Config{NoHash: true}), budget: 300}, {w: New(Config{NoHash: true}), budget: 300}}
		start := rapid.IntRange(1, 20).Draw(t, "start") + rapid.IntRange(0, 1).Draw(t, "prefill")*rapid.IntRange(60, 120).Draw(t, "events")
		for range start {
			at := time.Duration(rapid.Int64Range(0, 100).Draw(t, "at"))
			schedule(sides[0], at)
			schedule(sides[1], at)
		}
		for range rapid.IntRange(1, 12).Draw(t, "runs") {
			past := sides[0].w.Now() + time.Duration(rapid.Int64Range(-5, 60).Draw(t, "past"))
			got := sides[0].w.RunPast(past)
			// The reference: Step until the queue is empty, a Stop, or an event past t.
			s := sides[1]
			want, stopped := false, false
			s.w.stopped = false
			for !stopped && s.w.Step() {
				stopped = s.w.stopped
				if s.w.Now() > past {
					want = true
					break
				}
			}
			s.w.stopped = false
			if got != want {
				t.Fatalf("RunPast(%v) = %v, stepping %v", past, got, want)
			}
			a, b := sides[0].w, sides[1].w
			if a.Now() != b.Now() || a.Executed() != b.Executed() || a.Pending() != b.Pending() {
				t.Fatalf("after RunPast(%v): Now=%v Executed=%d Pending=%d; stepping %v %d %d",
					past, a.Now(), a.Executed(), a.Pending(), b.Now(), b.Executed(), b.Pending())
			}
			if d := gocmp.Diff(sides[1].log, sides[0].log); d != "" {
				t.Fatalf("runs differ (-stepping +RunPast):\n%s", d)
			}
			checkQueue(t, &a.q)
		}
	})
}
