package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/cmd/internal/load"
	"github.com/ensroute/ensroute/router"
)

// benchResult is what bench prints.
type benchResult struct {
	Mode        string  `json:"mode"` // closed or open
	Ensemble    string  `json:"ensemble"`
	Via         string  `json:"via"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"`
	DurationNS  int64   `json:"duration_ns"`
	// Interrupted: a signal ended the run before --duration; the figures are of the
	// time it ran.
	Interrupted bool             `json:"interrupted,omitempty"`
	Calls       int64            `json:"calls"`
	OK          int64            `json:"ok"`
	Errors      map[string]int64 `json:"errors"`
	CallsPerSec float64          `json:"calls_per_sec"`
	// LatencyNS is of the successful calls (p50, p99, p999, max); ErrorLatencyNS of
	// the failed ones (p50, p99, max: how long they took to fail), when calls failed.
	// Failures are often fast (a node down: unreachable at once), and would pull the
	// percentiles of a mix down.
	// Either is absent when there were no such calls.
	LatencyNS      map[string]int64 `json:"latency_ns,omitempty"`
	ErrorLatencyNS map[string]int64 `json:"error_latency_ns,omitempty"`
	// Scheduled is, in open loop, the calls due in --duration (rate × duration); each
	// is made (and counted in Calls) or skipped, unless a signal ends the run.
	Scheduled int64 `json:"scheduled,omitempty"`
	// Skipped is, in open loop, the scheduled calls that were not made because the
	// generator was behind: it reached them after their deadline (scheduled start and
	// --timeout), and with each such call every call of its worker's share due until
	// then; or more than 1ms late once --duration and its grace (endGrace) had
	// passed (but for the run's first call). They are not calls: not in Calls, the
	// outcomes, calls/s or the latencies.
	Skipped int64 `json:"skipped,omitempty"`
	Behind  int64 `json:"behind,omitempty"` // open loop: calls that started more than 1ms after their scheduled time
	// CutShort are the calls a signal ended before their outcome came: they have
	// none, and are not in Calls, the outcomes, calls/s or the latencies. A call the
	// signal ended before the driver started it, which sent nothing, is not among
	// them: it is no call at all (unsent).
	CutShort int64 `json:"cut_short,omitempty"`
	// StartLagNS is, in open loop, how late the calls started after their scheduled
	// time (p50, p99, max): the generator's own delay, which every call's latency
	// includes.
	StartLagNS map[string]int64 `json:"start_lag_ns,omitempty"`
	// LateReplies are the replies to this run's calls that the client dropped during
	// the run because their call had ended (timed out, most often): work a leader did
	// for a caller that had given up. Replies to an earlier ensctl of the same --id
	// (router.Stats.Stale) are not counted.
	LateReplies uint64 `json:"late_replies"`
	// IO is this client's transport during the run, over its connections to every
	// member: how many messages shared a write or a read. The writes and the reads
	// include those of the heartbeat pings that a connection sends when it has written
	// nothing for half a heartbeat interval, which are not messages (the transport
	// counts no pings of its own): at a low rate they outnumber the calls' own, and a
	// run at one call a second for 3s made 3 messages in 7 writes.
	IO struct {
		Sent     uint64 `json:"sent"`
		Writes   uint64 `json:"writes"`
		Received uint64 `json:"received"`
		Reads    uint64 `json:"reads"`
	} `json:"io"`
	latency, errLatency *hdrhistogram.Histogram
	outcomes            map[router.Code]int64
}

// recorder collects latencies in a few locked shards of two HDR histograms each (of
// the successful calls and of the failed ones), so hundreds of callers neither
// contend on one lock nor hold hundreds of histograms.
type recorder struct {
	highest int64 // the longest latency the histograms hold, in ns
	// cut counts the calls a signal cut short: they have no outcome, and no latency.
	cut    atomic.Int64
	shards [16]struct {
		mu     sync.Mutex
		h, err *hdrhistogram.Histogram
		codes  [16]int64
		_      [64]byte
	}
}

