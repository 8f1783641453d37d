package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangWorker is ENSIM_TEST_HANG, in worker mode (TestMain), the one switch that
// makes a test worker hang: SEED, then options, each after a comma:
//
//	ENSIM_TEST_HANG=SEED             never answer for SEED: once its run is over, sleep
//	                                 on until the sweep ends the worker, as a worker
//	                                 caught in a loop by a defect would
//	ENSIM_TEST_HANG=SEED,again=FILE  only a later run of SEED hangs, in any worker: the
//	                                 first creates FILE and answers (a second run is
//	                                 --recheck's, or a rerun's)
//	ENSIM_TEST_HANG=SEED,deaf        ignore SIGQUIT too, as a worker stopped by SIGSTOP
//	                                 does not act on it
//	ENSIM_TEST_HANG=SEED,note        first write a byte to file 3, so that a test
//	                                 learns that the seed is under way (and, deaf, a
//	                                 second when SIGQUIT comes)
//
// The options go together (ENSIM_TEST_HANG=1,deaf,note).
type hangWorker struct {
	seed       uint64 // 0: none
	again      string // FILE, or ""
	deaf, note bool
}

// parseHang reads ENSIM_TEST_HANG; "" hangs no seed.
func parseHang(v string) (hangWorker, error) {
	var h hangWorker
	if v == "" {
		return h, nil
	}
	seed, opts, found := strings.Cut(v, ",")
	n, err := strconv.ParseUint(seed, 10, 64)
	if err != nil || n == 0 {
		return h, fmt.Errorf("%q: want SEED (from 1), then options again=FILE, deaf, note", v)
	}
	h.seed = n
	if !found {
		return h, nil
	}
	for opt := range strings.SplitSeq(opts, ",") {
		switch file, ok := strings.CutPrefix(opt, "again="); {
		case ok && file != "":
			h.again = file
		case opt == "deaf":
			h.deaf = true
		case opt == "note":
			h.note = true
		default:
			return h, fmt.Errorf("%q: unknown option %q, want again=FILE, deaf or note", v, opt)
		}
	}
	return h, nil
}

// hang is the worker stuck on h.seed; it returns only for a first run under again.
func (h hangWorker) hang() {
	if h.again != "" {
		if f, err := os.OpenFile(h.again, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); err == nil {
			f.Close()
			return
		}
	}
	var note *os.File
	if h.note {
		note = os.NewFile(3, "hang note")
		note.Write([]byte{'h'})
	}
	if h.deaf {
		// Taken and not acted on; with a note, said with a second byte, 'q'.
		quit := make(chan os.Signal, 1)
		signal.Notify(quit, syscall.SIGQUIT)
		if note != nil {
			go func() {
				<-quit
				note.Write([]byte{'q'})
			}()
		}
	} else if note != nil {
		note.Close()
	}
	fmt.Fprintf(os.Stderr, "test worker: hanging on seed %d\n", h.seed)
	for {
		time.Sleep(time.Hour)
	}
}

// hungLimit is the --seed-timeout of the sweeps below whose seed 3 hangs for sure:
// short, to keep the tests short, and still far more than a seed of steady takes
// (milliseconds), a worker's start on a loaded machine under -race included.
const hungLimit = "5s"

