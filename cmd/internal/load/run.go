package load

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensroute/ensroute/router"
)

// Run is a load in progress. Its methods are safe for concurrent use.
type Run struct {
	cfg     Config
	start   time.Time
	phase   atomic.Pointer[string]
	next    atomic.Int64 // calls handed out (Config.Calls), and the target rotation
	started atomic.Int64
	ended   atomic.Int64
	skipped atomic.Int64

	stop    chan struct{}
	once    sync.Once
	done    chan struct{} // closed when every caller has returned
	inCtx   context.Context
	cancel  context.CancelFunc
	shards  [16]shard
	viol    violations
	overdue calls[overdue]  // past their deadline and the slack
	slow    calls[slowFail] // failed, slower than Config.Fast
	spawned sync.WaitGroup
	// lag holds, for an open load, how late each call started after it was due:
	// latencies are timed from the start, so a generator that falls behind shows here.
	lagMu sync.Mutex
	lag   hist
}

type shard struct {
	mu   sync.Mutex
	aggs map[key]*agg
	_    [40]byte
}

type key struct {
	phase    string
	ensemble router.EnsembleID
}

// Start starts cfg's load and returns at once. Calls are counted under the phase ""
// until Phase names another. Stop ends the load.
func Start(ctx context.Context, cfg Config) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	r := &Run{cfg: cfg, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	r.inCtx, r.cancel = context.WithCancel(ctx)
	empty := ""
	r.phase.Store(&empty)
	for i := range r.shards {
		r.shards[i].aggs = map[key]*agg{}
	}
	if cfg.Rate > 0 {
		r.spawned.Go(r.openLoop)
	} else {
		for w := range cfg.Callers {
			r.spawned.Go(func() { r.closedLoop(w) })
		}
	}
	go func() {
		r.spawned.Wait()
		close(r.done)
	}()
	return r, nil
}

// Phase counts the calls that start from now on under name (a fault's period, say).
func (r *Run) Phase(name string) { r.phase.Store(&name) }

// Stop stops starting calls, waits for the calls in flight (at most their timeout,
// their slack and grace more; a call still running then is reported as unfinished)
// and returns the summary.
func (r *Run) Stop(grace time.Duration) Summary {
	r.once.Do(func() { close(r.stop) })
	select {
	case <-r.done:
	case <-time.After(r.cfg.Timeout + r.cfg.Slack + grace):
	}
	s := r.Summary()
	if s.Unfinished > 0 {
		s.Violations = append(s.Violations, fmt.Sprintf("exactly-once: %d calls never returned", s.Unfinished))
		s.ViolationCount += s.Unfinished
	}
	r.cancel()
	return s
}

// Done is closed when the load has ended by itself (Config.Calls) or by Stop.
func (r *Run) Done() <-chan struct{} { return r.done }

func (r *Run) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return r.inCtx.Err() != nil
	}
}

// take hands out the next call: its number and target, or false when Config.Calls
// have been handed out.
func (r *Run) take() (int64, Target, bool) {
	n := r.next.Add(1) - 1
	if r.cfg.Calls > 0 && n >= r.cfg.Calls {
		return 0, Target{}, false
	}
	return n, r.cfg.Targets[n%int64(len(r.cfg.Targets))], true
}

func (r *Run) closedLoop(w int) {
	for !r.stopped() {
		n, t, ok := r.take()
		if !ok {
			return
		}
		r.call(w, n, t, time.Time{})
	}
}

// openLoop starts the calls that are due every millisecond, each on its own
// goroutine, at most Callers at once.
func (r *Run) openLoop() {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, r.cfg.Callers)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	// Call k is due k/Rate seconds after the start, computed from k: an interval of
	// 1s/Rate rounded to whole nanoseconds and added up drifts early, and makes more
	// calls than Rate a second (a tenth more at 1.5e8).
	start := time.Now()
	dueAt := func(k int64) time.Time {
		return start.Add(time.Duration(float64(k) * float64(time.Second) / r.cfg.Rate))
	}
	k, due := int64(0), start
	for {
		// The calls due by now; the first, due at the start, starts at once.
		for now := time.Now(); !due.After(now); k, due = k+1, dueAt(k+1) {
			due := due
			select {
			case slots <- struct{}{}:
			default:
				r.skipped.Add(1)
				continue
			}
			n, t, ok := r.take()
			if !ok {
				<-slots
				return
			}
			wg.Go(func() {
				defer func() { <-slots }()
				r.call(int(n), n, t, due)
			})
		}
		select {
		case <-tick.C:
		case <-r.stop:
			return
		case <-r.inCtx.Done():
			return
		}
	}
}