// newRecorder returns a recorder of latencies of calls with deadline timeout. A call
// ends by its deadline, give or take the scheduling of its wake-up, and open loop's
// deadline counts from the scheduled start, so the histograms (1ns to twice the
// timeout and a minute more, 3 significant figures) hold every latency with room to
// spare; a longer one would be recorded as the longest they hold.
func newRecorder(timeout time.Duration) *recorder {
	r := &recorder{highest: int64(2*timeout + time.Minute)}
	for i := range r.shards {
		// The lowest value told apart is 1ns: with 1µs, the histogram's unit would be
		// 512ns, and a latency under half a millisecond off by up to that.
		r.shards[i].h = hdrhistogram.New(1, r.highest, 3)
		r.shards[i].err = hdrhistogram.New(1, r.highest, 3)
	}
	if recorderMade != nil {
		recorderMade()
	}
	return r
}

// recorderMade, when set (only by this package's tests), runs at the end of
// newRecorder; the tests make it take time there, as making the histograms does on a
// loaded machine.
var recorderMade func()

// end records how call res, made by worker, ended d after it started (or was due):
// its outcome and latency, or, when a signal cut it short (ctx's cancellation, which
// ends the call), that it has none. A call the signal ended before the driver started
// it (unsent) is neither: it is no call. It reports whether the signal ended the call,
// after which the worker makes no other.
func (r *recorder) end(worker int, d time.Duration, res router.Result) (signalled bool) {
	if errors.Is(res.Err, context.Canceled) {
		if !unsent(res) {
			r.cut.Add(1)
		}
		return true
	}
	r.record(worker, d, router.CodeOf(res.Err))
	return false
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

func (r *recorder) record(worker int, d time.Duration, c router.Code) {
	s := &r.shards[worker%len(r.shards)]
	h := s.h
	if c != router.CodeOK {
		h = s.err
	}
	s.mu.Lock()
	_ = h.RecordValue(min(max(d.Nanoseconds(), 1), r.highest)) // a call ends after its start
	s.codes[c]++
	s.mu.Unlock()
}

// merge returns the latencies of the successful calls, of the failed ones, and the
// count of each outcome.
func (r *recorder) merge() (ok, failed *hdrhistogram.Histogram, codes map[router.Code]int64) {
	ok, failed = hdrhistogram.New(1, r.highest, 3), hdrhistogram.New(1, r.highest, 3)
	codes = map[router.Code]int64{}
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		ok.Merge(s.h)
		failed.Merge(s.err)
		for c, n := range s.codes {
			if n > 0 {
				codes[router.Code(c)] += n
			}
		}
		s.mu.Unlock()
	}
	return ok, failed, codes
}

