package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ensroute/ensroute/internal/duration"
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
	routers        int // 0: each seed's spec's own
	// seedTimeout is the wall time one run may take before the sweep stops its
	// worker and fails the seed as timed out (0: no limit).
	seedTimeout time.Duration
	// quitGrace is how long a worker stopped for its time limit has, after SIGQUIT,
	// to print its goroutines and exit before it is ended outright (one that is
	// itself stopped, SIGSTOP, never does). Tests shorten it.
	quitGrace time.Duration

	// startWorker returns the command of one worker process, not yet started; the
	// worker is killed when ctx is done.
	startWorker func(ctx context.Context) (*exec.Cmd, error)
	// terminal reports whether w is a terminal, where the progress bar is drawn.
	terminal func(w io.Writer) bool
	// now is the wall clock of the progress bar and the speeds.
	now func() time.Time
	// signals, when not nil, makes a stop signal end the sweep as ctx being done
	// does (the command's; tests that call do leave it nil).
	signals func(ctx context.Context) (context.Context, context.CancelFunc)
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

// defaultSeedTimeout is sweep --seed-timeout when it is not given: far more than any
// named scenario's run takes (scale, the largest, about 10 s), so that only a run
// that hangs, or a spec far larger than they are, meets it.
const defaultSeedTimeout = 10 * time.Minute

// defaultQuitGrace is sweepOptions.quitGrace.
const defaultQuitGrace = 5 * time.Second

// defaultRecheck is how often a sweep runs a seed twice: every defaultRecheck-th seed.
const defaultRecheck = 50

// newSweepOptions defines the flags of ensim sweep on fs.
func newSweepOptions(fs *flag.FlagSet) *sweepOptions {
	o := &sweepOptions{startWorker: newWorkerCmd, terminal: isTerminal, now: time.Now, quitGrace: defaultQuitGrace}
	fs.StringVar(&o.scenario, "scenario", "", "sweep the named scenario `NAME` (swarm draws its spec per seed)")
	fs.StringVar(&o.spec, "spec", "", "sweep the spec in JSON `FILE`")
	countVar(fs, &o.seeds, "seeds", 0, "run `N` seeds (required)")
	uintVar(fs, &o.from, "from", 1, "the first seed `S`")
	fs.Var(semanticsFlag{&o.sem}, "semantics", "router semantics `MODE`: default (ensroute's, when not given) or riak (the original's)")
	fs.Var(routersFlag{&o.routers}, "routers", "run `N` router instances per node instead of each seed's spec's (1..1024)")
	// GOMAXPROCS, not NumCPU: it follows a container's CPU quota, where a worker per
	// host CPU would oversubscribe the quota (and the memory).
	fs.IntVar(&o.parallel, "parallel", runtime.GOMAXPROCS(0), "run `P` worker processes, by default one per CPU this process may use (a container's quota included); at most 4 per CPU of the machine, or 64 if that is more")
	fs.Var(shardFlag{&o.shard}, "shard", "run only shard `I/N`: the seeds s with (s - S) % N == I-1")
	fs.StringVar(&o.out, "out", "", "write repro files into `DIR` (default: the current directory)")
	fs.BoolVar(&o.keepGoing, "keep-going", false, "run every seed even after a failure")
	fs.BoolVar(&o.json, "json", false, "print the summary as one JSON object")
	uintVar(fs, &o.recheck, "recheck", defaultRecheck, "run every `K`-th seed twice, in two workers, and compare the trace hashes (0: never)")
	o.seedTimeout = defaultSeedTimeout
	fs.Var(timeoutFlag{&o.seedTimeout}, "seed-timeout", "stop a run that takes longer than `DURATION` of wall time (e.g. 90s, 30m), and fail its seed as timed out (0: no limit)")
	return o
}

func sweepFlags(fs *flag.FlagSet) commandFunc {
	o := newSweepOptions(fs)
	o.signals = func(ctx context.Context) (context.Context, context.CancelFunc) {
		return signal.NotifyContext(ctx, handledSignals()...)
	}
	return func(ctx context.Context, pos []string, stdout, stderr io.Writer) int {
		temps.Lock()
		temps.off = true // the repro files it writes are small, and written at once
		temps.Unlock()
		return o.do(ctx, pos, stdout, stderr)
	}
}

