package nettransport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensroute/ensroute/router"
)

// conn is one established connection: a reader goroutine that decodes frames and
// hands messages to the receiver, and a writer goroutine that writes whatever senders
// queued since its last write in one go. Senders append encoded frames to out under
// mu; the writer swaps out for its spare buffer, so encoding and writing overlap and
// a burst of sends becomes one write.
type conn struct {
	t  *Transport
	p  *peer
	nc net.Conn
	// raw is the socket under nc, when nc is TLS's (else nil): close closes it first.
	raw net.Conn
	fr  *frameReader
	dr  *deadlineReader
	inc router.Incarnation // the other node's
	// since is when the connection became its peer's (peer.take), under peer.mu.
	since time.Time
	// crossed: the connection was refused as a duplicate of one to the same
	// incarnation taken within a handshake timeout (peer.admit): both sides dialed at
	// once, most likely.
	crossed bool
	// heardSettings: the other node's settings were heard (settings); the reader's.
	heardSettings bool
	// features are the feature bits the other node declared (features.go), with
	// featKnown once its first frame after the handshake was read: 0 until then.
	features atomic.Uint32
	// known is closed once the other node's first frame was read (firstFrame).
	known chan struct{}
	// recv is the receiver attached when the connection came up (start), which its
	// reader hands every message to.
	recv Receiver
	// upState says whether the connection is not up yet (upNone), was counted and
	// logged as established (upCounted), is an inbound one waiting for the dialer's
	// first frame to be (upPending), was refused by the dialer with that frame
	// (upRefused), or ended before it was up (upEnded: replaced or closed between its
	// handshake and up, it is neither a connection nor a disconnection): see up.
	upState atomic.Int32
	// dir and addr are the connection's direction and address, for its log line.
	dir, addr string
	// proof is what the other node proved at the handshake (withdrawn.go), set
	// before the connection is installed and not changed after.
	proof proved
	// dropped: the connection is being dropped for a proof withdrawn (drop).
	dropped atomic.Bool
	// replacing: the other node announced (ctlReplace) that a connection of its
	// incarnation will replace this one: peer.admit takes it in its place.
	replacing atomic.Bool
	// succeeded: a connection of the same incarnation took this one's place as its
	// peer's (withdrawn.go); it ends after a goodbye, no longer its peer's.
	succeeded atomic.Bool
	// byOther: the connection that succeeded this one was dialed by the other node,
	// which ends this one itself, after its goodbye (withdrawn.go).
	byOther atomic.Bool
	// after is the connection this one took the place of (succeed), until its
	// reader has handed over its first message: what came on after is handed over
	// first (awaitPredecessor). Set before the connection starts; then its reader's.
	after *conn
	// drained is closed once the reader has read the other node's last frame on
	// the connection before the other node moved to its successor (its goodbye or
	// the acknowledgement of this side's, which it queues after all it sent on it),
	// or the connection has closed.
	drained     chan struct{}
	drainedOnce sync.Once
	// follows is the connection this one took the place of (succeed), until
	// announceUp has read it (under p.notify).
	follows *conn
	// over is, for an inbound connection the other node announced (ctlReplace),
	// the connection it is to take the place of once the dialer's first frame on it
	// confirms it (confirm): the dialer may yet refuse this node's proof, and then
	// the node was not replaced, and stays connected by over until over ends. Set
	// under p.mu at admit, before the connection starts; then its reader's.
	over *conn
	// next is the connection admitted to take this one's place (over), whose
	// dialer's verdict a goodbye on this one waits for (control).
	next atomic.Pointer[conn]
	// successor is closed when succeeded is set.
	successor chan struct{}
	// replaceAcked is closed when the other node acknowledges ctlReplace.
	replaceAcked chan struct{}
	replaceOnce  sync.Once

	mu       sync.Mutex
	out      []byte // frames queued for the writer
	signaled bool   // the writer has been woken for what is in out
	isClosed bool
	// finishing: the transport is closing the connection gracefully (finish); it
	// takes nothing more to send.
	finishing bool
	// leaving: the other node said goodbye; only replies may be queued for it.
	leaving bool
	// taken and written count the bytes the writer took from out and wrote; flushed,
	// made by a waiting flush, is closed after the next write.
	taken, written uint64
	flushed        chan struct{}

	spare []byte // the writer's: the buffer it wrote last
	wake  chan struct{}
	// ready: the replies held for the node were released to this connection, which
	// from then on takes those that would be held (hold.go); under heldReplies.mu.
	ready bool
	done  chan struct{} // closed when the connection closes
	// quit is closed by finish: the writer writes what is queued, then closes this
	// side of the connection.
	quit     chan struct{}
	quitOnce sync.Once
	// ended is closed once close is over: the connection is no longer its peer's.
	// done closes first, before the socket and the peer let go of it.
	ended chan struct{}
	once  sync.Once

	acked   chan struct{} // closed when the other node acknowledges this one's goodbye
	ackOnce sync.Once
	// heard counts the messages read once this node said goodbye: Goodbye waits on
	// for a peer whose requests are still arriving ahead of its acknowledgement.
	heard atomic.Uint64
}

