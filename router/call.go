package router

import (
	"fmt"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
)

// Result is the outcome of a call: a value produced by a peer, or an error.
type Result struct {
	Call  CallID
	Value []byte
	// Peer is the peer that produced Value; zero when Err is set.
	Peer PeerRef
	Err  error
}

// pending is the proxy of one call: it waits for the first reply that names its call,
// or for its own deadline timer, whichever comes first.
type pending struct {
	// request is the call's request as Call routes it: call is the call's id; ens is
	// the target ensemble, empty for a peer target (Call checks that a target names
	// one or the other; the rest of the target is read only while Call runs); budget
	// is the call's timeout. Call routes &p.request itself, not a copy built on the
	// stack, and nothing on the way changes it. The call may complete, and its proxy
	// be taken by a new call, before Call returns (a peer that answers in Handle, then
	// calls): routing reads a request only until it hands it to a peer or sends it
	// (TestCallsFromDone).
	request
	deadline   time.Duration // on this node's clock; Infinity for none
	timer      TimerID
	done       func(Result)
	redirected bool
	// nackHops is the hop count of the nack that redirected the call: a refusal
	// with no more hops, a copy of it or the answer to a copy of the first request
	// (the network duplicates a message now and then), says nothing of the
	// redirected request, which may yet run the event (see firstChain).
	nackHops int
	// seen is the version of the directory entry for the target ensemble when the
	// call started, if there was one (hadEntry): a redirect needs a strictly newer one.
	seen      uint64
	hadEntry  bool
	completed bool // only ever true with bugs.LateReply or bugs.KeepCompleted
}

// Call starts a call of event to t that waits at most timeout on this node's clock, and
// returns its id. done is called exactly once with the outcome, on the node's turn:
// possibly before Call returns (when the outcome is known at once, for example no
// leader known here), otherwise from Deliver or Fire. Timeouts are values, never
// panics: done receives ErrTimeout.
//
// Call returns an error, and never calls done, when the call cannot start: a target
// that names neither an ensemble nor a peer, or both, or a peer through a node
// (ErrBadTarget), a timeout that is not positive (ErrBadTimeout), or Infinity for an
// ensemble target (ErrNoDeadline).
//
// The node keeps event, not a copy: a local peer handed the call, and a message a
// transport holds, may read it for as long as they keep it, even after done, so the
// caller must not change it after Call.
func (n *Node) Call(t Target, event []byte, timeout time.Duration, done func(Result)) (CallID, error) {
	ensTarget := t.Peer.empty()
	if !ensTarget || t.Ensemble == "" { // an ensemble target needs no more checks
		if err := checkTarget(&t); err != nil {
			return CallID{}, err
		}
	}
	if timeout <= 0 {
		return CallID{}, fmt.Errorf("%w: got %v", ErrBadTimeout, timeout)
	}
	if ensTarget && timeout == Infinity {
		return CallID{}, fmt.Errorf("%w: ensemble %s", ErrNoDeadline, t.Ensemble)
	}
	n.seq++
	seq := n.seq
	if n.cfg.Shards > 1 {
		seq = (n.seq-1)*uint64(n.cfg.Shards) + uint64(n.cfg.Shard) + 1
	}
	id := CallID{Node: n.cfg.ID, Incarnation: n.cfg.Incarnation, Seq: seq}
	if n.cfg.Bugs.Has(bugs.ReuseCallID) {
		id.Incarnation = 0
	}
	now := n.now()
	p := n.newPending()
	p.init(id, t.Ensemble, event, timeout, done)
	var rt *route // the route to the target ensemble, for routing below: nothing can change it
	if ensTarget {
		if rt = &n.routes[routeSlot(t.Ensemble)]; !n.holds(rt, t.Ensemble) { // route, written out
			n.makeRoute(rt, t.Ensemble)
		}
		if rt.e != nil {
			p.seen, p.hadEntry = rt.e.Version, true
		}
	}
	if n.cfg.Bugs.Has(bugs.ForeignCallID) && rt != nil && rt.to == routeThere {
		id.Node = rt.e.Leader.Node
		p.call.Node = id.Node
	}
	if !n.pending.putFree(p) { // put, its common case inlined
		n.pending.put(p)
	}
	n.stats.Calls++
	if ev := n.event(EvCall); ev != nil {
		ev.Call = id
		// The event's target is zero (see event): an ensemble target's peer, zero as
		// well, is left as it is.
		ev.Target.Ensemble, ev.Target.Via = t.Ensemble, t.Via
		if !ensTarget {
			ev.Target.Peer.set(&t.Peer)
		}
		ev.Timeout = timeout
		n.cfg.Tracer.Trace(ev)
		ev.Kind, ev.Timeout = 0, 0 // see event
		ev.Target.Ensemble, ev.Target.Via = "", ""
		if !ensTarget {
			ev.Target.Peer.clear()
		}
	}
	if timeout != Infinity {
		// A timeout so long that the deadline would overflow is none (Infinity).
		if p.deadline = now + timeout; p.deadline < now {
			p.deadline = Infinity
		}
	}
	if timeout != Infinity && !n.cfg.Bugs.Has(bugs.NoDeadlineTimer) {
		d := timeout
		if n.cfg.Bugs.Has(bugs.IgnoreDeadline) {
			d *= 2
		}
		if n.cfg.Bugs.Has(bugs.EarlyDeadline) {
			d = d / 10 * 6
		}
		p.timer = n.cfg.Clock.After(d, Timer{Kind: TimerCall, Call: id})
	}
	r := &p.request // init set it up: call, ens, event, budget (timeout)
	switch {
	case !ensTarget:
		n.callPeer(&t.Peer, r)
	case t.Via == "" || n.isSelf(t.Via):
		switch rt.to { // routeTo, written out: a call less per call
		case routeHere:
			n.deliverTo(rt.p, &rt.e.Leader, r, false, true)
		case routeThere:
			if n.cfg.Bugs.Has(bugs.Detour) {
				n.sendRoute(n.cfg.ID, r, true)
				break
			}
			n.sendRoute(rt.e.Leader.Node, r, true)
		default:
			n.fail(r, true, CodeNoLeader, "no-leader")
		}
	default:
		n.sendRoute(t.Via, r, true)
	}
	return id, nil
}

