package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// sweeper runs one sweep: it hands the seeds to its workers, up to workerDepth at a
// time each, and folds their results. Its methods run on one goroutine, the sweep's;
// each worker has one more, which reads the worker's stdout and waits for it (read).
type sweeper struct {
	o      *sweepOptions
	ctx    context.Context
	setup  []byte                           // the setup line every worker gets first
	specOf func(seed uint64) scenarios.Spec // a seed's spec, for repros and reruns
	seeds  seedRange
	next   uint64 // the index in seeds of the next seed to hand out

	rechecks []job // second runs waiting for a worker
	orphans  []job // seeds handed to a worker that died before it started them
	events   chan workerEvent
	wg       sync.WaitGroup
	workers  []*worker // started and not yet gone
	started  int       // workers started so far

	stopping    bool // hand out nothing more
	interrupted bool // ctx is done
	// running names the seeds that were running when ctx was done, longest first,
	// with how long they had run and in which worker.
	running  []string
	progress *progressBar

	// doneBelow is the index in seeds below which every seed has run; doneAbove the
	// indexes above it that have run too (workers finish seeds out of order). An
	// interrupted sweep says where to start again from it, and its summary covers
	// the seeds below it alone.
	doneBelow uint64
	doneAbove map[uint64]bool

	// seedsRun and rechecked count every first and second run that ended, for the
	// progress bar. The summary's counts (covered, and the fields after it) are of
	// the seeds below doneBelow, each added once doneBelow has passed it; past holds
	// the counts of the seeds in doneAbove until then. A sweep that ends with seeds
	// still in past adds them too, unless it was interrupted: then the summary is of
	// the seeds before its first that did not run, exactly, and the seeds past it run
	// again with the rest.
	seedsRun, rechecked uint64
	covered             seedCounts
	past                map[uint64]*seedCounts

	eventCount uint64
	calls      scenarios.Calls
	skipped    uint64
	casts      *scenarios.Casts
	retries    *scenarios.Retries
	probes     map[string]uint64
	failures   map[uint64]*sweepFailure
	firsts     map[uint64]firstRun // the first runs of seeds found nondeterministic
	errs       []string            // what went wrong outside any seed
}

// seedCounts is what seeds add to a sweep's summary besides their failures: the
// seeds, their second runs, and (in past only) their events, calls and probes.
type seedCounts struct {
	seeds, rechecked uint64
	events, skipped  uint64
	calls            scenarios.Calls
	casts            *scenarios.Casts
	retries          *scenarios.Retries
	probes           map[string]uint64
}

// job is one run handed to a worker.
type job struct {
	seed  uint64
	index uint64    // the seed's index in the sweep's seedRange
	first *firstRun // for the second run of a rechecked seed: the first
}

// firstRun is the first of a rechecked seed's two runs.
type firstRun struct {
	hash   string
	worker int
}

// worker is one worker process.
type worker struct {
	id      int
	cmd     *exec.Cmd
	cancel  context.CancelFunc // kills the process
	stdin   io.WriteCloser
	stderr  *headBuffer
	jobs    []*job // handed to it and not answered yet, oldest (the one it runs) first
	closed  bool   // its stdin is closed: it gets nothing more and exits
	dropped bool   // the stopping sweep killed it: it had only jobs it no longer wants
	failure string // why the sweep killed it

	// since is when it began the job it runs, jobs[0]: when it was handed it, or
	// answered the one before. --seed-timeout counts from there.
	since time.Time
	// quitAt is when the sweep sent it SIGQUIT for running past --seed-timeout;
	// ended, that its context was canceled after quitGrace, as it had not exited.
	quitAt time.Time
	ended  bool
}

// workerEvent is what a worker's reading goroutine reports: a result, or, last, that
// the worker is gone (its stdout ended or held garbage, and it was waited for).
type workerEvent struct {
	w       *worker
	res     *workerResult
	gone    bool
	garbage error // why its stdout was not read to the end
	exit    error // cmd.Wait's
}

