package nettransport

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"reflect"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ensroute/ensroute/internal/quietlog"
	"github.com/ensroute/ensroute/router"
)

// Receiver is what a Transport hands incoming messages to: a production driver. Receive
// is called on the connection's reader goroutine, one message at a time per
// connection, with m.From set to the authenticated sender; it must not block for long
// (it holds up that connection). The message owns its memory, but a payload of up to
// 4 KiB (an event or a result) shares a 64 KiB block with the payloads decoded before
// and after it: one kept for long keeps its block alive, and a receiver that keeps
// a few of many should copy them.
type Receiver interface {
	Receive(m router.Message)
}

// ConnObserver is the capability a Receiver may add to hear about connections: PeerUp
// after a handshake succeeds (in either direction), PeerDown when the connection
// closes. A connection that takes the place of one to the same incarnation (the
// replacement of one whose proof was withdrawn, SetCredentials) is not announced,
// nor is the end of the one it replaced: the node stays connected, and PeerDown
// comes when the new one closes. Both are called on transport goroutines and must
// not block.
type ConnObserver interface {
	PeerUp(id router.NodeID, inc router.Incarnation)
	PeerDown(id router.NodeID)
}

// Transport is router.Transport over TCP (or any net.Conn): one authenticated
// connection per pair of nodes, dialed lazily, with a bounded send queue and a writer
// goroutine that coalesces queued frames into few writes. Build it with New, Attach a
// Receiver, then Serve a listener; Close ends everything it started. It is safe for
// concurrent use.
type Transport struct {
	cfg   Config
	log   *slog.Logger
	recv  atomic.Pointer[Receiver]
	peers atomic.Pointer[map[router.NodeID]*peer] // copy on write, under mu

	mu        sync.Mutex
	listeners []net.Listener
	accepting map[net.Conn]struct{} // connections still in their handshake
	accepted  handshakeBound        // the handshakes of the connections handed to Accept

	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	closeOnce sync.Once
	leaving   atomic.Bool // Goodbye was called: no new connection
	// unattached: a connection was closed for want of a receiver (logged once).
	unattached atomic.Bool
	wg         sync.WaitGroup
	stats      counters
	epoch      time.Time // for the connections' clock readings (deadlineReader.heard)
	stalls     *stallClock
	refusals   refusalLog
	overloads  *quietlog.Log // members whose full queue refused a send, and clients (overloaded)
	held       heldReplies   // replies for nodes not connected (hold.go)
	creds      atomic.Pointer[Credentials]
}

var _ router.Transport = (*Transport)(nil)

// New returns a transport for cfg, with defaults filled in. It starts nothing. It
// keeps copies of cfg's map and byte slices: the caller may change them after.
func New(cfg Config) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	// The transport's goroutines read them: a caller that changed its own after New
	// would race them.
	cfg.Peers = maps.Clone(cfg.Peers)
	cfg.Secret, cfg.Settings = bytes.Clone(cfg.Secret), bytes.Clone(cfg.Settings)
	cfg.AcceptSecrets = slices.Clone(cfg.AcceptSecrets)
	for i, s := range cfg.AcceptSecrets {
		cfg.AcceptSecrets[i] = bytes.Clone(s)
	}
	t := &Transport{cfg: cfg, log: cfg.Logger.With("node", string(cfg.ID)), accepting: make(map[net.Conn]struct{}), epoch: time.Now(),
		refusals: newRefusalLog(), overloads: quietlog.New(overloadQuiet, refusalKeys)}
	t.accepted.where = "on the connections handed to Accept"
	t.stalls = newStallClock(t.epoch, t.log)
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.creds.Store(&Credentials{Secret: cfg.Secret, AcceptSecrets: cfg.AcceptSecrets, ServerTLS: cfg.ServerTLS, ClientTLS: cfg.ClientTLS})
	empty := map[router.NodeID]*peer{}
	t.peers.Store(&empty)
	return t, nil
}

