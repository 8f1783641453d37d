package netmodel_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/netmodel"
)

// TestClockModelValidate: a bad model is refused naming the field.
func TestClockModelValidate(t *testing.T) {
	cases := []struct {
		name string
		c    netmodel.ClockModel
		want string // "" for valid
	}{
		{name: "perfect", c: netmodel.ClockModel{}},
		{name: "offset and drift", c: netmodel.ClockModel{Offset: dur(-time.Hour), DriftPPM: -100000}},
		{name: "periodic", c: netmodel.ClockModel{PeriodicPPM: 100000, Period: dur(time.Second)}},
		{name: "drift too fast", c: netmodel.ClockModel{DriftPPM: 100001}, want: "clk.drift_ppm: 100001 is not within ±100000"},
		{name: "drift too slow", c: netmodel.ClockModel{DriftPPM: -2e6}, want: "clk.drift_ppm: -2e+06 is not within ±100000"},
		{name: "NaN drift", c: netmodel.ClockModel{DriftPPM: math.NaN()}, want: "clk.drift_ppm: NaN is not within ±100000"},
		{name: "periodic too big", c: netmodel.ClockModel{PeriodicPPM: -1e5 - 1, Period: dur(time.Second)}, want: "clk.periodic_ppm: -100001 is not within ±100000"},
		{name: "periodic without period", c: netmodel.ClockModel{PeriodicPPM: 5}, want: "clk.period: periodic_ppm 5 needs a positive period"},
		{name: "the shortest period", c: netmodel.ClockModel{PeriodicPPM: 5, Period: dur(time.Millisecond)}},
		{name: "period too short", c: netmodel.ClockModel{PeriodicPPM: 5, Period: dur(time.Millisecond - 1)}, want: "clk.period: 999.999µs is under 1ms: a slow periodic drift needs a slow period"},
		{name: "negative period", c: netmodel.ClockModel{Period: dur(-time.Second)}, want: "clk.period: -1s is negative"},
		{name: "the longest period", c: netmodel.ClockModel{PeriodicPPM: -100000, Period: dur(netmodel.MaxPeriod)}},
		// A period of decades made the local clock step back (TestClockMonotoneAtMaxPeriod).
		{name: "period too long", c: netmodel.ClockModel{PeriodicPPM: 5, Period: dur(netmodel.MaxPeriod + 1)}, want: "clk.period: 24h0m0.000000001s, past the limit of 24h0m0s"},
		{name: "period of a century", c: netmodel.ClockModel{PeriodicPPM: -100000, Period: dur(876000 * time.Hour)}, want: "clk.period: 876000h0m0s, past the limit of 24h0m0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate("clk")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want || !errors.Is(err, netmodel.ErrBadConfig) {
				t.Fatalf("Validate = %v, want ErrBadConfig %q", err, tc.want)
			}
		})
	}
}

// TestSetClockInvalidPanics: an invalid model is a bug in the caller.
func TestSetClockInvalidPanics(t *testing.T) {
	_, n := newNet(t, 1, config(1, time.Millisecond, 0))
	h, _ := addHost(t, n, "a")
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "clock.drift_ppm") {
			t.Errorf("recover() = %v, want a panic naming clock.drift_ppm", r)
		}
	}()
	h.SetClock(netmodel.ClockModel{DriftPPM: 1e6})
}

