// Package nettransport is router.Transport over TCP, for production: the same router
// core that runs in the simulator talks to real nodes through it.
//
// # Connections
//
// A Transport keeps at most one connection per pair of nodes. It dials a node lazily,
// the first time something is sent to it (or Connect asks), and from then on keeps it
// connected: after a failure or a disconnection it redials after a backoff that doubles
// from Config.BackoffMin to Config.BackoffMax, with ±25% jitter. While a node is not
// connected, Send fails at once with router.ErrUnreachable (the original's fast
// failure); it never waits for a dial. A reply is the exception: one to a node not
// connected is held for Config.ReplyHold and written if the node connects by then
// (hold.go), because a restarted node cannot dial its clients, and they come back
// only at their next redial. When both nodes of a pair dial each other at
// once, the connection dialed by the smaller node id wins on both sides. Nodes that
// only dial in (client-only nodes, such as ensctl) need no address.
//
// # Frames
//
// Everything on a connection is a frame: an 8-byte header (magic 0xE57E, the protocol
// Version, the frame type, the body length) and a body of at most Config.MaxFrame
// bytes. A message body (AppendMessage, DecodeMessage) carries the message kind, the
// router instance, the call id with its node incarnation, the ensemble and peer, the
// remaining budget, the hop count, under riak the worker a follower's forward and its
// answer name (a flag and a varint; absent otherwise, so default semantics' frames
// are as before), an outcome as a router.Code (never a string), and the event and
// result as opaque bytes. Numbers, lengths and counts are varints in their fewest
// bytes, as encoding/binary's AppendUvarint writes them: an over-long one (0x80 0x00
// for 0) is no encoder's, and malformed. The decoder checks every length and count
// against what remains before allocating, so allocation is bounded by a small
// multiple of the frame limit (a directory entry takes at least 5 bytes in a frame and
// 72 in memory: a 1 MiB gossip frame decodes to at most about 15 MB); anything
// malformed closes the connection with a logged reason (ErrBadFrame) and never
// panics.
//
// # Handshake
//
// A new connection first runs a handshake (handshake.go): both sides state their
// cluster name, node id, incarnation and protocol version, and each proves it knows
// the cluster secret with an HMAC over both fresh nonces and both identities; the
// secret never travels. A node with another secret, cluster or version, or claiming
// the id of a node already connected (or the acceptor's own), is refused with a
// RefuseCode that both sides log with log/slog. When both sides dial at once, the
// connection dialed by the smaller id wins, and the refusal of the other (RefuseRace,
// or RefuseDuplicate from the same incarnation when the winner got there first:
// within a handshake timeout of it) is routine, logged at debug. A connection to a newer incarnation of
// a connected node (a restart), dialed by either side, replaces the old connection,
// unless it is a member's (in Config.Peers) and was heard from in the last two
// heartbeat intervals: then the newcomer is a second process with the node's id,
// and is refused (RefuseAlive, logged as an error once, counted in
// Stats.DuplicateID) rather than shut out the node that runs. A transport that serves
// before anything is attached to it refuses every node that proves the secret
// (RefuseUnready: its program must call Attach before Serve), and warns once.
// Config.HandshakeTimeout bounds a handshake in time, MaxHandshakeFrame its frames in
// size (a few KiB, computed from MaxName) and its read buffer (Config.ReadBuffer
// comes once the handshake is done), and Config.MaxHandshakes the handshakes in
// progress on each listener, and on the connections handed to Accept: one more
// connection ends the oldest of them whose other side has sent nothing (if none, the
// oldest whose hello was not answered in the last second).
// Config.AcceptSecrets lets a cluster change its secret in rolling steps, and
// SetCredentials takes each step (or a renewed certificate) without a restart, for the
// handshakes that follow, and drops the connections up whose other node proved a
// secret, or showed a certificate, that it no longer accepts (withdrawn.go: a member's
// is replaced by a new connection before it closes, so that no call is lost); a member that dials in is checked once at its address in
// Config.Peers (a warning if nothing answers there). For untrusted
// networks, LoadTLS adds TLS, and mutual TLS with a CA. Both sides of a connection
// must agree on TLS: a node cannot read the other kind of handshake and closes the
// connection without a refusal, which the dialer reports as ErrHungUp, naming TLS as
// the likely cause. Once a connection is up, each side first sends its
// Config.Settings, which the other hands to Config.OnSettings (ensnode states the
// configuration every node must share, and warns of a node that differs): a ping with
// a body, as the goodbye is, so that a node of the previous release, which ignores it,
// still connects. Before its settings, each side's first frame declares the optional
// parts of a frame it reads (features.go), also a ping with a body: a sender leaves
// out such a part for a node whose first frame declared none, a node of an earlier
// release, so that a rolling upgrade never sends a node a frame it would refuse (the
// riak worker of a follower's forward) once that node's first frame was read; before
// it, frames go as the router makes them. Nodes of two protocol versions never connect
// (RefuseVersion; both sides' errors name both versions).
//
// # Sending and receiving
//
// Send encodes the message into its connection's send queue and wakes the
// connection's writer, which first lets the goroutines that are ready run (under load,
// senders about to queue more) and then writes everything queued since its last write
// in one go: under load many frames share a write (Stats.Sent against Stats.Writes,
// and Stats.Received against Stats.Reads on the reading side). The
// queue is bounded (Config.QueueBytes); a send that finds it full fails with
// router.ErrOverloaded, counted, and warned of once a minute per member at most (and
// for all clients together). Each connection's reader decodes frames and hands
// messages to the Receiver set with Attach, with From set to the authenticated
// sender. An idle connection sends a ping every Config.HeartbeatInterval (no
// connection is silent for longer than that, give or take a scheduling delay); one
// that receives no whole frame for Config.HeartbeatTimeout is closed as dead, unless this
// node itself did not run for a while in that time (stopped, swapped out, starved of
// CPU): then the silence may be its own, and the peer gets a whole timeout more. The
// stall is logged as a warning before anything the node logs because of it.
//
// # Goodbye
//
// A node that stops gracefully calls Goodbye, then Flush, then Close (goodbye.go); a
// node with a router driver closes the driver between Goodbye and Flush (see package
// driver, "Wiring and stopping").
// Goodbye tells every connected node that this one is leaving; each marks the
// connection leaving, so that from then on its Send fails at once with
// router.ErrUnreachable for anything but a reply, and acknowledges; Peers shows the
// node as Leaving, and it is not Connected, until the connection ends. TCP keeps order:
// once the leaving node has read a peer's acknowledgement it has read every request
// that peer will send it, and it serves them before it closes. Goodbye waits for each
// acknowledgement while the peer's messages arrive (the acknowledgement is behind
// them), gives up on a peer once Config.GoodbyeTimeout (DefaultGoodbyeTimeout, 1s)
// passes with no message from it, and on all at Config.GoodbyeLimit
// (DefaultGoodbyeLimit, 5s), so a peer that never answers does not stall a stop; it
// takes no new connection meanwhile. The goodbye and its acknowledgement are pings
// with a one-byte body (a control code): nodes of protocol Version 1 have always
// ignored a ping's body, so a node that predates the goodbye connects as before and
// reads it as a heartbeat (it is then waited for until it has been silent for
// GoodbyeTimeout, or until GoodbyeLimit, and its requests may still be lost as before);
// neither a new frame type nor a version bump was needed.
//
// Close stops everything a Transport started and waits for it; it is idempotent. A
// program that sends and exits calls Flush first, which waits until what was queued
// is written (Close writes what is still queued as it closes, but gives up at its
// bound). What was written stays in the socket until the other node reads it: Close
// closes this node's side of each connection (TCP's half-close, TLS's close-notify),
// then waits, at most Config.CloseLinger, for the other node to read to the end and
// close its own side, and discards what it receives meanwhile. Closing the socket
// outright would have it reset at the other node's next heartbeat, losing what was not
// read yet.
package nettransport
