package netmodel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// Config configures a simulated network.
type Config struct {
	// Routers is the number of router instances per node, 1 to router.MaxRouters; it
	// must match the routers' own configuration.
	Routers int
	// Service is the time a router instance spends on each message it handles.
	Service Dist
	// Link is what every directed link does unless SetLink overrides it.
	Link Link
	// DetectAfter is how long a partition or a crashed host goes unnoticed: until
	// then sends across the cut are lost silently (or stalled, under InFlightStall)
	// and those to the host arrive as orphans; after it they fail
	// at once with router.ErrUnreachable (a real transport learns it from a
	// connection that closes or times out). A paused host is noticed only after
	// PauseDetectAfter.
	DetectAfter time.Duration
	// PauseDetectAfter is how long a paused host goes unnoticed: from then until it
	// resumes, sends to it fail at once with router.ErrUnreachable, as a real
	// transport closes a connection that has sent nothing for its heartbeat timeout
	// (nettransport: 3s). What reached the host before stays parked for its resume,
	// as bytes read by the kernel before the close are read after it. 0: never, for a
	// pause too short for any heartbeat timeout (a GC pause).
	PauseDetectAfter time.Duration
	// ReplyHold is how long a node holds a reply it cannot send because it has
	// noticed that the caller's node is cut off, down or paused: the reply is sent
	// once that node can be reached again, and dropped after ReplyHold, or when the
	// caller's node restarts or the sender crashes (replyhold.go), as the production
	// transport holds replies for a node that is not connected
	// (nettransport.Config.ReplyHold, 3s by default). 0: such a reply is refused
	// with router.ErrUnreachable, as any other message is.
	ReplyHold time.Duration
	// BackoffMin and BackoffMax are the redial backoff of a sender that has noticed it
	// cannot reach a node (reconnect.go): when the cut, crash or pause ends, the link
	// stays down, sends over it failing with router.ErrUnreachable, until the
	// sender's next dial attempt, as the production transport's dial loop
	// (nettransport.Config.BackoffMin, BackoffMax; DefaultBackoffMin and
	// DefaultBackoffMax). BackoffMax 0: the link is back at once, the best case.
	// BackoffMin must be set with BackoffMax, and no larger; BackoffMax is at most
	// MaxBackoff.
	BackoffMin, BackoffMax time.Duration
	// MailboxCap bounds each router instance's mailbox: a route or cast that arrives
	// when its instance already holds MailboxCap messages (the one in service
	// included) is shed, not queued. 0 is unbounded.
	MailboxCap int
	// Observer, if set, sees every message sent and handed to a node.
	Observer Observer
	// Bugs is for the module's own tests: the simulator defects they inject to show
	// that the checker catches them.
	Bugs bugs.Set
}

// Observer sees messages as the network moves them. Calls happen on the simulation's
// turn, before the message has any effect; an Observer must not call back into the Net.
// The message is the network's own and is only valid during the call: an Observer
// reads it in place, and one that keeps it keeps a copy (*m).
type Observer interface {
	// Sent: a message left from for to, with a network-wide id. Once per send: a
	// duplicate made on the way is not a new send.
	Sent(from, to router.NodeID, id uint64, m *router.Message)
	// Handed: the message is about to be handed to node to (after its mailbox wait, for
	// queued kinds), which it reached at arrived on to's clock (what the node's
	// Deliver is given). A duplicated message is handed twice under the same id, so
	// seeing an id again means a duplicate.
	Handed(to router.NodeID, id uint64, m *router.Message, arrived time.Duration)
}

// Stats counts what the network did.
type Stats struct {
	Sent         uint64
	Handed       uint64 // handed to their host, which drops those for none attached (restarted, not yet attached)
	Lost         uint64 // dropped by loss, partition or rule, stalled at a noticed cut that healed, or for a router instance the host lacks
	Orphans      uint64 // arrived at a node that was down or had crashed since the send (traced "orphan"), or sent by a dead incarnation (not traced: it never left)
	Unreachable  uint64 // sends refused fast because of a noticed partition, crash or pause
	Duplicated   uint64 // extra copies made by Link.Dup or an ActDuplicate rule
	Held         uint64 // parkings at a link by Hold or a stalling partition (a message held twice counts twice)
	Shed         uint64 // routes and casts refused because their mailbox was full
	Paused       uint64 // arrivals parked at a paused host
	RulesApplied uint64 // messages a rule gave its verdict on
	// RepliesHeld counts replies held by their sender for a node it could not reach
	// (Config.ReplyHold); RepliesHeldDropped those of them dropped unsent: expired,
	// for a restarted node, or by a sender that crashed.
	RepliesHeld        uint64
	RepliesHeldDropped uint64
}

