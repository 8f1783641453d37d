package nettransport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ensroute/ensroute/router"
)

// peer is the slot of one other node: at most one connection at a time, and, for a
// node whose address is known, the loop that dials it and redials it after a failure
// or a disconnection.
type peer struct {
	t    *Transport
	id   router.NodeID
	addr string // "" for a node that only dials in
	// overloadKey is the key of its full queue's warning (Transport.overloaded): its
	// own for a member, one for all clients. Made once, so that a refused send
	// allocates nothing.
	overloadKey string
	conn        atomic.Pointer[conn]
	// lastInc is the incarnation of the latest connection installed, 0 before any.
	lastInc atomic.Uint64
	// unanswered: the latest check of addr, a probe after the peer dialed in, found
	// nobody there, and no connection was dialed there since (see Transport.probe).
	// checks numbers those events, under checkMu, so that a probe that ends after a
	// newer one started, or after a dialed connection, leaves the flag alone.
	unanswered atomic.Bool
	checkMu    sync.Mutex
	checks     uint64

	mu      sync.Mutex
	dialing bool          // an outbound handshake is running
	looping bool          // the dial loop runs
	up      chan struct{} // closed when a connection is installed; renewed when it goes
	ups     uint64        // connections installed so far
	failed  *dialFailure  // the next failed dial attempt; renewed when one fails
	// retired are the connections a connection of the same incarnation succeeded
	// (succeed) that may not have ended yet: no longer the peer's, they end by
	// themselves (withdrawn.go), or at Close.
	retired []*conn
	// impostors are the last maxImpostors incarnations refused as RefuseAlive, so that
	// each second node with this id is logged as an error once, not at every redial,
	// though two of them take turns.
	impostors []router.Incarnation

	// notify orders what the ConnObserver hears about the peer; announced is the
	// connection it was last told is up and not told is down yet.
	notify    sync.Mutex
	announced *conn
}

func newPeer(t *Transport, id router.NodeID, addr string) *peer {
	key := "client"
	if addr != "" {
		key = "member " + string(id)
	}
	return &peer{t: t, id: id, addr: addr, overloadKey: key, up: make(chan struct{}), failed: newDialFailure()}
}

// A dialFailure is one failed dial attempt, as a waiter sees it: done closes when the
// attempt fails, and err, set before that, says why. Each attempt has its own, so a
// waiter reports the failure it woke for, not a later attempt's (the loop redials
// after a backoff, and a slow waiter may read only after the next attempt failed too).
type dialFailure struct {
	done chan struct{}
	err  error
}

func newDialFailure() *dialFailure { return &dialFailure{done: make(chan struct{})} }

// signals returns the channel that the next connection will close and the next failed
// dial attempt.
func (p *peer) signals() (up <-chan struct{}, failed *dialFailure) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.up, p.failed
}

// dialFailed records a failed attempt and wakes whoever waits for one.
func (p *peer) dialFailed(err error) {
	p.mu.Lock()
	f := p.failed
	p.failed = newDialFailure()
	p.mu.Unlock()
	f.err = err
	close(f.done)
}

