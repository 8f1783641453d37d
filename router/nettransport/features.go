package nettransport

import "github.com/ensroute/ensroute/router"

// Features: on each connection, a node's first frame after the handshake declares the
// optional parts of a frame it reads (a ping whose body is ctlFeatures and a byte of
// bits), and a sender leaves out such a part for a node whose first frame declared
// none: a node of an earlier release, whose first frame is something else. A rolling
// upgrade mixes releases, and a frame such a node cannot read would close the whole
// connection, losing every call in flight on it. Until the other node's first frame
// is read, what it reads is not known, and frames go as the router makes them: a node
// of this release reads them, and one of an earlier release sends its first frame
// soon (ensnode its settings, at once; any node a heartbeat within a heartbeat
// interval). A reader ignores bits it does not know, and
// bytes past the first; a declaration after the first frame is ignored.
const (
	// featWorker: the node reads a message's riak worker (flagWorker). A follower's
	// forward (router.KindPeer) names the worker that called the follower only to a
	// node that declared it; to any other it goes without, and the leader answers the
	// caller directly, as releases before the worker did (the follower's worker then
	// answers timeout at its timer, late, which the caller drops). A reply names a
	// worker only in answer to a forward that named one, from a node that reads it.
	featWorker byte = 1 << iota
	// featReplace: the node takes ctlReplace, and then a connection of the sender's
	// incarnation in place of this one (withdrawn.go). A node that did not declare it
	// has a connection whose proof was withdrawn closed under it, and redials.
	featReplace
	// ourFeatures are the features this node reads.
	ourFeatures = featWorker | featReplace
	// featKnown, in conn.features, says that the other node's first frame was read.
	featKnown = 1 << 8
)

// firstFrame notes what the other node's first frame after the handshake declares:
// the features of a declaration, none for any other frame. The reader calls it once.
func (c *conn) firstFrame(h header, body []byte) {
	f := uint32(featKnown)
	if h.typ == typePing && len(body) > 1 && body[0] == ctlFeatures {
		f |= uint32(body[1])
	}
	c.features.Store(f)
	close(c.known)
}

// sendFeatures queues this node's feature bits on c, a new connection, before its
// handshake: the writer sends them first, before any message.
func (c *conn) sendFeatures() {
	c.mu.Lock()
	if c.isClosed {
		c.mu.Unlock()
		return
	}
	c.out = append(appendHeader(c.out, typePing, 2), ctlFeatures, ourFeatures)
	wake := c.signal()
	c.mu.Unlock()
	c.wakeWriter(wake)
}

// lacks reports whether the other node's first frame was read, and declared no
// feature f.
func (c *conn) lacks(f byte) bool {
	got := c.features.Load()
	return got&featKnown != 0 && byte(got)&f == 0
}

// forWire returns m as c's node may be sent it: without what it is known not to read
// (a forward's worker, featWorker), in a copy, so that *m stays the caller's.
func (c *conn) forWire(m *router.Message) *router.Message {
	if m.Worker != 0 && m.Kind == router.KindPeer && c.lacks(featWorker) {
		w := *m
		w.Worker = 0
		return &w
	}
	return m
}