// Net is a simulated network of hosts on one sim.World: per directed link latency,
// loss, duplication, FIFO order and reordering, partitions, holds and rules, and per
// host clocks, timers, pauses and router-instance mailboxes. Each Host implements the
// router's ports. A Net is driven from the simulation's events, one at a time.
type Net struct {
	w   *sim.World
	cfg Config
	rng *rand.Rand
	svc *rand.Rand
	// redials is the "reconnect" stream, made when first drawn from (jitter).
	redials *rand.Rand
	// resumes is the "resume" stream, made when first drawn from (Host.Resume).
	resumes      *rand.Rand
	reconnectAct reconnectAct
	// service is cfg.Service prepared for drawing.
	service sampler
	hosts   map[router.NodeID]*Host
	order   []router.NodeID
	links   map[linkKey]*linkState
	// parked holds the messages waiting at links (Hold, stalling partitions), in the
	// order they were first parked (parkedMsg.order): a held message released into a
	// stalling cut keeps its place ahead of those stalled after it. parkSeq numbers
	// first parks; reparkAs is the number of the message being released, while it
	// arrives again.
	parked   []parkedMsg
	parkSeq  uint64
	reparkAs uint64
	// replies are the replies held by their senders (Config.ReplyHold), in the
	// order they were held.
	replies []*heldReply
	rules   []*ruleState
	ruleSeq int
	// disarmed: some rule waits for its After; judged: the kinds of message some
	// rule may apply to (noteRules).
	disarmed bool
	judged   uint64
	seq      uint64
	stats    Stats
	flights  []*flight // free flights (flight.Run)
	calls    callNames
	// msgKinds and codes are the names of message kinds and codes in the trace,
	// made when first traced (kindName, CodeName); a kind or code past them (no
	// valid one) is named anew each time.
	msgKinds [8]*sim.Name
	codes    [16]*sim.Name
	// workerReply is the name of a reply to a riak worker in the trace (kindName),
	// made when first traced.
	workerReply *sim.Name
	// named caches hostNamed's answers, direct-mapped by a hash of the id. Hosts are
	// never removed, so an entry never goes stale.
	named [hostCacheSlots]*Host
	// attrs holds the attributes of the records traced for every message.
	attrs traceAttrs
}

// traceAttrs are the kinds and attributes of the records the network traces for
// every message, in the order they are traced, set once by newTraceAttrs: each
// kind is declared on the World with its keys (sim.World.Kind), and a record fills
// in its values and passes the array to EmitKind, which only reads it. Values
// from the last record stay until the next one.
type traceAttrs struct {
	sendKind, handedKind, queuedKind *sim.Kind
	send                             [8]sim.Attr // kind "send"
	handed                           [3]sim.Attr // kind "handed"
	queued                           [3]sim.Attr // kind "queued"
}

func newTraceAttrs(w *sim.World) traceAttrs {
	t := traceAttrs{
		send: [...]sim.Attr{
			sim.Int("msg", 0), sim.String("to", ""), sim.String("msg_kind", ""), sim.String("call", ""),
			sim.Int("hops", 0), sim.Int("inst", 0), sim.Dur("budget", 0), sim.String("code", ""),
		},
		handed: [...]sim.Attr{sim.Int("msg", 0), sim.String("msg_kind", ""), sim.String("call", "")},
		queued: [...]sim.Attr{sim.Int("msg", 0), sim.Int("inst", 0), sim.Int("depth", 0)},
	}
	t.sendKind = w.Kind("send", keys(t.send[:])...)
	t.handedKind = w.Kind("handed", keys(t.handed[:])...)
	t.queuedKind = w.Kind("queued", keys(t.queued[:])...)
	return t
}