// admit decides whether an inbound connection that proved the secret may take the
// slot, and takes it if so (take). One connection per pair: a node already connected
// is refused (an old connection not yet known dead, or both sides dialing at once),
// unless the newcomer is a newer incarnation of it: a restarted node need not wait
// until its old connection, which may be half-open, misses the heartbeat timeout.
// Then admit returns the connection c replaced, for the caller to close with
// replaced. But a member's old connection (one of Config.Peers) that was heard from
// in the last two heartbeat intervals (a live node sends a frame at least every one,
// so that a late ping still counts) is not half-open: the newcomer is a second node
// with the same id, and is refused (RefuseAlive) rather than let it shut out the node
// that runs; unless the old one said goodbye, whose next incarnation may start before
// its connection ends. The handshake's frames do not count: a connection not heard
// from since (younger than a heartbeat interval) is replaced, so that a node that
// crashed and restarted that soon is let in at once; within that window, so is a
// second process with its id (which holds the cluster secret). A client's is replaced as before: a client that reconnects at once, before its old connection's end is
// read here, must not be turned away, and a client shut out shuts out no member. When
// both sides dial at once the connection dialed by the smaller id wins on both sides.
func (p *peer) admit(c *conn, inc router.Incarnation) (RefuseCode, *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.conn.Load()
	switch {
	case p.t.closed(), p.t.isLeaving():
		return RefuseShutdown, nil
	case old != nil && inc == old.inc && old.replacing.Load():
		// The node announced this connection on the old one (ctlReplace): it
		// takes the old one's place, which ends after a goodbye (withdrawn.go).
		// Unless this node dials a replacement too (both dropped the connection at
		// once): then, as for crossing dials, the one dialed by the smaller id wins.
		if p.dialing && p.t.cfg.ID < p.id {
			return RefuseRace, nil
		}
		// It takes it once its dialer's first frame confirms it (confirm): the
		// dialer may refuse this node's proof, and until then what this node sends
		// goes on the old one, which the dialer reads until it closes.
		c.p, c.inc, c.since = p, old.inc, time.Now()
		c.over = old
		old.next.Store(c)
		p.retired = append(slices.DeleteFunc(p.retired, (*conn).isDone), c) // for Close to end
		return 0, nil
	case old != nil && inc <= old.inc:
		// Most likely a crossing dial when it comes from the same process (the same
		// incarnation) and the connection was taken within a handshake timeout: c may
		// have been dialed before it was up.
		c.crossed = inc == old.inc && time.Since(old.since) < p.t.cfg.HandshakeTimeout
		return RefuseDuplicate, nil
	case old != nil && p.addr != "" && !old.isLeaving() && old.dr.heardWithin(2*p.t.cfg.HeartbeatInterval):
		p.t.stats.duplicateID.Add(1)
		return RefuseAlive, nil
	case old == nil && p.dialing && p.t.cfg.ID < p.id:
		return RefuseRace, nil
	}
	return 0, p.take(c, inc)
}

// maxImpostors bounds the incarnations a peer remembers refusing as RefuseAlive.
const maxImpostors = 8

// firstImpostor reports whether incarnation inc is refused as RefuseAlive for the
// first time (of the last maxImpostors refused), which is worth an error in the log.
func (p *peer) firstImpostor(inc router.Incarnation) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if slices.Contains(p.impostors, inc) {
		return false
	}
	if len(p.impostors) == maxImpostors {
		p.impostors = slices.Delete(p.impostors, 0, 1)
	}
	p.impostors = append(p.impostors, inc)
	return true
}

// take makes c, a connection to incarnation inc of the node, the peer's connection,
// whichever side dialed it; p.mu is held. It returns the connection of an earlier
// incarnation that c replaces, if there was one, for the caller to close with
// replaced once p.mu is released.
func (p *peer) take(c *conn, inc router.Incarnation) (old *conn) {
	old = p.conn.Load()
	c.p, c.inc, c.since = p, inc, time.Now()
	p.lastInc.Store(uint64(inc))
	if old != nil {
		p.conn.Store(c) // p.up stays closed: the node stays connected
		return old
	}
	p.install(c)
	return nil
}

// succeed makes c the peer's connection in place of old, of the same incarnation,
// which is left to end by itself (withdrawn.go); p.mu is held. The node stays
// connected throughout.
func (p *peer) succeed(c, old *conn) {
	c.p, c.inc, c.since = p, old.inc, time.Now()
	c.follows, c.after = old, old
	// c first: a send that finds old succeeded (errSucceeded) finds c the peer's.
	p.conn.Store(c)
	if old.succeeded.CompareAndSwap(false, true) {
		close(old.successor)
	}
	p.retired = slices.DeleteFunc(p.retired, (*conn).isDone)
	p.retired = append(p.retired, old)
	p.ups++
}

// confirm makes c, an inbound connection admitted to take the place of c.over, the
// peer's connection, once the dialer's first frame on it says the dialer took it; its
// reader calls it. It reports false if c.over is no longer the peer's connection:
// then c is not wanted, and the dial loops connect anew.
func (c *conn) confirm() bool {
	t, p, old := c.t, c.p, c.over
	c.over = nil
	p.mu.Lock()
	p.retired = slices.DeleteFunc(p.retired, func(r *conn) bool { return r == c })
	ok := p.conn.Load() == old && !t.closed()
	if ok {
		old.byOther.Store(true)
		p.succeed(c, old)
	}
	p.mu.Unlock()
	if !ok {
		return false
	}
	t.release(p.id, c.inc, c)
	p.announceUp(c)
	t.recheck(c)
	if t.isLeaving() {
		// The goodbye went out on old while c waited for its dialer: c, the
		// node's connection now, hears it too (as dialOver's does).
		c.sayGoodbye()
	}
	return true
}

