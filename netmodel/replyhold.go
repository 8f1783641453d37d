package netmodel

import (
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// A reply its sender cannot send, because its node has noticed that the caller's node
// is cut off, down or paused, is held by the sender for Config.ReplyHold instead of
// refused, as the production transport holds a reply for a node that is not connected
// (nettransport.Config.ReplyHold). It is sent once the caller's node can be reached
// again from its sender: at Heal, when the caller's node or the sender resumes, or
// when the sender reconnects.
// It is dropped when it has waited ReplyHold, when the caller's node restarts, or is
// found at the release to be another incarnation than the call's (the reply's call
// died with the incarnation it was for, as the production transport drops a reply
// held for another incarnation than the one that connects), and when its sender
// crashes (the hold is in the process's memory). A reply sent at release goes
// its link's way as any send does, from the sender's node at that moment.
//
// A link whose sender noticed the outage is back only at the sender's next redial
// (Config.BackoffMax, reconnect.go): its held replies are sent then ("reconnect"),
// as production sends them once the connection is back.

// Incarnated is the capability a Receiver may add to say which incarnation of its node
// it is, as router.Node does: a held reply whose call is of another incarnation is
// dropped instead of sent, as the production transport drops a reply held for an
// incarnation other than the one that connects. A Receiver without it is not asked.
type Incarnated interface {
	Incarnation() router.Incarnation
}

var _ Incarnated = (*router.Node)(nil)

// heldReply is a reply held by its sender; it is the action of its expiry event.
type heldReply struct {
	n      *Net
	from   *Host // its crash drops the reply (Host.Crash)
	dst    *Host
	dstGen uint64 // dst's incarnation when the reply was held: a crash of dst moves it on
	m      router.Message
	since  time.Duration // when it was first held
	ev     sim.EventID   // its expiry
}

// Run is the reply's expiry.
func (r *heldReply) Run() {
	r.n.dropReplies("expired", func(q *heldReply) bool { return q == r })
}

// holdReply keeps reply m, which host from could not send to dst at now, for
// Config.ReplyHold.
func (n *Net) holdReply(from *Host, dst *Host, m *router.Message, now time.Duration) {
	r := &heldReply{n: n, from: from, dst: dst, dstGen: dst.gen, m: *m, since: now}
	if !n.cfg.Bugs.Has(bugs.HoldNeverExpires) {
		r.ev = n.w.ScheduleAction(satAdd(now, n.cfg.ReplyHold), r)
	}
	n.replies = append(n.replies, r)
	n.stats.RepliesHeld++
	n.w.Emit(string(from.id), "reply-held", sim.String("to", string(dst.id)), sim.String("call", n.calls.name(m.Call).String()))
}

// HeldReplies returns how many replies their senders hold (Config.ReplyHold).
func (n *Net) HeldReplies() int { return len(n.replies) }

// ReplyHold returns how long a node holds a reply it cannot send (Config.ReplyHold).
func (n *Net) ReplyHold() time.Duration { return n.cfg.ReplyHold }

// dropTaken drops r, taken out of the held replies already.
func (n *Net) dropTaken(r *heldReply, reason string) {
	n.w.Cancel(r.ev)
	n.stats.RepliesHeldDropped++
	n.w.Emit(string(r.from.id), "reply-dropped", sim.String("to", string(r.dst.id)), sim.String("call", n.calls.name(r.m.Call).String()),
		sim.String("reason", reason), sim.Dur("held", n.w.Now()-r.since))
}

// dropReplies drops, in the order they were held, the held replies pick selects, for
// reason: "expired", "incarnation" (the caller's node restarted, or is another
// incarnation than the call's) or "crash" (the sender crashed).
func (n *Net) dropReplies(reason string, pick func(*heldReply) bool) {
	for _, r := range n.takeReplies(pick) {
		n.dropTaken(r, reason)
	}
}

// takeReplies takes the held replies pick selects out of n.replies and returns them,
// both in the order they were held.
func (n *Net) takeReplies(pick func(*heldReply) bool) []*heldReply {
	var out []*heldReply
	kept := n.replies[:0]
	for _, r := range n.replies {
		if pick(r) {
			out = append(out, r)
		} else {
			kept = append(kept, r)
		}
	}
	clear(n.replies[len(kept):])
	n.replies = kept
	return out
}

// releaseReplies sends, in the order they were held, every held reply whose sender is
// not paused (one that crashed dropped its own) and can reach the caller's node now,
// in the incarnation it was held for (by says what made it reachable: "heal",
// "resume"). The others stay held.
func (n *Net) releaseReplies(by string) {
	if len(n.replies) == 0 {
		return
	}
	now := n.w.Now()
	// A caller's node that crashed since (dst.gen moved on) is not released to,
	// noticed or not: the reply waits for the restart that drops it, or expires.
	out := n.takeReplies(func(r *heldReply) bool {
		return !r.from.paused && r.dst.gen == r.dstGen && !n.noticed(n.link(r.from.id, r.dst.id), r.dst, now)
	})
	// Sent after the choice: a send may run code that holds another reply.
	for _, r := range out {
		if inc, ok := r.dst.recv.(Incarnated); ok && r.m.Worker == 0 && inc.Incarnation() != r.m.Call.Incarnation {
			// Held for a call of an incarnation of the node before the one running. (An
			// answer to a riak worker is for the worker's node, not the call's, and
			// a worker of another incarnation drops it as late.)
			n.dropTaken(r, "incarnation")
			continue
		}
		n.w.Cancel(r.ev)
		n.w.Emit(string(r.from.id), "reply-released", sim.String("to", string(r.dst.id)), sim.String("call", n.calls.name(r.m.Call).String()),
			sim.String("by", by), sim.Dur("held", now-r.since))
		n.sendReleased(r, now)
	}
}

// sendReleased sends held reply r, released at now: Send's way for a message that may
// meet a cut, a rule or the link's own faults, from the sender's node to the caller's.
func (n *Net) sendReleased(r *heldReply, now time.Duration) {
	from, to := r.from.id, r.dst.id
	ls := n.link(from, to)
	n.seq++
	id := n.seq
	n.stats.Sent++
	f := n.flight(from, r.dst, ls, id, &r.m)
	if n.w.Recording() {
		f.call = n.emitSend(r.from.name, id, r.dst.name, &r.m)
	}
	if n.cfg.Observer != nil {
		n.cfg.Observer.Sent(from, to, id, &f.m)
	}
	n.travel(f, now)
	if n.disarmed {
		n.arm(from, to, id, &r.m)
	}
}