// The bench's limits. A caller is a goroutine with its own share of the recorder, so
// many millions of them take minutes to start, and to stop, before any call is made;
// the open loop schedules its calls 1s/rate apart, and a rate beyond any node's reach
// would have them all due in the same nanoseconds.
const (
	maxConcurrency   = 100_000
	maxRate          = 100_000_000
	maxBenchDuration = 24 * time.Hour
	maxBenchTimeout  = 24 * time.Hour // the histograms grow with it (newRecorder)
)

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, c := flags("bench", stdout)
	// The help gives each limit that the checks below hold the flags to.
	conc := fs.Int("concurrency", 16, fmt.Sprintf("callers (closed loop), or the most calls in flight (open loop); 1 to %d", maxConcurrency))
	rate := fs.Float64("rate", 0, fmt.Sprintf("open loop: calls per second, up to %d, each timed from its scheduled start; a call the generator reaches after its deadline (with the calls due until then), or more than 1ms late once --duration and 50ms (or --timeout, if shorter) have passed (but for the first call, due at the start), is skipped: not made, counted apart (0: closed loop)", maxRate))
	dur := cluster.Duration(fs, "duration", 5*time.Second, fmt.Sprintf("how long to run, at most %v (closed loop: each caller makes at least one call, however short; open loop: --rate × --duration must be at least one call)", maxBenchDuration))
	event := fs.String("event", "get bench", `the event each call sends: an operation as call takes it, in one argument ("put k v")`)
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run (pprof format) to this file")
	if err := parseArgs(fs, c, args, 1, 1, "[flags] ENSEMBLE"); err != nil {
		return err
	}
	ens := fs.Arg(0)
	switch {
	case *conc < 1 || *conc > maxConcurrency:
		return fmt.Errorf("%w: --concurrency %d: want 1..%d", cluster.ErrUsage, *conc, maxConcurrency)
	case *dur <= 0 || *dur > maxBenchDuration:
		return fmt.Errorf("%w: --duration %v: want a positive duration up to %v", cluster.ErrUsage, *dur, maxBenchDuration)
	case c.timeout > maxBenchTimeout:
		return fmt.Errorf("%w: --timeout %v: bench wants at most %v", cluster.ErrUsage, c.timeout, maxBenchTimeout)
	case math.IsNaN(*rate) || *rate < 0 || *rate > maxRate:
		return fmt.Errorf("%w: --rate %s: want 0 (closed loop) or a number of calls a second up to %d", cluster.ErrUsage, plain(*rate), maxRate)
	case *rate > 0 && *rate*dur.Seconds() < 1:
		// Also what keeps the time between calls, 1s/rate, within a Duration.
		return fmt.Errorf("%w: --rate %s for --duration %v is less than one call (rate × duration = %s): want at least one call in the run", cluster.ErrUsage, plain(*rate), *dur, figures3(*rate*dur.Seconds()))
	}
	if err := kv.Check([]byte(*event)); err != nil {
		return fmt.Errorf("%w: --event: %w", cluster.ErrUsage, err)
	}
	if *cpuprofile != "" {
		// Before connecting: a path it cannot create is bad usage, whatever the
		// cluster does.
		stop, err := startProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	cl, err := c.dial(ctx, stderr)
	if err != nil {
		if *cpuprofile != "" {
			// No run, no profile: the file made above goes.
			_ = os.Remove(*cpuprofile)
		}
		return err
	}
	defer cl.close()
	res := &benchResult{Mode: "closed", Ensemble: ens, Via: c.via, Concurrency: *conc, Rate: *rate}
	rec := newRecorder(c.timeout)
	target, ev := cl.ensemble(ens), []byte(*event)
	var lag *recorder
	var sched schedule
	if *rate != 0 {
		// Made before the start: the open loop's first calls are due from it, and
		// the histograms took 0.5-4.6ms to make, which the start lag counted.
		lag, sched = newRecorder(c.timeout), newSchedule(*rate, *dur)
	}
	io0, late0 := cl.tr.Stats(), cl.lateReplies()
	start := time.Now()
	end := start.Add(*dur)
	if *rate == 0 {
		closedLoop(ctx, cl, rec, *conc, end, target, ev)
	} else {
		res.Mode = "open"
		res.Scheduled = sched.calls
		res.Behind, res.Skipped = openLoop(ctx, cl, rec, lag, *conc, sched, start, target, ev)
		h, _, _ := lag.merge()
		res.StartLagNS = percentiles(h, false)
	}
	elapsed := time.Since(start)
	res.Interrupted = ctx.Err() != nil
	if !res.Interrupted {
		// The run lasted --duration at least: open loop's last call may be due, and
		// end, well before it.
		elapsed = max(elapsed, *dur)
	}
	io1 := cl.tr.Stats()
	res.LateReplies = cl.lateReplies() - late0
	res.IO.Sent, res.IO.Writes = io1.Sent-io0.Sent, io1.Writes-io0.Writes
	res.IO.Received, res.IO.Reads = io1.Received-io0.Received, io1.Reads-io0.Reads
	res.latency, res.errLatency, res.outcomes = rec.merge()
	res.CutShort = rec.cut.Load()
	res.finish(elapsed)
	if err := res.print(stdout, c.jsonOut); err != nil {
		return err
	}
	err = res.verdict()
	if err != nil && res.Calls > 0 && res.Errors[router.CodeNoLeader.String()] == res.Calls {
		// Every call: most likely a name that is no ensemble's.
		return fmt.Errorf("%w; %v", err, cl.noLeader(ens, router.ErrNoLeader))
	}
	if err != nil && res.Calls > 0 && res.Errors[router.CodeTimeout.String()] == res.Calls {
		// Under riak semantics a name that is no ensemble's times out.
		return fmt.Errorf("%w%s", err, cl.unlisted(ens))
	}
	return err
}

