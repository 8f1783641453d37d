package nettransport

import (
	"errors"
	"sync/atomic"
)

// Stats counts what a transport did. Counters only grow.
type Stats struct {
	Sent        uint64 // messages queued for a connection
	Received    uint64 // messages handed to the receiver
	Writes      uint64 // writes to connections (Sent/Writes is the coalescing)
	Reads       uint64 // reads from connections (Received/Reads is the batching)
	BytesOut    uint64 // bytes written
	Unreachable uint64 // sends refused because the node was not connected
	Overloaded  uint64 // sends refused because the send queue was full
	TooLarge    uint64 // sends refused because the message exceeds the frame limit or MaxName
	// BadFrames counts established connections closed for a malformed frame; bytes
	// that are not a frame during the handshake (an HTTP request, garbage, a
	// partial header that times out) count in Refused.
	BadFrames uint64
	// Refused counts inbound handshakes refused or failed: a wrong secret, cluster or
	// version, a malformed handshake frame or bytes that are not a frame at all, one
	// that timed out or closed midway. Not
	// connections closed before a byte (probes), nor crossed dials (Crossed): on a
	// healthy cluster it stays at zero.
	Refused uint64
	// Crossed counts the routine losers of simultaneous dials: two nodes dialed each
	// other at once (nodes started together) and one connection of the pair won. Each
	// node counts those it refused (RefuseRace, or RefuseDuplicate of a connection of
	// the same incarnation taken less than a handshake timeout before) and those of its
	// own dials that the other refused so; neither is in Refused or DialFailures.
	Crossed uint64
	// HandshakeLimit counts handshakes ended because their listener had
	// Config.MaxHandshakes in progress and accepted one more (not in Refused).
	HandshakeLimit uint64
	DialFailures   uint64 // outbound dials or handshakes that failed
	Reconnects     uint64 // dial attempts after the first, per peer
	Connects       uint64 // connections established, both directions
	Disconnects    uint64 // established connections that ended
	Goodbyes       uint64 // goodbyes heard: connected nodes that said they were stopping
	Unacknowledged uint64 // nodes that did not acknowledge this node's own goodbye in time
	// DuplicateID counts inbound handshakes refused because a node with the same id
	// is connected and alive (RefuseAlive): a second process runs with its id.
	DuplicateID uint64
	// Held counts replies held for a node that was not connected (Config.ReplyHold);
	// HeldExpired, those of them dropped: the node did not connect in time, came back
	// as another incarnation, or this transport closed first.
	Held, HeldExpired uint64
	// AcceptErrors counts failures of a listener's Accept that Serve retried (such
	// as EMFILE: out of file descriptors), not those of a closed listener.
	AcceptErrors uint64
	// Withdrawn counts connections dropped because the other node's proof (its
	// secret, or its certificate's CA) is no longer accepted by the credentials
	// SetCredentials set.
	Withdrawn uint64
}

type counters struct {
	sent, received, writes, reads, bytesOut, unreachable, overloaded, tooLarge atomic.Uint64
	badFrames, refused, dialFailures, reconnects, connects, disconnects        atomic.Uint64
	handshakeLimit, goodbyes, unacked, duplicateID, held, heldExpired          atomic.Uint64
	acceptErrors, crossed, withdrawn                                           atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (t *Transport) Stats() Stats {
	t.expireHeld() // so that HeldExpired counts what has expired by now
	s := &t.stats
	return Stats{
		Sent: s.sent.Load(), Received: s.received.Load(), Writes: s.writes.Load(), Reads: s.reads.Load(), BytesOut: s.bytesOut.Load(),
		Unreachable: s.unreachable.Load(), Overloaded: s.overloaded.Load(), TooLarge: s.tooLarge.Load(),
		BadFrames: s.badFrames.Load(), Refused: s.refused.Load(), HandshakeLimit: s.handshakeLimit.Load(), DialFailures: s.dialFailures.Load(),
		Reconnects: s.reconnects.Load(), Connects: s.connects.Load(), Disconnects: s.disconnects.Load(),
		Goodbyes: s.goodbyes.Load(), Unacknowledged: s.unacked.Load(), DuplicateID: s.duplicateID.Load(),
		Held: s.held.Load(), HeldExpired: s.heldExpired.Load(), AcceptErrors: s.acceptErrors.Load(),
		Crossed: s.crossed.Load(), Withdrawn: s.withdrawn.Load(),
	}
}

func isBadFrame(err error) bool { return errors.Is(err, ErrBadFrame) }
