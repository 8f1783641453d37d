package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// sweepOptions are the flags of ensim sweep, and what a sweep takes from its
// surroundings, which the tests replace.
type sweepOptions struct {
	scenario, spec string
	seeds, from    uint64
	sem            router.Semantics
	parallel       int
	shard          shardSpec
	out            string
	keepGoing      bool
	json           bool
	recheck        uint64

	// startWorker returns the command of one worker process, not yet started; the
	// worker is killed when ctx is done.
	startWorker func(ctx context.Context) (*exec.Cmd, error)
	// terminal reports whether w is a terminal, where the progress bar is drawn.
	terminal func(w io.Writer) bool
	// now is the wall clock of the progress bar and the speeds.
	now func() time.Time
}

// newWorkerCmd is how a sweep starts its workers by default: its own binary, as
// "ensim sweep-worker". This package's TestMain replaces it, because a test's own
// binary is the test binary, which serves as a worker only when told to.
var newWorkerCmd = func(ctx context.Context) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding ensim's own binary: %w", err)
	}
	return exec.CommandContext(ctx, exe, workerCommand), nil
}

// defaultRecheck is how often a sweep runs a seed twice: every defaultRecheck-th seed.
const defaultRecheck = 50

// newSweepOptions defines the flags of ensim sweep on fs.
func newSweepOptions(fs *flag.FlagSet) *sweepOptions {
	o := &sweepOptions{startWorker: newWorkerCmd, terminal: isTerminal, now: time.Now}
	fs.StringVar(&o.scenario, "scenario", "", "sweep the named scenario `NAME` (swarm draws its spec per seed)")
	fs.StringVar(&o.spec, "spec", "", "sweep the spec in JSON `FILE`")
	fs.Uint64Var(&o.seeds, "seeds", 0, "run `N` seeds (required)")
	fs.Uint64Var(&o.from, "from", 1, "the first seed `S`")
	fs.Var(semanticsFlag{&o.sem}, "semantics", "router semantics `MODE`: default or riak")
	fs.IntVar(&o.parallel, "parallel", runtime.NumCPU(), "run `P` worker processes")
	fs.Var(shardFlag{&o.shard}, "shard", "run only shard `I/N`: the seeds s with (s - S) % N == I-1")
	fs.StringVar(&o.out, "out", "", "write repro files into `DIR` (default: the current directory)")
	fs.BoolVar(&o.keepGoing, "keep-going", false, "run every seed even after a failure")
	fs.BoolVar(&o.json, "json", false, "print the summary as one JSON object")
	fs.Uint64Var(&o.recheck, "recheck", defaultRecheck, "run every `K`-th seed twice, in two workers, and compare the trace hashes (0: never)")
	return o
}

func sweepFlags(fs *flag.FlagSet) commandFunc {
	return newSweepOptions(fs).do
}

// sweepSummary is a sweep's result; its JSON is sweep --json, and what sweep merge
// reads and writes.
type sweepSummary struct {
	Scenario  string `json:"scenario"`
	Semantics string `json:"semantics"`
	From      uint64 `json:"from"`
	Seeds     uint64 `json:"seeds"`
	// Shard is "I/N"; a merge of shards lists them ("1/3,3/3"), or says "1/1" when
	// they are every shard of the sweep.
	Shard     string `json:"shard"`
	SeedsRun  uint64 `json:"seeds_run"`
	Rechecked uint64 `json:"rechecked"`
	// Failures are sorted by seed.
	Failures     []sweepFailure `json:"failures"`
	SeedsPerSec  float64        `json:"seeds_per_sec"`
	WallNS       int64          `json:"wall_ns"`
	Events       uint64         `json:"events"`
	EventsPerSec float64        `json:"events_per_sec"`
	// Calls, Events and Probes are summed over the seeds run (once each, rechecks
	// aside).
	Calls      scenarios.Calls   `json:"calls"`
	Probes     map[string]uint64 `json:"probes"`
	ZeroProbes []string          `json:"zero_probes"`
}

