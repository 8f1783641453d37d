package driver

import (
	"context"
	"errors"
	"time"

	"github.com/ensroute/ensroute/router"
)

// waiter is a call's completion: a one-slot channel and the callback the core calls,
// made once and pooled per node, so a call allocates neither.
type waiter struct {
	ch   chan router.Result
	done func(router.Result)
}

func newWaiter() any {
	w := &waiter{ch: make(chan router.Result, 1)}
	w.done = func(r router.Result) { w.ch <- r }
	return w
}

// Call sends event to t and waits for the outcome: the answer of the peer that
// handled it, or an error usable with errors.Is (router.ErrTimeout, ErrNoLeader,
// ErrNotLeader, ErrUnreachable, ErrHopLimit, ErrOverloaded). The call's deadline is
// ctx's: an ensemble call needs one (router.ErrNoDeadline otherwise); a call whose
// deadline passes returns router.ErrTimeout (which matches
// context.DeadlineExceeded), and one whose ctx is cancelled returns ctx.Err(). The
// returned error is also Result.Err. Call blocks only the calling goroutine.
func (n *Node) Call(ctx context.Context, t router.Target, event []byte) (router.Result, error) {
	if n.isClosed() {
		return router.Result{Err: ErrClosed}, ErrClosed
	}
	timeout := router.Infinity
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
		if timeout <= 0 {
			return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
		}
	}
	if err := ctx.Err(); err != nil {
		return router.Result{Err: err}, err
	}
	w := n.waiters.Get().(*waiter)
	s := n.anyShard()
	s.lock()
	id, err := s.core.Call(t, event, timeout, w.done)
	s.unlock()
	if err != nil {
		n.waiters.Put(w)
		return router.Result{Err: err}, err
	}
	var res router.Result
	select {
	case res = <-w.ch:
	case <-ctx.Done():
		// Fire the deadline on the core's turn; it completes the call unless a reply
		// got there first. Either way exactly one result is (or is about to be) in ch.
		s.lock()
		s.core.Fire(router.Timer{Kind: router.TimerCall, Call: id})
		s.unlock()
		res = <-w.ch
		if errors.Is(res.Err, router.ErrTimeout) && errors.Is(ctx.Err(), context.Canceled) {
			res.Err = ctx.Err()
		}
	}
	n.waiters.Put(w)
	return res, res.Err
}

// Cast routes event to t without waiting; failures are counted, not reported.
func (n *Node) Cast(t router.Target, event []byte) error {
	if n.isClosed() {
		return ErrClosed
	}
	s := n.anyShard()
	s.lock()
	err := s.core.Cast(t, event)
	s.unlock()
	return err
}
