package scenarios

import (
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

func strAttr(k, v string) sim.Attr       { return sim.String(k, v) }
func intAttr(k string, v int64) sim.Attr { return sim.Int(k, v) }

// traceKinds are the kinds of the records a tracer emits, declared once per world
// with their keys (sim.World.Kind): a record then hashes its values only.
type traceKinds struct {
	call, deliver, forward, complete, late, drop, redirect, worker, learn, ignored *sim.Kind
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

// tracer turns one node incarnation's router events into trace records and shows
// them to the checker. Sends are traced by the network, which knows message ids.
//
// It also hands the incarnation's completions to the calls they belong to: done,
// made once, is every workload call's completion callback, and recs finds the call
// a result names.
type tracer struct {
	wd   *world
	node router.NodeID
	inc  router.Incarnation
	done func(router.Result) // complete
	// recs are the workload calls this incarnation started, by sequence number:
	// recs[seq-1] is 1 + the index into the checker's calls of the call issued seq,
	// 0 for none.
	recs []int32
}

// complete is the completion callback of every workload call of the incarnation.
// The router names the call in res.Call: the id its EvCall named, which is when the
// tracer learned the call's record.
func (t *tracer) complete(res *router.Result) {
	chk := t.wd.chk
	var i int32
	if s := res.Call.Seq; s > 0 && s <= uint64(len(t.recs)) {
		i = t.recs[s-1]
	}
	if i == 0 || !chk.is(&chk.calls[i-1], &res.Call) {
		chk.violate(InvExactlyOnce, res.Call, "%s (incarnation %d) completed a call it did not start", t.node, t.inc)
		return
	}
	chk.done(i-1, res)
}

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
// (router.EventFilter): the network traces sends, and shows them to the checker.
func (t *tracer) Traces(k router.EventKind) bool {
	return k != router.EvSend && k != router.EvSendFail
}

// Trace records ev, which is not a send (Traces), and shows it to the checker.
func (t *tracer) Trace(ev *router.Event) {
	t.wd.chk.routerEvent(t, ev)
	w, k := t.wd.w, &t.wd.kinds
	if !w.Recording() {
		return // no record is wanted (Options.NoHash): the checker has seen the event
	}
	node := string(t.node)
	var call string
	if ev.Kind != router.EvLearn {
		call = t.wd.net.CallName(ev.Call)
	}
	switch ev.Kind {
	case router.EvCall:
		w.EmitKind(node, k.call, strAttr("call", call), strAttr("target", t.targetName(ev)), sim.Dur("timeout", ev.Timeout))
	case router.EvDeliver:
		w.EmitKind(node, k.deliver, strAttr("call", call), strAttr("peer", t.wd.peerNames.name(ev.Peer)), sim.Dur("budget", ev.Budget))
	case router.EvForward:
		w.EmitKind(node, k.forward, strAttr("call", call), strAttr("peer", t.wd.peerNames.name(ev.Peer)), sim.Dur("budget", ev.Budget))
	case router.EvComplete:
		w.EmitKind(node, k.complete, strAttr("call", call), strAttr("code", ev.Code.String()), strAttr("by", t.wd.peerNames.name(ev.Peer)))
	case router.EvLate:
		w.EmitKind(node, k.late, strAttr("call", call), strAttr("reason", ev.Reason), strAttr("code", ev.Msg.Code.String()))
	case router.EvDrop:
		w.EmitKind(node, k.drop, strAttr("call", call), strAttr("reason", ev.Reason))
	case router.EvRedirect:
		w.EmitKind(node, k.redirect, strAttr("call", call), strAttr("peer", t.wd.peerNames.name(ev.Peer)))
	case router.EvWorker:
		w.EmitKind(node, k.worker, strAttr("call", call))
	case router.EvLearn:
		w.EmitKind(node, k.learn, strAttr("ens", string(ev.Entry.Ensemble)), strAttr("leader", ev.Entry.Leader.String()), intAttr("version", int64(ev.Entry.Version)))
	case router.EvIgnored:
		w.EmitKind(node, k.ignored, strAttr("call", call), strAttr("peer", t.wd.peerNames.name(ev.Peer)))
	}
}

// targetName renders the target of EvCall ev: by the indexes of the workload call
// being made when ev names its target, by the target's strings otherwise.
func (t *tracer) targetName(ev *router.Event) string {
	wd := t.wd
	if ct := wd.calling; ct.set && ev.Target.Ensemble == wd.eord[ct.ens] && ev.Target.Peer.IsZero() {
		if ct.via < 0 && ev.Target.Via == "" || ct.via >= 0 && ev.Target.Via == wd.order[ct.via] {
			return wd.targetNames.ofCall(ct, ev.Target)
		}
	}
	return wd.targetNames.name(ev.Target)
}
