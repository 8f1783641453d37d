package main

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensroute/ensroute/router"
)

// closedLoop runs conc callers, each making its next call when the last one ends,
// until end or ctx is done; ctx's end (a signal) cuts short the calls in flight.
// Each caller makes its first call whenever end is, unless ctx is done: a --duration
// shorter than the callers take to start (1ns) would otherwise make no call, or some,
// as the scheduler has it, where open loop makes its first call, due at the start,
// however short the run. The callers check a flag that a timer sets, and time each
// call with one reading of the monotonic clock at either end: the run's own clock
// reads are a measurable part of a call at hundreds of thousands a second. They check
// ctx too, which the flag follows a little later, so as to make no call once a signal
// came; one that comes between that check and the call ends the call before it
// starts, and it is no call (unsent).
func closedLoop(ctx context.Context, cl *client, rec *recorder, conc int, end time.Time, t router.Target, ev []byte) {
	var over atomic.Bool
	stop := func() { over.Store(true) }
	tm := time.AfterFunc(time.Until(end), stop)
	defer tm.Stop()
	defer context.AfterFunc(ctx, stop)()
	epoch := time.Now()
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			for first := true; ctx.Err() == nil && (first || !over.Load()); first = false {
				if beforeCall != nil {
					beforeCall()
				}
				begin := time.Since(epoch)
				res, _ := cl.drv.CallTimeout(ctx, t, ev, cl.c.timeout)
				if rec.end(w, time.Since(epoch)-begin, res) {
					break
				}
			}
		})
	}
	wg.Wait()
}

// openLoop starts calls at a fixed rate whatever the answers do, and times each from
// its scheduled start, so a stall shows as the latency of every call it delayed (no
// coordinated omission). The schedule is dealt out to conc workers in turn: worker w
// starts calls w, w+conc, w+2*conc, ... of the schedule, sleeping until each is due,
// or at once when its previous call ended late; so at most conc calls are in flight.
// It records in lag how late each call started, and returns how many calls started
// more than a millisecond after they were due (behind), and how many it did not
// start at all because the generator reached them too late (skipped): a call whose
// deadline (the scheduled start and the timeout) has passed when its worker reaches
// it, and every call of the worker's share due until then, so that the worker goes
// on with the calls due now, each with its budget, rather than along the edge of the
// deadlines with none; or a call more than a millisecond late once the run's
// --duration and endGrace had passed, but for the run's first call, which is made
// however short the run if the generator reaches it within its deadline. A call it
// skips is neither sent nor counted as a call, so a rate past what the client and the
// node can do shows as skipped calls, and the run ends soon after --duration however
// far behind the generator is. When ctx is done (a signal) no worker starts another
// call, one waiting for its next call's due time leaves at once (sleepFor), and the
// calls in flight are cut short; a call the signal ended before the driver started it
// is not made (unsent), and has no start lag.
func openLoop(ctx context.Context, cl *client, rec, lag *recorder, conc int, sched schedule, start time.Time, t router.Target, ev []byte) (behind, skipped int64) {
	end := start.Add(sched.dur + endGrace(cl.c.timeout))
	var wg sync.WaitGroup
	var lateN, skipN atomic.Int64
	for w := range conc {
		wg.Go(func() {
			late, skip := int64(0), int64(0)
			sleep := time.NewTimer(time.Hour)
			defer sleep.Stop()
			for n := int64(w); n < sched.calls && ctx.Err() == nil; n += int64(conc) {
				due := start.Add(sched.at(n))
				if wait := time.Until(due); wait > 0 && !sleepFor(ctx, sleep, wait) {
					break
				}
				now := time.Now()
				started := now.Sub(due)
				if started > time.Millisecond && !now.Before(end) && n > 0 {
					// The run and its grace are over: neither this call nor the
					// rest of this worker's share is started. The run's first
					// call, due at the start, is made all the same if its deadline
					// has not passed (below): a generator that a loaded machine
					// ran 60ms late made no call of a --duration 10ms run, and
					// bench exited 1, "no call was made".
					skip += (sched.calls - n + int64(conc) - 1) / int64(conc)
					break
				}
				if started >= cl.c.timeout {
					// Its deadline passed before the generator reached it: go on
					// from the calls due now.
					next, skipped := sched.catchUp(n, conc, now.Sub(start))
					skip += skipped
					n = next - int64(conc) // the loop adds it back
					continue
				}
				if beforeCall != nil {
					beforeCall()
				}
				// The deadline counts from the scheduled start too.
				res, _ := cl.drv.CallTimeout(ctx, t, ev, cl.c.timeout-started)
				took := time.Since(due)
				if unsent(res) {
					// The signal came before it started: it has no start lag, as
					// it has no outcome.
					break
				}
				if started > time.Millisecond {
					late++ // a slow previous call, or a sleep that overslept
				}
				lag.record(w, started, router.CodeOK)
				if rec.end(w, took, res) {
					break
				}
			}
			lateN.Add(late)
			skipN.Add(skip)
		})
	}
	wg.Wait()
	return lateN.Load(), skipN.Load()
}