func newConn(t *Transport, nc net.Conn) *conn {
	c := &conn{t: t, nc: nc, wake: make(chan struct{}, 1), done: make(chan struct{}), quit: make(chan struct{}), ended: make(chan struct{}), acked: make(chan struct{}),
		replaceAcked: make(chan struct{}), successor: make(chan struct{}), drained: make(chan struct{}), known: make(chan struct{})}
	c.dr = &deadlineReader{nc: nc, reads: &t.stats.reads, epoch: t.epoch, stalls: t.stalls}
	c.fr = newFrameReader(c.dr, handshakeBuffer, t.cfg.MaxFrame)
	return c
}

// deadlineReader gives the peer a heartbeat timeout (idle) from its last whole frame
// to send the next: a peer that sends nothing, not even a ping, for that long is
// dead, and so is one that sends a frame a byte at a time. The deadline moves on at
// the first read after a frame arrived (readLoop sets framed), not at each read: the
// bytes of a frame that trickles in prove nothing. It also notes when the peer was
// last heard from after the handshake (heardWithin), with the clock reading it takes
// for the deadline. A deadline that passes with a stall of this node inside the wait
// (stallClock) is the node's silence, not the peer's: the peer gets a whole timeout
// more, from then.
type deadlineReader struct {
	nc     net.Conn
	idle   time.Duration // 0 during the handshake, which has its own deadline
	reads  *atomic.Uint64
	epoch  time.Time
	stalls *stallClock
	since  time.Time    // when the deadline was last set; zero: none since the handshake
	framed bool         // a whole frame arrived since
	heard  atomic.Int64 // when a frame last came after the handshake, since epoch; 0: never
	// lastByte is when bytes last came during the handshake (idle 0), read only by
	// the handshake's goroutine: a hello that times out while its bytes still come
	// one by one is told from one that stopped coming.
	lastByte time.Time
	// sent, if not nil, is set at the first bytes read during the handshake: the
	// listener's bound spares a handshake whose other side has sent some.
	sent *atomic.Bool
}

func (r *deadlineReader) Read(b []byte) (int, error) {
	if r.idle > 0 && (r.framed || r.since.IsZero()) {
		now := time.Now()
		_ = r.nc.SetReadDeadline(now.Add(r.idle))
		if r.framed {
			r.heard.Store(int64(max(now.Sub(r.epoch), 1)))
		}
		r.since, r.framed = now, false
	}
	for {
		r.reads.Add(1)
		n, err := r.nc.Read(b)
		if n > 0 && r.idle == 0 {
			r.lastByte = time.Now()
			if r.sent != nil && !r.sent.Load() {
				r.sent.Store(true)
			}
		}
		if n > 0 || r.idle == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		now := time.Now()
		if !r.stalls.stalledSince(r.since, now) {
			return n, err
		}
		_ = r.nc.SetReadDeadline(now.Add(r.idle))
		r.since = now
	}
}

// heardWithin reports whether the peer sent a frame after the handshake in the
// last d. A live peer sends a frame at least every heartbeat interval (writeLoop);
// one that has sent nothing since its handshake is not known to be alive.
func (r *deadlineReader) heardWithin(d time.Duration) bool {
	h := r.heard.Load()
	return h != 0 && time.Since(r.epoch)-time.Duration(h) <= d
}