// TestSweepSeedTimeoutHungSeed: a worker that never answers for seed 3 no longer
// hangs the sweep. Past --seed-timeout the sweep stops the worker, fails seed 3 as
// timed out (the seed, the time limit and not an invariant, a repro and its replay
// command, the worker's goroutines from SIGQUIT), runs every other seed in another
// worker (--keep-going, --parallel), and exits 3 with the whole summary.
func TestSweepSeedTimeoutHungSeed(t *testing.T) {
	t.Parallel() // each waits out hungLimit; its repros go to a directory of its own
	out := t.TempDir()
	code, stdout, stderr := sweep(t, []string{"ENSIM_TEST_HANG=3"}, "--scenario", "steady", "--seeds", "6",
		"--parallel", "2", "--keep-going", "--recheck", "2", "--seed-timeout", hungLimit, "--out", out, "--json")
	if code != exitTimeLimit {
		t.Fatalf("exit %d, want %d (a seed ran past its time limit, none failed otherwise); stderr:\n%s", code, exitTimeLimit, stderr)
	}
	sum := decodeSweep(t, stdout)
	if sum.SeedsRun != 6 || sum.Interrupted || len(sum.Rest) > 0 {
		t.Errorf("seeds_run %d, interrupted %v, rest %v: want every seed covered, seed 3 as timed out", sum.SeedsRun, sum.Interrupted, sum.Rest)
	}
	if got := failedSeeds(sum); !slices.Equal(got, []uint64{3}) {
		t.Fatalf("failed seeds %v, want [3]; stderr:\n%s", got, stderr)
	}
	f := sum.Failures[0]
	repro := filepath.Join(out, "ensim-repro-steady-default-3.json")
	if !f.TimedOut || f.ViolationsTotal != 0 || f.Repro != repro ||
		!strings.Contains(f.Error, "timed out: seed 3 ran longer than --seed-timeout 5s in worker") ||
		!strings.Contains(f.Error, "a time limit, not an invariant violation") {
		t.Errorf("failure %+v: want seed 3 timed out, no violation, a repro at %s", f, repro)
	}
	for _, want := range []string{
		"ensim: seed 3 failed: timed out: seed 3 ran longer than --seed-timeout 5s",
		"test worker: hanging on seed 3", // the worker's stderr,
		"SIGQUIT",                        // with its goroutines
		"goroutine ",
		"ensim replay " + repro,
		"ensim: 1 of 6 seeds run failed: 3\n",
		"ensim: 1 of them ran longer than --seed-timeout and was stopped: 3; a time limit, not an invariant violation",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	rp, err := os.ReadFile(repro)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rp), `"crash": "timed out: seed 3`) {
		t.Errorf("the repro does not say its run was stopped for its time limit:\n%s", rp)
	}

	// merge tells a time limit apart as the sweep does: exit 3 alone, 1 beside a
	// seed that broke an invariant.
	dir := t.TempDir()
	a := filepath.Join(dir, "a.json")
	if err := os.WriteFile(a, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, merr := ensim(t, "sweep", "merge", a)
	if code != exitTimeLimit || !strings.Contains(merr, "1 of them ran longer than --seed-timeout and was stopped: 3") {
		t.Errorf("merge of it: exit %d, want %d; stderr:\n%s", code, exitTimeLimit, merr)
	}
	sum.Failures[0].ViolationsTotal = 1 // as if its first run had broken an invariant too
	b, _ := json.Marshal(sum)
	if err := os.WriteFile(a, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, merr := ensim(t, "sweep", "merge", a); code != exitFail {
		t.Errorf("merge with a violation: exit %d, want %d; stderr:\n%s", code, exitFail, merr)
	}
}

// TestSweepSeedTimeoutRecheck: a seed whose first run answers and whose second
// (--recheck, in another worker) hangs fails as timed out, naming the second run.
func TestSweepSeedTimeoutRecheck(t *testing.T) {
	t.Parallel() // each waits out hungLimit; its repros go to a directory of its own
	again := filepath.Join(t.TempDir(), "seed-2-ran")
	code, stdout, stderr := sweep(t, []string{"ENSIM_TEST_HANG=2,again=" + again}, "--scenario", "steady",
		"--seeds", "4", "--parallel", "2", "--recheck", "1", "--keep-going", "--seed-timeout", hungLimit, "--out", t.TempDir(), "--json")
	if code != exitTimeLimit {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitTimeLimit, stderr)
	}
	sum := decodeSweep(t, stdout)
	if got := failedSeeds(sum); !slices.Equal(got, []uint64{2}) || sum.SeedsRun != 4 || sum.Rechecked != 4 {
		t.Fatalf("failed %v, seeds_run %d, rechecked %d: want seed 2 timed out, 4 seeds run and rechecked; stderr:\n%s",
			got, sum.SeedsRun, sum.Rechecked, stderr)
	}
	if f := sum.Failures[0]; !f.TimedOut || !strings.Contains(f.Error, "timed out: the second run of seed 2 (--recheck) ran longer than --seed-timeout 5s") {
		t.Errorf("failure %+v: want the second run of seed 2 timed out", f)
	}
}

