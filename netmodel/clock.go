package netmodel

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// maxPPM bounds each rate error, so the clock's rate, 1 + drift + periodic, stays at or
// above 0.8: the local clock never stops or runs backwards by itself.
const maxPPM = 100_000

// ClockModel is how a host's clock strays from the world's virtual time. The local
// clock runs at rate 1 + DriftPPM/1e6 + PeriodicPPM/1e6 * sin(2πt/Period), t being
// virtual time, and reads Offset at time 0. The zero ClockModel is a perfect clock.
type ClockModel struct {
	// Offset is the local clock's reading at time 0: local = global + Offset there;
	// at most MaxClockReading either way.
	Offset Duration `json:"offset,omitempty"`
	// DriftPPM is a constant rate error in parts per million: 500 runs 0.05% fast, a
	// negative value slow. At most 100000 either way.
	DriftPPM float64 `json:"drift_ppm,omitempty"`
	// PeriodicPPM is the amplitude of a slow sinusoidal rate error, in parts per
	// million, at most 100000 either way.
	PeriodicPPM float64 `json:"periodic_ppm,omitempty"`
	// Period is the sinusoid's period; it must be at least MinPeriod when PeriodicPPM
	// is not 0, and at most MaxPeriod.
	Period Duration `json:"period,omitempty"`
}

// MaxClockReading bounds a clock's Offset, and the reading a StepClock leaves, either
// way (2^61ns, about 73 years): with virtual time within it as well, no reading
// comes near overflowing a time.Duration, whose limit is four times as far (a step
// past it wrapped the clock around, so that a step forward set it centuries back).
const MaxClockReading = time.Duration(1 << 61)

// MinPeriod is the shortest Period of a periodic rate error.
const MinPeriod = time.Millisecond

// MaxPeriod is the longest Period. The wander's amplitude grows with the period
// (periodic_ppm/1e6 × period/2π): at 24h it is at most 1.4e12ns, where a unit in
// the last place of a cosine is about 1e-4ns; at a period of a century it is about
// 5e16ns, where the cosine's last place is several nanoseconds, and the local clock
// stepped back now and then.
const MaxPeriod = 24 * time.Hour

// Validate reports the first bad field and changes nothing; field prefixes the message
// ("clock" gives "clock.drift_ppm: ...") and the error matches ErrBadConfig.
func (c ClockModel) Validate(field string) error {
	for _, p := range [...]struct {
		name string
		v    float64
	}{{"drift_ppm", c.DriftPPM}, {"periodic_ppm", c.PeriodicPPM}} {
		if !(math.Abs(p.v) <= maxPPM) { // also NaN
			return badField("%s.%s: %v is not within ±%d", field, p.name, p.v, maxPPM)
		}
	}
	switch {
	case c.Offset.D() < -MaxClockReading || c.Offset.D() > MaxClockReading:
		return badField("%s.offset: %v, past the limit of %v either way", field, c.Offset.D(), MaxClockReading)
	case c.Period < 0:
		return badField("%s.period: %v is negative", field, c.Period.D())
	case c.Period.D() > MaxPeriod:
		return badField("%s.period: %v, past the limit of %v", field, c.Period.D(), MaxPeriod)
	case c.PeriodicPPM != 0 && c.Period == 0:
		return badField("%s.period: periodic_ppm %v needs a positive period", field, c.PeriodicPPM)
	case c.PeriodicPPM != 0 && c.Period.D() < MinPeriod:
		// The wander's amplitude is periodic_ppm/1e6 × period/2π: under a
		// millisecond it is at most 16µs at the largest periodic_ppm, and under
		// about 31ns it rounds away to nothing.
		return badField("%s.period: %v is under %v: a slow periodic drift needs a slow period", field, c.Period.D(), MinPeriod)
	}
	return nil
}

// clockSeg is the local clock from virtual time g0 on, until the next SetClock or
// StepClock: local(t) = l0 + (t-g0) + floor((t-g0)*drift + amp*(c0 - cos(phase(t)))),
// where amp*(c0 - cos) integrates the periodic rate error from g0. Splitting off the
// integer t-g0 keeps the float part small, so the floor is exact where it matters and
// the result is monotone (the rate is at least 0.8 per nanosecond, far above the
// rounding error, which MaxPeriod keeps under a thousandth of a nanosecond). cos is
// netmodel's own (fmath.go): the same bits on every machine. The zero clockSeg is a
// perfect clock.
type clockSeg struct {
	g0, l0 time.Duration
	off    time.Duration // l0 - g0: a perfect clock reads t + off
	drift  float64       // DriftPPM / 1e6
	amp    float64       // PeriodicPPM / 1e6 * Period / 2π, in nanoseconds
	period int64
	c0     float64 // cos(phase(g0))
	// skewed is drift != 0 || amp != 0, set once (newSeg): every clock read asks.
	skewed bool
}