// sweepFailure is one failing seed.
type sweepFailure struct {
	Seed uint64 `json:"seed"`
	// Invariants are the distinct invariants the seed broke, sorted; Violations the
	// first maxViolations of ViolationsTotal violations (the repro has them all).
	Invariants      []string              `json:"invariants"`
	Violations      []scenarios.Violation `json:"violations"`
	ViolationsTotal int                   `json:"violations_total"`
	// Error says what else went wrong: a worker crashed or wrote garbage, the seed
	// ran twice with different trace hashes, the run could not start.
	Error string `json:"error,omitempty"`
	Repro string `json:"repro,omitempty"`

	stderr string // what the crashed worker wrote on its stderr
}

func (o *sweepOptions) do(ctx context.Context, pos []string, stdout, stderr io.Writer) int {
	syn := synSweep
	switch {
	case len(pos) > 0:
		return usageErr(stderr, syn, "sweep takes no positional arguments, got %q", pos)
	case (o.scenario == "") == (o.spec == ""):
		return usageErr(stderr, syn, "sweep needs exactly one of --scenario and --spec")
	case o.seeds == 0:
		return usageErr(stderr, syn, "--seeds must be at least 1")
	case o.from+o.seeds-1 < o.from:
		return usageErr(stderr, syn, "--from %d --seeds %d runs past the largest seed", o.from, o.seeds)
	case o.parallel < 1:
		return usageErr(stderr, syn, "--parallel must be at least 1, got %d", o.parallel)
	}
	setup := workerSetup{Scenario: o.scenario, Semantics: o.sem.String()}
	var specOf func(seed uint64) scenarios.Spec
	name := o.scenario
	if o.scenario != "" {
		if _, ok := named(o.scenario, o.from, stderr); !ok {
			return exitUsage
		}
		specOf = func(seed uint64) scenarios.Spec { s, _ := scenarios.ForSeed(o.scenario, seed); return s }
	} else {
		spec, err := loadSpec(o.spec)
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
		b, err := json.Marshal(spec)
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
		setup.Spec = b
		specOf = func(uint64) scenarios.Spec { return spec }
		name = spec.Name
	}
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			fmt.Fprintf(stderr, "ensim: --out: %v\n", err)
			return exitUsage
		}
	}
	line, err := json.Marshal(setup)
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}

	s := &sweeper{
		o:        o,
		ctx:      ctx,
		setup:    append(line, '\n'),
		specOf:   specOf,
		seeds:    shardSeeds(o.from, o.seeds, o.shard),
		events:   make(chan workerEvent),
		failures: map[uint64]*sweepFailure{},
		firsts:   map[uint64]firstRun{},
		probes:   map[string]uint64{},
	}
	if o.terminal(stderr) {
		s.progress = newProgressBar(stderr, s.seeds.count, o.now)
	}
	start := o.now()
	s.run()
	wall := o.now().Sub(start)
	s.progress.clear()

	sum := s.summary(name, wall)
	for _, seed := range sortedSeeds(s.failures) {
		s.printFailure(stderr, s.failures[seed], s.firsts[seed])
	}
	if o.json {
		b, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
		stdout.Write(append(b, '\n'))
	} else {
		io.WriteString(stdout, sweepText(sum, s.seeds.count))
	}
	for _, e := range s.errs {
		fmt.Fprintf(stderr, "ensim: sweep: %s\n", e)
	}
	switch {
	case s.interrupted:
		fmt.Fprintf(stderr, "ensim: sweep interrupted after %d of %d seeds\n", sum.SeedsRun, s.seeds.count)
		return exitFail
	case len(sum.Failures) > 0:
		var seeds []string
		for _, f := range sum.Failures {
			seeds = append(seeds, strconv.FormatUint(f.Seed, 10))
		}
		fmt.Fprintf(stderr, "ensim: %d of %d seed%s run failed: %s\n", len(seeds), sum.SeedsRun, plural(int(sum.SeedsRun)), listSome(seeds, 20))
		if sum.SeedsRun < s.seeds.count && !o.keepGoing {
			fmt.Fprintf(stderr, "ensim: stopped at the first failure; --keep-going runs every seed\n")
		}
		return exitFail
	case len(s.errs) > 0:
		return exitFail
	}
	return exitOK
}