// sweepSummary is a sweep's result; its JSON is sweep --json, and what sweep merge
// reads and writes.
type sweepSummary struct {
	Scenario string `json:"scenario"`
	// SpecHash fingerprints what was swept: the first 16 hex digits of the SHA-256
	// of the spec of its first seed, as JSON (a named scenario's as this build draws
	// it; for one drawn from each seed, swarm, the world of seed 1, marked as drawn:
	// sweepSpecHash). Shards of one sweep, and the rests of interrupted ones, have
	// the same; merge refuses to mix others, which a name alone would not tell
	// apart (two edits of one spec file).
	SpecHash string `json:"spec_hash"`
	// ModuleVersion names the build that ran the sweep (scenarios.ModuleVersion):
	// merge refuses shards whose builds it names differ (another revision, tagged
	// version, modified tree or Go release); one without (an older ensim's) is
	// not checked.
	ModuleVersion string `json:"module_version"`
	Semantics     string `json:"semantics"`
	// Routers is sweep --routers: the router instances per node that replaced each
	// seed's spec's; left out when it was not given.
	Routers int    `json:"routers,omitempty"`
	From    uint64 `json:"from"`
	Seeds   uint64 `json:"seeds"`
	// Shard is "I/N"; a merge of shards lists them ("1/3,3/3"), or says "1/1" when
	// they are every shard of the sweep.
	Shard    string `json:"shard"`
	SeedsRun uint64 `json:"seeds_run"`
	// Interrupted: the sweep was stopped before it ran its seeds, by an interrupt, a
	// SIGTERM (a CI time limit) or a SIGHUP, and not by a failure: seeds_run falls
	// short of the seeds for want of time, and Rest names the seeds not covered. Of
	// a merge: seeds are left uncovered, by a rest that no summary given covers, or
	// by a summary without Rest (an older ensim's) that was interrupted or ran fewer
	// of its seeds without a failure.
	Interrupted bool `json:"interrupted"`
	// Rest is what an interrupted sweep did not cover: the seeds of its shard from
	// the first that did not run on, as the sweep that runs them (the same
	// --shard). The summary covers its shard's seeds before them, exactly: a seed
	// past them that ran too is not counted, and runs again with the rest. A merge
	// names the rest of each of its shards that no summary given covered. Left out
	// when the summary covers every seed of its shards (or is an older ensim's).
	Rest      []sweepRest `json:"rest,omitempty"`
	Rechecked uint64      `json:"rechecked"`
	// Failures are sorted by seed.
	Failures     []sweepFailure `json:"failures"`
	SeedsPerSec  float64        `json:"seeds_per_sec"`
	WallNS       int64          `json:"wall_ns"`
	Events       uint64         `json:"events"`
	EventsPerSec float64        `json:"events_per_sec"`
	// Calls, Events and Probes are summed over the seeds run (once each, rechecks
	// aside).
	Calls scenarios.Calls `json:"calls"`
	// Skipped are the workload calls not made, their node down when they were due
	// (not in Calls).
	Skipped uint64 `json:"skipped_calls"`
	// Casts sums the seeds' casts, for a workload that makes some (left out
	// otherwise).
	Casts *scenarios.Casts `json:"casts,omitempty"`
	// Retries sums the seeds' requests, for a workload that retries
	// (workload.retry; left out otherwise); its amplification is the sum's.
	Retries *scenarios.Retries `json:"retries,omitempty"`
	Probes  map[string]uint64  `json:"probes"`
	// ZeroProbes are the probes still at zero that can fire under the sweep's
	// semantics; NotUnder are those that cannot (scenarios.ProbeNotUnder), at zero
	// or not.
	ZeroProbes []string `json:"zero_probes"`
	NotUnder   []string `json:"probes_not_under_semantics"`
}

// sweepRest is the part of one shard a summary does not cover: the seeds of the
// sweep --from From --seeds Seeds --shard Shard, which end where the summary's do.
type sweepRest struct {
	From  uint64 `json:"from"`
	Seeds uint64 `json:"seeds"`
	Shard string `json:"shard"`
}