// TestSweepSeedTimeoutStopsSweep: without --keep-going a seed past its time limit is
// a failure like any other: the sweep stops there, names no rest (it was not
// interrupted), and exits 3.
func TestSweepSeedTimeoutStopsSweep(t *testing.T) {
	t.Parallel() // each waits out hungLimit; its repros go to a directory of its own
	code, stdout, stderr := sweep(t, []string{"ENSIM_TEST_HANG=3"}, "--scenario", "steady", "--seeds", "500",
		"--parallel", "1", "--seed-timeout", hungLimit, "--out", t.TempDir(), "--json")
	if code != exitTimeLimit {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitTimeLimit, stderr)
	}
	sum := decodeSweep(t, stdout)
	if got := failedSeeds(sum); !slices.Equal(got, []uint64{3}) || sum.SeedsRun != 3 || sum.Interrupted || len(sum.Rest) > 0 {
		t.Errorf("failed %v, seeds_run %d, interrupted %v, rest %v: want seed 3 timed out, 3 seeds run, no rest",
			got, sum.SeedsRun, sum.Interrupted, sum.Rest)
	}
	if !strings.Contains(stderr, "stopped at the first failure; --keep-going runs every seed") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// TestSweepSeedTimeoutDeafWorker: a worker that does not act on SIGQUIT (stopped by
// SIGSTOP, or ignoring it) is ended once quitGrace has passed, and its seed fails as
// timed out all the same.
func TestSweepSeedTimeoutDeafWorker(t *testing.T) {
	t.Parallel() // each waits out hungLimit; its repros go to a directory of its own
	code, stdout, stderr := sweepWith(t, func(o *sweepOptions) {
		o.startWorker = testWorker("ENSIM_TEST_HANG=2,deaf")
		o.quitGrace = time.Second
	}, "--scenario", "steady", "--seeds", "3", "--parallel", "1", "--keep-going", "--seed-timeout", hungLimit, "--out", t.TempDir(), "--json")
	if code != exitTimeLimit {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitTimeLimit, stderr)
	}
	sum := decodeSweep(t, stdout)
	if got := failedSeeds(sum); !slices.Equal(got, []uint64{2}) || !sum.Failures[0].TimedOut || sum.SeedsRun != 3 {
		t.Errorf("failures %+v, seeds_run %d: want seed 2 timed out, 3 seeds run", sum.Failures, sum.SeedsRun)
	}
	if strings.Contains(stderr, "SIGQUIT") {
		t.Errorf("the worker ignored SIGQUIT, yet printed its goroutines:\n%s", stderr)
	}
}

// TestSweepInterruptNamesRunningSeed: a sweep with no time limit (--seed-timeout 0)
// whose first seed hangs is stopped by a CI job's own limit (its context, as a
// SIGTERM ends it): it says which seed was running then, and for how long, and its
// rest is the whole sweep. (The first seed: the interrupt comes once the hang has
// begun, but a seed before it might not have been counted yet.)
func TestSweepInterruptNamesRunningSeed(t *testing.T) {
	code, stdout, stderr := hangThenInterrupt(t, nil, nil, []string{"hung"},
		"--scenario", "steady", "--seeds", "4", "--parallel", "1", "--seed-timeout", "0", "--out", t.TempDir(), "--json")
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	if !regexp.MustCompile(`\nensim: running at the interrupt: seed 1 \(for [0-9.]+m?s, worker 1\)\n`).MatchString(stderr) {
		t.Errorf("stderr does not name seed 1 as running:\n%s", stderr)
	}
	sum := decodeSweep(t, stdout)
	if !sum.Interrupted || len(sum.Rest) != 1 || sum.Rest[0].From != 1 || sum.Rest[0].Seeds != 4 {
		t.Errorf("interrupted %v, rest %v: want the whole sweep, from seed 1, the seed that hung", sum.Interrupted, sum.Rest)
	}
}

