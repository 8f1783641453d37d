package driver

import (
	"time"

	"github.com/ensroute/ensroute/router"
)

// Peer is an ensemble member hosted on a node: user code. Handle is called with each
// event routed to the peer, on a driver goroutine (a router instance, a connection
// reader or a caller) and never under a lock: it must not block for long, since it
// holds up that goroutine. The peer answers through the Request, at once or later from
// any goroutine, or never. An answer that passes the request on to another peer on
// this node (a Forward to it, or a Nack whose redirect goes to it) runs that peer's
// Handle on the answering goroutine, before the answer returns: a peer that holds a
// lock of its own while it answers must not take that lock in Handle.
//
// What holding up that goroutine means: a call or cast on this node to a peer on this
// node runs Handle on the caller's goroutine, so Call returns, even past its deadline
// or its context's cancellation, and Cast returns, only once Handle has; a request
// from another node runs it on a router instance or on the connection's reader, which
// reads nothing more meanwhile (so a Handle that makes a call and waits for it can
// wait for a reply that reader would have read). Work that takes time belongs on a
// goroutine of the peer's own, answering through the Request when done. Handle must
// not call the Node's Close, which waits for the goroutine Handle runs on. A Handle
// that never returns holds up the node's stop for ever: the driver's Close waits for
// its router instances, and the transport's Close for its connections' readers. A
// panic in Handle is not recovered: on a router instance or a connection's reader it
// ends the program, as in any goroutine; on a caller's goroutine it goes on up the
// caller's stack from Call or Cast, the call ended first (as its deadline would end
// it), so that a program that recovers it (net/http does, for each request) leaves
// no call pending.
//
// The event is the caller's slice, not a copy, when the caller is on this node: a
// peer that keeps it past Handle (or a caller that reuses it after Call or Cast
// returns) must copy it first. From another node, an event of up to 4 KiB shares a
// 64 KiB block with the messages decoded around it (nettransport.Receiver): a peer
// that keeps some events for long, a store's values say, should copy them too, or
// each keeps a whole block alive.
type Peer interface {
	Handle(r *Request)
}

// PeerFunc adapts a function to Peer.
type PeerFunc func(r *Request)

// Handle calls f(r).
func (f PeerFunc) Handle(r *Request) { f(r) }

// Request is one event handed to a local peer. It is safe for use from any goroutine.
// A peer answers it at most once, with Reply, Nack or Forward; later answers are
// ignored and counted (Stats.Router.Twice, on the peer's node).
type Request struct {
	s      *shard
	r      *router.Request
	handed time.Duration // when the core handed it over, on the node's clock
}

// Call is the id of the call the request belongs to; zero for a cast.
func (q *Request) Call() router.CallID { return q.r.Call() }

// Peer is the peer the request was handed to.
func (q *Request) Peer() router.PeerRef { return q.r.Peer() }

// Event is the caller's event. The peer must not modify it.
func (q *Request) Event() []byte { return q.r.Event() }

// Budget is the time the peer may still spend, from now: router.Request.Budget, the
// time it had when the core handed it over, less the time since. Handle runs after
// the turn that handed the request over, and after the Handles of the requests handed
// over before it in that turn (a router instance hands over a batch from its mailbox),
// so that time may not be small. Infinity for none; less than zero once the peer has
// overspent it.
func (q *Request) Budget() time.Duration {
	b := q.r.Budget()
	if b == router.Infinity {
		return b
	}
	return b - (q.s.n.now() - q.handed)
}

// Forwarded reports whether a follower forwarded this request.
func (q *Request) Forwarded() bool { return q.r.Forwarded() }

// IsCast reports whether nobody waits for an answer.
func (q *Request) IsCast() bool { return q.r.IsCast() }

// Reply answers the caller with result, which the router then owns.
func (q *Request) Reply(result []byte) {
	q.s.lock()
	q.r.Reply(result)
	q.s.unlock()
}

// Nack refuses the request (router.Request.Nack).
func (q *Request) Nack() {
	q.s.lock()
	q.r.Nack()
	q.s.unlock()
}

// Forward passes the request once to leader (router.Request.Forward).
func (q *Request) Forward(leader router.PeerRef) {
	q.s.lock()
	q.r.Forward(leader)
	q.s.unlock()
}