// Cast routes event to t without waiting for anything. Failures are counted, not
// reported: a cast is fire-and-forget. As with Call, the node keeps event, not a copy,
// so the caller must not change it after Cast.
func (n *Node) Cast(t Target, event []byte) error {
	if err := checkTarget(&t); err != nil {
		return err
	}
	r := request{ens: t.Ensemble, event: event, budget: Infinity, cast: true}
	if n.cfg.Bugs.Has(bugs.DropCast) {
		if n.bugDrops++; n.bugDrops%4 == 0 {
			return nil
		}
	}
	if n.cfg.Bugs.Has(bugs.CastTwice) {
		n.cast(&t, r)
	}
	n.cast(&t, r)
	return nil
}

// cast sends r, a cast, on its way to t.
func (n *Node) cast(t *Target, r request) {
	switch {
	case !t.Peer.IsZero():
		r.ens = t.Peer.Ensemble
		n.toPeer(&t.Peer, &r, false, true)
	case t.Via == "" || t.Via == n.cfg.ID:
		n.routeTo(n.route(r.ens), &r, true)
	default:
		n.sendRoute(t.Via, &r, true)
	}
}

// checkTarget reports what makes t neither an ensemble target nor a peer target (a
// peer target names no Via).
func checkTarget(t *Target) error {
	switch {
	case t.Peer.IsZero() && t.Ensemble == "":
		return fmt.Errorf("%w: neither ensemble nor peer", ErrBadTarget)
	case !t.Peer.IsZero() && t.Ensemble != "":
		return fmt.Errorf("%w: both ensemble %s and peer %s", ErrBadTarget, t.Ensemble, t.Peer)
	case !t.Peer.IsZero() && (t.Peer.Node == "" || t.Peer.Ensemble == ""):
		return fmt.Errorf("%w: peer %s needs an ensemble and a node", ErrBadTarget, t.Peer)
	case !t.Peer.IsZero() && t.Via != "":
		// Through would be ignored: a peer target goes straight to the peer's node.
		return fmt.Errorf("%w: peer %s goes straight to its node, through no router (via %s)", ErrBadTarget, t.Peer, t.Via)
	}
	return nil
}

// callPeer is the original's pid target: no routing, the proxy calls the peer. It is
// direct here as at a remote peer's node: no riak worker, and a missing peer is
// unreachable, not a non-leader. It routes a copy of *r, the proxy's, which it does
// not change: the proxy's empty ens is what marks a peer target (see redirect).
func (n *Node) callPeer(peer *PeerRef, r *request) {
	c := *r
	c.ens = peer.Ensemble
	c.direct = true
	if n.cfg.Bugs.Has(bugs.DropPeerCall) {
		return
	}
	n.toPeer(peer, &c, false, true)
}