// run starts the workers and hands out every seed, then waits for every worker and
// every goroutine it started.
func (s *sweeper) run() {
	for range min(uint64(s.o.parallel), s.seeds.count) {
		if err := s.spawn(); err != nil {
			s.spawnFailed(err)
			break
		}
	}
	done := s.ctx.Done()
	// One timer serves every worker's --seed-timeout: it is set, each time round, to
	// the soonest of their deadlines.
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for len(s.workers) > 0 {
		s.assign()
		var limit <-chan time.Time
		if at, ok := s.deadline(); ok && !s.interrupted { // after an interrupt, ctx ends every worker
			timer.Reset(time.Until(at))
			limit = timer.C
		}
		select {
		case ev := <-s.events:
			s.handle(ev)
		case <-done:
			done = nil // the workers die with ctx; their events follow
			if !s.interrupted {
				s.running = s.inFlight(time.Now())
			}
			s.interrupted, s.stopping = true, true
		case now := <-limit:
			s.timeLimit(now)
		}
		s.progress.update(s.seedsRun, uint64(len(s.failures)), false)
	}
	s.wg.Wait()
	s.progress.update(s.seedsRun, uint64(len(s.failures)), true)
}

// deadline is the soonest moment at which a worker's run reaches --seed-timeout, or
// a worker sent SIGQUIT for that reaches the end of its grace; false when there is
// none (no limit, or no run under way).
func (s *sweeper) deadline() (time.Time, bool) {
	var at time.Time
	for _, w := range s.workers {
		var d time.Time
		switch {
		case w.ended:
			continue
		case !w.quitAt.IsZero():
			d = w.quitAt.Add(s.o.quitGrace)
		case s.o.seedTimeout > 0 && len(w.jobs) > 0 && w.failure == "" && !w.dropped:
			d = w.since.Add(s.o.seedTimeout)
		default:
			continue
		}
		if at.IsZero() || d.Before(at) {
			at = d
		}
	}
	return at, !at.IsZero()
}

// timeLimit stops every worker whose run has taken --seed-timeout or longer, at now:
// SIGQUIT first, on which a Go program prints every goroutine's stack to its stderr
// (the failure shows it: where the run was stuck) and exits; then, a worker that has
// not exited after quitGrace (one stopped by SIGSTOP, or that ignores SIGQUIT) is
// ended by its context. The run's seed fails as timed out when the worker is gone
// (handle).
func (s *sweeper) timeLimit(now time.Time) {
	for _, w := range s.workers {
		switch {
		case w.ended:
		case !w.quitAt.IsZero():
			if !now.Before(w.quitAt.Add(s.o.quitGrace)) {
				w.ended = true
				w.cancel()
			}
		case s.o.seedTimeout > 0 && len(w.jobs) > 0 && w.failure == "" && !w.dropped && now.Sub(w.since) >= s.o.seedTimeout:
			j := w.jobs[0]
			run := fmt.Sprintf("seed %d", j.seed)
			if j.first != nil {
				run = fmt.Sprintf("the second run of seed %d (--recheck)", j.seed)
			}
			w.failure = fmt.Sprintf("timed out: %s ran longer than --seed-timeout %s in worker %d, which was stopped: a time limit, not an invariant violation",
				run, s.o.seedTimeout, w.id)
			// It gets nothing more; its answer, if it comes before it exits, is not
			// taken (handle): the seed is failed as timed out all the same.
			w.closed = true
			w.quitAt = now
			if err := w.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
				w.ended = true
				w.cancel()
			}
		}
	}
}

// inFlight names the runs under way at now, longest first: "seed S (for D, worker
// N)", or "the second run of seed S (--recheck, for D, worker N)" for the second run of a
// rechecked seed, which the summary counts as run already (its first run finished),
// so that the line does not seem to contradict "every seed before ... ran". The
// line joins them with commas, so no item has a comma outside its parentheses.
func (s *sweeper) inFlight(now time.Time) []string {
	ws := slices.Clone(s.workers)
	// A worker stopped for --seed-timeout is not running its seed any more: the seed
	// fails as timed out.
	ws = slices.DeleteFunc(ws, func(w *worker) bool { return len(w.jobs) == 0 || w.dropped || !w.quitAt.IsZero() })
	slices.SortStableFunc(ws, func(a, b *worker) int { return a.since.Compare(b.since) })
	var out []string
	for _, w := range ws {
		d := now.Sub(w.since).Round(time.Millisecond)
		run, recheck := fmt.Sprintf("seed %d", w.jobs[0].seed), ""
		if w.jobs[0].first != nil {
			run, recheck = "the second run of "+run, "--recheck, "
		}
		out = append(out, fmt.Sprintf("%s (%sfor %s, worker %d)", run, recheck, d, w.id))
	}
	return out
}

// workerDepth is how many jobs a worker is handed ahead of its answers: the one it
// runs and the next, so that it never waits for the sweep between seeds (a result's
// way to the sweep and the next job's way back cost a worker a few percent of its
// time when it had to wait for them).
const workerDepth = 2