// Attach sets the receiver of incoming messages. Call it once, before Serve, Accept,
// Connect or the first Send: until then nothing is dialed or accepted. A connection
// hands its messages to the receiver attached when it came up, for as long as it
// lasts, so a receiver attached later gets only those of later connections. A driver
// that replaces a closed one needs a new transport: on this one it would share the
// old driver's incarnation, and take replies meant for the old one's calls (driver.New
// refuses a transport that has a receiver attached: see Attached). A nil
// pointer (the node of a driver whose New failed, its error ignored) attaches
// nothing, as nil does: it would be called on a transport goroutine at the first
// connection, and crash the program.
func (t *Transport) Attach(r Receiver) {
	if v := reflect.ValueOf(r); r != nil && v.Kind() == reflect.Pointer && v.IsNil() {
		r = nil
	}
	t.recv.Store(&r)
}

// Attached reports whether a receiver is attached (Attach). driver.New asks it: a
// transport that has one already is the transport of another driver, most likely one
// closed to be started again, which needs a new transport.
func (t *Transport) Attached() bool { return t.receiver() != nil }

func (t *Transport) receiver() Receiver {
	if p := t.recv.Load(); p != nil {
		return *p
	}
	return nil
}

func (t *Transport) closed() bool { return t.ctx.Err() != nil }

// Closed reports whether Close has been called. driver.New asks it: a closed
// transport sends nothing (router.ErrUnreachable), so a driver over it would fail
// every call to another node.
func (t *Transport) Closed() bool { return t.closed() }

// Identity returns the id and incarnation the transport states in its handshakes
// (Config.ID and Config.Incarnation, the latter filled in from the clock if it was
// 0). driver.New checks its own against them.
func (t *Transport) Identity() (router.NodeID, router.Incarnation) {
	return t.cfg.ID, t.cfg.Incarnation
}

// Why Send refuses a message for a node it has no connection to, and starts no dial:
// both match router.ErrUnreachable, and name the cause, which a caller sees (driver:
// a call refused by the transport returns its error).
var (
	errNotAttached = fmt.Errorf("%w: nothing is attached to this node's transport (Attach its driver before the first Send)", router.ErrUnreachable)
	errSendClosed  = fmt.Errorf("%w: this node's transport is closed", router.ErrUnreachable)
)

// unusable returns, counted as unreachable, why Send can start no connection: the
// transport is closed (errSendClosed), or nothing is attached to take what the
// connection would bring (errNotAttached); nil if neither.
func (t *Transport) unusable() error {
	var err error
	switch {
	case t.closed():
		err = errSendClosed
	case t.receiver() == nil:
		err = errNotAttached
	default:
		return nil
	}
	t.stats.unreachable.Add(1)
	return err
}

// Send queues m for node to and returns at once. It returns router.ErrUnreachable when
// to is not connected (starting a reconnect in the background when its address is
// known; before Attach, and after Close, an error that matches it and says which),
// router.ErrOverloaded when to's send queue is full, and ErrTooLarge (which
// matches router.ErrUnreachable) when m does not fit in a frame, and ErrBadMessage,
// whether to is connected or not, for a message no node would read. A reply to a node
// not connected is held instead, for Config.ReplyHold, and sent if a connection to
// the node comes up by then. A nil error does not promise delivery. Send never calls
// back into the receiver, and does not keep m.
func (t *Transport) Send(to router.NodeID, m *router.Message) error {
	if err := badMessage(m); err != nil {
		return err
	}
	p := (*t.peers.Load())[to]
	if p == nil {
		if !t.dialable(to) {
			return t.unreached(to, m) // a client not connected: a reply is held for it
		}
		if err := t.unusable(); err != nil {
			return err
		}
		p = t.peer(to)
	}
	return t.sendOn(p, p.conn.Load(), m)
}

// sendOn is Send's queuing of m on c, the connection of p it found (nil: none). A
// connection succeeded meanwhile (withdrawn.go) refuses m, which goes on the
// peer's connection then, its successor.
func (t *Transport) sendOn(p *peer, c *conn, m *router.Message) error {
	for ; ; c = p.conn.Load() {
		if c == nil {
			p.startLoop()
			return t.unreached(p.id, m)
		}
		err := c.enqueue(m)
		switch err {
		case errSucceeded:
			continue
		case errConnClosed:
			// Closed, and not detached yet: as good as not connected.
			return t.unreached(p.id, m)
		}
		return err
	}
}

