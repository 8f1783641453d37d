package router

import (
	"errors"
	"math"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
)

// request is a call or cast on its way to a peer, as one node sees it.
type request struct {
	call   CallID // zero for casts
	ens    EnsembleID
	event  []byte
	budget time.Duration // what this node may still spend (riak: the original timeout)
	hops   int
	cast   bool
	direct bool // a peer target: no routing, no riak worker
	// relay and relayTo name the riak worker a follower's forward answers to, and its
	// node (Message.Worker): zero for none.
	relay   uint64
	relayTo NodeID
}

// routeTo is the routing step, run by the caller in place (atCaller) or by a router
// instance for a request another node passed on, once the route to r.ens is known
// (rt): deliver locally to the leader, pass the
// request on to the leader's node, or fail. Its callers look the route up themselves
// (Node.route): a call remembers the entry's version, and a wrapper that looked it up
// was a call more per request. Routing's two hot paths, Call and routeAt, write it
// out as well: it is not inlined, and it was a call more per request again.
func (n *Node) routeTo(rt *route, r *request, atCaller bool) {
	switch {
	case rt.to == routeNone:
		n.fail(r, atCaller, CodeNoLeader, "no-leader")
	case rt.to == routeHere:
		n.deliverTo(rt.p, &rt.e.Leader, r, false, atCaller)
	default:
		n.sendRoute(rt.e.Leader.Node, r, atCaller)
	}
}

// routeAt is a router instance's turn for a KindRoute or KindCast message that waited
// in its mailbox since arrived.
func (n *Node) routeAt(m *Message, arrived time.Duration) {
	if n.cfg.Bugs.Has(bugs.UnchargedWait) {
		arrived = n.now()
	}
	budget := n.remaining(m.Budget, arrived)
	if budget <= 0 && !n.cfg.Bugs.Has(bugs.HandSpentBudget) {
		n.stats.Budget++
		n.traceDrop(m.Call, "budget-spent", m.Instance)
		return
	}
	var r request // field by field: a composite literal is built aside and copied
	r.call, r.ens, r.event, r.budget, r.hops, r.cast = m.Call, m.Ensemble, m.Event, budget, m.Hops, m.Kind == KindCast
	rt := &n.routes[routeSlot(r.ens)] // route, written out: it is not inlined
	if !n.holds(rt, r.ens) {
		n.makeRoute(rt, r.ens)
	}
	switch rt.to { // routeTo, written out: a call less per request
	case routeHere:
		n.deliverTo(rt.p, &rt.e.Leader, &r, false, false)
	case routeThere:
		n.sendRoute(rt.e.Leader.Node, &r, false)
	default:
		n.fail(&r, false, CodeNoLeader, "no-leader")
	}
}

// nextHop counts one more transfer between nodes and reports whether the hop limit
// (default semantics only) still allows it. A count no node sends (negative, or one
// that would wrap) is past any limit.
func (n *Node) nextHop(hops int) (int, bool) {
	valid := hops >= 0 && hops < math.MaxInt
	if !n.cfg.Bugs.Has(bugs.DropHopCount) {
		hops++
	}
	limit := n.cfg.HopLimit
	if n.cfg.Bugs.Has(bugs.HopLimitOffByOne) {
		limit++
	}
	return hops, n.riak() || valid && hops <= limit
}

// sendRoute passes r to a random router instance on node to.
func (n *Node) sendRoute(to NodeID, r *request, atCaller bool) {
	hops, ok := n.nextHop(r.hops)
	if !ok {
		n.fail(r, atCaller, CodeHopLimit, "hop-limit")
		return
	}
	kind := KindRoute
	if r.cast {
		kind = KindCast
	}
	m := n.outgoing(kind)
	m.Instance = n.cfg.Rand.IntN(n.cfg.Routers)
	m.Call = r.call
	m.Ensemble = r.ens
	m.Event = r.event
	m.Budget = r.budget
	m.Hops = hops
	// send, written out: sent only for a refusal or a traced send.
	if err := n.cfg.Transport.Send(to, m); err != nil || n.traced&(1<<EvSend) != 0 {
		if err := n.sent(to, m, err); err != nil {
			n.fail(r, atCaller, sendCode(err), "unreachable")
		}
	}
}