// spawnFailed stops the sweep because a worker could not be started. Once ctx is
// done that is the interrupt, not an error: a worker started with a done context
// fails to start.
func (s *sweeper) spawnFailed(err error) {
	s.stopping = true
	if s.ctx.Err() != nil {
		s.interrupted = true
		return
	}
	s.errs = append(s.errs, fmt.Sprintf("starting a worker: %v", err))
}

// spawn starts one more worker and its reading goroutine.
func (s *sweeper) spawn() error {
	ctx, cancel := context.WithCancel(s.ctx)
	cmd, err := s.o.startWorker(ctx)
	if err != nil {
		cancel()
		return err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return err
	}
	errBuf := &headBuffer{max: 8 << 10}
	cmd.Stderr = errBuf
	if err := cmd.Start(); err != nil {
		cancel()
		return err
	}
	s.started++
	w := &worker{id: s.started, cmd: cmd, cancel: cancel, stdin: stdin, stderr: errBuf}
	s.workers = append(s.workers, w)
	s.wg.Add(1)
	go s.read(w, stdout)
	// A failed write means the worker is already gone; its reader reports how.
	stdin.Write(s.setup)
	return nil
}

// read is a worker's reading goroutine: it passes every result line on to the sweep,
// then waits for the worker and reports it gone. It kills a worker that writes
// anything but a result.
func (s *sweeper) read(w *worker, stdout io.Reader) {
	defer s.wg.Done()
	r := bufio.NewReader(stdout)
	var garbage error
	for {
		line, err := readLine(r)
		if err != nil {
			if err != io.EOF {
				garbage = fmt.Errorf("reading its output: %v", err)
			}
			break
		}
		res := new(workerResult)
		if err := decodeStrict(line, res); err != nil {
			garbage = fmt.Errorf("it wrote garbage: %q (%v)", clip(string(line), 80), err)
			break
		}
		s.events <- workerEvent{w: w, res: res}
	}
	if garbage != nil {
		w.cancel()
	}
	exit := w.cmd.Wait()
	s.events <- workerEvent{w: w, gone: true, garbage: garbage, exit: exit}
}

// assign tops every worker up to workerDepth jobs, a job a worker at a time, so that
// the first jobs go one to each worker; and it closes the stdin of the idle workers
// that will get nothing more, so that they exit.
func (s *sweeper) assign() {
	for depth := 1; depth <= workerDepth; depth++ {
		for _, w := range s.workers {
			if w.closed || len(w.jobs) >= depth {
				continue
			}
			j := s.nextJob(w)
			if j == nil {
				if len(w.jobs) == 0 && (s.stopping || s.idle()) {
					w.closed = true
					w.stdin.Close()
				}
				continue
			}
			if len(w.jobs) == 0 {
				w.since = time.Now()
			}
			w.jobs = append(w.jobs, j)
			b, _ := json.Marshal(workerJob{Seed: j.seed, Hash: s.hashed(j)})
			// A failed write means the worker is gone; its reader reports how, and
			// the job counts as crashed.
			w.stdin.Write(append(b, '\n'))
		}
	}
}

// hashed reports whether job j needs its run's trace hash: a recheck, or a seed
// that result will queue for one.
func (s *sweeper) hashed(j *job) bool {
	return j.first != nil || s.o.recheck > 0 && j.index%s.o.recheck == 0
}

// nextJob picks w's next job: one a dead worker never started, else a second run that
// another worker made the first of (or any, when no other worker is left to take
// it), else the next seed.
func (s *sweeper) nextJob(w *worker) *job {
	if s.stopping {
		return nil
	}
	if n := len(s.orphans); n > 0 {
		j := s.orphans[0]
		s.orphans = s.orphans[1:]
		return &j
	}
	for k, j := range s.rechecks {
		if j.first.worker != w.id || !s.otherWorker(w) {
			s.rechecks = append(s.rechecks[:k], s.rechecks[k+1:]...)
			return &j
		}
	}
	if s.next >= s.seeds.count {
		return nil
	}
	j := &job{seed: s.seeds.at(s.next), index: s.next}
	s.next++
	return j
}

// otherWorker reports whether a worker other than w can still take jobs.
func (s *sweeper) otherWorker(w *worker) bool {
	for _, v := range s.workers {
		if v != w && !v.closed {
			return true
		}
	}
	return false
}