// sleepFor waits d on t, a timer of its caller's, and reports whether it did: false
// when ctx was done first (a signal), so that a worker waiting for its next call makes
// no call after the signal. With a plain sleep, a worker made its next call when it
// was due, up to conc/rate after the signal (40s at 0.1 calls/s and 4 workers), and
// the run counted it.
func sleepFor(ctx context.Context, t *time.Timer, d time.Duration) bool {
	t.Reset(d)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// schedule is the open loop's timetable: call n is due n/rate seconds after the
// start, computed from n for each call (an interval of 1s/rate rounded to whole
// nanoseconds and added up drifts early, and makes more calls than rate × duration).
type schedule struct {
	rate  float64
	dur   time.Duration
	calls int64 // the calls due before dur
}

func newSchedule(rate float64, dur time.Duration) schedule {
	s := schedule{rate: rate, dur: dur, calls: int64(math.Ceil(rate * dur.Seconds()))}
	for s.calls > 0 && s.at(s.calls-1) >= dur {
		s.calls--
	}
	for s.at(s.calls) < dur {
		s.calls++
	}
	return s
}

// at is when call n is due, after the start.
func (s schedule) at(n int64) time.Duration {
	return time.Duration(float64(n) * float64(time.Second) / s.rate)
}

// endGrace is how long past --duration open loop still starts a call that is late:
// the calls due at the end of the run, delayed by a few milliseconds of scheduling,
// are made, while a generator far behind still stops soon after --duration. Within
// the deadline (timeout), so that a call it starts has some budget left.
func endGrace(timeout time.Duration) time.Duration {
	return min(timeout, 50*time.Millisecond)
}

// catchUp is where a worker of conc goes on from its call n, whose deadline has
// passed: the first call of its share due after since (now, measured from the run's
// start), or the end of the schedule; and how many
// calls of its share it skips, n among them. It jumps there in one step: a worker
// that walked the schedule a call at a time could fall behind it for good at a high
// rate, skipping every call until --duration.
func (s schedule) catchUp(n int64, conc int, since time.Duration) (next, skipped int64) {
	c := int64(conc)
	next = n + c
	// About the first call due after since; one earlier, lest rounding skip a call
	// still in time (a call past its deadline the worker skips on its next turn).
	if k := int64(since.Seconds()*s.rate) - 1; k > next {
		next += (k - next) / c * c
	}
	return next, (min(next, s.calls) - n + c - 1) / c
}

// unsent reports whether res is that of a call a signal ended before the driver
// started it: the driver returns ctx's error, with no call id, for a call whose
// context was done when it came to start it, or once it had waited for its shard,
// and sends nothing. The loops check for the signal before each call, but it may come
// between their check and the driver's; such a call was never in flight, and counted
// as cut short it read as one the signal had interrupted.
func unsent(res router.Result) bool {
	return res.Err != nil && res.Call.IsZero() && errors.Is(res.Err, context.Canceled)
}

// beforeCall, when set (only by this package's tests), runs in each loop between its
// last check for a signal and the call, as a caller descheduled there would; the
// tests send the signal there.
var beforeCall func()