// sweepFailure is one failing seed.
type sweepFailure struct {
	Seed uint64 `json:"seed"`
	// Invariants are the distinct invariants the seed broke, sorted; Violations the
	// first maxViolations of ViolationsTotal violations (the repro keeps the first
	// scenarios.MaxViolationsKept of each invariant, and counts them all).
	Invariants      []string              `json:"invariants"`
	Violations      []scenarios.Violation `json:"violations"`
	ViolationsTotal int                   `json:"violations_total"`
	// Error says what else went wrong: a worker crashed or wrote garbage, the seed
	// ran twice with different trace hashes, the run could not start.
	Error string `json:"error,omitempty"`
	// TimedOut: the seed's run (or its second run, --recheck) took longer than
	// --seed-timeout and the sweep stopped it: a time limit, not an invariant
	// violation. Left out otherwise.
	TimedOut bool   `json:"timed_out,omitempty"`
	Repro    string `json:"repro,omitempty"`

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
		return usageErr(stderr, syn, "sweep needs --seeds N, the number of seeds to run")
	case o.from+o.seeds-1 < o.from:
		return usageErr(stderr, syn, "--from %d --seeds %d runs past the largest seed", o.from, o.seeds)
	case o.parallel < 1:
		return usageErr(stderr, syn, "--parallel must be at least 1, got %d", o.parallel)
	case o.parallel > maxParallel():
		bound, why := parallelBound(runtime.NumCPU())
		return usageErr(stderr, syn, "--parallel %d is more than %d, %s: the runs are CPU-bound, so more only contend, and each holds a world in memory", o.parallel, bound, why)
	}
	setup := workerSetup{Scenario: o.scenario, Semantics: o.sem.String(), Routers: o.routers}
	var specOf func(seed uint64) scenarios.Spec
	name := o.scenario
	if o.scenario != "" {
		if _, ok := named(o.scenario, o.from, stderr); !ok {
			return exitUsage
		}
		specOf = func(seed uint64) scenarios.Spec {
			s, _ := scenarios.ForSeed(o.scenario, seed)
			return withRouters(s, o.routers)
		}
	} else {
		spec, err := loadSpec(o.spec, "ensim replay %s runs it; its \"spec\" is a spec to sweep", stderr)
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
		spec = withRouters(spec, o.routers)
		specOf = func(uint64) scenarios.Spec { return spec }
		name = spec.Name
	}
	// The repros go to --out, or to the current directory: either is checked.
	if o.out != "" {
		if err := checkOutDir(o.out); err != nil {
			fmt.Fprintf(stderr, "ensim: --out: %v\n", err)
			return exitUsage
		}
	} else if err := checkOutDir("."); err != nil {
		fmt.Fprintf(stderr, "ensim: the current directory, where repros go without --out: %v\n", err)
		return exitUsage
	}
	line, err := json.Marshal(setup)
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	if o.signals != nil {
		// From here on an interrupt, a SIGTERM or a SIGHUP ends the sweep as ctx
		// being done does: the workers are killed and waited for, and the summary of
		// the seeds run so far is printed. Without this the signal would kill ensim
		// alone, and its workers would go on running their seeds with no one to
		// report to. Not before: until now the signal ends ensim at once, which has
		// started nothing, as it must while the spec is read (a read of a pipe
		// nobody writes, or of a mount that hangs, would not see ctx). One the
		// process started with ignored (nohup's SIGHUP) stays ignored.
		var stop context.CancelFunc
		ctx, stop = o.signals(ctx)
		defer stop()
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
	sum.SpecHash = sweepSpecHash(specOf, o.from, scenarios.Drawn(o.scenario))
	sum.ModuleVersion = scenarios.ModuleVersion()
	sum.Routers = o.routers
	// An interrupt that came once every seed had run cut short second runs alone
	// (--recheck): the summary covers every seed, names no rest, and is not marked
	// interrupted, which would leave merge waiting for a rest there is none of.
	sum.Interrupted = s.interrupted && len(sum.Rest) > 0
	for _, seed := range sortedSeeds(s.failures) {
		s.printFailure(stderr, s.failures[seed], s.firsts[seed])
	}
	var werr error
	if o.json {
		b, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
		_, werr = stdout.Write(append(b, '\n'))
	} else {
		_, werr = io.WriteString(stdout, sweepText(sum, s.seeds.count))
	}
	ok := printed(stderr, werr)
	for _, e := range s.errs {
		fmt.Fprintf(stderr, "ensim: sweep: %s\n", e)
	}
	switch {
	case s.interrupted:
		fmt.Fprintf(stderr, "ensim: sweep interrupted after %d of %d seeds\n", sum.SeedsRun, s.seeds.count)
		if len(s.running) > 0 {
			// What was running then, longest first: a seed that hangs, with no
			// --seed-timeout to stop it (or a longer one than the CI job's limit), is
			// named here.
			fmt.Fprintf(stderr, "ensim: running at the interrupt: %s\n", listSome(s.running, 20))
		}
		io.WriteString(stderr, resumeHint(o, s.seeds, s.doneBelow))
		if s.doneBelow >= s.seeds.count {
			fmt.Fprintf(stderr, "ensim: every seed ran before the interrupt, which cut short only second runs (--recheck): the summary covers the whole sweep, and is not marked interrupted\n")
		}
		if len(s.doneAbove) > 0 {
			var past []string
			for _, i := range slices.Sorted(maps.Keys(s.doneAbove)) {
				past = append(past, strconv.FormatUint(s.seeds.at(i), 10))
			}
			fmt.Fprintf(stderr, "ensim: the summary leaves out the seeds that ran past seed %d, the first that did not finish (%s): the rest runs them again\n",
				s.seeds.at(s.doneBelow), listSome(past, 20))
		}
		return exitFail
	case len(sum.Failures) > 0:
		fmt.Fprintf(stderr, "ensim: %s\n", failedLine(sum))
		if line := timedOutLine(sum); line != "" {
			fmt.Fprintf(stderr, "ensim: %s\n", line)
		}
		if sum.SeedsRun < s.seeds.count && !o.keepGoing {
			fmt.Fprintf(stderr, "ensim: stopped at the first failure; --keep-going runs every seed\n")
		}
		if onlyTimedOut(sum.Failures) && len(s.errs) == 0 {
			return exitTimeLimit
		}
		return exitFail
	case len(s.errs) > 0:
		return exitFail
	case !ok:
		return exitUsage
	}
	return exitOK
}