// keys returns the keys of attrs, in order.
func keys(attrs []sim.Attr) []string {
	k := make([]string, len(attrs))
	for i, a := range attrs {
		k[i] = a.Key
	}
	return k
}

const hostCacheSlots = 64

// Validate reports the first bad field of c and changes nothing. The error wraps
// ErrBadConfig and names the field: routers, link.*, service.*, detect_after,
// pause_detect_after, reply_hold, backoff_min, backoff_max, mailbox_cap.
func (c Config) Validate() error {
	if c.Routers <= 0 {
		return fmt.Errorf("%w: routers: %d, want at least 1", ErrBadConfig, c.Routers)
	}
	if c.Routers > router.MaxRouters {
		// A node has at most that many (router.Config); a host makes a mailbox for each.
		return fmt.Errorf("%w: routers: %d, past the limit of %d", ErrBadConfig, c.Routers, router.MaxRouters)
	}
	if err := c.Link.Validate("link"); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	if err := c.Service.Validate("service"); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	if c.DetectAfter < 0 {
		return fmt.Errorf("%w: detect_after: %v is negative", ErrBadConfig, c.DetectAfter)
	}
	if c.PauseDetectAfter < 0 {
		return fmt.Errorf("%w: pause_detect_after: %v is negative", ErrBadConfig, c.PauseDetectAfter)
	}
	if c.ReplyHold < 0 {
		return fmt.Errorf("%w: reply_hold: %v is negative", ErrBadConfig, c.ReplyHold)
	}
	if c.BackoffMin < 0 {
		return fmt.Errorf("%w: backoff_min: %v is negative", ErrBadConfig, c.BackoffMin)
	}
	if c.BackoffMax < 0 {
		return fmt.Errorf("%w: backoff_max: %v is negative", ErrBadConfig, c.BackoffMax)
	}
	if c.BackoffMax > MaxBackoff {
		return fmt.Errorf("%w: backoff_max: %v, past the limit of %v", ErrBadConfig, c.BackoffMax, MaxBackoff)
	}
	if c.BackoffMax > 0 && c.BackoffMin == 0 {
		return fmt.Errorf("%w: backoff_min: 0 with backoff_max %v: want more than 0", ErrBadConfig, c.BackoffMax)
	}
	if c.BackoffMax == 0 && c.BackoffMin > 0 {
		return fmt.Errorf("%w: backoff_min: %v without backoff_max: set both, or neither to reconnect at once", ErrBadConfig, c.BackoffMin)
	}
	if c.BackoffMin > c.BackoffMax {
		return fmt.Errorf("%w: backoff_min: %v is more than backoff_max %v", ErrBadConfig, c.BackoffMin, c.BackoffMax)
	}
	if c.BackoffMax > 0 && c.BackoffMin < MinBackoff {
		return fmt.Errorf("%w: backoff_min: %v is under %v: no dial loop is that fast", ErrBadConfig, c.BackoffMin, MinBackoff)
	}
	if c.MailboxCap < 0 {
		return fmt.Errorf("%w: mailbox_cap: %d is negative", ErrBadConfig, c.MailboxCap)
	}
	return nil
}

// New returns a network on w, with no hosts yet. Its random streams are "net" (link
// latency and loss), "service" (router-instance service times) and "reconnect"
// (redial jitter, drawn from only once a noticed outage ends) and "resume" (the order
// of a resumed host's late timers and parked arrivals, drawn from only when it has
// both); each host adds
// "router/<id>". A bad cfg returns an error wrapping ErrBadConfig (see Config.Validate).
func New(w *sim.World, cfg Config) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Net{
		w:       w,
		cfg:     cfg,
		rng:     w.Stream("net"),
		svc:     w.Stream("service"),
		service: cfg.Service.sampler(),
		attrs:   newTraceAttrs(w),
		hosts:   make(map[router.NodeID]*Host),
		links:   make(map[linkKey]*linkState),
	}
	n.calls.net = n
	n.reconnectAct.n = n
	return n, nil
}