// dialable reports whether Config.Peers gives an address for node id, other than
// this node's own: Peers may be a map of the whole cluster, and a node never dials
// itself.
func (t *Transport) dialable(id router.NodeID) bool {
	_, known := t.cfg.Peers[id]
	return known && id != t.cfg.ID
}

// peer returns the slot for id, adding it if needed.
func (t *Transport) peer(id router.NodeID) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.peerLocked(id)
}

// peerLocked is peer with t.mu held.
func (t *Transport) peerLocked(id router.NodeID) *peer {
	cur := *t.peers.Load()
	if p := cur[id]; p != nil {
		return p
	}
	next := make(map[router.NodeID]*peer, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	p := newPeer(t, id, t.cfg.Peers[id])
	next[id] = p
	t.peers.Store(&next)
	return p
}

// admit finds or adds the slot of them.id and lets c, an inbound connection that
// proved the secret, take it if peer.admit allows (see there). Both under t.mu, as
// forget checks and removes a slot: a client's slot whose last connection just ended
// is either gone before the lookup (c gets a new slot) or holds c when forget looks.
// Were the slot forgotten in between, c would run in a slot no longer in the map: not
// connected for Send, Connected and Peers, and not closed by Close.
func (t *Transport) admit(c *conn, them identity) (p *peer, code RefuseCode, old *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p = t.peerLocked(them.id)
	code, old = p.admit(c, them.inc)
	return p, code, old
}

// forget removes an inbound-only peer whose connection ended, so that a client that
// comes and goes leaves nothing behind.
func (t *Transport) forget(p *peer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := *t.peers.Load()
	if cur[p.id] != p || p.addr != "" || p.conn.Load() != nil {
		return
	}
	next := make(map[router.NodeID]*peer, len(cur))
	for k, v := range cur {
		if k != p.id {
			next[k] = v
		}
	}
	t.peers.Store(&next)
}

// Connect dials id if needed and waits until it is connected (as Connected reports), a
// dial attempt fails (the first to fail after the call; its error comes back), or ctx
// is done. Either way the transport goes on redialing in the background until it is
// connected. A node that said goodbye is not connected: Connect waits until its
// connection ends and a new one is made to its next incarnation. After this node's
// own Goodbye it fails at once for a node that is not connected, and a call waiting
// then fails when the dial attempt under way ends: no new connection is made. A node
// with no address in Config.Peers (a client) cannot be dialed: Connect returns nil if
// it is connected (it dialed in), and fails at once otherwise.
func (t *Transport) Connect(ctx context.Context, id router.NodeID) error {
	if id == t.cfg.ID {
		return fmt.Errorf("%w: node %s is this node", router.ErrUnreachable, id)
	}
	if !t.dialable(id) {
		if t.Connected(id) {
			return nil // it dialed in
		}
		return fmt.Errorf("%w: no address for node %s", router.ErrUnreachable, id)
	}
	if t.receiver() == nil {
		return fmt.Errorf("%w: Connect before Attach", ErrBadConfig)
	}
	p := t.peer(id)
	for {
		// The signals first: the loop's first attempt may fail before startLoop
		// returns, and this call waits for that attempt, not the one after it. And
		// before the goodbye check: an attempt the loop gives up for a goodbye said
		// after the check fails after the signals were taken, and wakes this call.
		up, failed := p.signals()
		if t.isLeaving() && !t.Connected(id) {
			// After Goodbye no connection is made: the dial loop waits for Close.
			return fmt.Errorf("connect to %s: %w", id, errLeaving)
		}
		p.startLoop()
		c := p.conn.Load()
		if c != nil && !c.isLeaving() {
			return nil
		}
		var gone <-chan struct{}
		if c != nil {
			// It said goodbye: its connection ends soon, and the dial loop then
			// dials the node's next incarnation. Wait until the peer has let go of
			// it (ended), not just until it closes (done): in between it is still
			// the peer's, and this loop would spin.
			up, gone = nil, c.ended
		}
		select {
		case <-up:
		case <-gone:
		case <-failed.done:
			if p.conn.Load() == nil {
				return fmt.Errorf("connect to %s: %w", id, failed.err)
			}
		case <-ctx.Done():
			return fmt.Errorf("connect to %s: %w", id, ctx.Err())
		case <-t.ctx.Done():
			return ErrClosed
		}
	}
}

// Flush waits until everything Send queued before the call has been written to its
// connection, for every connected node: a program that sends and then exits (a cast
// from a command line) calls it before Close, which gives up on what it cannot write
// within Config.CloseLinger (and, if that is negative, drops what is queued). It
// returns nil when all was written, ctx.Err() when ctx ends first, and an error
// matching router.ErrUnreachable naming a node whose connection closed before its
// queue was written.
func (t *Transport) Flush(ctx context.Context) error {
	for _, p := range *t.peers.Load() {
		c := p.conn.Load()
		if c == nil || c.flush(ctx) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%w: the connection to %s closed before its queue was written", router.ErrUnreachable, p.id)
	}
	return nil
}

// Connected reports whether id is connected now and takes new messages: false for a
// node that said goodbye (PeerStatus.Leaving), to which Send passes nothing but
// replies.
func (t *Transport) Connected(id router.NodeID) bool {
	c := t.connTo(id)
	return c != nil && !c.isLeaving()
}

// PeerStatus describes one peer of the transport. A peer is connected, leaving, or
// neither (not connected).
type PeerStatus struct {
	ID   router.NodeID
	Addr string // "" for a node that dialed in and has no known address
	// Connected: a connection is up and takes new messages.
	Connected bool
	// Leaving: a connection is up, but the node said goodbye (it is stopping): Send
	// passes it nothing but replies, as if it were not connected, until the
	// connection closes. Connected is false.
	Leaving     bool
	Incarnation router.Incarnation // of the node connected or leaving
	Queued      int                // bytes waiting in the send queue
	// Unanswered: the member dialed in, but nothing answered at Addr when this node
	// checked it (see Transport.probe), and no connection has been dialed there
	// since. It looks connected, but clients, which dial it at Addr, lose its
	// replies: its --listen, or this node's --peers, is wrong.
	Unanswered bool
}

// Peers returns the status of every peer the transport has a slot for, sorted by id:
// the nodes of Config.Peers something was sent to or Connect was called for, and
// the nodes connected to it. A member of Config.Peers nothing has dialed yet is not
// listed (it is not connected either): a program that counts its members connected
// takes them from Config.Peers, not from this list, which just after start may hold
// none of them.
func (t *Transport) Peers() []PeerStatus {
	var out []PeerStatus
	for _, p := range *t.peers.Load() {
		st := PeerStatus{ID: p.id, Addr: p.addr, Unanswered: p.unanswered.Load()}
		if c := p.conn.Load(); c != nil {
			st.Incarnation = c.inc
			st.Queued, st.Leaving = c.state()
			st.Connected = !st.Leaving
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Serve accepts connections on l until l is closed or the transport is; it then
// returns: nil when Close ended it, ErrClosed (closing l) when it was called after
// Close, or l's error (net.ErrClosed when l was closed by another). An error of
// Accept that a moment may cure, such as running out of file descriptors (EMFILE,
// ENFILE) or memory (ENOBUFS, ENOMEM), or an error of the one connection it was
// taking (see acceptRetryable), is retried after a pause that doubles from 5ms to a
// second while Accept keeps failing, as net/http's server does: the node goes
// on accepting once the cause is gone, rather than stop for good while its socket
// still listens and connections queue on it unanswered. Such errors are counted
// (Stats.AcceptErrors) and logged when Accept starts failing: as a warning at most
// once a minute (a node at its limit may fail and recover many times a second), at
// debug otherwise. Each connection runs the acceptor's handshake, at most
// Config.MaxHandshakes at a time on l: a connection accepted beyond that ends the
// oldest handshake still in progress there whose other side has sent nothing (if
// none, the oldest whose hello was not answered in the last second; if none, the
// oldest).
//
// Ending the oldest, rather than refusing the newest, keeps the listener open to the
// cluster: a node sends its hello as it connects, so strangers who connect and say
// nothing would have to open MaxHandshakes connections before its hello is read to
// shut it out, where refusing the newest would let MaxHandshakes of them do it for a
// whole HandshakeTimeout. Once its hello is read, only strangers who sent one too,
// and sent it before it, are ended first.
func (t *Transport) Serve(l net.Listener) error {
	t.mu.Lock()
	if t.closed() {
		t.mu.Unlock()
		_ = l.Close()
		return ErrClosed
	}
	t.listeners = append(t.listeners, l)
	t.wg.Add(1)
	t.mu.Unlock()
	defer t.wg.Done()
	bound := &handshakeBound{where: "on this listener"}
	var pause time.Duration // after a failed Accept; 0 after one that succeeded
	var warnedAt time.Time  // when a failure of Accept was last logged as a warning
	warned := false         // the failures since the last success were
	for {
		nc, err := l.Accept()
		if err != nil {
			if t.closed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue // a deadline set on l
			}
			if !acceptRetryable(err) {
				return err
			}
			t.stats.acceptErrors.Add(1)
			if pause == 0 {
				pause = acceptPauseMin
				level := slog.LevelDebug
				if warned = warnedAt.IsZero() || time.Since(warnedAt) >= acceptQuiet; warned {
					level, warnedAt = slog.LevelWarn, time.Now()
				}
				t.log.Log(t.ctx, level, "accept failed; retrying until it succeeds", "addr", l.Addr().String(), "err", err)
			} else {
				pause = min(2*pause, acceptPauseMax)
			}
			select {
			case <-time.After(pause):
			case <-t.ctx.Done():
				return nil
			}
			continue
		}
		if pause != 0 {
			level := slog.LevelDebug
			if warned {
				level = slog.LevelInfo
			}
			t.log.Log(t.ctx, level, "accepting again", "addr", l.Addr().String())
			pause = 0
		}
		t.accept(nc, t.bounded(bound, nc))
	}
}

// acceptRetryable reports whether an error of Accept may pass: any error of the
// system call but those that say the listening socket itself is unusable (EBADF,
// EINVAL, ENOTSOCK, EFAULT). accept(2) also returns the errors of the one connection
// it was taking (EPROTO, ENETDOWN, EHOSTUNREACH, EPERM from a firewall, ...) and of
// resources (EMFILE, ENFILE, ENOBUFS, ENOMEM), all of which pass. An error that is no
// system call's, from a listener of the program's own, is taken as final.
func acceptRetryable(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case syscall.EBADF, syscall.EINVAL, syscall.ENOTSOCK, syscall.EFAULT:
		return false
	}
	return true
}

// acceptQuiet is the least time between two warnings of failing accepts.
const acceptQuiet = time.Minute

// The pause after a failed Accept, doubled while it keeps failing.
const (
	acceptPauseMin = 5 * time.Millisecond
	acceptPauseMax = time.Second
)

// Accept runs the acceptor's side of a handshake on nc in the background and, if it
// succeeds, serves the connection (for listeners other than Serve's, and for
// net.Pipe in tests). The handshakes in progress on the connections handed to Accept,
// from every caller together, are bounded as each of Serve's listeners' are: at most
// Config.MaxHandshakes, a connection beyond that ending the least advanced of them
// (counted in Stats.HandshakeLimit), so that strangers who connect to an embedder's
// listener and stall hold at most that many.
func (t *Transport) Accept(nc net.Conn) {
	if t.closed() {
		t.accept(nc, nil) // closes it
		return
	}
	t.accept(nc, t.bounded(&t.accepted, nc))
}

// accept starts Accept's work; hs, if not nil, is nc's place in a handshakeBound.
func (t *Transport) accept(nc net.Conn, hs *limitedHandshake) {
	t.mu.Lock()
	if t.closed() {
		t.mu.Unlock()
		_ = nc.Close()
		if hs != nil {
			hs.finish()
		}
		return
	}
	// The handshake refuses it (RefuseUnready), which the other side reports; the
	// warning is logged once, after the lock (a logger may block).
	warn := t.receiver() == nil && t.unattached.CompareAndSwap(false, true)
	t.accepting[nc] = struct{}{}
	t.wg.Add(1)
	t.mu.Unlock()
	if warn {
		t.log.Warn("refusing connections: nothing is attached to this transport yet (call Attach before Serve); logged once",
			"remote_addr", nc.RemoteAddr().String())
	}
	go func() {
		defer t.wg.Done()
		t.handshake(nc, hs)
		t.mu.Lock()
		delete(t.accepting, nc)
		t.mu.Unlock()
	}()
}

// handshake runs the acceptor's handshake on raw and, if it succeeds, starts serving
// the connection. hs, if not nil, is raw's place in a handshakeBound.
func (t *Transport) handshake(raw net.Conn, hs *limitedHandshake) {
	nc := raw
	if stls := t.Credentials().ServerTLS; stls != nil {
		var under net.Conn = raw
		if hs != nil {
			// The TLS handshake reads the dialer's bytes itself: the bound learns
			// that some came from them, as it does from the hello's reads below.
			under = &sentConn{Conn: raw, sent: &hs.sent}
		}
		nc = tls.Server(under, stls)
	}
	remote := raw.RemoteAddr().String()
	c := newConn(t, nc)
	if hs != nil {
		c.dr.sent = &hs.sent
	}
	if nc != raw {
		c.raw = raw
	}
	c.sendFeatures() // first on the connection, once it is up, then the settings
	c.sendSettings()
	c.beginHandshake()
	var p *peer
	hello := func() {
		if hs != nil {
			hs.helloAt.Store(time.Now().UnixNano())
		}
	}
	them, code, err := t.acceptHandshake(nc, c.fr, hello, func(them identity, pr proved) RefuseCode {
		if t.receiver() == nil {
			return RefuseUnready // nothing to hand what it sends to
		}
		pr.addTLS(nc, true, "")
		c.proof = pr // before the connection is installed, where SetCredentials finds it
		var code RefuseCode
		var old *conn
		p, code, old = t.admit(c, them)
		if old != nil {
			p.replaced(old, them.inc)
		}
		return code
	})
	// The handshake is over: its slot frees. One the bound ended while it ran (its
	// connection closed under it) failed for that, unless it got far enough to be
	// admitted: then its connection goes up and at once down, as any that dies.
	if ended := hs != nil && !hs.finish(); ended && err != nil && p == nil {
		_ = nc.Close() // counted and logged by endOldestHandshake, not refused
		return
	}
	if err != nil {
		if p != nil && code == 0 {
			// Admitted, but the welcome could not be written: the connection was the
			// peer's for a moment, and whoever saw it then waits for it to end.
			c.close(err)
		}
		_ = nc.Close()
		level, probe, crossed := slog.LevelWarn, false, false
		switch {
		case code == RefuseRace, code == RefuseDuplicate && c.crossed:
			// The other connection of the pair wins: routine, counted apart so that
			// Refused stays at zero on a healthy cluster.
			level, crossed = slog.LevelDebug, true
		case code == RefuseUnready:
			level = slog.LevelDebug // said once, when the first came (accept)
		case code == RefuseAlive:
			// Two processes run with one id: the one connected goes on, the newcomer
			// is refused at every redial. Said loudly once per newcomer.
			level = slog.LevelDebug
			if p.firstImpostor(them.inc) {
				level = slog.LevelError
				inc := uint64(0)
				if c := p.conn.Load(); c != nil {
					inc = uint64(c.inc)
				}
				err = fmt.Errorf("%w: incarnation %d of %s is connected and was heard from lately, so incarnation %d from %s is a second process with its id: stop one of them (each redial of this one is refused, and logged at debug)", err, inc, them.id, uint64(them.inc), remote)
			}
		case (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) && them.id == "" && !c.fr.began():
			// Closed, or reset, before a byte of its hello: a load balancer's TCP
			// health check or a port scan, not a node. One warning a probe would
			// flood the log.
			level, probe = slog.LevelDebug, true
			err = fmt.Errorf("the connection closed before its hello (a TCP health check, or a port scan): %w", err)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			// A clean EOF past the probe's case came after the hello: a dialer that
			// gave up waiting (its handshake timeout, often while this node stalled)
			// or stopped.
			why := "the connection closed in the middle of the handshake"
			if now := time.Now(); t.stalls.stalledSince(now.Add(-t.cfg.HandshakeTimeout), now) {
				why += " (its dialer most likely gave up while this node stalled)"
			}
			err = fmt.Errorf("%s: %w", why, err)
		case errors.Is(err, syscall.ECONNRESET):
			err = fmt.Errorf("the connection was reset in the middle of the handshake: %w", err)
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The bare "i/o timeout" of a read says neither which deadline nor whose.
			var what string
			switch {
			case them.id != "":
				what = "the other side stopped in the middle of it"
			case c.fr.began() && time.Since(c.dr.lastByte) < t.cfg.HandshakeTimeout/4:
				// A slow link, or a stranger that trickles its hello to hold a
				// handshake as long as it can: either way, not one that stopped.
				what = fmt.Sprintf("the other side was still sending its hello, a little at a time (its last bytes came %v before the deadline)", time.Since(c.dr.lastByte).Round(time.Millisecond))
			case c.fr.began():
				what = "the other side sent part of its hello and then nothing"
			case nc != raw:
				what = "the other side did not finish its TLS handshake, or sent no hello after it"
			default:
				what = "the other side sent nothing"
			}
			err = fmt.Errorf("the handshake timed out: not done within the handshake timeout of %v (HandshakeTimeout); %s: %w", t.cfg.HandshakeTimeout, what, err)
		}
		switch {
		case crossed:
			t.stats.crossed.Add(1)
		case !probe:
			t.stats.refused.Add(1) // a probe (a member's among them, see probe) is no handshake
		}
		member, kind := t.refusalKind(them.id, code, err)
		if level != slog.LevelWarn {
			// Debug, or the error of a second process with a member's id, which
			// firstImpostor already says once per newcomer: not kept quiet by others.
			t.log.Log(context.Background(), level, "refused connection", "remote_addr", remote, "peer", string(them.id), "reason", err)
		} else if repeats, quieted, ok, over := t.refusals.noteAll(raw.RemoteAddr(), member, kind, time.Now()); ok {
			t.log.Log(context.Background(), level, "refused connection", append([]any{"remote_addr", remote, "peer", string(them.id), "reason", err,
				"repeats", repeats}, quietedAttr(quieted)...)...)
		} else {
			t.log.Debug("refused connection", "remote_addr", remote, "peer", string(them.id), "reason", err, quietReason(over), true)
		}
		if p != nil && code != 0 {
			t.forget(p)
		}
		return
	}
	// The connection is the peer's: from now on Close ends it (conn.finish), not as a
	// handshake in progress, whose socket it closes outright.
	t.mu.Lock()
	delete(t.accepting, raw)
	t.mu.Unlock()
	c.endHandshake()
	t.up(p, c, them, "inbound", remote)
}

// The states of a connection's count as established (conn.upState).
const (
	upNone int32 = iota
	upCounted
	upPending
	upRefused
	upEnded
)

// up starts serving an installed connection. An outbound one is counted and logged
// as established at once. An inbound one is counted and logged at the dialer's first
// frame: the dialer checks this node's welcome only after this node has admitted the
// connection, and refuses it, with a refuse frame, when this node proved a secret the
// dialer does not know (during a secret rotation, a dialer with only the new secret
// and this node proving the old). That refusal is counted and logged as one
// (refusedProof), not as a connection and a bad frame. Messages flow meanwhile.
func (t *Transport) up(p *peer, c *conn, them identity, dir, addr string) {
	c.dir, c.addr = dir, addr
	// A connection that ended before it got here (replaced by a newer incarnation's)
	// stays uncounted: counted finds it not pending.
	c.upState.CompareAndSwap(upNone, upPending)
	if dir != "inbound" {
		t.counted(c)
		p.dialedOK()
	}
	if c.over != nil {
		// Admitted to take another's place: the peer's once its dialer confirms it
		// (confirm), which releases, announces and checks it then.
		c.start()
	} else {
		t.release(p.id, c.inc, c)
		c.start()
		p.announceUp(c)
		t.recheck(c)
	}
	if dir == "inbound" && p.addr != "" && t.serves() {
		t.spawn(func() { t.probe(p) })
	}
}

// counted counts c as established and logs it, unless it was already or the dialer
// refused it (see up).
func (t *Transport) counted(c *conn) {
	if !c.upState.CompareAndSwap(upPending, upCounted) {
		return
	}
	t.stats.connects.Add(1)
	level := slog.LevelInfo
	if c.p.addr == "" {
		level = slog.LevelDebug // a client: they come and go
	}
	t.log.Log(context.Background(), level, "connected", "peer", string(c.p.id), "incarnation", uint64(c.inc), "direction", c.dir, "addr", c.addr)
}

// refusedProof ends c, an inbound connection whose dialer sent a refusal (body) as its
// first frame: it did not take the proof in this node's welcome. It is counted and
// logged as a refused connection, as the handshake's refusals are, and was never an
// established one.
func (c *conn) refusedProof(body []byte) {
	t := c.t
	if !c.upState.CompareAndSwap(upPending, upRefused) {
		return
	}
	code := refusalCode(body)
	err := fmt.Errorf("%w: the other side refused this node's proof: %s", ErrHandshake, code)
	t.stats.refused.Add(1)
	remote := c.nc.RemoteAddr()
	member, kind := t.refusalKind(c.p.id, code, err)
	kind = "refused by the other side: " + kind // not this node's refusal of it, of the same code
	if repeats, quieted, ok, over := t.refusals.noteAll(remote, member, kind, time.Now()); ok {
		t.log.Warn("refused connection", append([]any{"remote_addr", remote.String(), "peer", string(c.p.id), "reason", err, "repeats", repeats},
			quietedAttr(quieted)...)...)
	} else {
		t.log.Debug("refused connection", "remote_addr", remote.String(), "peer", string(c.p.id), "reason", err, quietReason(over), true)
	}
	c.close(err)
}

// serves reports whether the transport listens (Serve): then its members are expected
// to listen too, at their addresses in Config.Peers. One fed by Accept alone (pipes in
// tests) checks nothing.
func (t *Transport) serves() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.listeners) > 0
}