func newSeg(g0, l0 time.Duration, c ClockModel) clockSeg {
	s := clockSeg{g0: g0, l0: l0, off: l0 - g0, drift: c.DriftPPM / 1e6}
	if c.PeriodicPPM != 0 {
		s.period = int64(c.Period)
		s.amp = c.PeriodicPPM / 1e6 * float64(s.period) / (2 * math.Pi)
		s.c0 = cos(s.phase(g0))
	}
	s.skewed = s.drift != 0 || s.amp != 0
	return s
}

// rebase starts a new segment at g0 with the same rate, reading l0.
func (s clockSeg) rebase(g0, l0 time.Duration) clockSeg {
	s.g0, s.l0, s.off = g0, l0, l0-g0
	if s.amp != 0 {
		s.c0 = cos(s.phase(g0))
	}
	return s
}

func (s *clockSeg) phase(t time.Duration) float64 {
	// Reduce in integers first: 2π*t/period loses the phase for large t.
	return 2 * math.Pi * float64(int64(t)%s.period) / float64(s.period)
}

func (s *clockSeg) perfect() bool { return !s.skewed }

// at is the local clock at virtual time t >= g0. It is small enough to be inlined
// for a perfect clock, which is what most clocks are and what every message's arrival
// and every timer reads.
func (s *clockSeg) at(t time.Duration) time.Duration {
	if s.skewed {
		return s.skewedAt(t)
	}
	return t + s.off
}

// skewedAt is at for a skewed clock.
func (s *clockSeg) skewedAt(t time.Duration) time.Duration {
	dt := t - s.g0
	// The products are rounded on their own (the conversions), never fused into the
	// sum: see sampler.sample.
	e := float64(float64(dt) * s.drift)
	if s.amp != 0 {
		e += float64(s.amp * (s.c0 - cos(s.phase(t))))
	}
	return s.l0 + dt + time.Duration(math.Floor(e))
}

// never is what globalAt returns for a deadline too far off to schedule.
const never = time.Duration(-1)