// TestClockTimers: where timers fire, in virtual time, and what the host's clock reads
// then, under each clock model and clock move. A timer fires at the first nanosecond
// of virtual time at which the local clock has reached its deadline.
func TestClockTimers(t *testing.T) {
	ms := time.Millisecond
	type fire struct{ Global, Local time.Duration }
	cases := []struct {
		name  string
		setup func(h *netmodel.Host) // at 0, before the timer is armed
		later func(h *netmodel.Host) // at 2ms
		d     time.Duration
		want  fire
		steps time.Duration
	}{
		{name: "perfect", d: time.Second, want: fire{time.Second, time.Second}},
		{name: "offset shows in Now, not in timers",
			setup: func(h *netmodel.Host) {
				h.SetClock(netmodel.ClockModel{Offset: dur(3 * time.Second)})
			},
			d: time.Second, want: fire{time.Second, 4 * time.Second}},
		{name: "1000ppm fast",
			// local = t + floor(t/1000): 1s local at t = ceil(1e9/1.001) = 999001000,
			// where the clock reads 999001000 + 999001, a nanosecond past the deadline.
			setup: func(h *netmodel.Host) {
				h.SetClock(netmodel.ClockModel{DriftPPM: 1000})
			},
			d: time.Second, want: fire{999_001_000, time.Second + 1}},
		{name: "1000ppm slow",
			// local = t + floor(-t/1000): 1s local at t = 1001001002.
			setup: func(h *netmodel.Host) {
				h.SetClock(netmodel.ClockModel{DriftPPM: -1000})
			},
			d: time.Second, want: fire{1_001_001_002, time.Second}},
		{name: "rate change mid-way",
			// 2ms at rate 1, then 8ms local at rate 1.1: 8ms/1.1 = 7272727.27 -> 7272728.
			later: func(h *netmodel.Host) { h.SetClock(netmodel.ClockModel{DriftPPM: 100000, Offset: dur(time.Hour)}) },
			d:     10 * ms, want: fire{2*ms + 7_272_728, 10 * ms}},
		{name: "forward step makes it due at once",
			later: func(h *netmodel.Host) { h.StepClock(20 * ms) },
			d:     10 * ms, want: fire{2 * ms, 22 * ms}, steps: 20 * ms},
		{name: "forward step short of the deadline",
			later: func(h *netmodel.Host) { h.StepClock(5 * ms) },
			d:     10 * ms, want: fire{5 * ms, 10 * ms}, steps: 5 * ms},
		{name: "backward step delays it",
			later: func(h *netmodel.Host) { h.StepClock(-5 * ms) },
			d:     10 * ms, want: fire{15 * ms, 10 * ms}},
		{name: "steps both ways: ClockSteps sums the forward ones",
			// At 2ms the clock goes 2ms -> 5ms -> -995ms -> -993ms: 1003ms short.
			later: func(h *netmodel.Host) { h.StepClock(3 * ms); h.StepClock(-time.Second); h.StepClock(2 * ms) },
			d:     10 * ms, want: fire{2*ms + 1003*ms, 10 * ms}, steps: 5 * ms},
		{name: "step while paused fires at resume, counted by PausedLocal, not ClockSteps",
			later: func(h *netmodel.Host) { h.Pause(); h.StepClock(time.Second); h.Resume() },
			d:     10 * ms, want: fire{2 * ms, time.Second + 2*ms}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, n := newNet(t, 1, config(1, ms, 0))
			h, r := addHost(t, n, "a")
			if tc.setup != nil {
				tc.setup(h)
			}
			var got []fire
			r.onFire = func() { got = append(got, fire{w.Now(), h.Now()}) }
			h.Clock().After(tc.d, timer(1))
			if tc.later != nil {
				at(w, 2*ms, func() { tc.later(h) })
			}
			w.Run()
			if diff := cmp.Diff([]fire{tc.want}, got); diff != "" {
				t.Errorf("fired (-want +got):\n%s", diff)
			}
			if h.ClockSteps() != tc.steps {
				t.Errorf("ClockSteps = %v, want %v", h.ClockSteps(), tc.steps)
			}
			if timers, _ := h.Busy(); timers != 0 {
				t.Errorf("Busy timers = %d after firing", timers)
			}
		})
	}
}

