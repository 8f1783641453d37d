package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/signal"
	"slices"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// The sweep's worker protocol. ensim sweep starts P processes of its own binary as
// "ensim sweep-worker" (a hidden command) and talks to each over its stdin and stdout,
// one JSON object per line:
//
//	parent -> worker  one workerSetup, then one workerJob per run
//	worker -> parent  one workerResult per job, in order, flushed at once
//
// The worker runs its jobs one after another and exits 0 when its stdin closes.
// Anything else on its stdout is garbage, and any other exit is a crash: the parent
// reports either as a failure of the seed the worker was running.

// workerCommand is the hidden command that serves the protocol.
const workerCommand = "sweep-worker"

// workerSetup says what every job of a worker runs: a named scenario, drawn per seed
// with scenarios.ForSeed, or one fixed spec; and the semantics.
type workerSetup struct {
	Scenario  string          `json:"scenario,omitempty"`
	Spec      json.RawMessage `json:"spec,omitempty"`
	Semantics string          `json:"semantics"`
	// Routers, when not 0, replaces each seed's spec's router count (sweep --routers).
	Routers int `json:"routers,omitempty"`
}

// workerJob asks for one run.
type workerJob struct {
	Seed uint64 `json:"seed"`
	// Hash asks for the run's trace hash: the sweep compares it for the seeds it
	// rechecks. Other seeds run without one, which saves building and hashing every
	// trace record; a seed that fails runs again with it, for its repro.
	Hash bool `json:"hash,omitempty"`
}

