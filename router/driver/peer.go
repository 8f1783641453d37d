package driver

import (
	"time"

	"github.com/ensroute/ensroute/router"
)

// Peer is an ensemble member hosted on a node: user code. Handle is called with each
// event routed to the peer, on a driver goroutine (a router instance, a connection
// reader or a caller) and never under a lock: it must not block for long, since it
// holds up that goroutine. The peer answers through the Request, at once or later from
// any goroutine, or never.
type Peer interface {
	Handle(r *Request)
}

// PeerFunc adapts a function to Peer.
type PeerFunc func(r *Request)

// Handle calls f(r).
func (f PeerFunc) Handle(r *Request) { f(r) }

// Request is one event handed to a local peer. It is safe for use from any goroutine.
// A peer answers it at most once, with Reply, Nack or Forward; later answers are
// ignored and counted.
type Request struct {
	s *shard
	r *router.Request
}

// Call is the id of the call the request belongs to; zero for a cast.
func (q *Request) Call() router.CallID { return q.r.Call() }

// Peer is the peer the request was handed to.
func (q *Request) Peer() router.PeerRef { return q.r.Peer() }

// Event is the caller's event. The peer must not modify it.
func (q *Request) Event() []byte { return q.r.Event() }

// Budget is the time the peer may spend (router.Request.Budget).
func (q *Request) Budget() time.Duration { return q.r.Budget() }

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