// TestClockTrace: clock moves are in the trace.
func TestClockTrace(t *testing.T) {
	w, n := newTracedNet(t, 1, config(1, time.Millisecond, 0))
	h, _ := addHost(t, n, "a")
	h.SetClock(netmodel.ClockModel{Offset: dur(time.Second), DriftPPM: 250, PeriodicPPM: -1.5, Period: dur(time.Minute)})
	at(w, time.Millisecond, func() { h.StepClock(-time.Millisecond) })
	w.Run()
	want := []string{
		"0s a clock-set offset=1000000000 drift_ppm=250 periodic_ppm=-1.5 period=60000000000 local=1000000000",
		// 1s + 1ms + 250ns of drift, less a hair of the periodic error, less the step.
		"1ms a clock-step step=-1000000 local=1000000249",
	}
	if diff := cmp.Diff(want, records(w, "clock-set", "clock-step")); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// TestClockSetLaterKeepsTime: a SetClock after time 0 changes the rate only: the clock
// does not jump to the model's offset.
func TestClockSetLaterKeepsTime(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	h, _ := addHost(t, n, "a")
	w.RunUntil(time.Second)
	h.SetClock(netmodel.ClockModel{Offset: dur(time.Hour), DriftPPM: 100000})
	if h.Now() != time.Second {
		t.Fatalf("Now right after SetClock = %v, want 1s", h.Now())
	}
	w.RunUntil(2 * time.Second)
	if want := time.Second + 1100*time.Millisecond; h.Now() != want {
		t.Errorf("Now 1s later = %v, want %v", h.Now(), want)
	}
}

// drawClock draws a valid clock model, of any period up to MaxPeriod.
func drawClock(t *rapid.T, label string) netmodel.ClockModel {
	c := netmodel.ClockModel{
		Offset:   dur(time.Duration(rapid.Int64Range(-int64(time.Hour), int64(time.Hour)).Draw(t, label+".offset"))),
		DriftPPM: rapid.Float64Range(-100000, 100000).Draw(t, label+".drift"),
	}
	if rapid.Bool().Draw(t, label+".periodic") {
		c.PeriodicPPM = rapid.Float64Range(-100000, 100000).Draw(t, label+".amp")
		c.Period = dur(time.Duration(rapid.Int64Range(int64(netmodel.MinPeriod), int64(netmodel.MaxPeriod)).Draw(t, label+".period")))
	}
	return c
}

// TestClockMonotone: under any valid model, with rate changes and forward steps at any
// time, the host's clock never goes back.
func TestClockMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w, n := newNet(t, 1, config(1, time.Millisecond, 0))
		h, _ := addHost(t, n, "a")
		h.SetClock(drawClock(t, "start"))
		last := h.Now()
		gaps := rapid.SliceOfN(rapid.Int64Range(0, int64(time.Minute)), 1, 100).Draw(t, "gaps")
		var when time.Duration
		for i, g := range gaps {
			when += time.Duration(g)
			w.RunUntil(when)
			now := h.Now()
			if now < last {
				t.Fatalf("sample %d at %v: the clock went back from %v to %v", i, when, last, now)
			}
			last = now
			switch rapid.IntRange(0, 4).Draw(t, "action") {
			case 0:
				if when == 0 {
					break // at time 0 SetClock also sets the offset: a jump by design
				}
				h.SetClock(drawClock(t, "later"))
			case 1:
				h.StepClock(time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(t, "step")))
			}
			if h.Now() < now {
				t.Fatalf("at %v a SetClock or forward step moved the clock back from %v to %v", when, now, h.Now())
			}
		}
	})
}