// reply handles a reply message at the caller's node, which it reached at time
// arrived: the proxy's receive. A reply that arrived after its call's deadline is late
// even while the call is pending (a production driver fires the deadline on the
// caller's goroutine, which a reply can beat to the node's turn): the call times out
// then, as its deadline timer would have it. On the simulated path the timer comes
// first, but for a reply handed in the instant a forward clock step takes the node
// past the deadline (the timer then fires in an event of that instant, after it).
func (n *Node) reply(m *Message, arrived time.Duration) {
	p := n.pending.get(m.Call.Seq) // lookup, written out: it is not inlined
	ok := p != nil && p.call == m.Call
	if n.cfg.Bugs.Has(bugs.CrossReply) {
		if q := n.otherPending(m.Call); q != nil {
			p, ok = q, true
		}
	}
	if !ok || (p.completed && !n.cfg.Bugs.Has(bugs.LateReply)) {
		reason := "completed"
		if m.Call.Node == n.cfg.ID && m.Call.Incarnation != n.cfg.Incarnation {
			n.stats.Stale++
			reason = "old-incarnation"
		}
		n.lateReply(m, reason)
		return
	}
	// The node's clock must have passed the deadline too: a reply parked while its
	// node was paused keeps the time it came, and a clock stepped back meanwhile may
	// read before the deadline again, the deadline timer not yet due.
	if arrived > p.deadline && !p.completed && n.now() > p.deadline {
		n.complete(p, nil, nil, ErrTimeout)
		n.lateReply(m, "after-deadline")
		return
	}
	if p.redirected && (m.Code != CodeOK || n.cfg.Bugs.Has(bugs.DropOKAfterRedirect)) && n.firstChain(p, m) && !n.cfg.Bugs.Has(bugs.NackCopyAfterRedirect) && !n.cfg.Bugs.Has(bugs.RedirectTwice) {
		n.lateReply(m, "redirected")
		return
	}
	switch m.Code {
	case CodeOK:
		by := &m.Peer
		if n.cfg.Bugs.Has(bugs.CreditBelievedLeader) && p.ens != "" {
			if e := n.route(p.ens).e; e != nil && !e.Leader.IsZero() {
				by = &e.Leader
			}
		}
		n.complete(p, m.Result, by, nil)
	case CodeNack:
		if !n.riak() && n.redirect(p, m) {
			return
		}
		n.complete(p, nil, nil, n.outcome(CodeNack))
	default:
		n.complete(p, nil, nil, n.outcome(m.Code))
	}
}

// firstChain reports whether reply m, for p, a redirected call, answers the request
// that was redirected, not the redirected one: it comes from another node with no
// more hops than the nack that redirected the call. The redirected request starts
// with the nack's hop count and reaches another node only with a higher one. Such a
// reply is a copy of that nack, or the answer to a copy of the first request (the
// network duplicates messages): a refusal there says nothing of the redirected
// request, which may still run the event, and is dropped; an ok is the event's
// answer and ends the call. A reply made on this node never crosses the network and
// so never comes twice, but the redirected request's own nack may come with the
// same peer and count: the caller's node holds both the new leader and the peer that
// refused, and hands the request from one to the other without a hop. A copy of the
// first request passed on further than the nack was comes back with more hops, and
// its refusal ends the call: only a number for each attempt, carried by the messages,
// would tell it apart.
func (n *Node) firstChain(p *pending, m *Message) bool {
	return m.Hops <= p.nackHops && m.From != n.cfg.ID
}

// lateReply counts and traces reply m, dropped for reason.
func (n *Node) lateReply(m *Message, reason string) {
	if n.cfg.Bugs.Has(bugs.SilentLate) {
		return
	}
	if !n.cfg.Bugs.Has(bugs.UncountedLate) {
		n.stats.Late++
	}
	if ev := n.event(EvLate); ev != nil {
		ev.Call = m.Call
		// A copy: pointing at *m would make every delivered message escape.
		n.late = *m
		ev.Msg = &n.late
		ev.Reason = reason
		n.cfg.Tracer.Trace(ev)
		ev.Kind, ev.Msg, ev.Reason = 0, nil, ""
	}
}