// beginHandshake bounds the handshake in time (HandshakeTimeout) and its frames in
// size (MaxHandshakeFrame).
func (c *conn) beginHandshake() {
	_ = c.nc.SetDeadline(time.Now().Add(c.t.cfg.HandshakeTimeout))
	c.fr.handshake()
}

func (c *conn) endHandshake() {
	_ = c.nc.SetDeadline(time.Time{})
	c.dr.idle = c.t.cfg.HeartbeatTimeout
	// The handshake's frames say nothing of the peer's life after it.
	c.dr.since, c.dr.framed = time.Time{}, false
	c.fr.established(c.t.cfg.MaxFrame, c.t.cfg.ReadBuffer)
}

// start runs the reader and the writer of an installed connection.
func (c *conn) start() {
	// Taken here, not when the reader's goroutine first runs: a receiver attached
	// once the connection is up (its PeerUp told) gets only later connections'.
	c.recv = c.t.receiver()
	c.t.stalls.start(c.t)
	if !c.t.spawn(c.readLoop) || !c.t.spawn(c.writeLoop) {
		c.close(ErrClosed)
	}
}

// errConnClosed is enqueue's refusal on a connection that has closed but may not be
// replaced yet: Send counts it as unreachable, or holds a reply (hold.go).
var errConnClosed = fmt.Errorf("%w: the connection closed", router.ErrUnreachable)

// errSucceeded is enqueue's refusal on a connection that another of the same
// incarnation took the place of (peer.succeed): the message goes on the successor.
// Taken on the old one, it could follow the goodbye, or its acknowledgement, that
// ends it (withdrawn.go): read after the other node moved to the successor, out of
// order, or not read at all, the old connection closing with it still queued.
var errSucceeded = errors.New("nettransport: the connection was succeeded by another")

// enqueue encodes m at the end of the send queue and wakes the writer if it sleeps.
// On a connection succeeded it returns errSucceeded, for Send to queue m on the
// successor, even once it is leaving, finishing or closed (the node is connected, by
// the successor); on another closed connection, errConnClosed, not counted. Checked
// under mu: succeeded is set before the goodbye or its acknowledgement is queued on
// the connection, so that all it takes comes before them.
func (c *conn) enqueue(m *router.Message) error {
	t := c.t
	c.mu.Lock()
	if c.succeeded.Load() {
		c.mu.Unlock()
		return errSucceeded
	}
	if c.isClosed || c.finishing {
		c.mu.Unlock()
		return errConnClosed
	}
	if c.leaving && m.Kind != router.KindReply {
		// The node said goodbye: it has acknowledged, and reads nothing new but
		// replies to its own calls. It is as good as not connected.
		c.mu.Unlock()
		t.stats.unreachable.Add(1)
		return router.ErrUnreachable
	}
	if queued := len(c.out); queued >= t.cfg.QueueBytes {
		c.mu.Unlock()
		t.overloaded(c, queued)
		return router.ErrOverloaded
	}
	var err error
	if c.out, err = t.appendFrame(c.out, c.forWire(m)); err != nil {
		c.mu.Unlock()
		return err
	}
	wake := c.signal()
	c.mu.Unlock()
	t.stats.sent.Add(1)
	c.wakeWriter(wake)
	return nil
}

// overloaded counts a send to c's node refused because its queue held queued bytes,
// QueueBytes or more, and logs it: as a warning the first time, then at most once an
// overloadQuiet per member, and once for all clients together (they come and go under
// new ids), with how many were refused since (repeats). A node that reads slower
// than it is sent to, steadily enough to stay connected, has its sends refused by
// the thousand: without a line in the log, the calls lost so have no cause an
// operator can find. No lock is held: a logger may block.
func (t *Transport) overloaded(c *conn, queued int) {
	t.stats.overloaded.Add(1)
	repeats, log := t.overloads.Note(c.p.overloadKey, time.Now())
	if !log {
		return
	}
	t.log.Warn("send queue full", "peer", string(c.p.id), "queued", queued, "limit", t.cfg.QueueBytes, "repeats", repeats,
		"reason", "the node reads less than is sent to it: sends to it fail with ErrOverloaded until its queue drains (QueueBytes; warned of once a minute per member and for all clients, Stats.Overloaded counts each)")
}

