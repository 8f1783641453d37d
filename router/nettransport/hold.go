package nettransport

import (
	"slices"
	"sync"
	"time"

	"github.com/ensroute/ensroute/router"
)

// Replies for a node that is not connected are held for Config.ReplyHold, and written
// when a connection to it comes up. The case they are for: a node restarts, and the
// clients it replies to (nodes that dialed it, and have no address it could dial) are
// not connected to it until their next redial, up to BackoffMax and its jitter later.
// A reply sent in that window was lost, and its caller waited out its deadline; held,
// it arrives when the client is back. Replies to a member whose connection is down are
// held the same way, while the dial loop reconnects. Only replies are held: a request
// to a node not connected fails at once, so that its call does too
// (router.ErrUnreachable). A reply is not held once this node has said goodbye (no
// connection comes up after it), and one held for an incarnation of the node other
// than the one that connects is dropped: its calls died with that incarnation. A
// leader's answer to a riak worker (router.Message.Worker) goes to the worker's node,
// not the call's, and is released to whichever incarnation of it connects: the node's
// router drops an answer its workers do not wait for as late.

// heldReplies is the transport's store of replies held, oldest first.
type heldReplies struct {
	mu    sync.Mutex
	q     []heldReply // q[head:] are held, in the order they came
	head  int
	bytes int // the frames' bytes held, bounded by Config.QueueBytes
}

type heldReply struct {
	to    router.NodeID
	inc   router.Incarnation // the incarnation of to whose call it answers
	any   bool               // for any incarnation of to (see unreached)
	at    time.Time          // when it was held first
	frame []byte             // the message's frame, as it would be written
}

// unreached is what Send does with m, for node to, when no connection to it is up: a
// reply is held (if Config.ReplyHold allows), anything else refused.
func (t *Transport) unreached(to router.NodeID, m *router.Message) error {
	if err := t.unusable(); err != nil {
		return err
	}
	// A transport closing now, or leaving, refuses too: hold checks that, under its lock.
	if m.Kind != router.KindReply || t.cfg.ReplyHold <= 0 || to == t.cfg.ID {
		t.stats.unreachable.Add(1)
		return router.ErrUnreachable
	}
	frame, err := t.appendFrame(nil, m)
	if err != nil {
		return err
	}
	r := heldReply{to: to, inc: m.Call.Incarnation, at: time.Now(), frame: frame}
	if m.Worker != 0 {
		// An answer to a riak worker on node to, of a call of another node: the worker
		// lived in the incarnation of to that forwarded the call, the latest connected
		// (a later one has no such worker, and may be of a release that cannot read
		// the frame). A node never connected (the forward came through another)
		// takes it in any incarnation.
		r.inc = t.lastIncarnation(to)
		r.any = r.inc == 0
	}
	return t.hold(r, false)
}

// lastIncarnation returns the incarnation of node id last connected, 0 for none.
func (t *Transport) lastIncarnation(id router.NodeID) router.Incarnation {
	if p := (*t.peers.Load())[id]; p != nil {
		return router.Incarnation(p.lastInc.Load())
	}
	return 0
}

