package router

import (
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
)

// Peer is an ensemble member hosted on a node: user code. The node calls Handle on its
// own turn with each event routed to the peer. The peer answers through the Request,
// now or later, or never; the driver must bring a later answer back to the node's turn.
type Peer interface {
	Handle(r *Request)
}

// PeerFunc adapts a function to Peer.
type PeerFunc func(r *Request)

// Handle calls f(r).
func (f PeerFunc) Handle(r *Request) { f(r) }

// Request is one event handed to a local peer. A peer answers it at most once, with
// Reply, Nack or Forward; later answers are ignored and counted (Stats.Twice).
type Request struct {
	n         *Node
	call      CallID
	peer      PeerRef
	event     []byte
	budget    time.Duration
	handed    time.Duration
	hops      int
	forwarded bool
	cast      bool
	done      bool
	// expired: under riak, the request's worker timed out (Node.Fire) before the peer
	// answered. The request is done, but its first answer, if a Forward, still goes
	// to the leader, as the original's follower forwards whatever became of the worker.
	expired bool
	// relaying: under riak, the request's peer forwarded it, and its worker waits for
	// the leader's answer to relay (Node.Relaying).
	relaying bool
	worker   uint64 // the request's riak worker while it waits; zero once it retires
	wid      uint64 // the request's riak worker, kept after it retires: a Forward names it
	timer    TimerID
	// relay and relayTo: under riak, the worker that called the follower whose forward
	// this is, and its node; the answer goes to it (Message.Worker). Zero for none.
	relay   uint64
	relayTo NodeID
	// proc is the process the request was handed to, under riak: once it is dead
	// (RemovePeer), its answers are ignored. Nil under default semantics.
	proc *process
}

// Call is the id of the call the request belongs to; zero for a cast.
func (r *Request) Call() CallID { return r.call }

// Peer is the peer the request was handed to.
func (r *Request) Peer() PeerRef { return r.peer }

// Event is the caller's event. The peer must not modify it.
func (r *Request) Event() []byte { return r.event }

// Budget is the time the peer may spend, from the moment it was handed the request:
// the caller's remaining budget under default semantics, the original timeout under
// riak (the original restarts the clock at the leader hop). Infinity for none.
func (r *Request) Budget() time.Duration { return r.budget }

// Forwarded reports whether a follower forwarded this request; a forwarded request is
// not forwarded again.
func (r *Request) Forwarded() bool { return r.forwarded }

// IsCast reports whether nobody waits for an answer.
func (r *Request) IsCast() bool { return r.cast }

// Reply answers the caller with result, which the router then owns.
func (r *Request) Reply(result []byte) {
	// answer written out, finish inlined: a reply is every call's last step at the peer.
	if r.done || r.proc != nil && r.proc.dead {
		r.ignored()
		return
	}
	r.finish()
	if !r.cast {
		if r.relay != 0 {
			r.n.answerWorker(r.relayTo, r.relay, r.call, CodeOK, result, &r.peer, r.hops)
			return
		}
		r.n.sendReply(r.call, CodeOK, result, &r.peer, r.hops)
	}
}

// Nack refuses the request: the peer is in an election or probe, or is a follower that
// got a forward. The caller's node turns it into ErrTimeout (riak) or ErrNotLeader or a
// redirect (default). Under riak a refused forward is dropped silently, as the original
// drops a forward that reaches a non-leader; a leader that cannot serve an event it
// was forwarded answers it with Reply (the original's leader answers such an event's
// refusal to the follower's caller, which a Nack here does not do).
func (r *Request) Nack() {
	if !r.answer() {
		return
	}
	n := r.n
	switch {
	case r.cast:
		n.stats.CastDrop++
		n.traceDrop(CallID{}, "cast: nack", -1)
	case r.forwarded && n.riak():
		n.stats.FwdDrop++
		n.traceDrop(r.call, "forward-to-non-leader", -1)
	default:
		n.sendReply(r.call, CodeNack, nil, &r.peer, r.hops)
	}
}

