package scenarios

// The late-discarded invariant's account of replies a node holds: a reply handed to
// a node, or made there, must be delivered to its call or counted as late, and a
// leader's answer to a riak worker relayed to the call once.

import (
	"fmt"

	"github.com/ensroute/ensroute/internal/samestr"
	"github.com/ensroute/ensroute/router"
)

// settleAwaiting holds node to the reply it was handed or made (its entry in
// awaiting) once it is handed or makes another, crashes, or the run ends: a node
// settles a reply on the turn it gets it, so one still awaited then was neither
// delivered to its call, relayed by its riak worker, nor counted as late, which
// breaks late-discarded.
func (c *checker) settleAwaiting(node router.NodeID) {
	for i := range c.awaiting {
		if a := c.awaiting[i]; samestr.Equal(string(a.node), string(node)) {
			c.unawait(node, nil)
			if a.worker && a.msg == 0 {
				c.violate(InvLateDiscarded, a.call, "a leader's answer made at %s to a riak worker there was neither relayed to its call nor counted as late", node)
				return
			}
			if a.worker {
				c.violate(InvLateDiscarded, a.call, "a leader's answer (message %d) to a riak worker at %s was neither relayed to its call nor counted as late", a.msg, node)
				return
			}
			if a.msg == 0 {
				c.violate(InvLateDiscarded, a.call, "a reply %s made at its caller's node %s and handled there was neither delivered to its call nor counted as late", a.code, node)
				return
			}
			c.violate(InvLateDiscarded, router.CallID{}, "reply message %d at %s was neither delivered to its call nor counted as late", a.msg, node)
			return
		}
	}
}

// await adds to awaiting that node was handed reply message msg (0: made there) to
// call with code; worker and cp as in awaited. Field by field into the entry, for
// the reason charge.set gives: every reply is awaited.
func (c *checker) await(node router.NodeID, msg uint64, call *router.CallID, code router.Code, worker, cp bool) {
	if n := len(c.awaiting); n < cap(c.awaiting) {
		c.awaiting = c.awaiting[:n+1]
	} else {
		c.awaiting = append(c.awaiting, awaited{})
	}
	a := &c.awaiting[len(c.awaiting)-1]
	a.node, a.msg, a.code, a.worker, a.copy = node, msg, code, worker, cp
	a.call.Node, a.call.Incarnation, a.call.Seq = call.Node, call.Incarnation, call.Seq
}

// dropAwaited removes entry i from awaiting: the last entry takes its place, unless
// it is the last, as the only entry nearly always is (the order of awaiting means
// nothing: finish sorts what is left by node).
func (c *checker) dropAwaited(i int) {
	last := len(c.awaiting) - 1
	if i != last {
		c.awaiting[i] = c.awaiting[last]
	}
	c.awaiting = c.awaiting[:last]
}

// relayed sees node send a reply to call with code, or try to: message msg, or 0 for
// a reply handled on the node or refused by the network. If node holds a leader's
// answer to one of its riak workers for call, this is the worker relaying it, which
// the trace records ("relay", naming the answer and the relay). A leader's answer is
// relayed once: a copy of an answer relayed already (the network duplicated it) finds
// its worker gone, and a second reply to the call from the node in the turn of a
// relay is the answer relayed again; either would reach the caller twice, to be
// dropped there as late, a message and a late reply the run should not have. (A
// relay the network held for a node not connected would not be seen: netmodel tells
// no Observer of a hold, and holds no reply under riak, the only semantics with
// workers.)
func (c *checker) relayed(node router.NodeID, call *router.CallID, msg uint64, code router.Code) {
	turn := c.wd.w.Executed() + 1
	for i := range c.awaiting {
		if a := &c.awaiting[i]; a.worker && samestr.Equal(string(a.node), string(node)) && sameCall(&a.call, call) {
			answer, cp := a.msg, a.copy
			c.dropAwaited(i)
			if cp {
				c.violate(InvLateDiscarded, *call, "%s relayed a copy of the leader's answer (message %d) to the call: a copy finds its riak worker gone, and is dropped there as late", node, answer)
			}
			c.relay = lastRelay{turn: turn, node: node, call: *call, answer: answer, msg: msg}
			if c.wd.w.Recording() {
				c.wd.w.Emit(string(node), "relay", strAttr("call", call.String()), intAttr("answer", int64(answer)), intAttr("relay", int64(msg)), strAttr("code", code.String()))
			}
			return
		}
	}
	if r := &c.relay; r.turn == turn {
		if samestr.Equal(string(r.node), string(node)) && sameCall(&r.call, call) {
			c.violate(InvLateDiscarded, *call, "%s relayed the leader's answer (%s) to the call a second time (%s): the caller is sent it twice", node, msgName(r.answer, "", "made there"), msgName(msg, "as ", "in place"))
		}
		return
	}
	c.relay.turn = 0
}

// msgName names message id as prefix and "message N", or none (0) as what that
// means.
func msgName(id uint64, prefix, none string) string {
	if id == 0 {
		return none
	}
	return fmt.Sprintf("%smessage %d", prefix, id)
}

// unawait removes node's entry from awaiting if it is a reply to call (any call if
// call is nil), returning the reply message it named.
func (c *checker) unawait(node router.NodeID, call *router.CallID) (uint64, bool) {
	return c.unawaitBy(node, call, router.CodeOK)
}

// unawaitBy is unawait for a completion of call with code (settledBy).
func (c *checker) unawaitBy(node router.NodeID, call *router.CallID, code router.Code) (uint64, bool) {
	for i := range c.awaiting {
		if a := &c.awaiting[i]; samestr.Equal(string(a.node), string(node)) {
			if !a.settledBy(call, code) {
				return 0, false
			}
			id := a.msg
			c.dropAwaited(i)
			return id, true
		}
	}
	return 0, false
}

// settledBy reports whether a completion of call (any call if nil) with code settles
// a, its node's entry: a reply to another call does not, nor an answer that completes
// it otherwise (its deadline passed before the answer came: ErrTimeout), which was
// not what completed it, and stays for the late drop that must follow in the same
// turn.
func (a *awaited) settledBy(call *router.CallID, code router.Code) bool {
	return (call == nil || sameCall(&a.call, call)) && (a.code != router.CodeOK || code == router.CodeOK)
}
