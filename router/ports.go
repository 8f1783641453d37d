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
// the sending node. It returns ErrUnreachable at once when the destination is not
// connected, and then starts a reconnect in the background (the original's ping), so a
// later send may succeed; it returns ErrOverloaded when a bounded queue is full. A
// transport may instead keep a reply (KindReply) for a destination that is not
// connected, to write when it is, and return nil: nothing in the core waits on a reply's
// send (nettransport does, for Config.ReplyHold). A nil error does not promise
// delivery. The driver hands incoming messages to the destination
// with Node.Deliver. m is the sender's and only valid during the call: a transport reads
// it in place and never changes it, and one that keeps the message keeps a copy (*m).
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
