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
	BadFrames   uint64 // connections closed for a malformed frame
	Refused     uint64 // inbound handshakes refused or failed (not connections closed before a byte: probes)
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
}

type counters struct {
	sent, received, writes, reads, bytesOut, unreachable, overloaded, tooLarge atomic.Uint64
	badFrames, refused, dialFailures, reconnects, connects, disconnects        atomic.Uint64
	handshakeLimit, goodbyes, unacked, duplicateID, held, heldExpired          atomic.Uint64
	acceptErrors                                                               atomic.Uint64
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
	}
}

func isBadFrame(err error) bool { return errors.Is(err, ErrBadFrame) }
