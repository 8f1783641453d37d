// Package router is the core of ensroute: it routes calls and casts to the current
// leader of a named ensemble, from any node of a cluster or from a client outside it,
// with a hard deadline and no stray replies. It is a port of riak_ensemble_router.
//
// The core does no I/O. A Node is pure logic written against three ports it defines:
// Clock (the node's time and timers), Transport (send a message to a node) and Rand
// (which router instance to pick). The same Node runs inside the deterministic
// simulator (package netmodel) and in production over TCP.
//
// A tour:
//
//   - Node.Call starts a call: the proxy of the original. It registers a pending entry
//     and arms its own deadline timer; it completes exactly once, with the first reply
//     naming its CallID or with ErrTimeout when the timer fires. Any other reply is a
//     late reply: dropped and counted, as is one that arrives (Deliver's time) after
//     the deadline before the timer has fired, which times the call out.
//   - Routing happens in place at the caller's node (look the leader up in the
//     Directory; hand the event to a local Peer, or send it to a random router instance
//     on the leader's node), then in router instances, which the driver feeds with
//     Node.Deliver for messages whose Kind is Queued.
//   - A Peer is user code: it gets a Request with the event and the remaining budget and
//     answers with Reply, Nack or Forward, now, later or never.
//   - Directory entries carry versions; a node accepts only strictly newer ones. Many
//     nodes can start from one shared, frozen Snapshot (NewDirectoryOn) instead of a
//     copy each.
//   - Semantics picks the original's behaviour (Riak: every failure is a timeout, a
//     remote hop without a leader drops silently, the leader hop restarts the clock) or
//     ensroute's (Default: typed errors, remaining-budget propagation, a hop limit,
//     one redirect after a nack, errors answered back at once).
//
// Errors a caller sees are values usable with errors.Is: ErrTimeout (which also
// matches context.DeadlineExceeded), ErrNoLeader, ErrNotLeader, ErrUnreachable,
// ErrHopLimit, ErrOverloaded; Call refuses an ensemble call without a finite timeout
// with ErrNoDeadline.
//
// Package routertest drives Nodes by hand; the interaction scripts in testdata/ built on
// it are the router's behaviour, written down.
package router