// World returns the simulation the network runs on.
func (n *Net) World() *sim.World { return n.w }

// Stats returns a copy of the network's counters.
func (n *Net) Stats() Stats { return n.stats }

// AddHost adds a host, up, with no receiver yet: Attach one built with the host's
// Clock, Transport and Rand. An empty id returns an error wrapping ErrBadConfig, an id
// already added one wrapping ErrDuplicateHost.
func (n *Net) AddHost(id router.NodeID) (*Host, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: host id is empty", ErrBadConfig)
	}
	if _, ok := n.hosts[id]; ok {
		return nil, fmt.Errorf("%w: host %s exists", ErrDuplicateHost, id)
	}
	h := &Host{net: n, id: id, name: n.w.Name(string(id)), idx: len(n.order), up: true, gen: 1, boxes: make([]mailbox, n.cfg.Routers), rand: n.w.Stream("router/" + string(id))}
	h.timerAct.h = h
	n.hosts[id] = h
	n.order = append(n.order, id)
	return h, nil
}

// Host returns the host id, or nil.
func (n *Net) Host(id router.NodeID) *Host { return n.hosts[id] }

// Hosts returns the hosts in the order they were added.
func (n *Net) Hosts() []*Host {
	out := make([]*Host, len(n.order))
	for i, id := range n.order {
		out[i] = n.hosts[id]
	}
	return out
}

// SetLink overrides the link from one node to another, in that direction only; the
// nodes need not have been added yet. A bad l returns an error wrapping ErrBadConfig
// that names the link and the field ("link a->b.drop: ..."), and changes nothing.
func (n *Net) SetLink(from, to router.NodeID, l Link) error {
	if err := l.Validate(fmt.Sprintf("link %s->%s", from, to)); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	n.link(from, to).setCfg(&l)
	return nil
}

func (n *Net) link(from, to router.NodeID) *linkState {
	k := linkKey{from, to}
	ls, ok := n.links[k]
	if !ok {
		ls = &linkState{}
		ls.setCfg(&n.cfg.Link)
		n.links[k] = ls
	}
	return ls
}

// Send moves m from the transport's host (incarnation t.gen) to node to. m is only
// read: the message is copied once, into the flight that carries it, and whatever
// keeps it later (a mailbox, a park) keeps that flight or a copy.
//
// The order of draws from the "net" stream is fixed: loss, latency, reorder, dup, the
// copy's latency; a draw is made only when its knob is on, so a link without Dup or
// Reorder draws exactly what it did before they existed.
func (t *hostTransport) Send(to router.NodeID, m *router.Message) error {
	h := t.h
	n := h.net
	if !h.up || t.gen != h.gen {
		// A dead incarnation's code still runs (a peer answering late): the process is
		// gone, so is the message.
		n.stats.Orphans++
		return nil
	}
	// Where the message goes (dest): the host's table first. Written out here, since
	// a function with the call to findDest in it would not be inlined.
	d := &h.dests[destSlot(to)]
	if len(to) == 0 || !sameNode(d.to, to) {
		if d = h.findDest(d, to); d == nil {
			return fmt.Errorf("%w: no node %s", router.ErrUnreachable, to)
		}
	}
	dst, ls := d.dst, d.ls
	from := h.id
	now := n.w.Now()
	if n.noticed(ls, dst, now) {
		if m.Kind == router.KindReply && n.cfg.ReplyHold > 0 {
			n.holdReply(h, dst, m, now)
			return nil
		}
		n.stats.Unreachable++
		n.traceUnreachable(from, to, m)
		return router.ErrUnreachable
	}
	n.seq++
	id := n.seq
	n.stats.Sent++
	f := n.flight(from, dst, ls, id, m)
	if n.w.Recording() {
		f.call = n.emitSend(h.name, id, dst.name, m)
	}
	if n.cfg.Observer != nil {
		n.cfg.Observer.Sent(from, to, id, &f.m)
	}
	if !ls.blocked && ls.plain && n.judged&kindBit(m.Kind) == 0 {
		// travel's way over a plain link that no cut and no rule concerns, written out:
		// it is the way of almost every message.
		at := max(satAdd(now, ls.latency.sample(n.rng)), time.Duration(ls.lastArrival))
		ls.lastArrival = int64(at)
		n.w.ScheduleAction(at, f)
	} else {
		n.travel(f, now)
	}
	// Rules arm on what was sent, whatever became of it; after the message itself
	// was judged.
	if n.disarmed {
		n.arm(from, to, id, m)
	}
	return nil
}