// hold writes r to the connection up to its node if there is one, and otherwise keeps
// it. released says r comes back from release, whose connection closed meanwhile: it
// was counted in Stats.Held already, and it is dropped (counted as expired) rather
// than refused.
func (t *Transport) hold(r heldReply, released bool) error {
	h := &t.held
	h.mu.Lock()
	now := time.Now()
	t.expireLocked(now)
	refuse := func(expired bool) error {
		h.mu.Unlock()
		if released || expired {
			t.stats.heldExpired.Add(1)
			return nil
		}
		t.stats.unreachable.Add(1)
		return router.ErrUnreachable
	}
	if t.closed() || t.isLeaving() {
		// Checked under h.mu: Close cancels before dropHeld takes it, so nothing is
		// held after dropHeld ran.
		return refuse(false)
	}
	// A connection whose held replies up has released (ready) takes the reply now: up
	// installs the connection, then releases under h.mu. One not released yet may
	// still fail its handshake, and one that closed is about to be replaced: the
	// reply waits for the release of the connection that is up. One succeeded
	// (withdrawn.go) hands it to its successor.
	for c := t.connTo(r.to); c != nil && c.ready; c = t.connTo(r.to) {
		if released && c.inc != r.inc && !r.any {
			return refuse(true) // a new incarnation came meanwhile: the call died
		}
		full, err := c.enqueueFrame(r.frame, released)
		if err == errConnClosed {
			break
		}
		if err == errSucceeded {
			continue
		}
		h.mu.Unlock()
		if full > 0 {
			t.overloaded(c, full)
		}
		return err
	}
	switch {
	case released && now.Sub(r.at) > t.cfg.ReplyHold:
		return refuse(true)
	case !released && h.bytes+len(r.frame) > t.cfg.QueueBytes:
		// One released and put back fitted a moment ago: it goes back whatever the
		// store holds now.
		return refuse(false)
	}
	// In the order of when each was held first, as expireLocked expects: one put back
	// goes before the replies held after it.
	i := len(h.q)
	for i > h.head && h.q[i-1].at.After(r.at) {
		i--
	}
	h.q = slices.Insert(h.q, i, r)
	h.bytes += len(r.frame)
	h.mu.Unlock()
	if !released {
		t.stats.held.Add(1)
	}
	return nil
}

// connTo returns the connection up to node id, or nil.
func (t *Transport) connTo(id router.NodeID) *conn {
	if p := (*t.peers.Load())[id]; p != nil {
		return p.conn.Load()
	}
	return nil
}

// expireLocked drops the replies held longer than Config.ReplyHold; h.mu is held.
func (t *Transport) expireLocked(now time.Time) {
	h := &t.held
	for h.head < len(h.q) && now.Sub(h.q[h.head].at) > t.cfg.ReplyHold {
		t.dropLocked(h.head)
		h.head++
	}
	h.compactLocked()
}

// dropLocked forgets the reply at q[i], counted as expired; h.mu is held.
func (t *Transport) dropLocked(i int) {
	h := &t.held
	h.bytes -= len(h.q[i].frame)
	h.q[i] = heldReply{}
	t.stats.heldExpired.Add(1)
}

// compactLocked frees the front of q once most of it is spent; h.mu is held.
func (h *heldReplies) compactLocked() {
	if h.head == len(h.q) {
		h.q, h.head = h.q[:0], 0
	} else if h.head > len(h.q)/2 {
		n := copy(h.q, h.q[h.head:])
		clear(h.q[n:])
		h.q, h.head = h.q[:n], 0
	}
}

// expireHeld counts the replies held that have expired, for Stats to be up to date.
func (t *Transport) expireHeld() {
	t.held.mu.Lock()
	t.expireLocked(time.Now())
	t.held.mu.Unlock()
}

// dropHeld drops every reply held, counted as expired: the transport is closing.
func (t *Transport) dropHeld() {
	h := &t.held
	h.mu.Lock()
	for i := h.head; i < len(h.q); i++ {
		t.dropLocked(i)
	}
	h.head = len(h.q)
	h.compactLocked()
	h.mu.Unlock()
}

// release writes the replies held for node id to c, a connection to incarnation inc
// of it just installed; those held for another incarnation are dropped.
func (t *Transport) release(id router.NodeID, inc router.Incarnation, c *conn) {
	h := &t.held
	h.mu.Lock()
	c.ready = true // from now on hold writes to c (see there)
	t.expireLocked(time.Now())
	var out []heldReply
	kept := h.q[:h.head]
	for i := h.head; i < len(h.q); i++ {
		r := h.q[i]
		switch {
		case r.to != id:
			kept = append(kept, r)
		case r.inc != inc && !r.any:
			t.dropLocked(i)
		default:
			out = append(out, r)
			h.bytes -= len(r.frame)
		}
	}
	clear(h.q[len(kept):])
	h.q = kept
	h.compactLocked()
	h.mu.Unlock()
	for _, r := range out {
		if _, err := c.enqueueFrame(r.frame, true); err == errConnClosed || err == errSucceeded {
			_ = t.hold(r, true) // c closed or succeeded meanwhile: for the connection that replaces it
		}
	}
}
