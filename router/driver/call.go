package driver

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/ensroute/ensroute/router"
)

// waiter is a call's completion: a one-slot channel and the callback the core calls,
// and for CallTimeout a timer that fires the call's deadline. It is made once and
// pooled per node, so a call allocates none of them.
type waiter struct {
	n    *Node
	ch   chan router.Result
	done func(router.Result)
	// ended is set by whichever ends the call first, and only it sends on ch: the
	// core's completion (done), or the call's deadline or cancellation when its
	// shard was busy (end), which does not wait for the shard's turn. Reset when the
	// waiter is taken from the pool.
	ended atomic.Bool
	// seq is the call whose deadline tm fires. A stale expiry (of a call already
	// complete) fires an id no shard has pending any more, which does nothing; a
	// waiter whose timer may still be running is never reused (see release).
	seq atomic.Uint64
	tm  *time.Timer
}

func (n *Node) newWaiter() any {
	w := &waiter{n: n, ch: make(chan router.Result, 1)}
	w.done = func(r router.Result) {
		if w.ended.CompareAndSwap(false, true) {
			w.ch <- r
			return
		}
		// On the turn of the shard whose core ended the call.
		n.shards[router.ShardOf(r.Call, len(n.shards))].stats.overtook(r)
	}
	return w
}

// end ends call id, which w waits for, with err at once, unless its core has ended
// it already (done): its shard s is busy (see expire). The call is queued for its core
// (fireLater) before the caller is told, so that every turn after that, Stats' too,
// fires its deadline first and reads the core as the caller saw it; a completion the
// core makes until then goes nowhere (done counts it, see shardCounters.overtook). The
// waiter is never reused.
func (w *waiter) end(s *shard, id router.CallID, err error) {
	if !w.ended.CompareAndSwap(false, true) {
		return
	}
	s.fireLater(id)
	w.ch <- router.Result{Call: id, Err: err}
}

// arm starts w's timer for call seq, to fire in d (at once if d is not positive).
func (w *waiter) arm(seq uint64, d time.Duration) {
	w.seq.Store(seq)
	d = max(d, 0)
	if w.tm == nil {
		w.tm = time.AfterFunc(d, w.expire)
		return
	}
	w.tm.Reset(d)
}

// expire fires the deadline of the call w was armed for, on its shard's turn. It
// fires even after Close: the caller may wait on its completion alone, and a closed
// node still owes it its timeout.
//
// A shard that is busy (its lock held) can stay busy for long: on a machine with far
// more runnable goroutines than cores, a turn descheduled while it holds the lock
// keeps it until the scheduler comes back to it, and the turns queued behind it wait
// as long (100,000 callers on one client node of 2 cores: a tenth of the expiries of
// their 1s timeouts waited 1.5-3.1s for the lock, the slowest 3.8-5.9s). The deadline
// does not wait for them: it ends the call at once (end), as the original's proxy, a
// process of its own, times out whatever its router does.
func (w *waiter) expire() {
	n := w.n
	id := router.CallID{Node: n.cfg.ID, Incarnation: n.cfg.Incarnation, Seq: w.seq.Load()}
	s := n.shards[router.ShardOf(id, len(n.shards))]
	if !s.tryLock() {
		w.end(s, id, router.ErrTimeout)
		return
	}
	s.core.Fire(router.Timer{Kind: router.TimerCall, Call: id})
	s.unlock()
}

// release returns w to the pool, unless its timer was armed and may be running now
// (it fired, or is firing): such a waiter is left to the garbage collector, so that
// a late expiry can never touch the next call that would use it.
func (w *waiter) release(armed bool) {
	if armed && !w.tm.Stop() {
		return
	}
	w.n.waiters.Put(w)
}

// Call sends event to t and waits for the outcome: the answer of the peer that
// handled it, or an error usable with errors.Is (router.ErrTimeout, ErrNoLeader,
// ErrNotLeader, ErrUnreachable, ErrHopLimit, ErrOverloaded). The call's deadline is
// ctx's: an ensemble call needs one (router.ErrNoDeadline otherwise); a call whose
// deadline passes returns router.ErrTimeout (which matches
// context.DeadlineExceeded), and one whose ctx is cancelled returns ctx.Err(). The
// returned error is also Result.Err. Call blocks only the calling goroutine. (A
// peer on this node handles the event on it, within the call: see Peer.)
//
// Besides the outcomes of a call that started: after Close, Call returns ErrClosed;
// for a nil ctx, ErrNilContext; for a target that names neither an ensemble nor a
// peer, or both, or a peer through a node, router.ErrBadTarget; and, under default
// semantics, for a call whose first message this node's transport refused, the
// transport's own error, which matches the outcome's (nettransport.ErrTooLarge for an
// event too large for a frame, which matches router.ErrUnreachable): nothing left the
// node. A call that never started, its ctx done or its deadline passed before it could
// (Stats.Expired), sent nothing either, and its Result.Call is zero: a call that
// started has an id whatever its outcome.
//
// A Result.Value from another node of up to 4 KiB shares a 64 KiB block with the
// messages decoded around it (nettransport.Receiver), as a peer's event does: a
// caller that keeps values for long (a cache of them, say) copies them first, or
// each keeps a whole block alive.
//
// A peer-target call may go without a deadline, as in the original, and then waits
// until the peer answers: if the peer's node goes away first, until ctx is
// cancelled, or for ever with a ctx that never is. (The original's call watches the
// peer and ends with timeout when the peer or its node goes down; this one does not.)
// A request that reached a node is never failed because the connection to it ended,
// since it may have run; give calls a deadline unless waiting for ever is what you
// want.
func (n *Node) Call(ctx context.Context, t router.Target, event []byte) (router.Result, error) {
	return n.call(ctx, t, event, router.Infinity)
}