// idle reports whether the sweep has handed out every job it will ever have: no seed
// left, no second run waiting and none in flight that could ask for one.
func (s *sweeper) idle() bool {
	if s.next < s.seeds.count || len(s.rechecks) > 0 || len(s.orphans) > 0 {
		return false
	}
	for _, w := range s.workers {
		if len(w.jobs) > 0 {
			return false
		}
	}
	return true
}

// handle folds one worker event into the sweep.
func (s *sweeper) handle(ev workerEvent) {
	w := ev.w
	if !ev.gone {
		switch {
		case !w.quitAt.IsZero():
			// Stopped for its time limit: an answer that came meanwhile is not
			// taken, and its run fails as timed out when it is gone.
		case len(w.jobs) == 0:
			s.kill(w, fmt.Sprintf("worker %d sent a result for seed %d while it had no job", w.id, ev.res.Seed))
		case ev.res.Seed != w.jobs[0].seed:
			s.kill(w, fmt.Sprintf("worker %d answered for seed %d while running seed %d", w.id, ev.res.Seed, w.jobs[0].seed))
		default:
			j := w.jobs[0]
			w.jobs = w.jobs[1:]
			w.since = time.Now() // it runs the next job, if it has one, from now
			s.result(w, j, ev.res)
			if s.stopping && len(w.jobs) > 0 {
				// The sweep stops, and w has been handed jobs beyond the one it
				// ran: they are not wanted (a sweep stops at its first failure
				// with no more seeds run than if each worker had had one job).
				w.dropped, w.closed, w.jobs = true, true, nil
				w.cancel()
			}
		}
		return
	}
	for k, v := range s.workers {
		if v == w {
			s.workers = append(s.workers[:k], s.workers[k+1:]...)
			break
		}
	}
	w.cancel()
	if s.ctx.Err() != nil {
		// ctx's end kills every worker, and a worker's end can reach this loop
		// before ctx's does: it died of the interrupt, not of its seed.
		s.interrupted, s.stopping = true, true
	}
	if w.dropped || (s.interrupted && w.quitAt.IsZero()) {
		// A dropped worker's answers after it was ended, if any, were for jobs not
		// wanted. A worker already stopped for --seed-timeout when the interrupt
		// came fails its seed as timed out all the same: that was known before,
		// and a rest must not run the seed again.
		return
	}
	// The job it was running, if any; the one after it never started. A worker that
	// died between two seeds is taken to have died running the next: nothing tells
	// the two apart, and a crash there is as much the sweep's to report.
	var j *job
	if len(w.jobs) > 0 {
		j = w.jobs[0]
		for _, o := range w.jobs[1:] {
			if o.first != nil {
				s.rechecks = append(s.rechecks, *o) // still owed to a worker other than the first run's
			} else {
				s.orphans = append(s.orphans, *o)
			}
		}
		w.jobs = nil
	}
	switch {
	case j != nil:
		why := w.failure
		switch {
		case why != "":
		case ev.garbage != nil:
			why = fmt.Sprintf("worker %d failed while running seed %d: %v", w.id, j.seed, ev.garbage)
		default:
			why = fmt.Sprintf("worker %d exited (%s) while running seed %d", w.id, exitString(ev.exit), j.seed)
			if p := panicLine(w.stderr.String()); p != "" {
				why += ": " + p
			} else if killed(ev.exit) {
				why += " (killed from outside: out of memory? The kernel's log, dmesg, says)"
			}
		}
		if j.first == nil {
			s.seedsRun++
			s.seedRan(j.index, &seedCounts{seeds: 1})
		} else {
			s.rechecked++
			s.recheckedSeed(j.index)
		}
		timedOut := !w.quitAt.IsZero()
		f := &sweepFailure{Seed: j.seed, Error: why, TimedOut: timedOut, stderr: w.stderr.String()}
		if (w.failure == "" || timedOut) && ev.garbage == nil {
			// The worker crashed on its own, or ran past --seed-timeout, running
			// this seed: its spec, seed and semantics are known, and ensim run or
			// replay reproduce the crash (or run the seed with no time limit).
			if old, ok := s.failures[j.seed]; !ok || old.Repro == "" {
				// A worker killed from outside says so in the repro, whose replay may
				// run clean; a crash of its own (a panic) replays as one. (The field
				// is written only there: an older ensim refuses a repro with it.) So
				// does one stopped for its time limit: a replay may end, or not.
				crash := ""
				if killed(ev.exit) {
					crash = why
				}
				if timedOut {
					crash = why
				}
				f.Repro = s.writeRepro(f, scenarios.Report{}, crash)
			}
		}
		s.fail(f)
		if !s.stopping && (s.next < s.seeds.count || len(s.rechecks) > 0 || len(s.orphans) > 0) && len(s.workers) < s.o.parallel {
			if err := s.spawn(); err != nil {
				s.spawnFailed(err)
			}
		}
	case w.failure != "":
		s.errs = append(s.errs, w.failure)
		s.stopping = true
	case ev.garbage != nil:
		s.errs = append(s.errs, fmt.Sprintf("worker %d failed between jobs: %v", w.id, ev.garbage))
		s.stopping = true
	case !w.closed:
		s.errs = append(s.errs, fmt.Sprintf("worker %d exited (%s) between jobs%s", w.id, exitString(ev.exit), indentStderr(w.stderr.String())))
		s.stopping = true
	case ev.exit != nil:
		s.errs = append(s.errs, fmt.Sprintf("worker %d exited (%s) after its last job%s", w.id, exitString(ev.exit), indentStderr(w.stderr.String())))
	}
}

