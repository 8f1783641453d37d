package netmodel

import (
	"math/rand/v2"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// Receiver is what a host hands messages and timers to: a *router.Node. The message
// given to Deliver is the network's own and only valid during the call: a Receiver
// reads it in place, and one that keeps it keeps a copy (*m).
type Receiver interface {
	Deliver(m *router.Message, arrived time.Duration)
	Fire(t router.Timer)
}

// Shedder is the capability a Receiver may add to hear about the routes and casts its
// full mailboxes refused (Config.MailboxCap): Shed is called, on the host's turn, with
// the message that was not queued. A Receiver without it is not told.
type Shedder interface {
	Shed(m router.Message)
}

var (
	_ Receiver = (*router.Node)(nil)
	_ Shedder  = (*router.Node)(nil)
)

// Host is one simulated node: its clock, its timers, the mailboxes of its router
// instances, and whether it is up or paused. Its ports are bound to one incarnation:
// after a crash the old incarnation's sends and timers go nowhere.
type Host struct {
	net  *Net
	id   router.NodeID
	name *sim.Name // id, for the trace
	// incName is the Name of incarnation incOf of the host, "id.incOf", for the
	// names of its calls in the trace (callNames.incarnation); nil until one is named.
	incName *sim.Name
	incOf   router.Incarnation
	idx     int             // place in the network's order of hosts
	links   []*linkState    // links from this host, by destination idx (cachedLink, linkTo)
	dests   [destSlots]dest // where this host has sent to, by destSlot (dest.go)
	recv    Receiver
	// client: the host dials the others and none dials it (SetClient).
	client bool
	up     bool
	downAt time.Duration // when the host last crashed, while it is down
	gen    uint64
	// clock and transport are the ports of incarnation gen, made when first asked
	// for. They are pointers so that the router calls their methods directly, not
	// through wrappers that copy a message.
	clock     *hostClock
	transport *hostTransport
	boxes     []mailbox
	rand      *rand.Rand

	// The local clock (clock.go): the current segment of the clock function and the
	// sum of forward steps.
	clk   clockSeg
	steps time.Duration
	// The timers of the current incarnation (clock.go), ordered by (local deadline,
	// arming order): a run of those armed in order and a heap of the rest
	// (timers.go), and the one sim event that fires the earliest.
	timers   timerSet
	timerEv  sim.EventID
	timerAct timerAction // the action of timerEv
	firing   bool

	// Pausing (pause.go).
	paused   bool
	pausedAt time.Duration
	// pausedLocalAt and pausedLocal are the same accounting on the host's own clock.
	pausedLocalAt time.Duration
	pausedLocal   time.Duration
	pausedTotal   time.Duration
	parked        []hostParked
	// lost are the spans of local time the host could not run its timers at, over
	// all its incarnations: its pauses and its forward clock steps (LostAfter).
	lost []lostSpan
}

// lostSpan is a span of a host's local time, from and to, in which no timer of the
// host fired: a pause, or a forward clock step made outside one; end is the virtual
// time it ended.
type lostSpan struct{ from, to, end time.Duration }

type mailbox struct {
	// q[head:] is the queue. Served messages advance head; the emptied queue starts
	// again at q[:0], keeping its array, so a mailbox that is used over and over
	// does not allocate.
	q    []queued
	head int
	busy bool // a message is in service: ev hands it at due
	ev   sim.EventID
	due  time.Duration
	// frozen: the service was stopped by a pause with left still to go.
	frozen bool
	left   time.Duration
	// The mailbox is itself the action of its service event (Run): h, i and gen say
	// whose service it is. A mailbox has at most one service event pending (busy), so
	// one action per mailbox serves them all without allocating.
	h   *Host
	i   int
	gen uint64
}

// len is the number of messages queued, the one in service included.
func (b *mailbox) len() int { return len(b.q) - b.head }

// queued is a message waiting in a mailbox: the flight it came in, kept until the
// message is handed over.
type queued struct {
	f       *flight
	arrived time.Duration
}

// ID returns the host's node id.
func (h *Host) ID() router.NodeID { return h.id }

// Name returns the host's id as a sim.Name of the network's world, for records that
// name the host (sim.World.EmitKind).
func (h *Host) Name() *sim.Name { return h.name }

// Up reports whether the host is running (it may be paused).
func (h *Host) Up() bool { return h.up }

// Attach sets the receiver of the current incarnation (a new router.Node after a
// restart).
func (h *Host) Attach(r Receiver) { h.recv = r }

// Clock returns the router Clock of the current incarnation.
func (h *Host) Clock() router.Clock {
	if h.clock == nil || h.clock.gen != h.gen {
		h.clock = &hostClock{h, h.gen}
	}
	return h.clock
}

// Transport returns the router Transport of the current incarnation. A paused host can
// still send through it: code that runs on the node should go through Defer.
func (h *Host) Transport() router.Transport {
	if h.transport == nil || h.transport.gen != h.gen {
		h.transport = &hostTransport{h, h.gen}
	}
	return h.transport
}

// Rand returns the host's random source for router picks (stream "router/<id>").
func (h *Host) Rand() router.Rand { return h.rand }

// Crash stops the host: queued messages are lost, timers will not fire, the replies it
// holds are dropped (Config.ReplyHold), and the incarnation's ports go dead. A pause
// ends with it: the arrivals it parked become orphans and the functions deferred
// during it are dropped. The clock keeps running.
func (h *Host) Crash() {
	if !h.up {
		return
	}
	now := h.net.w.Now()
	h.up = false
	h.downAt = now
	h.gen++
	h.net.w.Emit(string(h.id), "crash")
	// The messages the node had taken but not yet handed to its router die with it:
	// each is an orphan, traced as one (reason crash), as an arrival at a node that is
	// down is.
	wasPaused := h.paused
	if h.paused {
		h.paused = false
		h.pausedTotal += now - h.pausedAt
		h.pausedLocal += h.pauseLocal()
		h.losePause()
	}
	// Parked arrivals are left over from a pause, or from the Resume under way (a
	// receiver, a timer or a deferred function crashed the host while it worked them
	// off): orphans either way.
	for _, p := range h.parked {
		if p.fn == nil {
			h.orphan(p.id, "crash")
		}
	}
	h.parked = nil
	if h.net.cfg.Bugs.Has(bugs.CrashFiresTimers) && h.recv != nil {
		h.firing = true
		for h.timers.len() > 0 {
			h.recv.Fire(h.timers.pop())
		}
		h.firing = false
	}
	// Withdraw the timer event instead of leaving a no-op behind: it would keep the
	// world's queue busy, and a run that waits for it to empty would idle on to it.
	h.net.w.Cancel(h.timerEv)
	h.timerEv = 0
	if !h.net.cfg.Bugs.Has(bugs.CrashKeepsTimers) {
		h.timers.clear()
	}
	for i := range h.boxes {
		b := &h.boxes[i]
		for _, q := range b.q[b.head:] {
			h.orphan(q.f.id, "crash")
			h.net.recycle(q.f)
		}
		if b.busy {
			h.net.w.Cancel(b.ev)
		}
		*b = mailbox{}
	}
	h.recv = nil
	h.net.dropReplies("crash", func(r *heldReply) bool { return r.from == h })
	// Senders still redialing h stay down; those that had noticed its pause start to
	// redial, and stay down.
	pda := h.net.cfg.PauseDetectAfter
	h.net.redialTo(h, wasPaused && pda > 0 && now-h.pausedAt >= pda, h.pausedAt+pda, backNone)
}

// Restart brings a crashed host back as a new incarnation; Attach its new receiver,
// built with the new Clock and Transport. Replies held for the host are dropped: their
// calls died with the incarnation they were for. The clock model and its steps carry
// over: they belong to the machine, not the process.
func (h *Host) Restart() {
	if h.up {
		return
	}
	h.up = true
	h.gen++
	h.net.w.Emit(string(h.id), "restart")
	h.net.dropReplies("incarnation", func(r *heldReply) bool { return r.dst == h })
	// The new process dials the other nodes at once, and a connection carries both
	// ways: senders that had noticed the crash are back at once, but a client, which
	// no node dials, reconnects at its next redial (reconnect.go).
	d := h.net.cfg.DetectAfter
	h.net.redialTo(h, h.net.w.Now()-h.downAt >= d, h.downAt+d, backRestart)
	h.net.redialFresh(h)
}

// SetClient marks the host as a client: it dials the other nodes, and none dials it
// (a node without an address in the cluster's peers). A connection carries both
// ways, so after a noticed outage the links between a client and a restarted node
// come back at the client's next redial, and those between two nodes at once, when
// the restarted one dials.
func (h *Host) SetClient(client bool) { h.client = client }

// Busy returns how many timers are armed (due or not) and how much work waits on the
// host: messages queued at its router instances, and while paused the arrivals and
// deferred functions parked for Resume. Both are zero when the host has nothing left
// to do.
func (h *Host) Busy() (timers, queued int) {
	for i := range h.boxes {
		queued += h.boxes[i].len()
	}
	return h.timers.len(), queued + len(h.parked)
}

// Backlog returns how many messages wait in the host's longest router-instance
// mailbox: its instances serve their mailboxes side by side, so that one sets how long
// the host takes to serve what it has queued.
func (h *Host) Backlog() int {
	most := 0
	for i := range h.boxes {
		most = max(most, h.boxes[i].len())
	}
	return most
}

// orphan counts and traces message id, which reached the host while it was down
// (reason "down"), or after the incarnation it was sent to had crashed, or sent while
// the host was down and arriving after its restart ("restarted").
func (h *Host) orphan(id uint64, reason string) {
	h.net.stats.Orphans++
	h.net.w.Emit(string(h.id), "orphan", sim.Int("msg", int64(id)), sim.String("reason", reason))
}

// take queues router-instance work and hands everything else over at once. A queued
// message waits as its flight f, which the mailbox then keeps until it is served:
// take reports whether it does, and otherwise f is the caller's again.
func (h *Host) take(f *flight, arrived time.Duration) bool {
	if f.m.Kind.Queued() {
		return h.enqueue(f, arrived)
	}
	h.net.hand(h, f, arrived)
	return false
}

// enqueue queues flight f at the router instance its message names, and reports
// whether it did.
func (h *Host) enqueue(f *flight, arrived time.Duration) bool {
	id, m := f.id, &f.m
	if m.Instance < 0 || m.Instance >= len(h.boxes) {
		h.net.lose(id, "bad-instance")
		return false
	}
	b := &h.boxes[m.Instance]
	if c := h.net.cfg.MailboxCap; c > 0 && b.len() >= c {
		h.net.stats.Shed++
		h.net.w.Emit(string(h.id), "shed", sim.Int("msg", int64(id)), sim.Int("inst", int64(m.Instance)), sim.Int("depth", int64(b.len())))
		if s, ok := h.recv.(Shedder); ok {
			s.Shed(*m)
		}
		return false
	}
	b.q = append(b.q, queued{f: f, arrived: arrived})
	if h.net.w.Recording() {
		a := &h.net.attrs.queued
		a[0].Int = int64(id)
		a[1].Int = int64(m.Instance)
		a[2].Int = int64(b.len())
		h.net.w.EmitKind(h.name, h.net.attrs.queuedKind, a[:]...)
	}
	if !b.busy {
		h.serveIn(m.Instance, h.net.serviceTime())
	}
	return true
}

// serviceTime draws the time a router instance spends on a message.
func (n *Net) serviceTime() time.Duration { return n.service.sample(n.svc) }

// serveIn starts the service of the head of mailbox i, to end in d (mailbox.Run):
// the message is handed to the router then. A new service lasts n.serviceTime().
func (h *Host) serveIn(i int, d time.Duration) {
	b := &h.boxes[i]
	b.busy = true
	b.due = satAdd(h.net.w.Now(), d)
	b.h, b.i, b.gen = h, i, h.gen
	b.ev = h.net.w.ScheduleAction(b.due, b)
}

// Run ends the service of the message at the head of the mailbox (a sim.Action): the
// mailbox is h.boxes[i] for its service's h, i and gen.
func (b *mailbox) Run() {
	h, i, gen := b.h, b.i, b.gen
	if gen != h.gen {
		return
	}
	b.busy = false // the service is over: a pause during the hand-over has none to stop
	// The slot is not cleared: it keeps its pointer to the flight until it is reused,
	// which bounds what is kept by the deepest the mailbox has been.
	head := b.q[b.head]
	b.head++
	switch {
	case b.head == len(b.q):
		b.q, b.head = b.q[:0], 0
	case b.head >= 64 && b.head*2 >= len(b.q):
		// A queue that never empties would otherwise only grow: move the waiting
		// half to the front (amortised: at most once per head messages served).
		n := copy(b.q, b.q[b.head:])
		clear(b.q[n:])
		b.q, b.head = b.q[:n], 0
	}
	// The flight is recycled only once the message has been handed over: it is read
	// in place, and whatever runs meanwhile takes other flights.
	h.net.hand(h, head.f, head.arrived)
	h.net.recycle(head.f)
	// The receiver may have crashed or paused the host meanwhile, or something may
	// have started the next service already.
	if gen != h.gen || h.paused || b.busy || b.len() == 0 {
		return
	}
	h.serveIn(i, h.net.serviceTime())
}

// hostTransport is a host's router.Transport for one incarnation, gen; its Send is
// the network's send (net.go).
type hostTransport struct {
	h   *Host
	gen uint64
}

var _ router.Transport = (*hostTransport)(nil)