// awaitVerdict waits until the dialer of c, a connection admitted to take another's
// place, has confirmed or refused it (its first frame read, or c closed), at most a
// handshake timeout.
func (c *conn) awaitVerdict() {
	wait := time.NewTimer(c.t.cfg.HandshakeTimeout)
	defer wait.Stop()
	select {
	case <-c.known:
	case <-c.done:
	case <-wait.C:
	case <-c.t.ctx.Done():
	}
}

// ending returns the peer's connection and those it retired that have not ended,
// for Close to end.
func (p *peer) ending() []*conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	cs := slices.DeleteFunc(slices.Clone(p.retired), (*conn).isDone)
	if c := p.conn.Load(); c != nil {
		cs = append(cs, c)
	}
	return cs
}

// replaced closes old, the connection of an earlier incarnation that take replaced
// (for admit or dial), and reports it as a disconnection (detach ignores old: it is
// no longer the peer's).
func (p *peer) replaced(old *conn, inc router.Incarnation) {
	old.close(fmt.Errorf("replaced by incarnation %d", inc))
	t := p.t
	if old.upState.CompareAndSwap(upNone, upEnded) {
		// Replaced between its handshake and up: never established, not counted.
		t.log.Debug("connection replaced before it was up", "peer", string(p.id),
			"old_incarnation", uint64(old.inc), "incarnation", uint64(inc))
		return
	}
	t.counted(old) // as detach does
	t.stats.disconnects.Add(1)
	t.log.Info("disconnected", "peer", string(p.id), "reason", "replaced by a newer incarnation",
		"old_incarnation", uint64(old.inc), "incarnation", uint64(inc),
		"hint", "the node restarted, or a second node runs with its id")
	p.announceDown(old)
}

// announceUp tells the ConnObserver that c is up, if c is still the peer's
// connection: one that was replaced or closed before it got here is never announced,
// nor one that took the place of the connection announced (succeed), of the same
// incarnation.
// The observer hears of the peer's connections one at a time, each up before down.
func (p *peer) announceUp(c *conn) {
	p.notify.Lock()
	defer p.notify.Unlock()
	if p.conn.Load() != c {
		return
	}
	follows := c.follows
	c.follows = nil
	if follows != nil && p.announced == follows {
		// It took the place of the connection announced (succeed): the node stayed
		// connected, and is not announced again.
		p.announced = c
		return
	}
	if o, ok := p.t.receiver().(ConnObserver); ok {
		o.PeerUp(p.id, c.inc)
	}
	p.announced = c
}

// announceDown tells the ConnObserver that c is down, if it was told that c was up.
func (p *peer) announceDown(c *conn) {
	p.notify.Lock()
	defer p.notify.Unlock()
	if p.announced != c {
		return
	}
	p.announced = nil
	if o, ok := p.t.receiver().(ConnObserver); ok {
		o.PeerDown(p.id)
	}
}

// install makes c the peer's connection; p.mu is held.
func (p *peer) install(c *conn) {
	p.conn.Store(c)
	close(p.up)
	p.ups++
}

// installed returns how many connections have been installed.
func (p *peer) installed() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ups
}