// TestClockTimerPrecision: under any valid model and rate changes, a timer fires when
// the local clock reaches its deadline: not before, and at most one virtual nanosecond
// after (the rate is at most 1.2, so the clock then reads at most deadline+2).
func TestClockTimerPrecision(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w, n := newNet(t, 1, config(1, time.Millisecond, 0))
		h, r := addHost(t, n, "a")
		h.SetClock(drawClock(t, "start"))
		var deadlines []time.Duration
		gaps := rapid.SliceOfN(rapid.Int64Range(1, int64(10*time.Second)), 1, 30).Draw(t, "gaps")
		var when time.Duration
		for _, g := range gaps {
			when += time.Duration(g)
			if rapid.IntRange(0, 3).Draw(t, "action") == 0 {
				c := drawClock(t, "later")
				at(w, when, func() { h.SetClock(c) })
				continue
			}
			d := time.Duration(rapid.Int64Range(0, int64(10*time.Second)).Draw(t, "d"))
			at(w, when, func() {
				deadlines = append(deadlines, h.Now()+d)
				h.Clock().After(d, timer(uint64(len(deadlines)-1)))
			})
		}
		w.Run()
		if len(r.fired) != len(deadlines) {
			t.Fatalf("%d timers fired of %d armed", len(r.fired), len(deadlines))
		}
		for _, f := range r.fired {
			if dl := deadlines[f.Timer.Worker]; f.At < dl || f.At > dl+2 {
				t.Fatalf("timer %d with local deadline %v fired with the clock at %v", f.Timer.Worker, dl, f.At)
			}
		}
	})
}

// TestTimerCancelLeavesQueue: a host keeps one event in the world's queue, for its
// earliest timer; cancelling timers, the earliest included, leaves no stale event
// behind, so a run that waits for quiet does not idle on to a deadline nobody waits for.
func TestTimerCancelLeavesQueue(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	h, r := addHost(t, n, "a")
	h.SetClock(netmodel.ClockModel{DriftPPM: 300})
	minute := h.Clock().After(time.Minute, timer(1))
	hour := h.Clock().After(time.Hour, timer(2))
	h.Clock().After(time.Second, timer(3))
	if w.Pending() != 1 {
		t.Errorf("Pending = %d with three timers armed, want 1", w.Pending())
	}
	h.Clock().Stop(minute)
	h.Clock().Stop(hour)
	w.Run()
	if len(r.fired) != 1 || r.fired[0].Timer != timer(3) || w.Now() >= time.Second {
		t.Errorf("fired %v, run ended at %v; want only timer 3, just before 1s", r.fired, w.Now())
	}
	end := w.Now()
	head := h.Clock().After(time.Hour, timer(4))
	h.Clock().Stop(head)
	if w.Pending() != 0 {
		t.Errorf("Pending = %d after the only timer was cancelled, want 0", w.Pending())
	}
	w.Run()
	if w.Now() != end || len(r.fired) != 1 {
		t.Errorf("the run went on from %v to %v, firing %v", end, w.Now(), r.fired)
	}
}

// TestTimerStaleStop: a timer's id stops that timer only. Its slot is reused by the
// next timer armed, and stopping the old id again (or an id from before a restart)
// must leave the new timer armed.
func TestTimerStaleStop(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	h, r := addHost(t, n, "a")
	clk := h.Clock()
	first := clk.After(time.Millisecond, timer(1))
	clk.Stop(first)
	second := clk.After(2*time.Millisecond, timer(2)) // takes the first's slot
	if second == first {
		t.Fatalf("a new timer got the stopped timer's id %v", first)
	}
	clk.Stop(first)
	clk.Stop(0)
	w.Run()
	want := []fired{{At: 2 * time.Millisecond, Timer: timer(2)}}
	if diff := cmp.Diff(want, r.fired); diff != "" {
		t.Errorf("timers fired (-want +got):\n%s", diff)
	}
}

// TestTimerArmStopAllocatesNothing: once a host has held as many timers at once, a
// call's deadline timer costs no allocation to arm and stop.
func TestTimerArmStopAllocatesNothing(t *testing.T) {
	_, n := newNet(t, 1, config(1, time.Millisecond, 0))
	h, _ := addHost(t, n, "a")
	clk := h.Clock()
	clk.After(time.Hour, timer(0)) // the head: arming later ones reschedules nothing
	allocs := testing.AllocsPerRun(1000, func() {
		clk.Stop(clk.After(time.Minute, timer(1)))
	})
	if allocs != 0 {
		t.Errorf("arming and stopping a timer allocated %v times, want 0", allocs)
	}
}