// fail ends a request that cannot go on. At the caller's node the call completes at
// once. At a remote hop the original drops a request it has no leader for (the caller
// waits out its timeout) and answers timeout otherwise; default semantics answers the
// error back at once.
func (n *Node) fail(r *request, atCaller bool, code Code, reason string) {
	if code == CodeHopLimit {
		n.stats.HopLimit++
	}
	if r.cast {
		n.stats.CastDrop++
		n.traceDrop(CallID{}, "cast: "+reason, -1)
		return
	}
	if atCaller {
		if p, ok := n.lookup(r.call); ok && !p.completed {
			n.complete(p, nil, nil, n.outcome(code))
		}
		return
	}
	if n.riak() && code == CodeNoLeader {
		n.stats.NoLeader++
		n.traceDrop(r.call, reason, -1)
		return
	}
	if n.riak() {
		code = CodeTimeout
	}
	n.sendReply(r.call, code, nil, nil, r.hops)
}

// sendReply sends an outcome, produced by peer *by (nil for none), to the caller's node;
// a reply to one of this node's own calls is handled in place (a call of another shard
// goes out through the transport). A reply the transport refuses is lost (counted): the
// caller times out.
func (n *Node) sendReply(call CallID, code Code, result []byte, by *PeerRef, hops int) {
	if n.owns(call) {
		m := Message{Kind: KindReply, From: n.cfg.ID, Call: call, Code: code, Result: result, Hops: hops}
		if by != nil {
			m.Peer = *by
		}
		// Told, as a reply a transport hands over is seen there: a checker can then
		// hold the reply to a completion, a late drop or a redirect.
		if ev := n.event(EvReplyHere); ev != nil {
			ev.Call = call
			ev.Code = code
			n.cfg.Tracer.Trace(ev)
			ev.Kind, ev.Code = 0, 0
		}
		n.reply(&m, n.now())
		return
	}
	n.sendReplyTo(call.Node, 0, call, code, result, by, hops)
}

// answerWorker sends a leader's answer to a follower's forward to the riak worker
// that called the follower, worker on node to (riak): in place when the worker is
// this node's (a forward within a node never leaves the Node that made it, so the
// worker is this shard's), through the transport otherwise.
func (n *Node) answerWorker(to NodeID, worker uint64, call CallID, code Code, result []byte, by *PeerRef, hops int) {
	if n.isSelf(to) {
		m := Message{Kind: KindReply, From: n.cfg.ID, Call: call, Code: code, Result: result, Hops: hops, Worker: worker}
		if by != nil {
			m.Peer = *by
		}
		// Told, as an answer a transport hands over is seen there: a checker can then
		// hold the worker to its relay or its late drop.
		if ev := n.event(EvReplyHere); ev != nil {
			ev.Call = call
			ev.Code = code
			ev.Reason = "worker"
			n.cfg.Tracer.Trace(ev)
			ev.Kind, ev.Code, ev.Reason = 0, 0, ""
		}
		n.workerReply(&m)
		return
	}
	n.sendReplyTo(to, worker, call, code, result, by, hops)
}

// sendReplyTo sends a reply to node to, for its worker (zero: to the call itself).
func (n *Node) sendReplyTo(to NodeID, worker uint64, call CallID, code Code, result []byte, by *PeerRef, hops int) {
	m := n.outgoing(KindReply)
	m.Call = call
	m.Code = code
	m.Result = result
	if by != nil {
		m.Peer.set(by)
	} else {
		m.Peer.clear()
	}
	m.Hops = hops
	m.Worker = worker
	// send, written out: sent only for a refusal or a traced send.
	if err := n.cfg.Transport.Send(to, m); err != nil || n.traced&(1<<EvSend) != 0 {
		_ = n.sent(to, m, err)
		if err != nil && len(m.Result) > 0 && errors.Is(err, ErrTooLarge) {
			// The answer cannot travel: say so at once, without it (ErrTooLarge).
			m.Code, m.Result = CodeTimeout, nil
			err = n.cfg.Transport.Send(to, m)
			if err != nil || n.traced&(1<<EvSend) != 0 {
				_ = n.sent(to, m, err)
			}
		}
	}
}

func sendCode(err error) Code {
	if errors.Is(err, ErrOverloaded) {
		return CodeOverloaded
	}
	return CodeUnreachable
}
