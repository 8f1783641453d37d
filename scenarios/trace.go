package scenarios

import (
	"github.com/ensroute/ensroute/internal/samestr"
	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

func strAttr(k, v string) sim.Attr       { return sim.String(k, v) }
func intAttr(k string, v int64) sim.Attr { return sim.Int(k, v) }

// traceKinds are the kinds of the records a tracer emits, declared once per world
// with their keys (sim.World.Kind): a record then hashes its values only.
type traceKinds struct {
	call, deliver, forward, complete, late, drop, redirect, worker, learn, ignored *sim.Kind
	// retryCall is the call record of a retry (workload.retry): a call's, and the
	// request it retries (its first attempt's call id) and its attempt number. Only
	// a world that retries declares it (newRetrier).
	retryCall *sim.Kind
	// vals holds the values of the record being emitted: a tracer fills in the
	// first ones and passes them to EmitKind, which only reads them, instead of
	// building attributes anew for every record. Their keys are not used.
	vals [5]sim.Attr
}

func newTraceKinds(w *sim.World) traceKinds {
	return traceKinds{
		call:     w.Kind("call", "call", "target", "timeout"),
		deliver:  w.Kind("deliver", "call", "peer", "budget"),
		forward:  w.Kind("forward", "call", "peer", "budget"),
		complete: w.Kind("complete", "call", "code", "by"),
		late:     w.Kind("late", "call", "reason", "code"),
		drop:     w.Kind("drop", "call", "reason"),
		redirect: w.Kind("redirect", "call", "peer"),
		worker:   w.Kind("worker-timeout", "call"),
		learn:    w.Kind("learn", "ens", "leader", "version"),
		ignored:  w.Kind("ignored", "call", "peer"),
	}
}

// setName, setStr and setInt set the value of a, one of traceKinds.vals.
func setName(a *sim.Attr, n *sim.Name) { a.IsInt, a.Name = false, n }
func setStr(a *sim.Attr, s string)     { a.IsInt, a.Name, a.Str = false, nil, s }
func setInt(a *sim.Attr, v int64)      { a.IsInt, a.Int = true, v }

// tracer turns one node incarnation's router events into trace records and shows
// them to the checker. Sends are traced by the network, which knows message ids.
//
// It also hands the incarnation's completions to the calls they belong to: done,
// made once, is every workload call's completion callback, and recs finds the call
// a result names.
type tracer struct {
	wd   *world
	host *netmodel.Host // the node's
	node router.NodeID
	name *sim.Name // node's name in the trace
	inc  router.Incarnation
	done func(router.Result) // complete
	// recs are the workload calls this incarnation started, by sequence number:
	// recs[seq-1] is 1 + the index into the checker's calls of the call issued seq,
	// 0 for none.
	recs []int32
}

// complete is the completion callback of every workload call of the incarnation.
// The router names the call in res.Call: the id its EvCall named, which is when the
// tracer learned the call's record (recs), where the checker finds it.
func (t *tracer) complete(res *router.Result) { t.wd.chk.done(t, res) }

// started records that the incarnation's call issued seq (> 0) is call, an index
// into the checker's calls.
func (t *tracer) started(seq uint64, call int32) {
	switch n := uint64(len(t.recs)); {
	case seq == n+1: // the next call, as nearly always
		t.recs = append(t.recs, call+1)
	case seq <= n:
		t.recs[seq-1] = call + 1
	default: // in one step over the numbers never issued
		t.recs = append(t.recs, make([]int32, seq-n)...)
		t.recs[seq-1] = call + 1
	}
}

// Traces tells the node to give the tracer every kind of event but sends
// (router.EventFilter): the network traces sends, and shows them to the checker. A
// send the network refused is shown to the checker too (a riak worker's relay may be
// refused), and not recorded: the network records it.
func (t *tracer) Traces(k router.EventKind) bool {
	return k != router.EvSend
}

// Trace records ev, which is not a send (Traces), and shows it to the checker. The
// kinds every call has (EvCall, EvDeliver, EvComplete) are told apart once, here,
// each recorded by a method of its own; records are built out of line, so that a
// run that records nothing (Options.NoHash) runs only Trace's few lines per event.
func (t *tracer) Trace(ev *router.Event) {
	c, rec := t.wd.chk, t.wd.w.Recording()
	switch ev.Kind {
	case router.EvCall:
		c.called(t, ev)
		if rec {
			t.recordCall(ev)
		}
	case router.EvDeliver:
		c.delivered(t, ev)
		if rec {
			t.recordPeerBudget(t.wd.kinds.deliver, ev)
		}
	case router.EvComplete:
		// The node's reply awaited, the only entry nearly always, is settled here
		// inline; unawaitBy looks for it among others.
		if aw := c.awaiting; len(aw) == 1 && samestr.Equal(string(aw[0].node), string(t.node)) {
			if c.byReply = aw[0].settledBy(&ev.Call, ev.Code); c.byReply {
				c.awaiting = aw[:0]
			}
		} else {
			_, c.byReply = c.unawaitBy(t.node, &ev.Call, ev.Code)
		}
		if rec {
			t.recordComplete(ev)
		}
	case router.EvReplyHere:
		// For the checker alone: the trace records what becomes of the reply.
		c.replyHere(t.node, ev)
	case router.EvSendFail:
		if ev.Msg.Kind == router.KindReply && ev.Msg.Worker == 0 && (len(c.awaiting) > 0 || c.relay.turn != 0) {
			c.relayed(t.node, &ev.Call, 0, ev.Msg.Code)
		}
	default:
		switch ev.Kind {
		case router.EvLate:
			c.unawait(t.node, &ev.Call)
			c.probes.lateTraced++
			c.lateDropped(t.node, ev)
		case router.EvRedirect:
			c.unawait(t.node, &ev.Call)
			c.redirect(&ev.Call)
		case router.EvLearn:
			c.learned(ev)
		}
		if rec {
			t.record(ev)
		}
	}
}

// recordCall traces EvCall ev.
func (t *tracer) recordCall(ev *router.Event) {
	k := &t.wd.kinds
	v := &k.vals
	setName(&v[0], t.wd.net.CallName(ev.Call))
	setName(&v[1], t.targetName(ev))
	setInt(&v[2], int64(ev.Timeout))
	if rt := t.wd.retry; rt != nil && rt.cur >= 0 {
		q := &rt.reqs[rt.cur]
		setName(&v[3], t.wd.net.CallName(t.wd.chk.callID(&t.wd.chk.calls[q.first])))
		setInt(&v[4], int64(q.attempts))
		t.wd.w.EmitKind(t.name, k.retryCall, v[:5]...)
		return
	}
	t.wd.w.EmitKind(t.name, k.call, v[:3]...)
}

// recordPeerBudget traces ev, an EvDeliver or EvForward, as a record of kind kind.
func (t *tracer) recordPeerBudget(kind *sim.Kind, ev *router.Event) {
	v := &t.wd.kinds.vals
	setName(&v[0], t.wd.net.CallName(ev.Call))
	setName(&v[1], t.wd.peerNames.name(&ev.Peer))
	setInt(&v[2], int64(ev.Budget))
	t.wd.w.EmitKind(t.name, kind, v[:3]...)
}

// recordComplete traces EvComplete ev.
func (t *tracer) recordComplete(ev *router.Event) {
	k := &t.wd.kinds
	v := &k.vals
	setName(&v[0], t.wd.net.CallName(ev.Call))
	setName(&v[1], t.wd.net.CodeName(ev.Code))
	setName(&v[2], t.wd.peerNames.name(&ev.Peer))
	t.wd.w.EmitKind(t.name, k.complete, v[:3]...)
}

// record traces ev, of a kind other than EvCall, EvDeliver and EvComplete (Trace)
// and not a send.
func (t *tracer) record(ev *router.Event) {
	w, k := t.wd.w, &t.wd.kinds
	if ev.Kind == router.EvForward {
		t.recordPeerBudget(k.forward, ev)
		return
	}
	node, net, v := t.name, t.wd.net, &k.vals
	if ev.Kind != router.EvLearn {
		setName(&v[0], net.CallName(ev.Call))
	}
	switch ev.Kind {
	case router.EvLate:
		setStr(&v[1], ev.Reason)
		setName(&v[2], net.CodeName(ev.Msg.Code))
		w.EmitKind(node, k.late, v[:3]...)
	case router.EvDrop:
		setStr(&v[1], ev.Reason)
		w.EmitKind(node, k.drop, v[:2]...)
	case router.EvRedirect:
		setName(&v[1], t.wd.peerNames.name(&ev.Peer))
		w.EmitKind(node, k.redirect, v[:2]...)
	case router.EvWorker:
		w.EmitKind(node, k.worker, v[:1]...)
	case router.EvLearn:
		setStr(&v[0], string(ev.Entry.Ensemble))
		setStr(&v[1], ev.Entry.Leader.String())
		setInt(&v[2], int64(ev.Entry.Version))
		w.EmitKind(node, k.learn, v[:3]...)
	case router.EvIgnored:
		setName(&v[1], t.wd.peerNames.name(&ev.Peer))
		w.EmitKind(node, k.ignored, v[:2]...)
	}
}

// targetName names the target of EvCall ev: by the indexes of the workload call
// being made when ev names its target, by the target's strings otherwise.
func (t *tracer) targetName(ev *router.Event) *sim.Name {
	wd := t.wd
	if ct := wd.calling; ct.set && samestr.Equal(string(ev.Target.Ensemble), string(wd.eord[ct.ens])) && zeroPeer(&ev.Target.Peer) {
		if ct.via < 0 && ev.Target.Via == "" || ct.via >= 0 && samestr.Equal(string(ev.Target.Via), string(wd.order[ct.via])) {
			return wd.targetNames.ofCall(ct, &ev.Target)
		}
	}
	return wd.targetNames.name(ev.Target)
}