// detach forgets c if it is the peer's connection, and says so.
func (p *peer) detach(c *conn, reason error) {
	p.mu.Lock()
	was := p.conn.Load() == c
	if was {
		p.conn.Store(nil)
		p.up = make(chan struct{})
	}
	p.mu.Unlock()
	t := p.t
	if !was {
		if c.succeeded.Load() {
			// Replaced by a connection of the same incarnation (withdrawn.go): the
			// node stayed connected, but this connection was one and has ended.
			// Logged before it is counted: one that sees the count sees the line.
			t.log.Info("disconnected", "peer", string(p.id), "reason", "replaced by a new connection, made with the proofs now accepted")
			t.stats.disconnects.Add(1)
		}
		return
	}
	if c.upState.CompareAndSwap(upNone, upEnded) || c.upState.Load() == upRefused {
		// Never established: closed before it was up (its welcome could not be
		// written), or counted and logged as refused (refusedProof).
		p.announceDown(c)
		if p.addr == "" {
			t.forget(p)
		}
		return
	}
	t.counted(c) // an inbound connection that ended before the dialer's first frame
	t.stats.disconnects.Add(1)
	level, why := slog.LevelInfo, reason.Error()
	var ne net.Error
	switch {
	case errors.Is(reason, ErrClosed):
		level = slog.LevelDebug
	case errors.Is(reason, io.EOF), errors.Is(reason, net.ErrClosed), errors.Is(reason, syscall.ECONNRESET):
		why = "closed by peer"
		now := time.Now()
		switch {
		case p.addr == "":
			level = slog.LevelDebug // a client that is done
		case c.isLeaving():
			// It said goodbye first, as a member that stops gracefully does.
		case t.stalls.stalledSince(now.Add(-t.cfg.HeartbeatTimeout), now):
			// The peer closed it within a heartbeat timeout of this node's stall
			// (logged before this, by stalledSince): it found this node silent.
			level, why = slog.LevelWarn, "closed by peer, which found this node silent while it stalled"
		default:
			// A member that stops gracefully says goodbye first: this one crashed, was
			// killed, or runs a release from before goodbyes.
			level, why = slog.LevelWarn, "closed by peer without a goodbye (it crashed or was killed?)"
		}
	case errors.Is(reason, errNotReading):
		level, why = slog.LevelWarn, "peer read nothing of what was written to it for the heartbeat timeout"
	case errors.Is(reason, errReadingSlowly):
		level, why = slog.LevelWarn, "peer read too slowly: a chunk written to it was not read within the heartbeat timeout"
	case errors.As(reason, &ne) && ne.Timeout():
		level, why = slog.LevelWarn, "peer silent past the heartbeat timeout"
	case errors.Is(reason, ErrBadFrame):
		level = slog.LevelWarn
	}
	t.log.Log(context.Background(), level, "disconnected", "peer", string(p.id), "reason", why)
	p.announceDown(c)
	if p.addr == "" {
		t.forget(p)
	}
}

// startLoop starts the dial loop of a peer whose address is known, once.
func (p *peer) startLoop() {
	if p.addr == "" {
		return
	}
	p.mu.Lock()
	if p.looping {
		p.mu.Unlock()
		return
	}
	p.looping = true
	p.mu.Unlock()
	if !p.t.spawn(p.loop) {
		p.mu.Lock()
		p.looping = false
		p.mu.Unlock()
	}
}

// firstStartGrace is how long a member that was never connected may refuse
// connections (nothing listens yet) before the dial loop warns of it.
const firstStartGrace = 10 * time.Second

