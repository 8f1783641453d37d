package netmodel

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// Receiver is what a host hands messages and timers to: a *router.Node.
type Receiver interface {
	Deliver(m router.Message, arrived time.Duration)
	Fire(t router.Timer)
}

var _ Receiver = (*router.Node)(nil)

// Host is one simulated node: its clock, its timers, the mailboxes of its router
// instances, and whether it is up. Its ports are bound to one incarnation: after a
// crash the old incarnation's sends and timers go nowhere.
type Host struct {
	net    *Net
	id     router.NodeID
	recv   Receiver
	up     bool
	gen    uint64
	offset time.Duration
	// timers holds the pending timer events of the current incarnation, so that a
	// crash can withdraw them from the world's queue.
	timers map[sim.EventID]struct{}
	boxes  []mailbox
	rand   *rand.Rand
}

type mailbox struct {
	q    []queued
	busy bool
	ev   sim.EventID
}

type queued struct {
	id      uint64
	m       router.Message
	arrived time.Duration
}

// ID returns the host's node id.
func (h *Host) ID() router.NodeID { return h.id }

// Up reports whether the host is running.
func (h *Host) Up() bool { return h.up }

// Attach sets the receiver of the current incarnation (a new router.Node after a
// restart).
func (h *Host) Attach(r Receiver) { h.recv = r }

// Now is the host's own clock.
func (h *Host) Now() time.Duration { return h.net.w.Now() + h.offset }

// Clock returns the router Clock of the current incarnation.
func (h *Host) Clock() router.Clock { return hostClock{h, h.gen} }

// Transport returns the router Transport of the current incarnation.
func (h *Host) Transport() router.Transport { return hostTransport{h, h.gen} }

// Rand returns the host's random source for router picks (stream "router/<id>").
func (h *Host) Rand() router.Rand { return h.rand }

// Crash stops the host: queued messages are lost, timers will not fire, and the
// incarnation's ports go dead.
func (h *Host) Crash() {
	if !h.up {
		return
	}
	h.up = false
	h.gen++
	// Withdraw the dead incarnation's timers instead of leaving no-op events behind:
	// they would keep the world's queue busy, and a run that waits for it to empty
	// would idle on to the last of them. Sorted, so no map order reaches the queue.
	ids := make([]sim.EventID, 0, len(h.timers))
	for id := range h.timers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		h.net.w.Cancel(id)
	}
	h.timers = nil
	for i := range h.boxes {
		b := &h.boxes[i]
		h.net.stats.Orphans += uint64(len(b.q))
		if b.busy {
			h.net.w.Cancel(b.ev)
		}
		*b = mailbox{}
	}
	h.recv = nil
	h.net.w.Emit(string(h.id), "crash")
}

// Restart brings a crashed host back as a new incarnation; Attach its new receiver,
// built with the new Clock and Transport.
func (h *Host) Restart() {
	if h.up {
		return
	}
	h.up = true
	h.gen++
	h.net.w.Emit(string(h.id), "restart")
}

// Busy returns how many timers are armed and messages queued on the host: both are
// zero when the host has nothing left to do.
func (h *Host) Busy() (timers, queued int) {
	for i := range h.boxes {
		queued += len(h.boxes[i].q)
	}
	return len(h.timers), queued
}

func (h *Host) enqueue(id uint64, m router.Message) {
	if m.Instance < 0 || m.Instance >= len(h.boxes) {
		h.net.lose(id, "bad-instance")
		return
	}
	b := &h.boxes[m.Instance]
	b.q = append(b.q, queued{id: id, m: m, arrived: h.Now()})
	h.net.w.Emit(string(h.id), "queued", sim.Int("msg", int64(id)), sim.Int("inst", int64(m.Instance)), sim.Int("depth", int64(len(b.q))))
	if !b.busy {
		h.serveNext(m.Instance)
	}
}

// serveNext starts the service of the head of mailbox i; the message is handed to the
// router when its service time has passed.
func (h *Host) serveNext(i int) {
	b := &h.boxes[i]
	b.busy = true
	d := h.net.cfg.Service.Sample(h.net.svc)
	gen := h.gen
	b.ev = h.net.w.After(d, func() { h.served(i, gen) })
}

func (h *Host) served(i int, gen uint64) {
	if gen != h.gen {
		return
	}
	b := &h.boxes[i]
	head := b.q[0]
	b.q = b.q[1:]
	if len(b.q) == 0 {
		b.q = b.q[:0:0]
	}
	h.net.hand(h, head.id, head.m, head.arrived)
	// The receiver may have crashed the host meanwhile.
	if gen != h.gen {
		return
	}
	if len(b.q) > 0 {
		h.serveNext(i)
	} else {
		b.busy = false
	}
}

type hostClock struct {
	h   *Host
	gen uint64
}

func (c hostClock) Now() time.Duration { return c.h.Now() }

func (c hostClock) After(d time.Duration, t router.Timer) func() {
	h := c.h
	if !h.up || c.gen != h.gen {
		return func() {}
	}
	var id sim.EventID
	id = h.net.w.After(d, func() {
		if c.gen != h.gen {
			return // unreachable since Crash cancels, but cheap to keep
		}
		delete(h.timers, id)
		if h.recv != nil {
			h.recv.Fire(t)
		}
	})
	if h.timers == nil {
		h.timers = make(map[sim.EventID]struct{})
	}
	h.timers[id] = struct{}{}
	return func() {
		// After a crash the event is gone already and Cancel reports false.
		if c.gen == h.gen && h.net.w.Cancel(id) {
			delete(h.timers, id)
		}
	}
}

type hostTransport struct {
	h   *Host
	gen uint64
}

func (t hostTransport) Send(to router.NodeID, m router.Message) error {
	return t.h.net.send(t.h, t.gen, to, m)
}

var (
	_ router.Clock     = hostClock{}
	_ router.Transport = hostTransport{}
)