// overloadQuiet is the least time between two warnings of one member's full queue,
// or of clients' full queues.
const overloadQuiet = time.Minute

// badMessage reports the field of m that no node would read (ErrBadMessage): Send
// checks it first, so that such a message is refused as bad whether or not its node
// is connected, and sets off no dial.
func badMessage(m *router.Message) error {
	switch {
	case m == nil:
		return fmt.Errorf("%w: a nil *router.Message", ErrBadMessage)
	case !m.Kind.Valid():
		return fmt.Errorf("%w: kind %d is no message kind", ErrBadMessage, m.Kind)
	case !m.Code.Valid():
		return fmt.Errorf("%w: code %d is no result code", ErrBadMessage, m.Code)
	case m.Instance > maxInstance:
		return fmt.Errorf("%w: instance %d, past the largest a node reads, %d", ErrBadMessage, m.Instance, maxInstance)
	}
	return nil
}

// appendFrame appends m's frame to out, or returns out as it was and why m cannot be
// sent: a name or the frame too large (counted). Send has refused a message no node
// would read (badMessage) already.
func (t *Transport) appendFrame(out []byte, m *router.Message) ([]byte, error) {
	if f, n := longName(m); f != "" {
		t.stats.tooLarge.Add(1)
		return out, fmt.Errorf("%w: the %s name has %d bytes, the longest is %d (MaxName)", ErrTooLarge, f, n, MaxName)
	}
	out, start := beginFrame(out, typeMsg)
	out = AppendMessage(out, m)
	if n := len(out) - start - headerSize; n > t.cfg.MaxFrame {
		t.stats.tooLarge.Add(1)
		return out[:start], fmt.Errorf("%w: its frame would have %d bytes, the limit is %d (MaxFrame)", ErrTooLarge, n, t.cfg.MaxFrame)
	}
	endFrame(out, start)
	return out, nil
}

// enqueueFrame is enqueue for a reply encoded already (held, see hold.go): on a
// closed connection it returns errConnClosed, not counted, and on one succeeded
// errSucceeded (see enqueue). A frame released from the
// store (bounded) is queued whatever the queue holds: the store is bounded by
// QueueBytes itself. On a full queue it returns router.ErrOverloaded and the bytes
// queued, for its caller to pass to overloaded once it holds no lock.
func (c *conn) enqueueFrame(frame []byte, bounded bool) (full int, err error) {
	t := c.t
	c.mu.Lock()
	if c.succeeded.Load() {
		c.mu.Unlock()
		return 0, errSucceeded
	}
	if c.isClosed || c.finishing {
		c.mu.Unlock()
		return 0, errConnClosed
	}
	if queued := len(c.out); !bounded && queued >= t.cfg.QueueBytes {
		c.mu.Unlock()
		return queued, router.ErrOverloaded
	}
	c.out = append(c.out, frame...)
	wake := c.signal()
	c.mu.Unlock()
	t.stats.sent.Add(1)
	c.wakeWriter(wake)
	return 0, nil
}

// signal notes, under mu, that the writer is being woken for what is in out; it
// reports whether the caller must wake it (it was not woken already).
func (c *conn) signal() bool {
	wake := !c.signaled
	c.signaled = true
	return wake
}