// hangThenInterrupt runs ensim sweep with args in process (edit, if not nil, changes
// its options once parsed), its workers the test worker with seed 1 hanging
// (hangWorker, with note and the options opts), each writing its notes to a pipe; once a note has come
// for each of notes (what it says, for the failure: "hung", "had its SIGQUIT"), it
// interrupts the sweep, as a SIGTERM does, and returns its exit status, stdout and
// stderr.
func hangThenInterrupt(t *testing.T, opts []string, edit func(*sweepOptions), notes []string, args ...string) (int, string, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fs := flag.NewFlagSet("ensim sweep", flag.ContinueOnError)
	o := newSweepOptions(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(o)
	}
	start := testWorker("ENSIM_TEST_HANG=" + strings.Join(append([]string{"1", "note"}, opts...), ","))
	o.startWorker = func(ctx context.Context) (*exec.Cmd, error) {
		cmd, err := start(ctx)
		if err == nil {
			cmd.ExtraFiles = []*os.File{w}
		}
		return cmd, err
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- o.do(ctx, nil, &stdout, &stderr) }()
	note := make(chan error, len(notes))
	go func() {
		for range notes {
			_, err := r.Read(make([]byte, 1))
			note <- err
		}
	}()
	for _, what := range notes {
		select {
		case err := <-note:
			if err != nil {
				t.Fatalf("reading the worker's note that seed 1 %s: %v", what, err)
			}
		case code := <-done:
			t.Fatalf("the sweep ended (exit %d) before seed 1 %s:\n%s", code, what, stderr.String())
		case <-time.After(sweepTimeout):
			t.Fatalf("seed 1 never %s, within %v", what, sweepTimeout)
		}
	}
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(sweepTimeout):
		t.Fatalf("the sweep did not end within %v of its interrupt", sweepTimeout)
	}
	w.Close()
	return code, stdout.String(), stderr.String()
}

// TestSeedTimeoutFlag: --seed-timeout takes a duration with its unit, 0 for none, and
// refuses anything else with exit status 2, naming the problem; it is 10m when not
// given.
func TestSeedTimeoutFlag(t *testing.T) {
	for _, tc := range []struct {
		name, v, want string
	}{
		{name: "no unit", v: "10", want: `"10" has no unit: want a duration such as 10s or 10m (0: no limit)`},
		{name: "negative", v: "-1s", want: `"-1s" is negative`},
		{name: "garbage", v: "soon", want: `"soon": want a duration such as 90s, 30m or 2h (0: no limit)`},
		{name: "empty", v: "", want: `"": want a duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := ensim(t, "sweep", "--scenario", "steady", "--seeds", "1", "--seed-timeout", tc.v)
			if code != exitUsage || !strings.Contains(stderr, "--seed-timeout") || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want %d naming %q; stderr:\n%s", code, exitUsage, tc.want, stderr)
			}
		})
	}
	o := newSweepOptions(flag.NewFlagSet("ensim sweep", flag.ContinueOnError))
	if o.seedTimeout != defaultSeedTimeout || defaultSeedTimeout != 10*time.Minute {
		t.Errorf("default --seed-timeout %v, want 10m", o.seedTimeout)
	}
	for _, v := range []string{"0", "90s", "1h30m"} {
		var d time.Duration
		if err := (timeoutFlag{&d}).Set(v); err != nil {
			t.Errorf("--seed-timeout %s: %v", v, err)
		}
	}
}