// Forward passes the request once to leader, the leader this follower knows. The
// leader answers the caller directly; but under riak, a routed call's leader hop has a
// worker, which called this follower: the leader answers the worker, which relays the
// answer to the caller, as in the original, or has given up (answered timeout at its
// timer, or at once if this peer is removed meanwhile) and lets it drop. Forwarding a
// forwarded request, or to no leader, to itself or to a peer of another ensemble
// (which would answer a call to this one: Entry.Problem), is a Nack; but under riak
// such a forward is dropped, as the original's follower swallows one to no leader or
// to itself (a send to no leader fails inside a catch; a forward to itself is
// ignored): it answers the request, and the leader hop's worker, if there is one,
// answers timeout at its timer; the caller waits out its timeout. Under riak a forward
// that is the first answer after the worker timed out still goes to the leader, which
// runs the event for a caller that has given up.
func (r *Request) Forward(leader PeerRef) {
	n := r.n
	expired := r.expired
	r.expired = false // a later answer is a second one
	if r.done && !expired || r.proc != nil && r.proc.dead {
		r.deadOrTwice()
		return
	}
	if r.forwarded || leader.IsZero() || leader == r.peer || leader.Ensemble != r.peer.Ensemble {
		if n.riak() && !r.forwarded && !r.cast {
			// Answered, but the worker stays: it answers timeout at its timer, as the
			// original's does (after the caller's deadline: a late reply there).
			r.done = true
			n.stats.FwdDrop++
			n.traceDrop(r.call, "forward-no-leader", -1)
			return
		}
		r.Nack()
		return
	}
	var relay uint64
	if r.wid != 0 {
		// Under riak: the worker stays (or is gone already, if expired) and the
		// leader answers it.
		relay = r.wid
		r.done = true
		r.relaying = r.worker != 0
	} else {
		r.finish()
	}
	budget := n.remaining(r.budget, r.handed)
	if budget <= 0 {
		n.stats.Budget++
		n.traceDrop(r.call, "budget-spent", -1)
		return
	}
	if ev := n.event(EvForward); ev != nil {
		ev.Call = r.call
		ev.Peer.set(&leader)
		ev.Budget = budget
		n.cfg.Tracer.Trace(ev)
		ev.Kind, ev.Budget = 0, 0 // see Node.event
		ev.Peer.clear()
	}
	hops := r.hops
	if n.cfg.Bugs.Has(bugs.ForwardHopsReset) {
		hops = 0
	}
	n.toPeer(&leader, &request{call: r.call, ens: leader.Ensemble, event: r.event, budget: budget, hops: hops, cast: r.cast, relay: relay, relayTo: n.cfg.ID}, true, false)
}

// answer reports whether this is the request's first answer, and if so marks it
// answered (finish); a later one is ignored.
func (r *Request) answer() bool {
	if r.done || r.proc != nil && r.proc.dead {
		r.deadOrTwice()
		return false
	}
	r.finish()
	return true
}

// deadOrTwice handles a Nack or a Forward that has no effect: a second answer, or one
// of a dead process (riak). A cast a dead process held and had not answered, which
// the Nack or Forward would pass on or drop, is dropped with it (Stats.CastDrop);
// anything else is ignored (Stats.Twice).
func (r *Request) deadOrTwice() {
	if r.cast && !r.done {
		r.done = true
		r.n.stats.CastDrop++
		r.n.traceDrop(CallID{}, "cast: dead peer", -1)
		return
	}
	r.ignored()
}

// ignored counts and traces an answer to a request answered already (or whose riak
// worker timed out): a Forward after it is a second answer too.
func (r *Request) ignored() {
	r.expired = false
	r.n.stats.Twice++
	if ev := r.n.event(EvIgnored); ev != nil {
		ev.Call = r.call
		ev.Peer.set(&r.peer)
		r.n.cfg.Tracer.Trace(ev)
		ev.Kind = 0
		ev.Peer.clear()
	}
}

// finish marks the request answered and retires its riak worker, if it has one.
func (r *Request) finish() {
	r.done = true
	if r.worker != 0 {
		r.retire()
	}
}

// retire retires the request's riak worker.
func (r *Request) retire() {
	if !r.n.cfg.Bugs.Has(bugs.KeepWorkers) {
		delete(r.n.workers, r.worker)
	}
	r.worker = 0
	if r.timer != 0 {
		if !r.n.cfg.Bugs.Has(bugs.LeakTimers) {
			r.n.cfg.Clock.Stop(r.timer)
		}
		r.timer = 0
	}
}

// requestBatch is how many Requests a node allocates at once. A Request goes to user
// code, which may keep it for ever and answer it again (a second answer is ignored and
// counted), so a Request is never reused for another event: that is what makes a
// stale Request harmless. Taking them from a batch allocates once per requestBatch
// events instead of once per event; the price is that a peer that keeps one Request
// keeps its batch's memory alive (at most requestBatch-1 other, answered Requests).
const requestBatch = 16

// newRequest returns a Request nobody has seen yet.
func (n *Node) newRequest() *Request {
	if len(n.reqs) == 0 {
		n.reqs = make([]Request, requestBatch)
	}
	r := &n.reqs[0]
	n.reqs = n.reqs[1:]
	return r
}