// verdict is what bench's exit status says: nil (exit 0) when at least one call
// succeeded, even if others failed (the report counts them); an error (exit 1) when
// none did, since then nothing was measured but how fast calls fail.
func (r *benchResult) verdict() error {
	if r.OK > 0 {
		return nil
	}
	if r.Calls == 0 {
		return fmt.Errorf("bench %s: no call was made: nothing was measured", r.Ensemble)
	}
	codes := make([]string, 0, len(r.Errors))
	for code := range r.Errors {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for i, code := range codes {
		codes[i] = fmt.Sprintf("%d %s", r.Errors[code], code)
	}
	if r.Calls == 1 {
		return fmt.Errorf("bench %s: its one call did not succeed (%s): nothing was measured", r.Ensemble, codes[0])
	}
	return fmt.Errorf("bench %s: none of the %d calls succeeded (%s): nothing was measured", r.Ensemble, r.Calls, strings.Join(codes, ", "))
}

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

// startProfile starts a CPU profile into path and returns what stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%w: --cpuprofile: %w", cluster.ErrUsage, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

func (r *benchResult) finish(elapsed time.Duration) {
	r.DurationNS = elapsed.Nanoseconds()
	r.Errors = map[string]int64{}
	for c, n := range r.outcomes {
		r.Calls += n
		if c == router.CodeOK {
			r.OK = n
		} else {
			r.Errors[c.String()] = n
		}
	}
	r.CallsPerSec = float64(r.Calls) / elapsed.Seconds()
	r.LatencyNS = percentiles(r.latency, true)
	r.ErrorLatencyNS = percentiles(r.errLatency, false)
}

// percentiles are h's p50, p99, p999 (withP999) and max, or nil when h is empty: an
// empty histogram has no percentiles, only its zero values.
func percentiles(h *hdrhistogram.Histogram, withP999 bool) map[string]int64 {
	if h.TotalCount() == 0 {
		return nil
	}
	p := map[string]int64{"p50": nearestRank(h, 0.5), "p99": nearestRank(h, 0.99), "max": h.Max()}
	if withP999 {
		p["p999"] = nearestRank(h, 0.999)
	}
	return p
}

// nearestRank is the value of rank ⌈q·n⌉ of h's n values (the top of its bucket,
// at most 0.1% above the value itself, as h.Max() is of the largest), as the
// project's percentiles are everywhere:
// the histogram's own ValueAtQuantile rounds the rank to the nearest, and its p99 of
// 1,060 values was the 1,049th, below which lie only 98.96% of them (load.Rank).
func nearestRank(h *hdrhistogram.Histogram, q float64) int64 {
	rank := load.Rank(q, h.TotalCount())
	var seen int64
	for _, b := range h.Distribution() {
		if seen += b.Count; seen >= rank {
			return b.To
		}
	}
	return h.Max()
}

func (r *benchResult) print(w io.Writer, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	// To the microsecond, but under one (a failure answered at once), which would read 0s.
	d := func(ns int64) time.Duration {
		if ns < int64(time.Microsecond) {
			return time.Duration(ns)
		}
		return time.Duration(ns).Round(time.Microsecond)
	}
	mode := fmt.Sprintf("closed loop, %s", plural(int64(r.Concurrency), "caller"))
	// Open loop's latencies count from each call's scheduled start: its lines say so,
	// lest they be read as closed loop's, which leave the generator's delay out.
	from := ""
	if r.Mode == "open" {
		mode = fmt.Sprintf("open loop at %s calls/s, up to %d in flight", plain(r.Rate), r.Concurrency)
		from = ", from their scheduled start"
	}
	interrupted := ""
	if r.Interrupted {
		interrupted = " (interrupted)"
	}
	// To the millisecond, but under one (a closed loop of one short call, --duration
	// 1ns), which would read 0s beside the calls a second it made.
	took := time.Duration(r.DurationNS)
	if took >= time.Millisecond {
		took = took.Round(time.Millisecond)
	} else {
		took = d(r.DurationNS)
	}
	fmt.Fprintf(w, "bench %s via %s: %s, %v%s\n", r.Ensemble, r.Via, mode, took, interrupted)
	fmt.Fprintf(w, "calls       %d (%s calls/s)\n", r.Calls, perSecond(r.CallsPerSec))
	fmt.Fprintf(w, "ok          %d\n", r.OK)
	codes := make([]string, 0, len(r.Errors))
	for code := range r.Errors {
		codes = append(codes, code)
	}
	sort.Strings(codes) // the same order every run
	for _, code := range codes {
		fmt.Fprintf(w, "%-11s %d\n", code, r.Errors[code])
	}
	if r.Mode == "open" {
		// The skipped calls only when there were some, as --json gives them: a line
		// of "skipped 0" read as if the run had a problem to report.
		cut := ""
		n := r.Scheduled - r.Calls - r.Skipped - r.CutShort
		if r.Interrupted && n > 0 {
			// Due after the signal, or stopped by it before they started (unsent):
			// neither made nor skipped.
			cut = fmt.Sprintf("; %d not made: the run was interrupted", n)
		}
		switch {
		case r.Skipped > 0:
			fmt.Fprintf(w, "skipped     %d of %d scheduled (generator behind: not started by their deadline, or by the end of the run)%s\n", r.Skipped, r.Scheduled, cut)
		case cut != "":
			fmt.Fprintf(w, "not made    %d of %d scheduled: the run was interrupted\n", n, r.Scheduled)
		}
		if l := r.StartLagNS; l != nil {
			fmt.Fprintf(w, "started late %d (over 1ms); start lag p50 %v  p99 %v  max %v\n", r.Behind, d(l["p50"]), d(l["p99"]), d(l["max"]))
		} else {
			fmt.Fprintf(w, "started late 0 (over 1ms); start lag none: no call started\n")
		}
	}
	if r.CutShort > 0 {
		fmt.Fprintf(w, "cut short   %d (calls in flight at the signal: no outcome, not among the calls above)\n", r.CutShort)
	}
	if r.LateReplies > 0 {
		fmt.Fprintf(w, "late        %d replies dropped: their calls had ended (timed out, most often), so a leader worked for callers that had given up\n", r.LateReplies)
	}
	// How many messages shared a write (a read), only when there were writes: with
	// none, messages queued and not yet written when the run ended read as all of
	// them in one write.
	per := func(n, ops uint64, op, done string) string {
		s := plural(int64(ops), op)
		switch {
		case ops > 0:
			return s + fmt.Sprintf(" (%.1f a %s)", float64(n)/float64(ops), op)
		case n > 0:
			return s + fmt.Sprintf(" (none %s by the end of the run)", done)
		}
		return s
	}
	// The line says that pings are in the writes and reads: at a low rate "2 messages
	// in 6 writes" read as a transport that needed three writes for a message.
	fmt.Fprintf(w, "client io   %s in %s, %d in %s; the writes and reads include heartbeat pings\n",
		plural(int64(r.IO.Sent), "message"), per(r.IO.Sent, r.IO.Writes, "write", "written"), r.IO.Received, per(r.IO.Received, r.IO.Reads, "read", "read"))
	var err error
	if l := r.LatencyNS; l != nil {
		_, err = fmt.Fprintf(w, "latency     p50 %v  p99 %v  p99.9 %v  max %v (the %s%s)\n",
			d(l["p50"]), d(l["p99"]), d(l["p999"]), d(l["max"]), plural(r.OK, "successful call"), from)
	} else {
		_, err = fmt.Fprintf(w, "latency     none: no call succeeded\n")
	}
	if e := r.ErrorLatencyNS; e != nil {
		_, err = fmt.Fprintf(w, "error latency p50 %v  p99 %v  max %v (how long the %s took to fail%s)\n",
			d(e["p50"]), d(e["p99"]), d(e["max"]), plural(r.Calls-r.OK, "failed call"), from)
	}
	return err
}

// perSecond is v, calls a second, as the text report gives it: a whole number from
// 100 up, and below that to three significant figures, without an exponent. Rounded
// to a whole number, the 0.5 calls/s of a run at 0.5 calls a second read 0, beside
// the call it made.
func perSecond(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return figures3(v)
}

// figures3 is v to three significant figures, as plain writes it.
func figures3(v float64) string {
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64) // cannot fail
	return plain(v)
}

// plain is v as people write a number, a rate above all: --rate 100000000 is
// "100000000", which %g wrote "1e+08", and 123456789 keeps its digits ("1.23456789e+08").
// Every rate a run takes (1/86400 to 100000000 calls a second, of up to 17 significant
// figures) is at most 23 characters so written; a number that would be longer, which
// only a message refusing it shows (--rate 1e-300), keeps %g's exponent.
func plain(v float64) string {
	if s := strconv.FormatFloat(v, 'f', -1, 64); len(s) <= 24 {
		return s
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// plural is "1 caller" or "n callers": n of what, a noun that takes an s.
func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// lateReplies returns how many replies to its own calls the client has dropped as
// late.
func (cl *client) lateReplies() uint64 {
	st := cl.drv.Stats().Router
	return st.Late - st.Stale
}