// resumeHint says how to run the rest of an interrupted sweep of seeds, every one
// of which below index k has run (a few above it may have too): the same sweep from
// the seed of index k on, with the same shard. Nothing when none or all of them ran.
func resumeHint(o *sweepOptions, seeds seedRange, k uint64) string {
	if k == 0 || k >= seeds.count {
		return ""
	}
	from, n := restOf(o, seeds, k)
	if o.shard.n == 0 {
		return fmt.Sprintf("ensim: every seed before %d ran; to run the rest, repeat the command with --from %d --seeds %d\n",
			seeds.at(k), from, n)
	}
	// --from counts the seeds of every shard, and may name one of another shard:
	// say where this shard's own seeds pick up from it.
	sh := o.shard.String()
	return fmt.Sprintf("ensim: every seed of shard %s before %d ran; to run the rest, repeat the command with --from %d --seeds %d and the same --shard %s (whose first seed from %d on is %d)\n",
		sh, seeds.at(k), from, n, sh, from, seeds.at(k))
}

// restOf is the --from and --seeds of the sweep that runs the seeds of index k on
// (k < seeds.count) of the sweep o, whose shard's seeds are seeds: with the same
// shard, it runs exactly those, since it starts k whole rounds of the shards later.
func restOf(o *sweepOptions, seeds seedRange, k uint64) (from, n uint64) {
	return o.from + k*seeds.step, o.seeds - k*seeds.step
}

// seedRange is the seeds one sweep process runs: count seeds from first, step apart.
type seedRange struct{ first, step, count uint64 }

func (r seedRange) at(i uint64) uint64 { return r.first + i*r.step }

// holds reports whether seed s is one of the range's.
func (r seedRange) holds(s uint64) bool {
	return r.count > 0 && s >= r.first && (s-r.first)%r.step == 0 && (s-r.first)/r.step < r.count
}