// noticed reports whether a sender has noticed at now that it cannot reach host dst
// over link ls: the link has been cut for DetectAfter, dst has been down for
// DetectAfter, or paused for PauseDetectAfter (if set), or the sender has not
// redialed since it noticed one of those (reconnect.go).
func (n *Net) noticed(ls *linkState, dst *Host, now time.Duration) bool {
	return int64(now) < ls.downUntil || ls.blocked && int64(now)-ls.since >= int64(n.cfg.DetectAfter) || !dst.up && now-dst.downAt >= n.cfg.DetectAfter ||
		dst.paused && n.cfg.PauseDetectAfter > 0 && now-dst.pausedAt >= n.cfg.PauseDetectAfter
}

// traceUnreachable traces a send from to to refused because of a noticed partition
// or a noticed crash of to.
// It is kept out of Send, which it would only make larger.
func (n *Net) traceUnreachable(from, to router.NodeID, m *router.Message) {
	n.w.Emit(string(from), "unreachable", sim.String("to", string(to)), sim.String("msg_kind", KindName(m)), sim.String("call", n.calls.name(m.Call).String()))
}

// travel is the way of the message of flight f over its link, sent at now: lost (and
// f recycled), or scheduled to arrive, once or twice.
func (n *Net) travel(f *flight, now time.Duration) {
	from, dst, ls, id := f.from, f.dst, f.ls, f.id
	if ls.blocked && ls.mode == InFlightDrop {
		n.lose(id, "partition")
		n.recycle(f)
		return
	}
	// A stalling partition lets the message travel: it waits at the cut on arrival.
	var rule *Rule
	if n.judged&kindBit(f.m.Kind) != 0 {
		rule = n.judge(from, dst.id, id, &f.m)
	}
	if rule != nil && rule.Action == ActDrop {
		n.lose(id, "rule")
		n.recycle(f)
		return
	}
	if rule == nil && ls.plain {
		// What the rest does for a plain link (linkState.plain), the common way.
		at := max(satAdd(now, ls.latency.sample(n.rng)), time.Duration(ls.lastArrival))
		ls.lastArrival = int64(at)
		n.w.ScheduleAction(at, f)
		return
	}
	cfg := ls.cfg
	if rule == nil && cfg.Drop > 0 && n.rng.Float64() < cfg.Drop {
		n.lose(id, "loss")
		n.recycle(f)
		return
	}
	lat := ls.latency.sample(n.rng)
	if rule != nil && rule.Action == ActDelay {
		lat = satAdd(lat, rule.Delay)
	}
	at := satAdd(now, lat)
	// A message a rule delays is singled out: it steps out of the link's order rather
	// than holding back everything behind it.
	delayed := rule != nil && rule.Action == ActDelay
	if !cfg.Unordered && !delayed && !(cfg.Reorder > 0 && n.rng.Float64() < cfg.Reorder) {
		at = max(at, time.Duration(ls.lastArrival))
		ls.lastArrival = int64(at)
	}
	n.w.ScheduleAction(at, f)
	var extra time.Duration
	switch {
	case rule != nil && rule.Action == ActDuplicate:
		extra = rule.Delay
	case rule == nil && cfg.Dup > 0 && n.rng.Float64() < cfg.Dup:
		// The link duplicates it: no extra delay.
	default:
		return
	}
	// The copy travels under the same id: it is the same message, delivered twice.
	n.stats.Duplicated++
	cat := satAdd(now, satAdd(ls.latency.sample(n.rng), extra))
	n.w.Emit(string(from), "dup", sim.Int("msg", int64(id)), sim.Dur("at", cat))
	dup := n.flight(from, dst, ls, id, &f.m)
	dup.call = f.call
	n.w.ScheduleAction(cat, dup)
}