// wakeWriter wakes the writer if signal said so; mu is not held.
func (c *conn) wakeWriter(wake bool) {
	if wake {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// state returns the bytes in the send queue, and whether the other node said goodbye.
func (c *conn) state() (queued int, leaving bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out), c.leaving
}

// isDone reports whether the connection has closed.
func (c *conn) isDone() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// isLeaving reports whether the other node said goodbye.
func (c *conn) isLeaving() bool {
	_, leaving := c.state()
	return leaving
}

// writeLoop writes what is queued, and a ping when half a heartbeat interval passed
// without a write since the tick before: an idle connection pings every heartbeat
// interval (a ping is a write, so the tick after it skips), and a connection that
// wrote at some instant writes again within an interval of it. With a tick every
// interval, an idle connection pinged every two, and after a write it could stay
// silent for almost two: the peer's check that a connection is alive
// (peer.admit's heardWithin) had no margin.
func (c *conn) writeLoop() {
	t := c.t
	tick := time.NewTicker(max(t.cfg.HeartbeatInterval/2, 1))
	defer tick.Stop()
	wrote := false
	for {
		select {
		case <-c.wake:
		case <-tick.C:
			if wrote {
				wrote = false
				continue
			}
			c.mu.Lock()
			c.out = appendHeader(c.out, typePing, 0)
			c.mu.Unlock()
		case <-c.quit:
			c.end()
			return
		case <-c.done:
			return
		}
		c.gather()
		w, ok := c.writeQueued()
		if !ok {
			return
		}
		wrote = wrote || w
	}
}

// write writes buf in chunks of at most WriteChunk bytes, each with a deadline of
// HeartbeatTimeout: a peer that stops reading is as dead as one that stops writing,
// and so is one too slow to read a chunk in that time, but one that reads a queue
// slowly, and steadily, is not. It returns the bytes written; a chunk not written in
// time fails with errNotReading (none of it written) or errReadingSlowly.
func (c *conn) write(buf []byte) (int, error) {
	t := c.t
	written := 0
	for written < len(buf) {
		chunk := buf[written:min(written+WriteChunk, len(buf))]
		_ = c.nc.SetWriteDeadline(time.Now().Add(t.cfg.HeartbeatTimeout))
		n, err := c.nc.Write(chunk)
		t.stats.writes.Add(1)
		written += n
		if err != nil {
			if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
				why := errNotReading
				if n > 0 {
					why = errReadingSlowly
				}
				err = fmt.Errorf("%w (%d of a %d-byte write in %v: %v)", why, n, len(chunk), t.cfg.HeartbeatTimeout, err)
			}
			return written, err
		}
	}
	return written, nil
}

// writeQueued writes what is queued, if anything is (write): it reports whether
// it wrote, and ok false if the write failed, which closed the connection.
func (c *conn) writeQueued() (wrote, ok bool) {
	t := c.t
	c.mu.Lock()
	buf := c.out
	c.out = c.spare[:0]
	c.signaled = false
	c.taken += uint64(len(buf))
	c.mu.Unlock()
	if len(buf) == 0 {
		c.spare = buf
		return false, true
	}
	n, err := c.write(buf)
	t.stats.bytesOut.Add(uint64(n))
	c.mu.Lock()
	if err == nil {
		c.written += uint64(len(buf))
	}
	if c.flushed != nil {
		close(c.flushed)
		c.flushed = nil
	}
	c.mu.Unlock()
	if cap(buf) <= 1<<20 {
		c.spare = buf[:0]
	} else {
		c.spare = nil // do not keep a burst's buffer forever
	}
	if err != nil {
		c.close(fmt.Errorf("write: %w", err))
		return true, false
	}
	return true, true
}

// finish starts a graceful close (Transport.Close): the connection takes nothing
// more to send, and its writer writes what is queued, then closes this side of the
// connection (end). The reader goes on reading, and discards what it reads, until the
// other node, having read to the end, closes its side: then the connection closes.
func (c *conn) finish() {
	c.mu.Lock()
	c.finishing = true
	c.mu.Unlock()
	c.quitOnce.Do(func() { close(c.quit) })
}

// end is the writer's part of finish. A connection that cannot be half-closed (a
// net.Conn with no CloseWrite) closes at once.
func (c *conn) end() {
	if _, ok := c.writeQueued(); !ok {
		return
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		return
	}
	c.close(ErrClosed)
}

// gatherYields bounds how often the writer yields before one write.
const gatherYields = 4

// gather lets the goroutines that are ready to run go first: under load they are the
// senders whose answers the reader just handed over, about to queue their next
// messages, which then share the next write. It yields again while the last yield
// let someone queue more (a yield costs far less than a write), at most gatherYields
// times; when nothing else is ready it returns after one yield, at once.
func (c *conn) gather() {
	c.mu.Lock()
	n := len(c.out)
	c.mu.Unlock()
	for range gatherYields {
		runtime.Gosched()
		c.mu.Lock()
		m := len(c.out)
		c.mu.Unlock()
		if m == n {
			return
		}
		n = m
	}
}