// redirect re-routes a nacked ensemble call once, from this node, when the directory
// here has learned a newer leader since the call started, other than the peer that
// refused. A nack means the event did not run, so sending it again cannot run it
// twice. An entry no newer than the one the call started with would only send the
// request down the path that just refused it.
func (n *Node) redirect(p *pending, m *Message) bool {
	if p.redirected && !n.cfg.Bugs.Has(bugs.RedirectTwice) || p.ens == "" { // a peer target is never redirected
		return false
	}
	rt := n.route(p.ens)
	e := rt.e
	if e == nil || (p.hadEntry && e.Version <= p.seen) || e.Leader.IsZero() || e.Leader == m.Peer {
		return false
	}
	// What is left before the deadline, and never more than the call's timeout (its
	// budget): a clock stepped back since the call started is no time gained.
	budget := min(p.deadline-n.now(), p.budget)
	if budget <= 0 {
		return false
	}
	if n.cfg.Bugs.Has(bugs.RedirectFullBudget) {
		budget = p.budget
	}
	p.redirected = true
	p.nackHops = m.Hops
	n.stats.Redirects++
	if ev := n.event(EvRedirect); ev != nil {
		ev.Call = p.call
		ev.Peer.set(&e.Leader)
		n.cfg.Tracer.Trace(ev)
		ev.Kind = 0
		ev.Peer.clear()
	}
	hops := m.Hops
	if n.cfg.Bugs.Has(bugs.RedirectHopsReset) {
		hops = 0
	}
	n.routeTo(rt, &request{call: p.call, ens: p.ens, event: p.event, budget: budget, hops: hops}, true)
	return true
}

// outcome is the error a caller sees for code under the node's semantics: the original
// turns every failure into timeout.
func (n *Node) outcome(c Code) error {
	if n.riak() {
		return ErrTimeout
	}
	return c.Err()
}

// complete finishes a call, with the value peer *by produced or with err (by nil):
// exactly once, then the call is forgotten so that any later reply is a late reply.
// The Result is built only for done: its parts come in registers.
func (n *Node) complete(p *pending, value []byte, by *PeerRef, err error) {
	keep := n.cfg.Bugs.Has(bugs.LateReply) || n.cfg.Bugs.Has(bugs.KeepCompleted)
	if keep {
		p.completed = true
	} else if !n.pending.removeHeld(p.call.Seq) { // remove, its common case inlined
		n.pending.removeAside(p.call.Seq)
	}
	if p.timer != 0 {
		if !n.cfg.Bugs.Has(bugs.LeakTimers) {
			n.cfg.Clock.Stop(p.timer)
		}
		p.timer = 0
	}
	code := CodeOf(err)
	n.stats.Completed[code]++
	if ev := n.event(EvComplete); ev != nil {
		ev.Call = p.call
		if by != nil {
			ev.Peer.set(by)
		}
		ev.Code = code
		ev.Err = err
		ev.Result = value
		n.cfg.Tracer.Trace(ev)
		ev.Kind, ev.Code, ev.Err, ev.Result = 0, 0, nil, nil
		ev.Peer.clear()
	}
	if p.done != nil {
		var res Result
		res.Call, res.Value, res.Err = p.call, value, err
		if by != nil {
			res.Peer.set(by)
		}
		p.done(res)
	}
	if !keep {
		n.freePending(p)
	}
}

// maxFree bounds the completed proxies a node keeps for its next calls.
const maxFree = 256

// newPending returns a proxy to fill in: one a completed call left, or a new one.
func (n *Node) newPending() *pending {
	if k := len(n.free); k > 0 {
		p := n.free[k-1]
		n.free[k-1] = nil
		n.free = n.free[:k-1]
		return p
	}
	return new(pending)
}

// freePending keeps p, forgotten by now, for a later call: a proxy per call is most of
// what a call allocates.
func (n *Node) freePending(p *pending) {
	if len(n.free) < maxFree {
		// Let go of what the call referenced (init sets every field again).
		p.ens = ""
		p.event = nil
		p.done = nil
		n.free = append(n.free, p)
	}
}

// init makes p the proxy of a new call, every field set one at a time whatever p held
// before (a completed call's proxy, see freePending): a whole pending copied into the
// heap is a bulk write barrier while the collector marks.
func (p *pending) init(id CallID, ens EnsembleID, event []byte, timeout time.Duration, done func(Result)) {
	p.call = id
	p.ens = ens
	p.event = event
	p.budget = timeout
	p.hops = 0
	p.cast, p.direct = false, false
	p.relay, p.relayTo = 0, ""
	p.deadline = Infinity
	p.timer = 0
	p.done = done
	p.redirected, p.nackHops = false, 0
	p.seen, p.hadEntry = 0, false
	p.completed = false
}

// lookup returns the proxy of call id. Proxies are kept by sequence number alone, which
// is unique among a node's calls (pendingSet); the rest of the id must match as well.
func (n *Node) lookup(id CallID) (*pending, bool) {
	p := n.pending.get(id.Seq)
	if p == nil || p.call != id {
		return nil, false
	}
	return p, true
}

// otherPending is bugs.CrossReply: the oldest pending call other than id.
func (n *Node) otherPending(id CallID) *pending {
	var best *pending
	n.pending.each(func(p *pending) {
		if p.call != id && !p.completed && (best == nil || p.call.Seq < best.call.Seq) {
			best = p
		}
	})
	return best
}