// shardSeeds returns the seeds of shard sh of the n seeds from from on: the seeds s
// with (s - from) % N == I-1.
func shardSeeds(from, n uint64, sh shardSpec) seedRange {
	sh = sh.orWhole()
	if sh.i-1 >= n {
		return seedRange{first: from + sh.i - 1, step: sh.n}
	}
	return seedRange{first: from + sh.i - 1, step: sh.n, count: (n-(sh.i-1)-1)/sh.n + 1}
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

// timeoutFlag is --seed-timeout: a duration of 0 or more, with its unit, read as
// written (duration.Parse): time.ParseDuration cut --seed-timeout 0.4ns to 0, no
// limit at all, the opposite of what was asked.
type timeoutFlag struct{ d *time.Duration }

func (f timeoutFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f timeoutFlag) Set(v string) error {
	d, err := duration.Parse(v)
	var nw *duration.NotWholeError
	switch {
	case errors.As(err, &nw) && nw.Read == 0:
		return fmt.Errorf("%q: %w, and 0 is no limit", v, err)
	case nw != nil:
		return fmt.Errorf("%q: %w", v, err)
	case err != nil && v != "" && strings.Trim(v, "0123456789") == "":
		return fmt.Errorf("%q has no unit: want a duration such as %ss or %sm (0: no limit)", v, v, v)
	case err != nil:
		return fmt.Errorf("%q: want a duration such as 90s, 30m or 2h (0: no limit)", v)
	case d < 0:
		return fmt.Errorf("%q is negative: want a duration of 0 (no limit) or more", v)
	}
	*f.d = d
	return nil
}

// drawnHashSeed is the seed whose world stands for a scenario drawn from each seed
// (swarm) in a sweep's spec hash, whatever seeds the sweep runs.
const drawnHashSeed = 1

// sweepSpecHash is the spec hash of a sweep from seed from on of the spec specOf
// gives each seed: its first seed's spec, or for a scenario drawn from each seed,
// the world of drawnHashSeed, marked as drawn. A drawn scenario's hash is then the
// same for any seed range, as a named scenario's is: the rest of an interrupted
// sweep (another --from) merges with the summary it follows; and it still changes
// when this build draws the worlds otherwise.
func sweepSpecHash(specOf func(seed uint64) scenarios.Spec, from uint64, drawn bool) string {
	if drawn {
		from = drawnHashSeed
	}
	return specHash(specOf(from), drawn)
}

// specHash fingerprints what a sweep runs: a spec as JSON and, for a scenario drawn
// from each seed (swarm), that it is drawn, so that a sweep of a swarm world saved
// as a spec (one world for every seed) is not taken for a shard of the swarm sweep
// whose world it is.
func specHash(spec scenarios.Spec, drawn bool) string {
	b, err := json.Marshal(spec)
	if err != nil {
		return "" // plain data always encodes
	}
	if drawn {
		b = append([]byte("drawn from each seed\n"), b...)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// checkOutDir creates dir if it is missing and checks that a file can be written in
// it, by creating one and removing it: a sweep must not learn only at its first
// failure, perhaps an hour in, that its repros cannot be written.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".ensim-out-check-*")
	if err != nil {
		return fmt.Errorf("%s: a repro file cannot be written there: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("%s: a repro file cannot be written there: removing the file that checked it: %w", dir, err)
	}
	return nil
}

// maxParallel is the most worker processes a sweep takes: 4 per CPU of the machine,
// or 64 on a machine of up to 16 CPUs.
func maxParallel() int {
	n, _ := parallelBound(runtime.NumCPU())
	return n
}

// parallelBound is maxParallel on a machine of cpus CPUs, and why, as --parallel's
// error says it: the bound that applies on that machine, not both, since "4 per CPU
// (or 64)" read as 8 on a machine of 2, whose bound is 64.
func parallelBound(cpus int) (int, string) {
	if n := 4 * cpus; n > 64 {
		return n, fmt.Sprintf("4 worker processes per CPU of this machine's %d", cpus)
	}
	return 64, fmt.Sprintf("the bound on a machine of up to 16 CPUs, and this one has %d (4 worker processes per CPU on a larger one)", cpus)
}
