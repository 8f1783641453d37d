package router

import "time"

// Clock is the router's only source of time. Now is the node's own clock (it may be
// skewed against other nodes'). It should not go back (the driver's is monotonic), but
// the core survives one that does: a step back postpones its timers, and is never
// read as time gained (a budget charged across it is charged nothing). When d has elapsed on that clock the driver hands t back
// to the node with Node.Fire, on the node's own turn; nothing runs on a foreign goroutine.
// After returns the timer's id; Stop(id) stops a timer that has not fired. Stopping a
// timer that fired, was stopped already, or the zero TimerID is harmless, so a clock must
// never give two timers the same non-zero id.
type Clock interface {
	Now() time.Duration
	After(d time.Duration, t Timer) TimerID
	Stop(id TimerID)
}

// TimerID names a timer armed with Clock.After, for Clock.Stop. The zero TimerID names
// no timer. It is plain data, so a clock can arm and stop timers without allocating.
type TimerID uint64

// Transport sends a message to another node. Send never blocks and never calls back into
// the sending node: it queues the message, and the transport hands it over later, on a
// goroutine of its own (or, in the simulator, an event of its own), never within
// Send. It returns ErrUnreachable at once when the destination is not
// connected, and then starts a reconnect in the background (the original's ping), so a
// later send may succeed; it returns ErrOverloaded when a bounded queue is full. A
// message whose send returned an error is never delivered: ErrUnreachable tells the
// caller the request did not run. A
// transport may instead keep a reply (KindReply) for a destination that is not
// connected, to write when it is, and return nil: nothing in the core waits on a reply's
// send (nettransport does, for Config.ReplyHold). A nil error does not promise
// delivery. The driver hands incoming messages to the destination
// with Node.Deliver. m is the sender's and only valid during the call: a transport reads
// it in place and never changes it, and one that keeps the message keeps a copy (*m).
//
// What arrives is what was sent, every field (a hop count up to MaxHopLimit+1, ids and
// versions up to the largest uint64), and From names the node that sent it. Messages
// from one node to another arrive in the order they were sent: all of them but routes
// and casts (Kind.Queued), which a network that models router instances' mailboxes
// may hand over later, in order per instance. (A simulated link may be set to drop,
// repeat or reorder messages, as a fault: netmodel.Link.) Package
// router/transporttest checks all of this; the driver's documentation (router/driver,
// "A transport of your own") says what else a production transport owes it: Send
// from many goroutines at once, hand-over one message at a time per sender, and what
// Close means.
type Transport interface {
	Send(to NodeID, m *Message) error
}

// Rand is the router's only source of randomness: it picks router instances.
// *math/rand/v2.Rand satisfies it.
type Rand interface {
	IntN(n int) int
}

// TimerKind says what a Timer is for.
type TimerKind uint8

const (
	// TimerCall is a call's deadline.
	TimerCall TimerKind = iota + 1
	// TimerWorker is the riak worker's own timeout at the leader hop.
	TimerWorker
)

// Timer is what a node asks its clock to hand back later. It is plain data.
type Timer struct {
	Kind   TimerKind
	Call   CallID
	Worker uint64
}

// String renders the timer for traces.
func (t Timer) String() string {
	switch t.Kind {
	case TimerCall:
		return "deadline " + t.Call.String()
	case TimerWorker:
		return "worker " + t.Call.String()
	}
	return "timer?"
}
