package netmodel_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/sim"
)

// TestClockOffsetBounded: a clock's offset past MaxClockReading either way is
// refused by name; the bound itself is taken.
func TestClockOffsetBounded(t *testing.T) {
	for _, off := range []time.Duration{netmodel.MaxClockReading + 1, -netmodel.MaxClockReading - 1, math.MaxInt64, math.MinInt64} {
		err := netmodel.ClockModel{Offset: netmodel.Duration(off)}.Validate("clock")
		if !errors.Is(err, netmodel.ErrBadConfig) || !strings.Contains(err.Error(), "clock.offset: ") || !strings.Contains(err.Error(), "past the limit of") {
			t.Errorf("offset %v: Validate = %v, want clock.offset named as past the limit", off, err)
		}
	}
	for _, off := range []time.Duration{netmodel.MaxClockReading, -netmodel.MaxClockReading} {
		if err := (netmodel.ClockModel{Offset: netmodel.Duration(off)}).Validate("clock"); err != nil {
			t.Errorf("offset %v: Validate = %v, want it taken", off, err)
		}
	}
}

// TestStepClockPastTheBoundPanics: a step that would take a clock's reading past
// MaxClockReading panics, naming the step, rather than wrap the reading around (a
// step of math.MaxInt64 at a reading of 1s set the clock 292 years back); a step to
// the bound itself is taken.
func TestStepClockPastTheBoundPanics(t *testing.T) {
	for _, d := range []time.Duration{math.MaxInt64, math.MinInt64, netmodel.MaxClockReading, -netmodel.MaxClockReading - 2*time.Second} {
		h := hostAtOneSecond(t)
		got := func() (p any) {
			defer func() { p = recover() }()
			h.StepClock(d)
			return nil
		}()
		if s, _ := got.(string); !strings.Contains(s, "netmodel: StepClock(") || !strings.Contains(s, "past MaxClockReading") {
			t.Errorf("StepClock(%v) at a reading of %v: panic %v, want one naming the bound; the clock reads %v", d, time.Second, got, h.Now())
		}
	}
	h := hostAtOneSecond(t)
	h.StepClock(netmodel.MaxClockReading - time.Second)
	if got := h.Now(); got != netmodel.MaxClockReading {
		t.Errorf("after a step to the bound the clock reads %v, want %v", got, netmodel.MaxClockReading)
	}
}

// hostAtOneSecond returns a host of a new network whose world has run to 1s.
func hostAtOneSecond(t *testing.T) *netmodel.Host {
	t.Helper()
	w := sim.New(sim.Config{})
	n, err := netmodel.New(w, config(1, ms, 0))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := addHost(t, n, "a")
	w.RunUntil(time.Second)
	return h
}

// TestPartitionOfNoModePanics: a partition whose mode is neither drop nor stall
// panics, naming the mode, rather than let its messages travel to be lost on
// arrival as neither mode says.
func TestPartitionOfNoModePanics(t *testing.T) {
	w := sim.New(sim.Config{})
	n, err := netmodel.New(w, config(1, ms, 0))
	if err != nil {
		t.Fatal(err)
	}
	addHost(t, n, "a")
	addHost(t, n, "b")
	for _, cut := range []func(){
		func() { n.Partition(ids("a"), ids("b"), netmodel.InFlight(7)) },
		func() { n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlight(2)) },
	} {
		got := func() (p any) {
			defer func() { p = recover() }()
			cut()
			return nil
		}()
		if s, _ := got.(string); !strings.Contains(s, "neither InFlightDrop nor InFlightStall") {
			t.Errorf("panic %v, want one naming the mode", got)
		}
	}
}

// TestClockReadingAtTheBounds: a clock at the largest offset, running at the fastest
// drift, read at a virtual time as late as MaxClockReading, reads past its offset,
// not wrapped around: at a bound of 2^62 the reading overflowed to centuries before the
// start.
func TestClockReadingAtTheBounds(t *testing.T) {
	w := sim.New(sim.Config{})
	n, err := netmodel.New(w, config(1, ms, 0))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := addHost(t, n, "a")
	h.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(netmodel.MaxClockReading), DriftPPM: 100_000})
	w.RunUntil(netmodel.MaxClockReading)
	if got, bound := h.Now(), netmodel.MaxClockReading; got <= bound {
		t.Errorf("at virtual time %v the clock reads %v, want more than its offset, %v", bound, got, bound)
	}
}