// flush waits until what is queued now has been written, the connection closes
// (false), or ctx is done (false).
func (c *conn) flush(ctx context.Context) bool {
	c.mu.Lock()
	target := c.taken + uint64(len(c.out))
	for c.written < target && !c.isClosed {
		if c.flushed == nil {
			c.flushed = make(chan struct{})
		}
		wait := c.flushed
		c.mu.Unlock()
		select {
		case <-wait:
		case <-c.done:
		case <-ctx.Done():
			return false
		}
		c.mu.Lock()
	}
	ok := c.written >= target
	c.mu.Unlock()
	return ok
}

// readLoop reads frames until the connection fails, and hands messages on.
func (c *conn) readLoop() {
	t := c.t
	dec := newDecoder()
	recv := c.recv
	for {
		h, body, err := c.fr.next()
		if err != nil {
			if isBadFrame(err) {
				t.stats.badFrames.Add(1)
			}
			c.close(err)
			return
		}
		c.dr.framed = true
		if c.upState.Load() == upPending {
			// The dialer's first frame: a refusal, in any version as in the
			// handshake, is its verdict on this node's welcome (see up).
			if h.typ == typeRefuse {
				c.refusedProof(body)
				return
			}
			if c.over != nil && !c.confirm() {
				c.close(errReplaced)
				return
			}
			t.counted(c)
		}
		if h.version != Version {
			t.stats.badFrames.Add(1)
			c.close(fmt.Errorf("%w: protocol version %d after the handshake", ErrBadFrame, h.version))
			return
		}
		if c.features.Load() == 0 {
			c.firstFrame(h, body)
		}
		switch h.typ {
		case typeMsg:
			if t.closed() {
				continue // Close is waiting for the node to read what was written
			}
			m, err := dec.message(body)
			if err != nil {
				t.stats.badFrames.Add(1)
				c.close(err)
				return
			}
			if c.after != nil {
				c.awaitPredecessor()
			}
			m.From = c.p.id
			t.stats.received.Add(1)
			if t.isLeaving() {
				c.heard.Add(1)
			}
			recv.Receive(m)
		case typePing:
			c.control(body)
		default:
			t.stats.badFrames.Add(1)
			c.close(fmt.Errorf("%w: unexpected %s frame after the handshake", ErrBadFrame, h.typ))
			return
		}
	}
}

// markDrained closes drained, once.
func (c *conn) markDrained() { c.drainedOnce.Do(func() { close(c.drained) }) }

// awaitPredecessor waits, before c's first message is handed over, until the
// connection c took the place of has handed over all the other node sent on it
// before it moved to c (drained), so that messages from one node arrive in the order
// they were sent across the replacement; at most Config.GoodbyeTimeout, and a
// heartbeat interval, so that c's node is never left unread for long.
func (c *conn) awaitPredecessor() {
	old := c.after
	c.after = nil
	wait := time.NewTimer(min(c.t.cfg.GoodbyeTimeout, c.t.cfg.HeartbeatInterval))
	defer wait.Stop()
	select {
	case <-old.drained:
	case <-wait.C:
		c.t.log.Debug("the connection replaced has not delivered all it carried: messages from the node may arrive out of order", "peer", string(c.p.id))
	case <-c.done:
	case <-c.t.ctx.Done():
	}
}

// close ends the connection once, for reason.
func (c *conn) close(reason error) {
	c.once.Do(func() {
		defer c.markDrained()
		switch {
		case c.t.closed():
			reason = ErrClosed // the node closed its side at this one's Close (finish)
		case c.dropped.Load():
			reason = errWithdrawn // whatever ended it, after drop: the other side's close, at drop's finish
		}
		c.mu.Lock()
		c.isClosed = true
		c.out = nil
		c.mu.Unlock()
		close(c.done)
		if c.raw != nil {
			// The socket first: tls.Conn.Close writes a close-notify alert, which waits
			// (5s at most, crypto/tls's own bound) for a node that does not read, or for
			// the writer in end's CloseWrite, which writes one and waits the same way.
			_ = c.raw.Close()
		}
		_ = c.nc.Close()
		if c.p != nil {
			c.p.detach(c, reason)
		}
		close(c.ended)
	})
}