// loop keeps the peer connected until the transport closes: it dials, waits while the
// connection lasts, and after a failure waits a backoff that doubles up to BackoffMax,
// with jitter, so that a cluster restarting at once does not dial in lockstep.
func (p *peer) loop() {
	t := p.t
	backoff := t.cfg.BackoffMin
	failures := 0
	// A member that nothing listens for yet, before it was ever connected, is most
	// likely starting along with this node: that is said at info, and a warning
	// follows only if it lasts firstStartGrace.
	// Each kind of failure (failureKind) is warned of once per outage: the first
	// warning of a member that went down says "connection refused", and a node that
	// answers at its address later with the wrong id, secret or cluster is warned of
	// too, not left to debug lines behind that first warning.
	var warned failureKinds
	var failingSince time.Time
	for attempt := 0; !t.closed(); attempt++ {
		if c := p.conn.Load(); c != nil {
			select {
			case <-c.done:
			case <-t.ctx.Done():
				return
			}
			backoff, failures, warned = t.cfg.BackoffMin, 0, failureKinds{}
			if !p.sleep(backoff) {
				return
			}
			continue
		}
		if attempt > 0 {
			t.stats.reconnects.Add(1)
		}
		ups := p.installed()
		err := p.dial()
		if err == nil {
			backoff, failures = t.cfg.BackoffMin, 0
			continue
		}
		if t.closed() {
			return
		}
		if t.isLeaving() {
			// No new connection until Close. A Connect waiting for this attempt hears
			// why, as one made after the goodbye does at once.
			p.dialFailed(errLeaving)
			<-t.ctx.Done()
			return
		}
		failures++
		if failures == 1 {
			failingSince = time.Now()
		}
		level := slog.LevelDebug
		var re *RefusedError
		// Losing a simultaneous dial is no failure: the other side's connection is
		// about to arrive, or (refused as a duplicate of it) arrived while this one
		// was dialed. (If it has gone again since, the next attempt dials.)
		race := errors.As(err, &re) && (re.Code == RefuseRace || re.Code == RefuseDuplicate && p.installed() != ups)
		if race {
			t.stats.crossed.Add(1)
		} else {
			t.stats.dialFailures.Add(1)
			p.dialFailed(err)
			// Never connected, in either direction: a connection that came up and
			// went again before this loop looked (a member that stopped at once) was
			// up all the same, and its outage is warned of, not taken for a start.
			starting := p.installed() == 0 && errors.Is(err, syscall.ECONNREFUSED)
			kind := failureKind(err)
			switch {
			case warned.has(kind):
			case re != nil && re.Code == RefuseAlive:
				level = slog.LevelError // this process may be the second with its id
				warned.add(kind)
			case !starting || time.Since(failingSince) >= firstStartGrace:
				level = slog.LevelWarn
				warned.add(kind)
			case failures == 1:
				level = slog.LevelInfo // not listening yet: starting too, most likely
			}
		}
		if hint := certHint(err); hint != "" {
			t.log.Log(context.Background(), level, "cannot connect", "peer", string(p.id), "addr", p.addr, "err", err, "hint", hint, "retry_in", backoff)
		} else {
			t.log.Log(context.Background(), level, "cannot connect", "peer", string(p.id), "addr", p.addr, "err", err, "retry_in", backoff)
		}
		if !p.sleep(backoff) {
			return
		}
		backoff = min(2*backoff, t.cfg.BackoffMax)
	}
}

// failureKinds are the kinds of dial failure (failureKind) warned of in one outage.
// Few kinds exist; past maxFailureKinds a new one is not warned of.
type failureKinds struct{ kinds []string }

const maxFailureKinds = 8

func (f *failureKinds) has(kind string) bool {
	return slices.Contains(f.kinds, kind) || len(f.kinds) >= maxFailureKinds
}

func (f *failureKinds) add(kind string) { f.kinds = append(f.kinds, kind) }

