package nettransport

import (
	"sync"
	"time"

	"github.com/ensroute/ensroute/router"
)

// Replies for a node that is not connected are held for Config.ReplyHold, and written
// when a connection to it comes up. The case they are for: a node restarts, and the
// clients it replies to (nodes that dialed it, and have no address it could dial) are
// not connected to it until their next redial, up to BackoffMax and its jitter later.
// A reply sent in that window was lost, and its caller waited out its deadline; held,
// it arrives when the client is back. Only replies are held: a request to a node not
// connected fails at once, so that its call does too (router.ErrUnreachable).

// heldReplies is the transport's store of replies held, oldest first.
type heldReplies struct {
	mu    sync.Mutex
	q     []heldReply // q[head:] are held, in the order they came
	head  int
	bytes int // the frames' bytes held, bounded by Config.QueueBytes
}

type heldReply struct {
	to    router.NodeID
	at    time.Time // when it was held
	frame []byte    // the message's frame, as it would be written
}

// unreached is what Send does with m, for node to, when no connection to it is up: a
// reply is held (if Config.ReplyHold allows), anything else refused.
func (t *Transport) unreached(to router.NodeID, m *router.Message) error {
	if m.Kind != router.KindReply || t.cfg.ReplyHold <= 0 || to == t.cfg.ID || t.receiver() == nil || t.closed() {
		t.stats.unreachable.Add(1)
		return router.ErrUnreachable
	}
	frame, err := t.appendFrame(nil, m)
	if err != nil {
		return err
	}
	h := &t.held
	h.mu.Lock()
	now := time.Now()
	t.expireLocked(now)
	// A connection that came up since Send looked takes the reply now: up installs
	// the connection before it takes the replies held for it, under h.mu.
	if c := t.connTo(to); c != nil {
		h.mu.Unlock()
		return c.enqueueFrame(frame)
	}
	if h.bytes+len(frame) > t.cfg.QueueBytes {
		h.mu.Unlock()
		t.stats.unreachable.Add(1)
		return router.ErrUnreachable
	}
	h.q = append(h.q, heldReply{to: to, at: now, frame: frame})
	h.bytes += len(frame)
	h.mu.Unlock()
	t.stats.held.Add(1)
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
		h.bytes -= len(h.q[h.head].frame)
		h.q[h.head] = heldReply{}
		h.head++
		t.stats.heldExpired.Add(1)
	}
	if h.head == len(h.q) {
		h.q, h.head = h.q[:0], 0
	} else if h.head > len(h.q)/2 {
		n := copy(h.q, h.q[h.head:])
		clear(h.q[n:])
		h.q, h.head = h.q[:n], 0
	}
}

// release writes the replies held for node id to c, a connection to it just
// installed.
func (t *Transport) release(id router.NodeID, c *conn) {
	h := &t.held
	h.mu.Lock()
	t.expireLocked(time.Now())
	var frames [][]byte
	kept := h.q[:h.head]
	for _, r := range h.q[h.head:] {
		if r.to == id {
			frames = append(frames, r.frame)
			h.bytes -= len(r.frame)
		} else {
			kept = append(kept, r)
		}
	}
	clear(h.q[len(kept):])
	h.q = kept
	h.mu.Unlock()
	for _, f := range frames {
		_ = c.enqueueFrame(f) // refused only if c closed already: counted there
	}
}
