package nettransport

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ensroute/ensroute/router"
)

// The goodbye, which a node that stops gracefully runs before it closes its
// connections, so that no request already sent to it is lost:
//
//	leaving node -> each peer   ping{goodbye}
//	peer -> leaving node        ping{goodbye ack}
//
// A peer that hears the goodbye marks the connection leaving and queues the ack, both
// under the send queue's lock: every message it queued before is ahead of the ack on
// the connection, and from then on it queues nothing but replies (a route, cast,
// forward or gossip fails at once with router.ErrUnreachable, as for a node that is
// not connected, so the router core answers its caller at once). TCP keeps order, so
// once the leaving node has read a peer's ack it has read every request that peer
// will ever send it; it goes on serving them and sending replies. A peer that never
// acknowledges (a node older than the goodbye, which ignores a ping's body, or one
// whose reader is stuck) is given up on once it has sent nothing for
// Config.GoodbyeTimeout, and every peer at Config.GoodbyeLimit.

// sayGoodbye queues a goodbye on c; false if c is closed.
func (c *conn) sayGoodbye() bool { return c.sendControl(ctlGoodbye) }

// sendControl queues a ping carrying control code code on c; false if c is closed.
func (c *conn) sendControl(code byte) bool {
	c.mu.Lock()
	if c.isClosed {
		c.mu.Unlock()
		return false
	}
	c.out = append(appendHeader(c.out, typePing, 1), code)
	wake := c.signal()
	c.mu.Unlock()
	c.wakeWriter(wake)
	return true
}

// control acts on a ping's body: a control code, or nothing.
func (c *conn) control(body []byte) {
	if len(body) > 1 && body[0] == ctlSettings {
		if len(body)-1 <= MaxSettings { // more is no node's settings: ignored, as garbage
			c.settings(body[1:])
		}
		return
	}
	if len(body) > 1 && body[0] == ctlFeatures {
		return // read as the first frame (firstFrame), ignored after it
	}
	if len(body) != 1 {
		return // a plain heartbeat, or a control of a later version
	}
	switch body[0] {
	case ctlGoodbye:
		if n := c.next.Load(); n != nil {
			// A connection was admitted to take c's place: whether the other node
			// took it (and this goodbye ends c, replaced) or refused it (and the node
			// ends c as one that could not be replaced) its first frame on it says.
			n.awaitVerdict()
		}
		c.markDrained() // the other node sent nothing on c after it (withdrawn.go)
		c.mu.Lock()
		if c.isClosed || c.leaving {
			c.mu.Unlock()
			return
		}
		c.leaving = true
		// A connection replaced by a newer one (ctlReplace) hears the goodbye that
		// ends it: the node is not leaving, and is no goodbye to count or log.
		replaced := c.succeeded.Load()
		if !replaced {
			// Counted before the ack is queued: a writer woken already may write it
			// as soon as mu is released, and once the ack is read the goodbye is
			// counted.
			c.t.stats.goodbyes.Add(1)
		}
		c.out = append(appendHeader(c.out, typePing, 1), ctlGoodbyeAck)
		wake := c.signal()
		c.mu.Unlock()
		c.wakeWriter(wake)
		if !replaced {
			c.t.log.Info("peer leaving", "peer", string(c.p.id), "incarnation", uint64(c.inc))
		}
	case ctlGoodbyeAck:
		c.markDrained()
		c.ackOnce.Do(func() { close(c.acked) })
	case ctlReplace:
		c.replacing.Store(true)
		c.sendControl(ctlReplaceAck)
	case ctlReplaceAck:
		c.replaceOnce.Do(func() { close(c.replaceAcked) })
	}
}

// Goodbye tells every connected node that this one is stopping, and waits until each
// has acknowledged or its connection has closed, giving up on a node once a whole
// Config.GoodbyeTimeout has passed without a message from it, and on all of them at
// Config.GoodbyeLimit or when ctx is done. From the call on the transport takes no new
// connection, in either direction. Sends go on working, and so do the connections: a
// node that said goodbye keeps reading the requests its peers sent before they
// acknowledged, serves them, and answers, then calls Flush and Close. It returns nil
// when every node acknowledged, and otherwise an error matching ErrGoodbye that names
// the nodes that did not.
//
// A peer's acknowledgement comes after everything it queued before it heard the
// goodbye, up to its whole send queue, which a busy machine may take seconds to
// deliver: while its messages arrive, it is waited for.
func (t *Transport) Goodbye(ctx context.Context) error {
	t.leaving.Store(true)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, t.cfg.GoodbyeLimit)
	defer cancel()
	type said struct {
		id    router.NodeID
		c     *conn
		heard uint64 // c.heard when the window began
	}
	var waiting []said
	for _, p := range *t.peers.Load() {
		// Under p.mu: a connection being admitted or dialed now is either installed
		// already, or sees leaving and is refused.
		p.mu.Lock()
		c := p.conn.Load()
		p.mu.Unlock()
		if c != nil && c.sayGoodbye() {
			waiting = append(waiting, said{p.id, c, c.heard.Load()})
		}
	}
	answered := func(s said) bool {
		select {
		case <-s.c.acked:
			return true
		case <-s.c.done:
			return true
		default:
			return false
		}
	}
	// One window for all: a node is given up on at the end of a window in which
	// nothing came from it; one that sent something gets the next window.
	window := time.NewTimer(t.cfg.GoodbyeTimeout)
	defer window.Stop()
	var silent []string
	for len(waiting) > 0 {
		s := waiting[0]
		select {
		case <-s.c.acked:
			waiting = waiting[1:]
		case <-s.c.done:
			waiting = waiting[1:]
		case <-window.C:
			still := waiting[:0]
			for _, s := range waiting {
				switch heard := s.c.heard.Load(); {
				case answered(s):
				case heard != s.heard:
					s.heard = heard
					still = append(still, s)
				default:
					silent = append(silent, string(s.id))
				}
			}
			waiting = still
			window.Reset(t.cfg.GoodbyeTimeout)
		case <-ctx.Done():
			for _, s := range waiting {
				if !answered(s) {
					silent = append(silent, string(s.id))
				}
			}
			waiting = nil
		}
	}
	if len(silent) == 0 {
		return nil
	}
	t.stats.unacked.Add(uint64(len(silent)))
	slices.Sort(silent)
	t.log.Warn("leaving without an acknowledgement", "peers", silent, "waited", time.Since(start))
	return fmt.Errorf("%w: %s did not acknowledge", ErrGoodbye, strings.Join(silent, ", "))
}

// isLeaving reports whether Goodbye was called.
func (t *Transport) isLeaving() bool { return t.leaving.Load() }