// failureKind says what kind of failure a dial's error is, so that the same failure
// repeated is warned of once, and another one again: a refusal by its code, a system
// error by its number, a timeout as one, and any other error by its text without its
// long numbers (ports and incarnations change from one attempt to the next; what the
// other side is, such as the id of the node that answers at the address, does not).
func failureKind(err error) string {
	var re *RefusedError
	var errno syscall.Errno
	switch {
	case errors.As(err, &re):
		return "refused " + re.Code.String()
	case errors.Is(err, ErrHungUp):
		return "hung up"
	case errors.As(err, &errno):
		return "errno " + errno.Error()
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return longNumbers.ReplaceAllString(err.Error(), "#")
}

// longNumbers are the runs of digits failureKind leaves out of an error's text: four
// or more, as ports and incarnations are, and not the short ones of node ids such as
// n4 and n5, which say what the other side is.
var longNumbers = regexp.MustCompile(`[0-9]{4,}`)

// sleep waits d with ±25% jitter, or until the transport closes (false).
func (p *peer) sleep(d time.Duration) bool {
	if d > 0 {
		d += time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-p.t.ctx.Done():
		return false
	}
}

// dial connects to the peer and runs the dialer's handshake. It returns nil when the
// peer is connected afterwards, by this connection or another.
func (p *peer) dial() error { return p.dialOver(nil) }

// errReplaced is dialOver's answer when the connection it was to replace is no
// longer the peer's.
var errReplaced = errors.New("nettransport: the connection to replace is no longer the peer's")

// dialOver is dial, or with over not nil a dial of a connection to take over's place
// (withdrawn.go): the peer is connected by over, and the new connection, if it is
// to the same incarnation, succeeds it (over.succeeded).
func (p *peer) dialOver(over *conn) error {
	t := p.t
	if t.isLeaving() {
		return errLeaving
	}
	p.mu.Lock()
	if cur := p.conn.Load(); cur != over {
		p.mu.Unlock()
		if over != nil {
			return errReplaced
		}
		return nil
	}
	p.dialing = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.dialing = false
		p.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.HandshakeTimeout)
	defer cancel()
	raw, err := t.cfg.Dial(ctx, p.addr)
	if err != nil {
		return err
	}
	// Close interrupts a handshake in progress.
	stop := context.AfterFunc(t.ctx, func() { _ = raw.Close() })
	defer stop()
	nc := raw
	serverName := ""
	if ctls := t.Credentials().ClientTLS; ctls != nil {
		tc := ctls.Clone()
		if tc.ServerName == "" {
			if host, _, err := net.SplitHostPort(p.addr); err == nil {
				tc.ServerName = host
			}
		}
		serverName = tc.ServerName
		nc = tls.Client(raw, tc)
	}
	c := newConn(t, nc)
	if nc != raw {
		c.raw = raw
	}
	c.sendFeatures() // first on the connection, once it is up, then the settings
	c.sendSettings()
	c.beginHandshake()
	them, pr, err := t.dialProved(nc, c.fr, p.id)
	if err != nil {
		_ = nc.Close()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Bare, it read "read tcp ...: i/o timeout", which says neither that the
			// connection was made nor what waited.
			err = fmt.Errorf("no answer to the handshake within the handshake timeout of %v (HandshakeTimeout): the node at %s took the connection but did not answer (is it stopped, hung or overloaded?): %w",
				t.cfg.HandshakeTimeout, p.addr, err)
		}
		return err
	}
	pr.addTLS(nc, false, serverName)
	c.proof = pr // before the connection is installed, where SetCredentials finds it
	p.mu.Lock()
	// The node connected meanwhile by its own dial (this one lost a race it could not
	// see), unless that connection is of an earlier incarnation: then the node
	// restarted since, and this connection replaces it, as admit would. The old one
	// may be half-open, and be found dead only at the heartbeat timeout.
	old := p.conn.Load()
	succeed := over != nil && old == over && them.inc == old.inc
	if (old != nil && them.inc <= old.inc && !succeed) || t.closed() {
		p.mu.Unlock()
		_ = nc.Close()
		if over != nil {
			return errReplaced
		}
		return nil
	}
	if t.isLeaving() && !succeed {
		// Too late: the goodbye went out to the connections there were.
		p.mu.Unlock()
		_ = nc.Close()
		return errLeaving
	}
	if succeed {
		p.succeed(c, old)
		old = nil
	} else {
		old = p.take(c, them.inc)
	}
	p.mu.Unlock()
	// The connection is the peer's: from now on Close ends it (conn.finish), not the
	// handshake's interruption, which would close its socket outright.
	stop()
	if old != nil {
		p.replaced(old, them.inc)
	}
	c.endHandshake()
	t.up(p, c, them, "outbound", p.addr)
	if succeed && t.isLeaving() {
		// The goodbye went out on over while this connection was being made, and
		// the other node took it in over's place (as this one does, so that the two
		// agree on which connection is the node's): it hears the goodbye on it too.
		c.sayGoodbye()
	}
	return nil
}

// shutdown closes the peer's connection, and those it retired (the transport is
// closing).
func (p *peer) shutdown() {
	for _, c := range p.ending() {
		c.close(ErrClosed)
	}
}

// spawn starts fn as a goroutine the transport waits for on Close, unless the
// transport is closed already.
func (t *Transport) spawn(fn func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed() {
		return false
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		fn()
	}()
	return true
}

// checkStarts numbers a check of the peer's address that is starting.
func (p *peer) checkStarts() uint64 {
	p.checkMu.Lock()
	defer p.checkMu.Unlock()
	p.checks++
	return p.checks
}

// checked records what check n found, and reports whether it did: not if a newer
// check started or a connection was dialed to the address since.
func (p *peer) checked(n uint64, unanswered bool) bool {
	p.checkMu.Lock()
	defer p.checkMu.Unlock()
	if p.checks != n {
		return false
	}
	p.unanswered.Store(unanswered)
	return true
}

// dialedOK records that a connection dialed to the peer's address came up: it
// answers there, whatever a check still running finds.
func (p *peer) dialedOK() {
	p.checkMu.Lock()
	defer p.checkMu.Unlock()
	p.checks++
	p.unanswered.Store(false)
}
