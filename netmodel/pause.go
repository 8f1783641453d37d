package netmodel

import (
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// hostParked is work waiting for a paused host: an arrival (fn nil) or a deferred
// function.
type hostParked struct {
	from    router.NodeID
	id      uint64
	m       router.Message
	arrived time.Duration
	fn      func()
}

// Pause stops everything on the host, as a stopped process or a long GC pause would:
// arriving messages are parked (neither handed over nor queued), its router instances
// stop serving (the message in service keeps the service time it has left), timers
// that come due do not fire, and functions given to Defer wait. The clock keeps
// running, and sends from elsewhere still reach the host. Pausing a host that is down
// or paused does nothing.
func (h *Host) Pause() {
	if !h.up || h.paused {
		return
	}
	now := h.net.w.Now()
	h.paused, h.pausedAt = true, now
	h.pausedLocalAt = h.Now()
	for i := range h.boxes {
		b := &h.boxes[i]
		if b.busy {
			h.net.w.Cancel(b.ev)
			b.busy, b.frozen, b.left = false, true, b.due-now
		}
	}
	h.net.w.Cancel(h.timerEv)
	h.timerEv = 0
	h.net.w.Emit(string(h.id), "pause")
	h.net.redialTo(h, false, 0, backNone) // senders still redialing h stay down
}

// Resume ends a pause, and before it returns works off what the pause held back: the
// timers that came due fire, late, in deadline order; and the parked arrivals and
// deferred functions run in the order they came (an arrival of a queued kind joins its
// mailbox, keeping its arrival time). Which of the two goes first is drawn from the
// "resume" stream when both have work (a process woken from a stop finds its timers
// and its sockets ready at once, and either may run first: a reply that came during
// the pause may beat its call's deadline timer, or lose to it); timers first when
// only one has. Stopped services go on with the time they had
// left. If a receiver pauses or crashes the host meanwhile, the rest waits for the
// next Resume or is lost with the crash. Last, the held replies that can go now are
// sent (Config.ReplyHold): those for the host, and those it held itself. Resuming a
// host that is not paused does nothing.
func (h *Host) Resume() {
	if !h.paused {
		return
	}
	now := h.net.w.Now()
	h.paused = false
	h.pausedTotal += now - h.pausedAt
	h.pausedLocal += h.pauseLocal()
	h.losePause()
	h.net.w.Emit(string(h.id), "resume", sim.Dur("paused", now-h.pausedAt), sim.Int("parked", int64(len(h.parked))))
	// Senders that had noticed the pause reconnect at their next redial.
	if pda := h.net.cfg.PauseDetectAfter; pda > 0 {
		h.net.redialTo(h, now-h.pausedAt >= pda, h.pausedAt+pda, backResume)
	} else {
		h.net.redialTo(h, false, 0, backResume)
	}
	gen := h.gen
	for i := range h.boxes {
		b := &h.boxes[i]
		switch {
		case b.frozen:
			b.frozen = false
			h.serveIn(i, b.left)
		case !b.busy && b.len() > 0:
			// A pause that came during a hand-over left the rest of the queue idle.
			h.serveIn(i, h.net.serviceTime())
		}
	}
	arrivalsFirst := len(h.parked) > 0 && h.timers.len() > 0 && h.timers.first() <= h.Now() && h.net.resumeOrder().IntN(2) == 0
	if !arrivalsFirst {
		h.fireDue()
	}
	for len(h.parked) > 0 && h.up && !h.paused && h.gen == gen {
		p := h.parked[0]
		h.parked[0] = hostParked{}
		h.parked = h.parked[1:]
		if p.fn != nil {
			p.fn()
		} else {
			f := h.net.flight(p.from, h, nil, p.id, &p.m)
			if !h.take(f, p.arrived) {
				h.net.recycle(f)
			}
		}
	}
	if arrivalsFirst && h.gen == gen {
		h.fireDue() // it stops if a receiver paused or crashed the host meanwhile
	}
	if len(h.parked) == 0 {
		h.parked = nil
	}
	h.rescheduleTimers()
	h.net.releaseReplies("resume")
}

// Paused reports whether the host is paused.
func (h *Host) Paused() bool { return h.paused }

// PausedTotal returns the virtual time the host has spent paused so far, over all its
// incarnations, counting a pause still going on up to now.
func (h *Host) PausedTotal() time.Duration {
	if h.paused {
		return h.pausedTotal + h.net.w.Now() - h.pausedAt
	}
	return h.pausedTotal
}

// PausedLocal is PausedTotal measured on the host's own clock: the local time that
// passed while the host could not run. A deadline check made on that clock forgives
// this much lateness (a clock running fast during a pause advances more than virtual
// time does). A clock step during a pause is included (and left out of ClockSteps, so
// that the two summed count it once); a pause across which the clock went back (a
// backward step larger than the pause) counts as none, not as less than none: no
// timer on this clock came due during it.
func (h *Host) PausedLocal() time.Duration {
	if h.paused {
		return h.pausedLocalSoFar()
	}
	return h.pausedLocal // small enough to be inlined, for callers that ask per call
}

// LostAfter is how much of the host's local time after t, up to now, its timers
// could not fire in: the parts of its pauses (the one going on included) and of its
// forward clock steps made outside a pause that lie after t, of those that ended at
// or after virtual time since. A timer armed at since and due at t fires late by at
// most this much, so a deadline check made on this clock forgives this much lateness
// of a call that began at since with its deadline at t, and no more: a pause that
// ended before the deadline delayed nothing, and one that ended before the call began
// (which a clock stepped back since may place after t) delayed nothing of it. A step
// during a pause is in the pause's span only, counted once.
func (h *Host) LostAfter(t, since time.Duration) time.Duration {
	var lost time.Duration
	for _, s := range h.lost {
		if s.end >= since {
			lost += max(s.to-max(s.from, t), 0)
		}
	}
	if h.paused {
		lost += max(h.Now()-max(h.pausedLocalAt, t), 0)
	}
	return lost
}

// losePause records the pause that ends now as a span of lost local time, none if
// the clock went back across it.
func (h *Host) losePause() {
	if now := h.Now(); now > h.pausedLocalAt {
		h.lost = append(h.lost, lostSpan{from: h.pausedLocalAt, to: now, end: h.net.w.Now()})
	}
}

// pausedLocalSoFar is PausedLocal during a pause.
func (h *Host) pausedLocalSoFar() time.Duration { return h.pausedLocal + h.pauseLocal() }

// pauseLocal is the local time the pause in progress (or ending) has lasted so far,
// 0 if the clock went back across it.
func (h *Host) pauseLocal() time.Duration { return max(h.Now()-h.pausedLocalAt, 0) }

// Defer runs fn now, or, if the host is paused, at Resume, in order with the other
// parked work. Code that runs "on the node" outside the router (a peer that answers
// later, a client issuing a call) goes through Defer so that a pause stops it too. A
// crash drops the functions still waiting.
func (h *Host) Defer(fn func()) {
	if h.paused {
		h.parked = append(h.parked, hostParked{fn: fn})
		return
	}
	fn()
}

// park keeps the arrival of flight f for Resume.
func (h *Host) park(f *flight) {
	h.net.stats.Paused++
	h.net.w.Emit(string(h.id), "parked", sim.Int("msg", int64(f.id)), sim.String("msg_kind", KindName(&f.m)))
	h.parked = append(h.parked, hostParked{from: f.from, id: f.id, m: f.m, arrived: h.Now()})
}