// workerResult is one run, compactly: enough for the sweep's summary and for a repro.
// Error is set, and the rest empty, when the run could not start (a bad spec).
type workerResult struct {
	Seed  uint64 `json:"seed"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// Violations are those the run's report kept (the first
	// scenarios.MaxViolationsKept of each invariant); ViolationsTotal and
	// ViolationCounts count every one, as the report does.
	Violations      []scenarios.Violation `json:"violations"`
	ViolationsTotal uint64                `json:"violations_total"`
	ViolationCounts map[string]uint64     `json:"violation_counts,omitempty"`
	TraceHash       string                `json:"trace_hash"`
	Events          uint64                `json:"events"`
	WallNS          int64                 `json:"wall_ns"`
	Probes          map[string]uint64     `json:"probes"`
	Calls           scenarios.Calls       `json:"calls"`
	SkippedCalls    uint64                `json:"skipped_calls"`
	Casts           *scenarios.Casts      `json:"casts,omitempty"`
	Retries         *scenarios.Retries    `json:"retries,omitempty"`
}

// sameViolations reports whether a and b found the same violations: those kept, and
// the counts of all.
func (a *workerResult) sameViolations(b *workerResult) bool {
	return a.ViolationsTotal == b.ViolationsTotal && maps.Equal(a.ViolationCounts, b.ViolationCounts) &&
		slices.Equal(a.Violations, b.Violations)
}

// failed reports whether the run broke an invariant or could not run.
func (r *workerResult) failed() bool {
	return !r.OK || r.Error != "" || len(r.Violations) > 0
}

// injectBugs is switched on only by this package's TestMain, in worker mode, so that
// the tests can show a sweep catching each router bug. The shipped binary never sets
// it and has no flag for it.
var injectBugs bugs.Set

// workerHook, when set (only by this package's TestMain, in worker mode), sees the
// n-th result (1-based) of the worker before it is sent; the tests use it to crash a
// worker, make it print garbage or make its trace hashes unstable.
var workerHook func(n int, res *workerResult)

// workerMain is "ensim sweep-worker": it serves the protocol on in and stdout.
func workerMain(args []string, in io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "ensim %s: takes no arguments, got %q\n", workerCommand, args)
		return exitUsage
	}
	// A Ctrl-C at a terminal reaches the whole process group, the workers too, and so
	// do a SIGTERM sent to the group (a service manager's stop) and the SIGHUP of a
	// terminal that goes. The sweep handles them: it kills its workers (SIGKILL) and
	// reports the seeds run so far. A worker that died of one first would be
	// reported as a crash of its seed. A worker whose sweep is gone ends at the end
	// of its input.
	signal.Ignore(stopSignals...)
	if err := serveWorker(in, stdout); err != nil {
		fmt.Fprintf(stderr, "ensim %s: %v\n", workerCommand, err)
		return exitUsage
	}
	return exitOK
}

// serveWorker reads a setup and then jobs from in, and answers each job on out.
func serveWorker(in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	line, err := readLine(r)
	if err == io.EOF {
		return nil // the parent had nothing for us
	}
	if err != nil {
		return err
	}
	var setup workerSetup
	if err := decodeStrict(line, &setup); err != nil {
		return fmt.Errorf("bad setup: %v", err)
	}
	sem, err := router.ParseSemantics(setup.Semantics)
	if err != nil || setup.Semantics == "" {
		return fmt.Errorf("bad setup: semantics %q, want default or riak", setup.Semantics)
	}
	if setup.Routers < 0 || setup.Routers > router.MaxRouters {
		return fmt.Errorf("bad setup: routers %d, want 0 (the spec's) or 1..%d", setup.Routers, router.MaxRouters)
	}
	var spec scenarios.Spec
	switch {
	case (setup.Scenario == "") == (len(setup.Spec) == 0):
		return errors.New("bad setup: want exactly one of scenario and spec")
	case setup.Scenario != "":
		if _, ok := scenarios.ForSeed(setup.Scenario, 1); !ok {
			return fmt.Errorf("bad setup: unknown scenario %q", setup.Scenario)
		}
	default:
		if spec, err = scenarios.Parse(bytes.NewReader(setup.Spec)); err != nil {
			return fmt.Errorf("bad setup: %v", err)
		}
	}
	gc := newSeedGC()
	for n := 1; ; n++ {
		line, err := readLine(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var job workerJob
		if err := decodeStrict(line, &job); err != nil {
			return fmt.Errorf("bad job: %v", err)
		}
		s := spec
		if setup.Scenario != "" {
			s, _ = scenarios.ForSeed(setup.Scenario, job.Seed)
		}
		s = withRouters(s, setup.Routers)
		res := runJob(s, job.Seed, sem, job.Hash)
		if workerHook != nil {
			workerHook(n, &res)
		}
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		gc.betweenSeeds()
	}
}

// simulateJob runs one job's simulation: simulate, but for the module's own tests.
var simulateJob = simulate

// runJob runs one seed and sums it up. Without hash the run keeps no trace hash,
// unless it fails: then it runs again with one, since its repro records the hash. The
// second run must break the same invariants in the same way; if it does not, the
// seed is not deterministic, and it fails with the first run's violations and an
// error that says so (a second run that passed must not hide the first's failure).
func runJob(spec scenarios.Spec, seed uint64, sem router.Semantics, hash bool) workerResult {
	res, err := simulateJob(spec, scenarios.Options{Seed: seed, Semantics: sem, Bugs: injectBugs, NoHash: !hash})
	if err != nil {
		return workerResult{Seed: seed, Error: err.Error(), Violations: []scenarios.Violation{}}
	}
	r := res.Report
	v := r.Violations
	if v == nil {
		v = []scenarios.Violation{}
	}
	out := workerResult{
		Seed:            seed,
		OK:              len(v) == 0,
		Violations:      v,
		ViolationsTotal: r.ViolationsTotal,
		ViolationCounts: r.ViolationCounts,
		TraceHash:       r.TraceHash,
		Events:          r.Events,
		WallNS:          r.WallTimeNS,
		Probes:          r.Probes,
		Calls:           r.Calls,
		SkippedCalls:    r.SkippedCalls,
		Casts:           r.Casts,
		Retries:         r.Retries,
	}
	if len(v) > 0 && !hash {
		again := runJob(spec, seed, sem, true)
		if again.Error != "" || again.sameViolations(&out) {
			return again
		}
		out.OK, out.TraceHash = false, ""
		out.Error = fmt.Sprintf("nondeterministic: seed %d broke %d invariant checks run without the trace hash, and %d run again with it",
			seed, out.ViolationsTotal, again.ViolationsTotal)
	}
	return out
}

// readLine reads one line without its newline; a last line without one counts.
// It returns io.EOF only when nothing is left.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadBytes('\n')
	if err == io.EOF && len(line) > 0 {
		return line, nil
	}
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(line, []byte("\n")), nil
}

// decodeStrict decodes exactly one JSON value from b into v, refusing unknown keys
// and trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
