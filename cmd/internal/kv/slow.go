package kv

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensroute/ensroute/router/driver"
)

// Slow serves the requests of the peers that use it one at a time, at most Rate a
// second, in arrival order: a busy member with a mailbox, for measuring what a leader
// slower than its callers' deadlines spends its work on. Handle only queues; one
// goroutine serves. Under default semantics a request's budget is what its caller has
// left, so a request whose budget has run out has a caller that gave up. With
// skipExpired the server drops unserved a request whose budget would run out before
// the server could finish it (less left than one request's work); otherwise it serves
// every request (as a peer that ignores budgets does).
type Slow struct {
	interval time.Duration
	skip     bool
	queue    chan slowJob
	stop     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
	stats    struct{ inTime, late, skipped, dropped atomic.Uint64 }
}

type slowJob struct {
	p *Peer
	r *driver.Request
}

// SlowQueue bounds the requests waiting for a Slow server; a request that finds it
// full is dropped and counted (its caller times out).
const SlowQueue = 1 << 16

// NewSlow starts a server of rate requests a second.
func NewSlow(rate float64, skipExpired bool) *Slow {
	s := &Slow{interval: time.Duration(float64(time.Second) / rate), skip: skipExpired,
		queue: make(chan slowJob, SlowQueue), stop: make(chan struct{})}
	s.wg.Go(s.serve)
	return s
}

// SlowStats counts what a Slow server did with the requests it got.
type SlowStats struct {
	InTime  uint64 // served within the request's budget
	Late    uint64 // served, but after the budget ran out: for a caller that gave up
	Skipped uint64 // not served: the budget had run out when its turn came
	Dropped uint64 // not served: the queue was full
}

// Stats returns a snapshot of the counters.
func (s *Slow) Stats() SlowStats {
	return SlowStats{InTime: s.stats.inTime.Load(), Late: s.stats.late.Load(),
		Skipped: s.stats.skipped.Load(), Dropped: s.stats.dropped.Load()}
}

// Close stops the server and waits for it; requests still queued are not served. It
// is idempotent.
func (s *Slow) Close() {
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
}

func (s *Slow) enqueue(p *Peer, r *driver.Request) {
	select {
	case s.queue <- slowJob{p: p, r: r}:
	default:
		s.stats.dropped.Add(1)
	}
}

func (s *Slow) serve() {
	// next is when the last work ended, by the pace: while requests keep coming, a
	// sleep that overshoots is caught up by the next ones.
	var next time.Time
	for {
		var j slowJob
		select {
		case j = <-s.queue:
		default:
			select {
			case j = <-s.queue:
				next = time.Time{} // idle until now: the pace starts again
			case <-s.stop:
				return
			}
		}
		left := j.r.Budget // what is left of the budget now
		now := time.Now()
		if next.IsZero() {
			next = now
		}
		finish := next.Add(s.interval)
		if s.skip && left() < finish.Sub(now) {
			s.stats.skipped.Add(1)
			continue
		}
		next = finish
		select {
		case <-time.After(finish.Sub(now)): // the work
		case <-s.stop:
			return
		}
		j.p.serve(j.r)
		if left() < 0 {
			s.stats.late.Add(1)
		} else {
			s.stats.inTime.Add(1)
		}
	}
}