// CallTimeout is Call with a deadline timeout from now, or ctx's deadline if that
// is earlier; ctx's cancellation still ends the call. It costs less than a context
// made for each call (the node keeps a pooled timer per waiting caller instead), and
// with a ctx that is never done (context.Background) the caller waits on its
// completion alone. Use it for many short calls. A timeout that is not positive is a
// mistake, not a deadline already passed: it returns router.ErrBadTimeout.
func (n *Node) CallTimeout(ctx context.Context, t router.Target, event []byte, timeout time.Duration) (router.Result, error) {
	if timeout <= 0 {
		return router.Result{Err: router.ErrBadTimeout}, router.ErrBadTimeout
	}
	return n.call(ctx, t, event, timeout)
}

// afterClockRead, when set (only by this package's tests), runs in call between its
// read of the clock and its read of the context's deadline, as a goroutine that is
// descheduled there would.
var afterClockRead func()

// waitsForShard, when set (only by this package's tests), runs in call when the
// shard it picked is busy, and every other too, before it waits for the one it picked.
var waitsForShard func()

// call is Call with an optional timeout of the driver's own (Infinity: none).
func (n *Node) call(ctx context.Context, t router.Target, event []byte, own time.Duration) (router.Result, error) {
	if n.isClosed() {
		return router.Result{Err: ErrClosed}, ErrClosed
	}
	if ctx == nil {
		return router.Result{Err: ErrNilContext}, ErrNilContext
	}
	// The clock is read once, and the context's deadline taken from that reading, so
	// that the core's deadline, start+timeout, is the context's. Read twice, the
	// deadline came early by whatever passed between the reads (a goroutine
	// descheduled there on a busy machine: a call with a 50ms deadline timed out
	// after 29ms, with its answer on the way).
	wall := time.Now()
	start := wall.Sub(n.epoch)
	if afterClockRead != nil {
		afterClockRead()
	}
	timeout := own
	if dl, ok := ctx.Deadline(); ok {
		// A deadline past what a Duration holds (about 292 years) saturates at
		// Infinity, which is no deadline: it is the longest one instead.
		timeout = min(timeout, dl.Sub(wall), router.Infinity-1)
		if timeout <= 0 {
			n.stats.expired.Add(1)
			return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
		}
	}
	if err := ctx.Err(); err != nil {
		n.stats.expired.Add(1)
		if errors.Is(err, context.DeadlineExceeded) {
			err = router.ErrTimeout // the deadline passed since: a timeout, as documented
		}
		return router.Result{Err: err}, err
	}
	w := n.waiters.Get().(*waiter)
	w.ended.Store(false)
	s := n.anyShard()
	at := start // the core's clock in the call's turn: its deadline is at+timeout
	if !s.tryLock() && !n.tryOtherShard(&s) {
		if waitsForShard != nil {
			waitsForShard()
		}
		s.lock()
		now := n.now()
		// The wait for a busy shard can outlast the deadline (see expire): a call
		// whose deadline passed, or whose context was done, while it waited ends
		// now, and sends nothing its caller could no longer take an answer to.
		if err := waitedOut(ctx, now-start, timeout); err != nil {
			s.unlock()
			n.waiters.Put(w)
			n.stats.expired.Add(1)
			return router.Result{Err: err}, err
		}
		// The call starts now with what is left of its timeout: its deadline stays
		// start+timeout, and the budget it sends is the time its caller will still
		// wait, not that and the wait for the shard (a leader would otherwise work
		// on after the caller had given up, for as long as the call waited). A call
		// with no deadline (Infinity) keeps none. Under riak the budget is the
		// caller's timeout whatever the call has waited, as the original's leader
		// hop restarts the clock (the core charges no wait there either): the call
		// starts as at start, with its whole timeout.
		if timeout != router.Infinity && n.cfg.Semantics != router.Riak {
			at = now
			timeout -= at - start
		}
	}
	s.pin(at) // the core's deadline, at+timeout, is the timer's below
	s.refused = nil
	id, err := s.core.Call(t, event, timeout, w.done)
	refused := s.takeRefused(id)
	s.unpin()
	if err != nil {
		s.unlock()
	} else {
		s.unlockCall(id) // runs a local peer, which may answer at once
	}
	if err != nil {
		n.waiters.Put(w)
		return router.Result{Err: err}, err
	}
	var res router.Result
	if refused != nil {
		// The transport refused the call's first message, and the core completed
		// the call at once with the code of that refusal: the transport's error says
		// why (a message too large for a frame names the limit) and matches the code's.
		select {
		case res = <-w.ch:
			n.waiters.Put(w)
			if res.Err != nil && errors.Is(refused, res.Err) {
				res.Err = refused
			}
			return res, res.Err
		default:
		}
	}
	armed := false
	if own != router.Infinity {
		// The timer is armed only for a call that has to wait: one a local peer
		// answered already needs none. A call that completes before its timer is
		// armed leaves an expiry for an id no longer pending, which does nothing.
		select {
		case res = <-w.ch:
			n.waiters.Put(w)
			return res, res.Err
		default:
		}
		armed = true
		w.arm(id.Seq, at+timeout-n.now())
	}
	if ctx.Done() == nil {
		res = <-w.ch
	} else {
		select {
		case res = <-w.ch:
		case <-ctx.Done():
			if !s.tryLock() {
				// The shard is busy: the call ends now, as at its own deadline
				// (expire), unless its core has ended it already. w is not
				// reused, and its timer has nothing left to do.
				w.end(s, id, router.ErrTimeout)
				if armed {
					w.tm.Stop()
				}
				return n.ctxEnded(ctx, <-w.ch)
			}
			// Fire the deadline on the core's turn; it completes the call unless a
			// reply got there first. Either way exactly one result is (or is about to
			// be) in ch.
			s.core.Fire(router.Timer{Kind: router.TimerCall, Call: id})
			s.unlock()
			res = <-w.ch
			res, _ = n.ctxEnded(ctx, res)
		}
	}
	w.release(armed)
	return res, res.Err
}