// flight is one message on its way, the action of its arrival event. A message of a
// queued kind waits in its mailbox as the flight it came in, so a message is copied
// once, at its send, and read in place until it is handed over. Flights are recycled:
// a message costs no allocation once the network has had as many in flight and queued
// at once before.
type flight struct {
	n    *Net
	from router.NodeID
	dst  *Host
	ls   *linkState // the link from -> dst
	id   uint64
	// gen is dst's incarnation (Host.gen) when the message was sent: a message whose
	// destination has crashed since, or was down when it was sent, finds another gen
	// on arrival and is an orphan. It died with the connection it travelled on, or
	// was refused by a node that was not there; it never reaches the restarted
	// process.
	gen uint64
	m   router.Message
	// call is m.Call's name (Net.CallName) as the send traced it, for the hand-over
	// to trace without naming the call again; nil when not known.
	call *sim.Name
}

// flight returns a flight for the message, from the free list when it can.
func (n *Net) flight(from router.NodeID, dst *Host, ls *linkState, id uint64, m *router.Message) *flight {
	var f *flight
	if k := len(n.flights); k > 0 {
		f = n.flights[k-1]
		n.flights = n.flights[:k-1]
	} else {
		f = &flight{n: n}
	}
	f.from, f.dst, f.ls, f.id, f.call = from, dst, ls, id, nil
	// Sent now, to the incarnation running now (or to none, if dst is down): a
	// message that waited at a link says otherwise (Net.arrive).
	f.gen = dst.gen
	// Copied on its own: in one assignment with the other fields, the message is
	// copied twice, into a temporary first.
	f.m = *m
	return f
}

// Run lands the message at the far end of its link: at the cut of a partition, at a
// hold, or at the destination host, which takes it (Host.take) unless it is down,
// crashed since the message was sent (an orphan either way), or paused. Then it
// recycles the flight unless a mailbox keeps it (mailbox.Run recycles it then). The flight goes back to the free list only after the arrival, so the
// message is read in place: sends made while it lands take other flights.
func (f *flight) Run() {
	n, h := f.n, f.dst
	switch ls := f.ls; {
	case ls.blocked && ls.mode == InFlightStall:
		n.park(f, parkStall)
	case ls.blocked:
		n.lose(f.id, "partition")
	case ls.held:
		n.park(f, parkHold)
	case !h.up:
		h.orphan(f.id, "down")
	case f.gen != h.gen:
		h.orphan(f.id, "restarted")
	case h.paused:
		h.park(f)
	// Host.take, written out: it is what almost every arrival does.
	case f.m.Kind.Queued():
		if h.enqueue(f, h.Now()) {
			return // the mailbox keeps f
		}
	default:
		n.hand(h, f, h.Now())
	}
	n.recycle(f)
}

// recycle puts f back on the free list: nothing may hold it any more.
//
// A free flight keeps its last message until it is reused rather than clearing it
// (about 230 bytes, each pointer cleared through the write barrier while the
// collector runs): what is kept that way is bounded by the most messages ever in
// flight and queued at once.
func (n *Net) recycle(f *flight) { n.flights = append(n.flights, f) }

func (n *Net) lose(id uint64, reason string) {
	n.stats.Lost++
	n.w.Emit("", "lost", sim.Int("msg", int64(id)), sim.String("reason", reason))
}

// arrive brings a message that waited at a link to the far end of its link again: the
// cut of a partition, a hold, or the destination host. gen is the destination's
// incarnation when the message was sent, so that one sent to an incarnation that has
// crashed while it waited is an orphan, as one still travelling would be.
func (n *Net) arrive(from router.NodeID, dst *Host, gen, id uint64, m *router.Message) {
	f := n.flight(from, dst, n.links[linkKey{from, dst.id}], id, m)
	f.gen = gen
	f.Run()
}

