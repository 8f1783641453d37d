package router

import (
	"fmt"
	"strings"
	"time"
)

// Tracer observes what a node decides. Trace is called on the node's own turn, in
// decision order; it must not call back into the node, nor change the event. The Event
// belongs to the node and is only valid during the call: the node reuses it for its
// next event, so a tracer that keeps an event keeps a copy (*e). The same holds for the
// Message e.Msg points to (the node's outgoing message, or its own copy of a late
// reply): one that keeps it keeps a copy (*e.Msg). The memory the event's and the
// message's fields refer to (a message's Event, Result and Entries, a Result) is never
// changed by the node later. A tracer must not panic: that would leave the node in the
// middle of a turn (and its Event half built), not to be used again.
type Tracer interface {
	Trace(e *Event)
}

// EventFilter is an interface a Tracer may also implement to choose the kinds of event
// it is given. A node asks its tracer's Traces once for every EventKind, when it is
// made (New), and from then on builds and hands the tracer only the events of the
// kinds it answered true for: for the others no event is built at all. A Tracer that
// does not implement it is given every event.
type EventFilter interface {
	Traces(k EventKind) bool
}

// tracedKinds returns the set of kinds t is given (see EventFilter): bit k for kind k.
// (Bit 0, the zero kind, is never set: the set fits a uint16 while there are at most
// 15 kinds, see below.)
func tracedKinds(t Tracer) uint16 {
	if t == nil {
		return 0
	}
	f, ok := t.(EventFilter)
	var set uint16
	for k := EventKind(1); k < numEventKinds; k++ {
		if !ok || f.Traces(k) {
			set |= 1 << k
		}
	}
	return set
}

// EventKind names a decision of the router.
type EventKind uint8

// The events a node reports.
const (
	EvCall      EventKind = iota + 1 // a call started
	EvSend                           // a message was handed to the transport
	EvSendFail                       // the transport refused a message (unreachable, overloaded)
	EvDeliver                        // an event was handed to a local peer
	EvForward                        // a peer forwarded an event to the leader it knows
	EvComplete                       // a call completed (exactly once)
	EvLate                           // a reply was dropped: its call was not pending (Reason completed, old-incarnation), its deadline had passed (after-deadline), or it is a copy of the nack that redirected the call (redirected); under riak, a leader's answer to a worker that is gone (worker-gone, on the worker's node)
	EvDrop                           // a request was dropped (see Reason)
	EvRedirect                       // a nack was redirected to a newer leader
	EvWorker                         // the riak worker timed out and answered timeout
	EvLearn                          // the directory accepted a newer entry
	EvIgnored                        // a peer answered a request it had already answered
	EvReplyHere                      // a reply to one of the node's own calls was made on the node and is handled in place, without the transport (a local peer's answer, a riak worker of the node, a refusal made here); its completion, late drop or redirect follows. With Reason "worker": under riak, a leader's answer to a riak worker of the node, made on the node; the worker's relay or its late drop follows
	numEventKinds
)

// Each kind has its bit in a uint16 (tracedKinds): this fails to compile otherwise.
const _ uint16 = 1 << (numEventKinds - 1)

var eventNames = [...]string{"", "call", "send", "send-fail", "deliver", "forward", "complete", "late", "drop", "redirect", "worker-timeout", "learn", "ignored", "reply-here"}

// String returns the event kind's name.
func (k EventKind) String() string {
	if k > 0 && k < numEventKinds {
		return eventNames[k]
	}
	return "event?"
}

// Event is one decision of a node. Fields that do not apply to its Kind are zero.
type Event struct {
	Kind     EventKind
	Node     NodeID
	Call     CallID        // every kind but EvLearn
	Target   Target        // EvCall
	Msg      *Message      // EvSend, EvSendFail: the message; EvLate: the reply (see Tracer)
	To       NodeID        // EvSend, EvSendFail
	Peer     PeerRef       // EvDeliver, EvForward (the leader), EvComplete (producer), EvRedirect (new leader), EvIgnored
	Entry    Entry         // EvLearn
	Timeout  time.Duration // EvCall
	Budget   time.Duration // EvDeliver, EvForward
	Code     Code          // EvComplete, EvReplyHere
	Err      error         // EvComplete, EvSendFail
	Result   []byte        // EvComplete
	Reason   string        // EvDrop, EvLate; EvReplyHere: "worker" for an answer to a riak worker
	Instance int           // EvDrop at a router instance, or -1
}

// String renders the event on one line, as the interaction scripts show it.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Node, e.Kind)
	switch e.Kind {
	case EvCall:
		fmt.Fprintf(&b, " %s %s timeout=%s", e.Call, e.Target, fmtBudget(e.Timeout))
	case EvSend:
		fmt.Fprintf(&b, " ->%s %s", e.To, e.message())
	case EvSendFail:
		fmt.Fprintf(&b, " ->%s %s: %v", e.To, e.message().Kind, e.Err)
	case EvDeliver:
		fmt.Fprintf(&b, " %s call=%s budget=%s", e.Peer, e.Call, fmtBudget(e.Budget))
	case EvForward:
		fmt.Fprintf(&b, " call=%s to=%s budget=%s", e.Call, e.Peer, fmtBudget(e.Budget))
	case EvComplete:
		fmt.Fprintf(&b, " %s", e.Call)
		if e.Err != nil {
			fmt.Fprintf(&b, " err=%v", e.Err)
		} else {
			fmt.Fprintf(&b, " ok %q by=%s", e.Result, e.Peer)
		}
	case EvLate:
		fmt.Fprintf(&b, " %s (%s) %s", e.Call, e.Reason, e.message().Code)
	case EvDrop:
		fmt.Fprintf(&b, " call=%s: %s", e.Call, e.Reason)
	case EvRedirect:
		fmt.Fprintf(&b, " %s to=%s", e.Call, e.Peer)
	case EvWorker:
		fmt.Fprintf(&b, " call=%s", e.Call)
	case EvLearn:
		fmt.Fprintf(&b, " %s", e.Entry)
	case EvIgnored:
		fmt.Fprintf(&b, " call=%s peer=%s", e.Call, e.Peer)
	case EvReplyHere:
		fmt.Fprintf(&b, " %s %s", e.Call, e.Code)
		if e.Reason != "" {
			fmt.Fprintf(&b, " to=%s", e.Reason)
		}
	}
	return b.String()
}

// message returns the event's message, or the zero Message when it has none.
func (e *Event) message() *Message {
	if e.Msg == nil {
		return &Message{}
	}
	return e.Msg
}