// probe checks that a member that dialed in answers at its address in Config.Peers,
// and warns if it does not: a node listening elsewhere (a wrong --listen, or a stale
// --peers) connects out to every member and looks healthy, but nobody can dial it,
// clients included, so the replies it sends them are lost. One connection, closed
// at once (its acceptor counts it as a probe, not a node). Peers shows the result
// (PeerStatus.Unanswered) until the next probe, or a connection dialed to the
// address.
func (t *Transport) probe(p *peer) {
	n := p.checkStarts()
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.HandshakeTimeout)
	defer cancel()
	nc, err := t.cfg.Dial(ctx, p.addr)
	if err == nil {
		_ = nc.Close()
		p.checked(n, false)
		return
	}
	if t.ctx.Err() != nil || !p.checked(n, true) {
		return // closing, or news newer than this check
	}
	t.log.Warn("a member dialed in, but does not answer at its address: clients, which dial it there, cannot reach it, and lose its replies (check its --listen, and its entry in every node's --peers)",
		"peer", string(p.id), "addr", p.addr, "err", err)
}

// Close closes the listeners and every connection, stops every dial, and waits for
// every goroutine the transport started. It is idempotent. Each connection is closed
// gracefully (conn.finish): Close waits at most Config.CloseLinger for the other
// nodes to read what was written to them and close their sides, then closes what is
// left at once.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.cancel()
		for _, l := range t.listeners {
			_ = l.Close()
		}
		for nc := range t.accepting {
			_ = nc.Close()
		}
		t.mu.Unlock()
		if t.cfg.CloseLinger > 0 {
			var ending []*conn
			for _, p := range *t.peers.Load() {
				for _, c := range p.ending() {
					c.finish()
					ending = append(ending, c)
				}
			}
			linger := time.NewTimer(t.cfg.CloseLinger)
		wait:
			for _, c := range ending {
				select {
				case <-c.ended:
				case <-linger.C:
					break wait
				}
			}
			linger.Stop()
			for _, c := range ending {
				c.close(ErrClosed) // the node did not read to the end in time
			}
		}
		for _, p := range *t.peers.Load() {
			p.shutdown()
		}
		t.dropHeld()
	})
	t.wg.Wait()
	return nil
}