// tryOtherShard starts a turn of a shard other than *s, which is busy, if one is
// free, sets *s to it and reports whether it found one. Any shard can start a call, and
// the one that holds *s may keep it a while: a turn descheduled with the lock held (far
// more runnable goroutines than cores) keeps it until the scheduler comes back, and a
// call that waited for it waited that long to start, while other shards sat idle.
func (n *Node) tryOtherShard(s **shard) bool {
	for i := 1; i < len(n.shards); i++ {
		o := n.shards[((*s).idx+i)%len(n.shards)]
		if o.tryLock() {
			*s = o
			return true
		}
	}
	return false
}

// ctxEnded is the outcome of a call ended by its context: a timeout, or the
// context's error when it was cancelled.
func (n *Node) ctxEnded(ctx context.Context, res router.Result) (router.Result, error) {
	if errors.Is(res.Err, router.ErrTimeout) && errors.Is(ctx.Err(), context.Canceled) {
		res.Err = ctx.Err()
		n.stats.cancelled.Add(1)
	}
	return res, res.Err
}

// waitedOut reports why a call that had to wait for its shard must not start now that
// it has it: its deadline, timeout after it began, has passed (router.ErrTimeout), or
// its context is done (the context's error, router.ErrTimeout for its deadline); nil
// if it may start.
func waitedOut(ctx context.Context, waited, timeout time.Duration) error {
	if waited >= timeout {
		return router.ErrTimeout
	}
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return router.ErrTimeout
		}
		return err
	}
	return nil
}

// unlockCall is unlock for the turn that started call id, which runs the Handle of a
// local peer on the caller's goroutine. A Handle that panics unwinds the caller, and a
// program may recover that (net/http does, for each request): the call is ended first,
// as its deadline would end it, so that it is not left pending in its core for ever.
// A turn that handed nothing over (a call to another node) is unlocked as any other.
func (s *shard) unlockCall(id router.CallID) {
	if len(s.handed) == 0 && len(s.self) == 0 {
		s.release()
		return
	}
	s.unlockHanding(id)
}

// unlockHanding is unlockCall for a turn that hands something over: it may run a
// Handle, and costs a deferred check of its return (about 50 instructions).
func (s *shard) unlockHanding(id router.CallID) {
	ok := false
	defer func() {
		if !ok {
			s.lock()
			s.core.Fire(router.Timer{Kind: router.TimerCall, Call: id})
			s.unlock()
		}
	}()
	s.unlock()
	ok = true
}

// Cast routes event to t without waiting. A cast that this node's transport refused
// to send returns the transport's error (router.ErrUnreachable, ErrOverloaded, or
// nettransport.ErrTooLarge for one too large for a frame): nothing left the node.
// After Close it returns ErrClosed, and for a target that names neither an ensemble
// nor a peer, or both, or a peer through a node, router.ErrBadTarget. Any other
// failure, on this node (no leader known, a peer target not running here) or past
// it, is counted (Stats.Router.CastDrop), not reported. A peer on this node handles
// the event before Cast returns, on its goroutine; see Peer.
func (n *Node) Cast(t router.Target, event []byte) error {
	if n.isClosed() {
		return ErrClosed
	}
	s := n.anyShard()
	if !s.tryLock() && !n.tryOtherShard(&s) {
		s.lock()
	}
	s.refused = nil
	err := s.core.Cast(t, event)
	refused := s.takeRefused(router.CallID{})
	s.unlock()
	if err == nil {
		err = refused
	}
	return err
}