// panicLine is the line of a worker's stderr that names its panic ("panic: ..."),
// or "" when there is none.
func panicLine(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "panic: ") {
			return clip(line, 200)
		}
	}
	return ""
}

// kill stops a worker that broke the protocol; its job, if any, fails with why.
func (s *sweeper) kill(w *worker, why string) {
	w.failure = why
	w.cancel()
}

// result folds a worker's result for job j into the sweep.
func (s *sweeper) result(w *worker, j *job, res *workerResult) {
	if j.first != nil {
		s.rechecked++
		s.recheckedSeed(j.index)
		if res.Error == "" && res.TraceHash != j.first.hash {
			f := &sweepFailure{Seed: j.seed, Error: fmt.Sprintf(
				"nondeterministic: seed %d ran twice with different trace hashes: %s in worker %d, %s in worker %d",
				j.seed, j.first.hash, j.first.worker, res.TraceHash, w.id)}
			s.firsts[j.seed] = *j.first
			if _, ok := s.failures[j.seed]; !ok {
				f.Repro = s.writeRepro(f, scenarios.Report{TraceHash: j.first.hash}, "")
			}
			s.fail(f)
		}
		return
	}
	s.seedsRun++
	s.seedRan(j.index, &seedCounts{seeds: 1, events: res.Events, skipped: res.SkippedCalls, calls: res.Calls, casts: res.Casts, retries: res.Retries, probes: res.Probes})
	if res.failed() {
		f := &sweepFailure{Seed: j.seed, ViolationsTotal: int(res.ViolationsTotal), Error: res.Error}
		// A copy: the result holds up to scenarios.MaxViolationsKept of each invariant,
		// and a slice of it would keep them all alive as long as the sweep runs.
		f.Violations = slices.Clone(res.Violations[:min(len(res.Violations), maxViolations)])
		seen := map[string]bool{}
		for _, v := range res.Violations {
			if !seen[v.Invariant] {
				seen[v.Invariant] = true
				f.Invariants = append(f.Invariants, v.Invariant)
			}
		}
		sort.Strings(f.Invariants)
		if res.Error == "" {
			f.Repro = s.writeRepro(f, scenarios.Report{Violations: res.Violations, ViolationsTotal: res.ViolationsTotal,
				ViolationCounts: res.ViolationCounts, TraceHash: res.TraceHash}, "")
		}
		s.fail(f)
	}
	if res.Error == "" && s.hashed(j) && !s.stopping {
		s.rechecks = append(s.rechecks, job{seed: j.seed, index: j.index, first: &firstRun{hash: res.TraceHash, worker: w.id}})
	}
}

// seedRan records that the seed of index i in seeds ran once, and what it adds to
// the summary once every seed before it has run too.
func (s *sweeper) seedRan(i uint64, c *seedCounts) {
	if s.past == nil {
		s.past = map[uint64]*seedCounts{}
	}
	s.past[i] = c
	s.ran(i)
}

// ran records that the seed of index i in seeds has run, and adds the counts in past
// of every seed doneBelow passes.
func (s *sweeper) ran(i uint64) {
	if i != s.doneBelow {
		if s.doneAbove == nil {
			s.doneAbove = map[uint64]bool{}
		}
		s.doneAbove[i] = true
		return
	}
	for {
		s.count(s.past[s.doneBelow])
		delete(s.past, s.doneBelow)
		s.doneBelow++
		if !s.doneAbove[s.doneBelow] {
			return
		}
		delete(s.doneAbove, s.doneBelow)
	}
}