// hand gives the message of flight f to the host's receiver, which reads it in place.
func (n *Net) hand(dst *Host, f *flight, arrived time.Duration) {
	id, m := f.id, &f.m
	n.stats.Handed++
	if n.w.Recording() {
		a := &n.attrs.handed
		a[0].Int = int64(id)
		if a[1].Name = n.kindName(m.Kind); m.Worker != 0 && m.Kind == router.KindReply {
			a[1].Name = n.workerReplyName()
		}
		if a[2].Name = f.call; f.call == nil {
			a[2].Name = n.calls.name(m.Call)
		}
		n.w.EmitKind(dst.name, n.attrs.handedKind, a[:]...)
	}
	if n.cfg.Observer != nil {
		n.cfg.Observer.Handed(dst.id, id, m, arrived)
	}
	if dst.recv != nil {
		dst.recv.Deliver(m, arrived)
	}
}

// emitSend traces the send of message id from host from to host to and returns the
// name of its call. Its attributes are written into n.attrs.send, whose keys are set
// once (traceAttrs), so that a send fills in eight values instead of building eight
// attributes on the stack. It is called only when the World records the trace
// (sim.World.Recording).
func (n *Net) emitSend(from *sim.Name, id uint64, to *sim.Name, m *router.Message) *sim.Name {
	a := &n.attrs.send
	a[0].Int = int64(id)
	a[1].Name = to
	if a[2].Name = n.kindName(m.Kind); m.Worker != 0 && m.Kind == router.KindReply {
		a[2].Name = n.workerReplyName()
	}
	a[3].Name = n.calls.name(m.Call)
	a[4].Int = int64(m.Hops)
	a[5].Int = int64(m.Instance)
	a[6].Int = int64(m.Budget)
	a[7].Name = n.CodeName(m.Code)
	n.w.EmitKind(from, n.attrs.sendKind, a[:]...)
	return a[3].Name
}

// WorkerReply is the trace's msg_kind of a leader's answer to a follower's forward,
// sent to the riak worker that called the follower (a router.KindReply whose Worker
// is set), which relays it to the caller: it goes to the worker's node, not to the
// caller's, and must not be read as the reply to the caller.
const WorkerReply = "worker-reply"

// KindName returns the msg_kind the trace gives m: its kind's name, but WorkerReply
// for a reply to a riak worker.
func KindName(m *router.Message) string {
	if m.Kind == router.KindReply && m.Worker != 0 {
		return WorkerReply
	}
	return m.Kind.String()
}

// kindName returns the name of k in the trace (a reply to a riak worker is named by
// workerReplyName: KindName).
func (n *Net) kindName(k router.Kind) *sim.Name {
	if int(k) < len(n.msgKinds) && n.msgKinds[k] != nil {
		return n.msgKinds[k]
	}
	return n.newKindName(k)
}

// workerReplyName returns WorkerReply as a Name of the network's world. Its callers
// ask for it, in place of kindName(m.Kind), for a reply whose Worker is set: kindName
// stays small enough to be inlined.
//
//go:noinline
func (n *Net) workerReplyName() *sim.Name {
	if n.workerReply == nil {
		n.workerReply = n.w.Name(WorkerReply)
	}
	return n.workerReply
}

// CodeName returns c's name (c.String()) as a sim.Name of the network's world, made
// when first asked for: anything that traces codes on this world may use it.
func (n *Net) CodeName(c router.Code) *sim.Name {
	if int(c) < len(n.codes) && n.codes[c] != nil {
		return n.codes[c]
	}
	return n.newCodeName(c)
}

// newKindName and newCodeName make the Name of k or c, for kindName and CodeName:
// kept out of them, so that they are inlined.
//
//go:noinline
func (n *Net) newKindName(k router.Kind) *sim.Name {
	p := n.w.Name(k.String())
	if int(k) < len(n.msgKinds) {
		n.msgKinds[k] = p
	}
	return p
}

//go:noinline
func (n *Net) newCodeName(c router.Code) *sim.Name {
	p := n.w.Name(c.String())
	if int(c) < len(n.codes) {
		n.codes[c] = p
	}
	return p
}

// satAdd returns a+b for b >= 0, saturating at the largest time.Duration.
func satAdd(a, b time.Duration) time.Duration {
	if s := a + b; s >= a {
		return s
	}
	return time.Duration(math.MaxInt64)
}

func joinIDs(ids []router.NodeID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}
