package netmodel_test

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

// TestHostTimersFireInOrder drives a host's timers through its Clock, as the router
// core does, with timeouts of mixed lengths (so that timers are armed out of order
// as well as in order), stops from outside and from inside a firing timer, timers
// armed while others fire, and crashes with restarts. Against a plain list of what
// was armed: a timer fires exactly once, at its deadline (the clock is perfect),
// unless it was stopped or its incarnation died first, and timers fire in order of
// (deadline, arming order); at the end every live timer has fired.
func TestHostTimersFireInOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type armed struct {
			deadline time.Duration
			clk      router.Clock
			id       router.TimerID
			dead     bool // stopped, or its incarnation crashed, before it fired
			fired    bool
		}
		w, n := newNet(t, 1, config(1, time.Millisecond, 0))
		h, r := addHost(t, n, "a")
		var timers []*armed // by arming order; a timer's tag is its index
		durations := rapid.SampledFrom([]time.Duration{
			0, time.Microsecond, 7 * time.Microsecond, 50 * time.Microsecond,
			time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond,
		})
		arm := func(label string) {
			d := durations.Draw(t, label)
			clk := h.Clock()
			a := &armed{deadline: w.Now() + d, clk: clk}
			a.id = clk.After(d, timer(uint64(len(timers))))
			if a.id == 0 {
				t.Fatalf("After on an up host returned the zero TimerID")
			}
			timers = append(timers, a)
		}
		stop := func(label string) {
			if len(timers) == 0 {
				return
			}
			a := timers[rapid.IntRange(0, len(timers)-1).Draw(t, label)]
			a.clk.Stop(a.id)
			if !a.fired {
				a.dead = true
			}
		}
		last := -1 // the tag of the timer fired last
		r.onFire = func() {
			tag := int(r.fired[len(r.fired)-1].Timer.Worker)
			a := timers[tag]
			switch {
			case a.fired:
				t.Fatalf("timer %d fired twice", tag)
			case a.dead:
				t.Fatalf("timer %d fired after it was stopped or its host crashed", tag)
			case w.Now() != a.deadline:
				t.Fatalf("timer %d fired at %v, its deadline is %v", tag, w.Now(), a.deadline)
			}
			if last >= 0 && timers[last].deadline == a.deadline && last > tag {
				t.Fatalf("timer %d fired after timer %d, armed later with the same deadline %v", last, tag, a.deadline)
			}
			a.fired, last = true, tag
			switch rapid.IntRange(0, 3).Draw(t, "in fire") {
			case 1:
				stop("stop in fire")
			case 2:
				arm("arm in fire")
			}
		}
		now := time.Duration(0)
		for range rapid.IntRange(1, 60).Draw(t, "steps") {
			now += rapid.SampledFrom([]time.Duration{0, time.Microsecond, 20 * time.Microsecond, time.Millisecond, 5 * time.Millisecond}).Draw(t, "gap")
			op := rapid.IntRange(0, 9).Draw(t, "op")
			at(w, now, func() {
				switch {
				case op < 6:
					arm("arm")
				case op < 9:
					stop("stop")
				default: // a crash: the incarnation's timers die with it
					h.Crash()
					for _, a := range timers {
						if !a.fired {
							a.dead = true
						}
					}
					h.Restart()
					h.Attach(r) // a crash lets its receiver go
				}
			})
		}
		w.Run()
		for tag, a := range timers {
			if !a.dead && !a.fired {
				t.Fatalf("timer %d (deadline %v) never fired", tag, a.deadline)
			}
		}
		if timers, _ := h.Busy(); timers != 0 {
			t.Fatalf("Busy timers = %d after the run", timers)
		}
	})
}