// recheckedSeed records the second run of the seed of index i, which has run once.
func (s *sweeper) recheckedSeed(i uint64) {
	if c := s.past[i]; c != nil { // not yet added
		c.rechecked++
		return
	}
	s.covered.rechecked++
}

// count adds the counts of a seed below doneBelow to the summary (nil adds nothing).
func (s *sweeper) count(c *seedCounts) {
	if c == nil {
		return
	}
	s.covered.seeds += c.seeds
	s.covered.rechecked += c.rechecked
	s.eventCount += c.events
	s.skipped += c.skipped
	addCalls(&s.calls, c.calls)
	addCasts(&s.casts, c.casts)
	addRetries(&s.retries, c.retries)
	for k, n := range c.probes {
		if s.probes == nil {
			s.probes = map[string]uint64{}
		}
		s.probes[k] += n
	}
}

// settle ends the sweep's counts: a sweep that was not interrupted adds the seeds
// still past doneBelow (it stopped at a failure, with seeds before one of them never
// run), in order; an interrupted one leaves them out.
func (s *sweeper) settle() {
	if s.interrupted {
		return
	}
	idx := make([]uint64, 0, len(s.past))
	for i := range s.past {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		s.count(s.past[i])
		delete(s.past, i)
	}
}

// coveredSeed reports whether the summary covers the seed: an interrupted sweep's,
// only the seeds below doneBelow.
func (s *sweeper) coveredSeed(seed uint64) bool {
	return !s.interrupted || (seed-s.seeds.first)/s.seeds.step < s.doneBelow
}

// writeRepro writes the repro of a failing seed into --out and returns its path; if
// it cannot, it says so in f.Error and returns "".
func (s *sweeper) writeRepro(f *sweepFailure, rep scenarios.Report, crash string) string {
	spec := s.specOf(f.Seed)
	path := filepath.Join(s.o.out, defaultReproPath(spec.Name, s.o.sem, f.Seed, s.o.routers))
	if sameFile(path, s.o.spec) {
		f.Error = joinErr(f.Error, fmt.Sprintf("repro not written: %s is the spec this sweep reads (--spec); give the run below --repro FILE, or sweep with --out naming another directory", path))
		return ""
	}
	rp := scenarios.NewRepro(spec, f.Seed, s.o.sem, rep)
	rp.Crash = crash
	if err := writeRepro(path, rp); err != nil {
		f.Error = joinErr(f.Error, "repro not written: "+err.Error())
		return ""
	}
	return path
}

// fail records a failing seed, merging with what the seed already failed with, and
// stops the sweep unless --keep-going.
func (s *sweeper) fail(f *sweepFailure) {
	if old, ok := s.failures[f.Seed]; ok {
		old.Error = joinErr(old.Error, f.Error)
		if old.Repro == "" {
			old.Repro = f.Repro
		}
		if old.stderr == "" {
			old.stderr = f.stderr
		}
		old.TimedOut = old.TimedOut || f.TimedOut
	} else {
		if f.Invariants == nil {
			f.Invariants = []string{}
		}
		if f.Violations == nil {
			f.Violations = []scenarios.Violation{}
		}
		s.failures[f.Seed] = f
	}
	if !s.o.keepGoing {
		s.stopping = true
	}
}

func joinErr(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// exitString says how a worker ended, from cmd.Wait's error.
func exitString(err error) string {
	if err == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ProcessState.String()
	}
	return err.Error()
}

// killed reports whether err is the exit of a process ended by SIGKILL, which
// ensim never sends a worker running a seed: the kernel's out-of-memory killer or an
// operator did.
func killed(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// indentStderr renders a worker's stderr as indented lines after a newline; "" for
// none.
func indentStderr(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "\n    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// clip shortens s to at most n bytes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// headBuffer keeps the first max bytes written to it, and says when it dropped more.
// A worker's stderr goes here: the start of a panic is what names it.
type headBuffer struct {
	max     int
	b       []byte
	dropped bool
}

func (h *headBuffer) Write(p []byte) (int, error) {
	room := h.max - len(h.b)
	if len(p) > room {
		h.dropped = true
		h.b = append(h.b, p[:max(room, 0)]...)
	} else {
		h.b = append(h.b, p...)
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	if h.dropped {
		return string(h.b) + "\n[...]"
	}
	return string(h.b)
}