// globalAt returns the earliest virtual time, not before now, at which the local clock
// reads deadline or later: now itself if it does already, never if that is more than
// about 36 years of local time away.
func (h *Host) globalAt(deadline time.Duration) time.Duration {
	s := &h.clk
	now := h.net.w.Now()
	local := s.at(now)
	if local >= deadline {
		return now
	}
	delta := deadline - local
	if delta <= 0 || delta > 1<<60 { // overflowed, or absurdly far
		return never
	}
	if s.perfect() {
		return now + delta
	}
	// The rate is at least 0.8, so delta of local time takes at most 1.25*delta.
	lo, hi := now, now+delta+delta/4+2
	for s.at(hi) < deadline { // unreachable by the bound; cheap insurance
		hi += hi - lo
	}
	for hi-lo > 1 { // at(lo) < deadline <= at(hi)
		mid := lo + (hi-lo)/2
		if s.at(mid) >= deadline {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// Now is the host's own clock, through its ClockModel and steps.
func (h *Host) Now() time.Duration {
	if h.clk.skewed {
		return h.skewedNow()
	}
	return h.net.w.Now() + h.clk.off
}

// skewedNow is Now for a skewed clock. It is kept out of line so that Now, which
// every message's arrival, every timer and every reader of the clock calls, is small
// enough to be inlined.
//
//go:noinline
func (h *Host) skewedNow() time.Duration { return h.clk.skewedAt(h.net.w.Now()) }

// SetClock makes the host's clock run at c's rate from now on. Local time stays
// continuous: the clock does not jump, except at virtual time 0 (before the run
// starts, or in an event at time 0), where it is also set to read c.Offset. Armed
// timers keep their local deadlines and fire when the clock reaches them. c must be
// valid (ClockModel.Validate, which specs check when they load); SetClock panics on an
// invalid model, which only a bug can pass.
func (h *Host) SetClock(c ClockModel) {
	if err := c.Validate("clock"); err != nil {
		panic("netmodel: SetClock: " + err.Error())
	}
	now := h.net.w.Now()
	local := h.Now()
	if now == 0 {
		local = c.Offset.D()
	}
	h.clk = newSeg(now, local, c)
	h.net.w.Emit(string(h.id), "clock-set",
		sim.Dur("offset", c.Offset.D()),
		sim.String("drift_ppm", strconv.FormatFloat(c.DriftPPM, 'g', -1, 64)),
		sim.String("periodic_ppm", strconv.FormatFloat(c.PeriodicPPM, 'g', -1, 64)),
		sim.Dur("period", c.Period.D()),
		sim.Dur("local", local))
	h.rescheduleTimers()
}

// StepClock jumps the host's clock by d, forward or back, as an NTP step does; its rate
// is unchanged. Timers that a forward step makes due fire at once (in an event at the
// current virtual time); a backward step delays every timer by as much. StepClock
// panics on a step that would take the reading past MaxClockReading either way,
// which only a bug can make (scenarios refuse such specs when they load).
func (h *Host) StepClock(d time.Duration) {
	before := h.Now()
	local := before + d // d within MaxClockReading, and before near it at most: no overflow
	if d < -MaxClockReading || d > MaxClockReading || local < -MaxClockReading || local > MaxClockReading {
		panic(fmt.Sprintf("netmodel: StepClock(%v): the clock would read %v+%v, past MaxClockReading (%v) either way", d, before, d, MaxClockReading))
	}
	h.clk = h.clk.rebase(h.net.w.Now(), local)
	if d > 0 && !h.paused {
		h.steps += d // a step during a pause is local time of the pause (PausedLocal)
		h.lost = append(h.lost, lostSpan{from: before, to: local, end: h.net.w.Now()})
	}
	h.net.w.Emit(string(h.id), "clock-step", sim.Dur("step", d), sim.Dur("local", local))
	h.rescheduleTimers()
}

// ClockSteps returns the sum of the forward steps so far, made while the host was not
// paused: local time that passed without virtual time passing, by which a deadline
// check measured on this clock should forgive lateness. A step during a pause is not
// in it: PausedLocal counts it, as local time that passed during the pause, so that
// ClockSteps plus PausedLocal counts each step once.
func (h *Host) ClockSteps() time.Duration { return h.steps }

// rescheduleTimers points the host's one timer event at the virtual time its clock
// reaches the earliest deadline. While timers fire, the firing loop does it once at
// the end instead.
func (h *Host) rescheduleTimers() {
	if h.firing {
		return
	}
	if !h.up || h.paused || h.timers.len() == 0 {
		h.cancelTimerEvent()
		return
	}
	// globalAt(first), its commonest case written out: a perfect clock reaches a
	// deadline ahead as far ahead as it is.
	first, now := h.timers.first(), h.net.w.Now()
	at := now
	if delta := first - (now + h.clk.off); !h.clk.skewed && delta > 0 && delta <= 1<<60 {
		at += delta
	} else if at = h.globalAt(first); at == never {
		h.cancelTimerEvent()
		return
	}
	if at <= now && first > h.Now() {
		// globalAt and the firing loop read the same clock function, so this cannot
		// happen; if it did, an event at now that fires nothing would repeat forever.
		at = now + 1
	}
	// Cancel and schedule anew, in one step (zero timerEv: schedule).
	h.timerEv = h.net.w.Reschedule(h.timerEv, at, &h.timerAct)
}

// cancelTimerEvent cancels the host's timer event, if it has one.
func (h *Host) cancelTimerEvent() {
	if h.timerEv != 0 {
		h.net.w.Cancel(h.timerEv)
		h.timerEv = 0
	}
}

// timerAction is the action of a host's timer event, a part of the host so that
// scheduling it allocates nothing.
type timerAction struct{ h *Host }

// Run fires the host's due timers and points the timer event at the next.
func (a *timerAction) Run() {
	h := a.h
	h.timerEv = 0
	h.fireDue()
	h.rescheduleTimers()
}

// fireDue fires, in order, the timers whose deadline the local clock has reached,
// while the host stays up and unpaused.
func (h *Host) fireDue() {
	gen := h.gen
	h.firing = true
	for h.up && !h.paused && h.gen == gen && h.timers.len() > 0 && h.timers.first() <= h.Now() {
		t := h.timers.pop()
		if h.recv != nil {
			h.recv.Fire(t)
		}
	}
	h.firing = false
}

type hostClock struct {
	h   *Host
	gen uint64
}

func (c *hostClock) Now() time.Duration { return c.h.Now() }

// After arms a timer for when the local clock has advanced by d from now. A clock
// taken from a dead incarnation arms nothing and returns the zero TimerID.
func (c *hostClock) After(d time.Duration, t router.Timer) router.TimerID {
	h := c.h
	if !h.up || c.gen != h.gen {
		return 0
	}
	id, head := h.timers.arm(satAdd(h.Now(), max(d, 0)), t)
	if head {
		h.rescheduleTimers()
	}
	return id
}

// Stop withdraws a timer that has not fired; it does nothing for a timer that fired,
// was stopped, or died with its incarnation.
func (c *hostClock) Stop(id router.TimerID) {
	h := c.h
	if c.gen != h.gen {
		return
	}
	if stopped, head := h.timers.stop(id); stopped && head {
		h.rescheduleTimers()
	}
}

var _ router.Clock = (*hostClock)(nil)