// seedRange is the seeds one sweep process runs: count seeds from first, step apart.
type seedRange struct{ first, step, count uint64 }

func (r seedRange) at(i uint64) uint64 { return r.first + i*r.step }

// shardSeeds returns the seeds of shard sh of the n seeds from from on: the seeds s
// with (s - from) % N == I-1.
func shardSeeds(from, n uint64, sh shardSpec) seedRange {
	sh = sh.orWhole()
	if sh.i-1 >= n {
		return seedRange{first: from + sh.i - 1, step: sh.n}
	}
	return seedRange{first: from + sh.i - 1, step: sh.n, count: (n-(sh.i-1)-1)/sh.n + 1}
}

// sweeper runs one sweep: it hands the seeds to its workers one at a time, and folds
// their results. Its methods run on one goroutine, the sweep's; each worker has one
// more, which reads the worker's stdout and waits for it (read).
type sweeper struct {
	o      *sweepOptions
	ctx    context.Context
	setup  []byte                           // the setup line every worker gets first
	specOf func(seed uint64) scenarios.Spec // a seed's spec, for repros and reruns
	seeds  seedRange
	next   uint64 // the index in seeds of the next seed to hand out

	rechecks []job // second runs waiting for a worker
	events   chan workerEvent
	wg       sync.WaitGroup
	workers  []*worker // started and not yet gone
	started  int       // workers started so far

	stopping    bool // hand out nothing more
	interrupted bool // ctx is done
	progress    *progressBar

	seedsRun, rechecked, eventCount uint64
	calls                           scenarios.Calls
	probes                          map[string]uint64
	failures                        map[uint64]*sweepFailure
	firsts                          map[uint64]firstRun // the first runs of seeds found nondeterministic
	errs                            []string            // what went wrong outside any seed
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
	job     *job   // in flight, nil when idle
	closed  bool   // its stdin is closed: it gets nothing more and exits
	failure string // why the sweep killed it
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
			s.errs = append(s.errs, fmt.Sprintf("starting a worker: %v", err))
			s.stopping = true
			break
		}
	}
	done := s.ctx.Done()
	for len(s.workers) > 0 {
		s.assign()
		select {
		case ev := <-s.events:
			s.handle(ev)
		case <-done:
			done = nil // the workers die with ctx; their events follow
			s.interrupted, s.stopping = true, true
		}
		s.progress.update(s.seedsRun, uint64(len(s.failures)), false)
	}
	s.wg.Wait()
	s.progress.update(s.seedsRun, uint64(len(s.failures)), true)
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

// assign hands a job to every idle worker, and closes the stdin of the idle workers
// that will get nothing more, so that they exit.
func (s *sweeper) assign() {
	for _, w := range s.workers {
		if w.job != nil || w.closed {
			continue
		}
		j := s.nextJob(w)
		if j == nil {
			if s.stopping || s.idle() {
				w.closed = true
				w.stdin.Close()
			}
			continue
		}
		w.job = j
		b, _ := json.Marshal(workerJob{Seed: j.seed})
		// A failed write means the worker is gone; its reader reports how, and the
		// job counts as crashed.
		w.stdin.Write(append(b, '\n'))
	}
}