// call makes call n to t and records its outcome; due is when an open load had it
// due (zero for a closed one).
func (r *Run) call(w int, n int64, t Target, due time.Time) {
	phase := *r.phase.Load()
	token := r.cfg.Name + "-" + strconv.Itoa(w) + "-" + strconv.FormatInt(n, 10)
	event := []byte("echo " + token)
	target := router.ToEnsemble(t.Ensemble).Through(t.Via)
	r.started.Add(1)
	begin := time.Now()
	if !due.IsZero() {
		r.lagMu.Lock()
		r.lag.add(begin.Sub(due))
		r.lagMu.Unlock()
	}
	ctx, cancel := context.WithTimeout(r.inCtx, r.cfg.Timeout)
	res, _ := r.cfg.Caller.Call(ctx, target, event)
	took := time.Since(begin)
	cancel()
	o := classify(res.Err)
	where := func() string {
		return fmt.Sprintf("call %s to %s via %s at +%v", token, t.Ensemble, t.Via, begin.Sub(r.start).Round(time.Microsecond))
	}
	if took > r.cfg.Timeout+r.cfg.Slack {
		// Judged by Summary.CheckExcused, which may allow for the scheduling delay
		// measured meanwhile on top of the slack.
		r.overdue.add(overdue{begin: begin, took: took, token: token, target: t, outcome: o})
	}
	if o != "ok" && took < r.cfg.Timeout && bucketOf(took) > bucketOf(r.cfg.Fast) {
		// Not counted fast (Outcomes.Fast); Summary.FastExcused may count it so. A
		// failure at its deadline (every timeout) is not fast: not kept, so that a run
		// of many timeouts does not fill the record, which Summary copies.
		r.slow.add(slowFail{begin: begin, took: took, phase: phase, ensemble: t.Ensemble, outcome: o})
	}
	bad := ""
	switch {
	case o == "timeout" && took < r.cfg.Timeout:
		bad = fmt.Sprintf("deadline: timed out after %v, before its %v deadline", took, r.cfg.Timeout)
	case o == "ok" && string(res.Value) != "echo "+token:
		bad = fmt.Sprintf("reply-matches-call: answered %q, want %q", res.Value, "echo "+token)
	case o == "ok" && res.Peer.Ensemble != t.Ensemble:
		bad = fmt.Sprintf("reply-matches-call: answered by %s, a peer of another ensemble than %s", res.Peer, t.Ensemble)
	}
	if bad != "" {
		r.viol.add(where() + ": " + bad)
	}
	s := &r.shards[w%len(r.shards)]
	s.mu.Lock()
	a := s.aggs[key{phase, t.Ensemble}]
	if a == nil {
		a = &agg{}
		s.aggs[key{phase, t.Ensemble}] = a
	}
	a.add(o, took, bad != "")
	s.mu.Unlock()
	r.ended.Add(1)
}

// classify names an outcome: "ok", a router.Code's name, "cancelled" for a call
// cut off by the cancel of Start's context (an interrupt), or "other" for another
// error the router does not define (a closed node).
func classify(err error) string {
	switch c := router.CodeOf(err); {
	case err == nil:
		return "ok"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case c == router.CodeTimeout && !errors.Is(err, router.ErrTimeout):
		return "other"
	default:
		return c.String()
	}
}

// violations keeps the first few violations and counts them all.
type violations struct {
	mu    sync.Mutex
	n     int64
	first []string
}

const keepViolations = 20

func (v *violations) add(s string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.n++
	if len(v.first) < keepViolations {
		v.first = append(v.first, s)
	}
}

// calls records calls of some kind: the first maxKept of them, and a count of all.
type calls[T any] struct {
	mu   sync.Mutex
	n    int64
	kept []T
}

// maxKept bounds what a calls keeps.
const maxKept = 1 << 18

func (c *calls[T]) add(v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if len(c.kept) < maxKept {
		c.kept = append(c.kept, v)
	}
}

// snapshot returns the count and a copy of what is kept.
func (c *calls[T]) snapshot() (int64, []T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, append([]T{}, c.kept...)
}

// overdue is a call that ended past its deadline and the slack.
type overdue struct {
	begin   time.Time
	took    time.Duration
	token   string
	target  Target
	outcome string
}

// slowFail is a call that failed before its deadline but slower than Config.Fast,
// which Outcomes.Fast does not count (Summary.FastExcused may).
type slowFail struct {
	begin    time.Time
	took     time.Duration
	phase    string
	ensemble router.EnsembleID
	outcome  string
}