// toPeer hands r to the peer *ref, here or on its node.
func (n *Node) toPeer(ref *PeerRef, r *request, forwarded, atCaller bool) {
	if n.isSelf(ref.Node) {
		n.deliverLocal(ref, r, forwarded, atCaller)
		return
	}
	hops, ok := n.nextHop(r.hops)
	if !ok {
		n.fail(r, atCaller, CodeHopLimit, "hop-limit")
		return
	}
	m := n.outgoing(KindPeer)
	m.Call = r.call
	m.Ensemble = ref.Ensemble
	m.Peer.set(ref)
	m.Forwarded = forwarded
	m.Event = r.event
	m.Budget = r.budget
	m.Hops = hops
	m.Worker = r.relay
	if err := n.send(ref.Node, m); err != nil {
		if forwarded && n.riak() {
			if r.cast {
				n.stats.CastDrop++
			}
			return // the original's forward is a plain send: lost
		}
		n.fail(r, atCaller, sendCode(err), "unreachable")
	}
}

// peerAt handles a KindPeer message: a peer-target call or a follower's forward.
func (n *Node) peerAt(m *Message, arrived time.Duration) {
	r := request{call: m.Call, ens: m.Peer.Ensemble, event: m.Event, budget: n.remaining(m.Budget, arrived), hops: m.Hops, cast: m.Call.IsZero(), direct: !m.Forwarded}
	if m.Worker != 0 && m.Forwarded && !r.cast && n.riak() {
		r.relay, r.relayTo = m.Worker, m.From
	}
	if r.budget <= 0 {
		n.stats.Budget++
		n.traceDrop(r.call, "budget-spent", -1)
		return
	}
	if !n.isSelf(m.Peer.Node) {
		// A peer of another node (no node sends that): this node's peer of the same
		// ensemble and name is not it, and the answer must not be credited to it.
		n.deliverTo(nil, &m.Peer, &r, m.Forwarded, false)
		return
	}
	n.deliverLocal(&m.Peer, &r, m.Forwarded, false)
}

// deliverLocal hands r to the peer *ref on this node. Under riak a routed (not direct,
// not forwarded) call gets a worker that answers timeout if the peer has not answered
// within the original timeout, restarted here. *ref may be a directory's entry or a
// message's: it is read before the peer has the request, never after.
func (n *Node) deliverLocal(ref *PeerRef, r *request, forwarded, atCaller bool) {
	n.deliverTo(n.peer(ref), ref, r, forwarded, atCaller)
}

// deliverTo is deliverLocal once the peer *ref names is known: p, or nil for none.
func (n *Node) deliverTo(p Peer, ref *PeerRef, r *request, forwarded, atCaller bool) {
	if p == nil {
		n.stats.NoPeer++
		if forwarded && n.riak() {
			n.stats.FwdDrop++
			if r.cast {
				n.stats.CastDrop++
			}
			n.traceDrop(r.call, "no-peer", -1)
			return
		}
		code := CodeNotLeader
		if r.direct {
			code = CodeUnreachable
		}
		n.fail(r, atCaller, code, "no-peer")
		return
	}
	if n.cfg.Bugs.Has(bugs.DropRequest) && !r.cast {
		if n.bugDrops++; n.bugDrops%8 == 0 {
			n.traceDrop(r.call, "injected", -1)
			return
		}
	}
	req := n.newRequest()
	// Field by field into fresh, zeroed memory (newRequest): a whole Request copied
	// into the heap is a bulk write barrier while the collector marks. Fields left out
	// (done, worker, timer) stay zero.
	req.n = n
	req.call = r.call
	req.peer.set(ref)
	req.event = r.event
	req.budget = r.budget
	req.handed = n.now()
	req.hops = r.hops
	req.forwarded = forwarded
	req.cast = r.cast
	req.relay = r.relay
	req.relayTo = r.relayTo
	if n.riak() && !r.cast && !r.direct && !forwarded && r.budget != Infinity {
		// Numbered so that a driver finds a worker's shard (ShardOfWorker).
		n.wseq++
		req.worker = (n.wseq-1)*uint64(n.cfg.Shards) + uint64(n.cfg.Shard) + 1
		req.wid = req.worker
		n.workers[req.worker] = req
		req.timer = n.cfg.Clock.After(r.budget, Timer{Kind: TimerWorker, Call: r.call, Worker: req.worker})
	}
	if ev := n.event(EvDeliver); ev != nil {
		ev.Call = r.call
		ev.Peer.set(ref)
		ev.Budget = req.budget
		n.cfg.Tracer.Trace(ev)
		ev.Kind, ev.Budget = 0, 0
		ev.Peer.clear()
	}
	p.Handle(req)
}