// nextJob picks w's next job: a second run that another worker made the first of
// (or any, when no other worker is left to take it), else the next seed.
func (s *sweeper) nextJob(w *worker) *job {
	if s.stopping {
		return nil
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
	if s.next < s.seeds.count || len(s.rechecks) > 0 {
		return false
	}
	for _, w := range s.workers {
		if w.job != nil {
			return false
		}
	}
	return true
}

// handle folds one worker event into the sweep.
func (s *sweeper) handle(ev workerEvent) {
	w := ev.w
	if !ev.gone {
		switch j := w.job; {
		case j == nil:
			s.kill(w, fmt.Sprintf("worker %d sent a result for seed %d while it had no job", w.id, ev.res.Seed))
		case ev.res.Seed != j.seed:
			s.kill(w, fmt.Sprintf("worker %d answered for seed %d while running seed %d", w.id, ev.res.Seed, j.seed))
		default:
			w.job = nil
			s.result(w, j, ev.res)
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
	if s.interrupted {
		return
	}
	j := w.job
	switch {
	case j != nil:
		why := w.failure
		switch {
		case why != "":
		case ev.garbage != nil:
			why = fmt.Sprintf("worker %d failed while running seed %d: %v", w.id, j.seed, ev.garbage)
		default:
			why = fmt.Sprintf("worker %d exited (%s) while running seed %d", w.id, exitString(ev.exit), j.seed)
		}
		if j.first == nil {
			s.seedsRun++
		} else {
			s.rechecked++
		}
		s.fail(&sweepFailure{Seed: j.seed, Error: why, stderr: w.stderr.String()})
		if !s.stopping && (s.next < s.seeds.count || len(s.rechecks) > 0) && len(s.workers) < s.o.parallel {
			if err := s.spawn(); err != nil {
				s.errs = append(s.errs, fmt.Sprintf("starting a worker: %v", err))
				s.stopping = true
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

// kill stops a worker that broke the protocol; its job, if any, fails with why.
func (s *sweeper) kill(w *worker, why string) {
	w.failure = why
	w.cancel()
}

// result folds a worker's result for job j into the sweep.
func (s *sweeper) result(w *worker, j *job, res *workerResult) {
	if j.first != nil {
		s.rechecked++
		if res.Error == "" && res.TraceHash != j.first.hash {
			f := &sweepFailure{Seed: j.seed, Error: fmt.Sprintf(
				"nondeterministic: seed %d ran twice with different trace hashes: %s in worker %d, %s in worker %d",
				j.seed, j.first.hash, j.first.worker, res.TraceHash, w.id)}
			s.firsts[j.seed] = *j.first
			if _, ok := s.failures[j.seed]; !ok {
				f.Repro = s.writeRepro(f, scenarios.Report{TraceHash: j.first.hash})
			}
			s.fail(f)
		}
		return
	}
	s.seedsRun++
	s.eventCount += res.Events
	for k, n := range res.Probes {
		s.probes[k] += n
	}
	addCalls(&s.calls, res.Calls)
	if res.failed() {
		f := &sweepFailure{Seed: j.seed, ViolationsTotal: len(res.Violations), Error: res.Error}
		f.Violations = res.Violations[:min(len(res.Violations), maxViolations)]
		seen := map[string]bool{}
		for _, v := range res.Violations {
			if !seen[v.Invariant] {
				seen[v.Invariant] = true
				f.Invariants = append(f.Invariants, v.Invariant)
			}
		}
		sort.Strings(f.Invariants)
		if res.Error == "" {
			f.Repro = s.writeRepro(f, scenarios.Report{Violations: res.Violations, TraceHash: res.TraceHash})
		}
		s.fail(f)
	}
	if res.Error == "" && s.o.recheck > 0 && j.index%s.o.recheck == 0 && !s.stopping {
		s.rechecks = append(s.rechecks, job{seed: j.seed, index: j.index, first: &firstRun{hash: res.TraceHash, worker: w.id}})
	}
}

// writeRepro writes the repro of a failing seed into --out and returns its path; if
// it cannot, it says so in f.Error and returns "".
func (s *sweeper) writeRepro(f *sweepFailure, rep scenarios.Report) string {
	spec := s.specOf(f.Seed)
	path := filepath.Join(s.o.out, defaultReproPath(spec.Name, s.o.sem, f.Seed))
	if err := writeRepro(path, newRepro(spec, f.Seed, s.o.sem, rep)); err != nil {
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

// summary is the sweep's result, after wall time.
func (s *sweeper) summary(name string, wall time.Duration) sweepSummary {
	sum := sweepSummary{
		Scenario:  name,
		Semantics: s.o.sem.String(),
		From:      s.o.from,
		Seeds:     s.o.seeds,
		Shard:     s.o.shard.orWhole().String(),
		SeedsRun:  s.seedsRun,
		Rechecked: s.rechecked,
		Failures:  []sweepFailure{},
		WallNS:    int64(wall),
		Events:    s.eventCount,
		Calls:     s.calls,
		Probes:    s.probes,
	}
	for _, seed := range sortedSeeds(s.failures) {
		sum.Failures = append(sum.Failures, *s.failures[seed])
	}
	sum.finish()
	return sum
}

// finish computes what follows from the counts: the speeds and the zero probes.
func (sum *sweepSummary) finish() {
	if sum.WallNS > 0 {
		sec := time.Duration(sum.WallNS).Seconds()
		sum.SeedsPerSec = float64(sum.SeedsRun) / sec
		sum.EventsPerSec = float64(sum.Events) / sec
	}
	if sum.Probes == nil {
		sum.Probes = map[string]uint64{}
	}
	sum.ZeroProbes = []string{}
	for k, n := range sum.Probes {
		if n == 0 {
			sum.ZeroProbes = append(sum.ZeroProbes, k)
		}
	}
	sort.Strings(sum.ZeroProbes)
	if sum.Failures == nil {
		sum.Failures = []sweepFailure{}
	}
}

// printFailure prints one failing seed: what failed, the first violations, and how to
// run it again; for a nondeterministic seed, where its two traces part, from two more
// runs in this process with the traces kept.
func (s *sweeper) printFailure(w io.Writer, f *sweepFailure, first firstRun) {
	const shown = 3
	switch {
	case f.ViolationsTotal > 0:
		fmt.Fprintf(w, "ensim: seed %d failed: %d invariant violation%s (%s)\n",
			f.Seed, f.ViolationsTotal, plural(f.ViolationsTotal), strings.Join(f.Invariants, ", "))
		for _, v := range f.Violations[:min(len(f.Violations), shown)] {
			fmt.Fprintf(w, "  %s\n", formatViolation(v))
		}
		if f.ViolationsTotal > shown {
			fmt.Fprintf(w, "  and %d more\n", f.ViolationsTotal-shown)
		}
		if f.Error != "" {
			fmt.Fprintf(w, "  %s\n", f.Error)
		}
	default:
		fmt.Fprintf(w, "ensim: seed %d failed: %s\n", f.Seed, f.Error)
	}
	if f.stderr != "" {
		fmt.Fprintf(w, "  the worker's stderr:%s\n", indentStderr(f.stderr))
	}
	if first.hash != "" {
		s.printRerun(w, f.Seed)
	}
	if f.Repro != "" {
		q := shellQuote(f.Repro)
		fmt.Fprintf(w, "  repro written to %s; replay with:\n    ensim replay %s\n", f.Repro, q)
		return
	}
	fmt.Fprintf(w, "  run it alone with:\n    %s\n", s.runCommand(f.Seed))
}

// printRerun runs a seed twice in this process with the traces kept and prints where
// they part (determinism.go); the first diverging record names the culprit.
func (s *sweeper) printRerun(w io.Writer, seed uint64) {
	opt := scenarios.Options{Seed: seed, Semantics: s.o.sem, KeepTrace: true, Bugs: injectBugs}
	spec := s.specOf(seed)
	a, err := simulate(spec, opt)
	if err != nil {
		fmt.Fprintf(w, "  rerun: %v\n", err)
		return
	}
	b, err := simulate(spec, opt)
	if err != nil {
		fmt.Fprintf(w, "  rerun: %v\n", err)
		return
	}
	fmt.Fprintf(w, "  seed %d run twice more, in this process, with the traces kept:\n", seed)
	var buf strings.Builder
	d := compareRuns(a, b)
	printDeterminism(&buf, a, d)
	if d == nil {
		fmt.Fprintf(&buf, "the runs agree here: what differed lies outside one run (state a worker kept from an earlier seed, or the process's environment)\n")
	}
	for _, l := range strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		fmt.Fprintf(w, "    %s", l)
	}
	fmt.Fprintln(w)
}

// runCommand is the ensim run command that runs one seed of the sweep alone.
func (s *sweeper) runCommand(seed uint64) string {
	src := "--scenario " + shellQuote(s.o.scenario)
	if s.o.scenario == "" {
		src = "--spec " + shellQuote(s.o.spec)
	}
	return fmt.Sprintf("ensim run %s --seed %d --semantics %s", src, seed, s.o.sem)
}

// sweepText renders a sweep summary for humans; planned is how many seeds the sweep
// set out to run (0 when unknown, as for a merge).
func sweepText(sum sweepSummary, planned uint64) string {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-13s %s\n", label, fmt.Sprintf(format, args...))
	}
	name := sum.Scenario
	if name == "" {
		name = "(unnamed spec)"
	}
	line("scenario", "%s", name)
	line("semantics", "%s", sum.Semantics)
	seeds := fmt.Sprintf("%d..%d", sum.From, sum.From+sum.Seeds-1)
	if sum.Shard != "1/1" {
		seeds += ", shard " + sum.Shard
	}
	line("seeds", "%s", seeds)
	run := fmt.Sprintf("%d", sum.SeedsRun)
	if planned > 0 && planned != sum.SeedsRun {
		run = fmt.Sprintf("%d of %d", sum.SeedsRun, planned)
	}
	if sum.Rechecked > 0 {
		run += fmt.Sprintf(", %d of them twice (the determinism recheck)", sum.Rechecked)
	}
	line("seeds run", "%s", run)
	if len(sum.Failures) == 0 {
		line("failures", "none")
	} else {
		var seeds []string
		for _, f := range sum.Failures {
			seeds = append(seeds, strconv.FormatUint(f.Seed, 10))
		}
		line("failures", "%d: seed%s %s", len(seeds), plural(len(seeds)), listSome(seeds, 20))
	}
	line("speed", "%s seeds/s, %s wall", strconv.FormatFloat(sum.SeedsPerSec, 'f', 1, 64), humanNS(sum.WallNS))
	line("events", "%d, %s/s", sum.Events, si(sum.EventsPerSec))
	line("calls", "%s", callsText(sum.Calls))

	names := make([]string, 0, len(sum.Probes))
	width := 0
	for k := range sum.Probes {
		names = append(names, k)
		width = max(width, len(k))
	}
	sort.Strings(names)
	label := "probes"
	if len(names) == 0 {
		line(label, "none")
	}
	for _, k := range names {
		mark := ""
		if sum.Probes[k] == 0 {
			mark = "  (never hit)"
		}
		line(label, "%-*s %d%s", width, k, sum.Probes[k], mark)
		label = ""
	}
	if len(names) > 0 {
		line("zero probes", "%d of %d", len(sum.ZeroProbes), len(names))
	}
	return b.String()
}

// addCalls adds c to sum.
func addCalls(sum *scenarios.Calls, c scenarios.Calls) {
	sum.Total += c.Total
	sum.OK += c.OK
	sum.Timeout += c.Timeout
	sum.NoLeader += c.NoLeader
	sum.NotLeader += c.NotLeader
	sum.Unreachable += c.Unreachable
	sum.HopLimit += c.HopLimit
	sum.Overloaded += c.Overloaded
	sum.Other += c.Other
	sum.Lost += c.Lost
}

func sortedSeeds(m map[uint64]*sweepFailure) []uint64 {
	seeds := make([]uint64, 0, len(m))
	for s := range m {
		seeds = append(seeds, s)
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	return seeds
}

// listSome joins the first n items with commas, then says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
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

// shardSpec is one shard, I of N (1-based); the zero value is the whole, 1/1.
type shardSpec struct{ i, n uint64 }

func (s shardSpec) orWhole() shardSpec {
	if s.n == 0 {
		return shardSpec{1, 1}
	}
	return s
}

func (s shardSpec) String() string {
	s = s.orWhole()
	return fmt.Sprintf("%d/%d", s.i, s.n)
}

// parseShard reads "I/N" with 1 <= I <= N.
func parseShard(v string) (shardSpec, error) {
	is, ns, ok := strings.Cut(v, "/")
	i, err1 := strconv.ParseUint(is, 10, 64)
	n, err2 := strconv.ParseUint(ns, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return shardSpec{}, fmt.Errorf("%q: want I/N with 1 <= I <= N, e.g. 1/4", v)
	}
	return shardSpec{i, n}, nil
}

// shardFlag is --shard.
type shardFlag struct{ s *shardSpec }

func (f shardFlag) String() string {
	if f.s == nil {
		return ""
	}
	return f.s.String()
}

func (f shardFlag) Set(v string) error {
	s, err := parseShard(v)
	if err != nil {
		return err
	}
	*f.s = s
	return nil
}
