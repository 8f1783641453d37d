package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// TestMain makes the test binary serve as ensim sweep's worker process. A sweep under
// test execs the test binary (os.Executable) as "sweep-worker" with ENSIM_TEST_WORKER=1,
// and then this binary is a worker, not a test run. In worker mode, and only there:
//
//	ENSIM_TEST_INJECT=BUG[,BUG]    inject router bugs (internal/bugs) into every run
//	ENSIM_TEST_WORKER_CRASH=SEED   exit 3 instead of answering for SEED
//	ENSIM_TEST_WORKER_GARBAGE=SEED write a line that is not JSON before SEED's answer
//	ENSIM_TEST_NONDET=1            change the trace hash of the worker's odd-numbered runs
//	ENSIM_TEST_PANIC=SEED          panic inside the simulation of SEED (panicOn)
//	ENSIM_TEST_HANG=SEED[,OPT...]  never answer for SEED: sleep on (hangWorker), OPT
//	                               again=FILE (only a run after the first), deaf, note
func TestMain(m *testing.M) {
	if os.Getenv("ENSIM_TEST_WORKER") == "1" {
		os.Exit(testWorkerMain())
	}
	newWorkerCmd = testWorker()
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// testWorkerMain is the test binary as a worker.
func testWorkerMain() int {
	if v := os.Getenv("ENSIM_TEST_INJECT"); v != "" {
		var bs []bugs.Bug
		for _, name := range strings.Split(v, ",") {
			b, ok := bugs.Parse(name)
			if !ok {
				fmt.Fprintf(os.Stderr, "ENSIM_TEST_INJECT: unknown bug %q\n", name)
				return exitUsage
			}
			bs = append(bs, b)
		}
		injectBugs = bugs.Of(bs...)
	}
	crash, _ := strconv.ParseUint(os.Getenv("ENSIM_TEST_WORKER_CRASH"), 10, 64)
	garbage, _ := strconv.ParseUint(os.Getenv("ENSIM_TEST_WORKER_GARBAGE"), 10, 64)
	kill, _ := strconv.ParseUint(os.Getenv("ENSIM_TEST_WORKER_KILL"), 10, 64)
	hang, err := parseHang(os.Getenv("ENSIM_TEST_HANG"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "ENSIM_TEST_HANG: %v\n", err)
		return exitUsage
	}
	nondet := os.Getenv("ENSIM_TEST_NONDET") == "1"
	if v := os.Getenv("ENSIM_TEST_PANIC"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ENSIM_TEST_PANIC: %v\n", err)
			return exitUsage
		}
		simulateHook = panicOn(seed)
	}
	workerHook = func(n int, res *workerResult) {
		switch res.Seed {
		case crash:
			fmt.Fprintf(os.Stderr, "test worker: crashing on seed %d\n", res.Seed)
			os.Exit(3)
		case garbage:
			os.Stdout.WriteString("this is not JSON\n")
		case kill:
			// As the kernel's out-of-memory killer would.
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		case hang.seed:
			hang.hang()
		}
		// Only a hash the run made can differ: a run asked for none reports "".
		if nondet && n%2 == 1 && res.TraceHash != "" {
			res.TraceHash = "perturbed-" + res.TraceHash
		}
	}
	return run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
}

// panicOn is a simulateHook that panics inside the simulation of seed, as a bug in
// the router would.
func panicOn(seed uint64) func(scenarios.Spec, scenarios.Options) {
	return func(_ scenarios.Spec, opt scenarios.Options) {
		if opt.Seed == seed {
			panic(fmt.Sprintf("test panic on seed %d", seed))
		}
	}
}

// testWorker starts the test binary as a worker, with env added to its environment.
func testWorker(env ...string) func(context.Context) (*exec.Cmd, error) {
	return func(ctx context.Context) (*exec.Cmd, error) {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, exe, workerCommand)
		cmd.Env = append(append(os.Environ(), "ENSIM_TEST_WORKER=1", workerGORACE()), env...)
		return cmd, nil
	}
}

// workerGORACE is GORACE for a worker: the tests' own, and no sleep at the exit.
// Built with -race, a process that exits with status 0 first sleeps a second
// (atexit_sleep_ms), so that its other goroutines may still race; a worker has none
// (it runs its jobs one after another on one), and each sweep waits for its workers
// to exit: the seconds were 60 of the 145 the sweep tests took under -race. The race
// detector still watches the worker as it runs, and a race it finds still fails the
// worker (exit status 66).
func workerGORACE() string {
	return "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

// sweepTimeout bounds every sweep under test: a sweep that hangs is interrupted, and
// the test sees it, instead of waiting for go test's own timeout.
const sweepTimeout = 3 * time.Minute

// sweep runs ensim sweep in-process with args, its workers getting env. It parses
// the flags as ensim does.
func sweep(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return sweepWith(t, func(o *sweepOptions) { o.startWorker = testWorker(env...) }, args...)
}

// sweepWith runs ensim sweep in-process with args; edit changes the options once the
// flags are parsed.
func sweepWith(t *testing.T, edit func(*sweepOptions), args ...string) (code int, stdout, stderr string) {
	t.Helper()
	fs := flag.NewFlagSet("ensim sweep", flag.ContinueOnError)
	var errOut, out bytes.Buffer
	fs.SetOutput(&errOut)
	o := newSweepOptions(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		t.Fatalf("flags %q: %v", args, err)
	}
	edit(o)
	ctx, cancel := context.WithTimeout(t.Context(), sweepTimeout)
	defer cancel()
	code = o.do(ctx, pos, &out, &errOut)
	if strings.Contains(errOut.String(), "sweep interrupted") {
		t.Fatalf("the sweep hung and was interrupted after %v:\n%s", sweepTimeout, errOut.String())
	}
	return code, out.String(), errOut.String()
}

// decodeSweep decodes sweep --json.
func decodeSweep(t *testing.T, stdout string) sweepSummary {
	t.Helper()
	var s sweepSummary
	if err := decodeStrict([]byte(stdout), &s); err != nil {
		t.Fatalf("stdout is not a sweep summary: %v\n%s", err, stdout)
	}
	return s
}

func failedSeeds(s sweepSummary) []uint64 {
	var seeds []uint64
	for _, f := range s.Failures {
		seeds = append(seeds, f.Seed)
	}
	return seeds
}

func TestSweepSteady(t *testing.T) {
	code, stdout, stderr := sweep(t, nil, "--scenario", "steady", "--seeds", "6", "--parallel", "2", "--json")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"scenario", "semantics", "from", "seeds", "shard", "seeds_run", "failures",
		"seeds_per_sec", "events", "probes", "zero_probes"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no key %q in:\n%s", k, stdout)
		}
	}
	s := decodeSweep(t, stdout)
	want := sweepSummary{Scenario: "steady", Semantics: "default", From: 1, Seeds: 6, Shard: "1/1", SeedsRun: 6,
		Rechecked: 1, Failures: []sweepFailure{}}
	got := sweepSummary{Scenario: s.Scenario, Semantics: s.Semantics, From: s.From, Seeds: s.Seeds, Shard: s.Shard,
		SeedsRun: s.SeedsRun, Rechecked: s.Rechecked, Failures: s.Failures}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(sweepFailure{})); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if len(s.Probes) == 0 || s.SeedsPerSec <= 0 || s.Events == 0 || s.Calls.Total == 0 || s.Calls.OK != s.Calls.Total {
		t.Errorf("probes %v, %v seeds/s, %d events, calls %+v: want probes, a speed, events and every call ok",
			s.Probes, s.SeedsPerSec, s.Events, s.Calls)
	}
	// steady is healthy: every rare path stays at zero, and the summary says so,
	// telling the paths of riak alone apart.
	var notUnder []string
	for k := range s.Probes {
		if scenarios.ProbeNotUnder(k, router.Default) != "" {
			notUnder = append(notUnder, k)
		}
	}
	slices.Sort(notUnder)
	if len(s.ZeroProbes)+len(s.NotUnder) != len(s.Probes) || !slices.Equal(s.NotUnder, notUnder) || len(notUnder) == 0 {
		t.Errorf("zero_probes = %v and probes_not_under_semantics = %v, want every probe of %v, those of riak alone (%v) in the second",
			s.ZeroProbes, s.NotUnder, s.Probes, notUnder)
	}
}

func TestSweepHumanAndProgress(t *testing.T) {
	tests := []struct {
		name       string
		terminal   bool
		wantStderr string // "" means none at all
	}{
		{name: "not a terminal", terminal: false},
		{name: "terminal", terminal: true, wantStderr: "\r[##########] 2/2 seeds  0 failures  "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := sweepWith(t, func(o *sweepOptions) {
				o.terminal = func(io.Writer) bool { return tc.terminal }
			}, "--scenario", "slow-leader", "--seeds", "2", "--from", "3", "--parallel", "1")
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if tc.wantStderr == "" && stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
			if !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want the bar %q", stderr, tc.wantStderr)
			}
			if tc.terminal && !strings.HasSuffix(stderr, "\r\033[K") {
				t.Errorf("stderr = %q, want the bar erased at the end", stderr)
			}
			for _, w := range []string{
				"scenario      slow-leader (spec ", "semantics     default\n", "seeds         3..4\n",
				"seeds run     2, 1 of them twice (the determinism recheck)\n", "failures      none\n", " seeds/s, ",
				"\ncalls         ", "late-reply-dropped", "hop-limit ", "(never hit)\n", "zero probes   ",
			} {
				if !strings.Contains(stdout, w) {
					t.Errorf("summary lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestSweepFailing(t *testing.T) {
	specPath := writeFile(t, "fail.json", failingSpec(t).JSON())

	t.Run("stops at the first failure", func(t *testing.T) {
		out := t.TempDir()
		code, stdout, stderr := sweep(t, nil, "--spec", specPath, "--seeds", "20", "--parallel", "1", "--out", out, "--json")
		if code != exitFail {
			t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
		}
		s := decodeSweep(t, stdout)
		if s.SeedsRun >= 20 || len(s.Failures) != 1 {
			t.Errorf("%d seeds run, failures at %v: want a stop after the first failure", s.SeedsRun, failedSeeds(s))
		}
		if !strings.Contains(stderr, "stopped at the first failure; --keep-going runs every seed") {
			t.Errorf("stderr does not say the sweep stopped early:\n%s", stderr)
		}
	})

	t.Run("keep going", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "repros") // made by the sweep
		code, stdout, stderr := sweep(t, nil, "--spec", specPath, "--seeds", "3", "--from", "5", "--parallel", "2",
			"--keep-going", "--out", out, "--json")
		if code != exitFail {
			t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
		}
		s := decodeSweep(t, stdout)
		if diff := cmp.Diff([]uint64{5, 6, 7}, failedSeeds(s)); s.SeedsRun != 3 || diff != "" {
			t.Fatalf("%d seeds run, failed seeds (-want +got):\n%s", s.SeedsRun, diff)
		}
		for _, f := range s.Failures {
			wantRepro := filepath.Join(out, fmt.Sprintf("ensim-repro-timed-out-default-%d.json", f.Seed))
			if f.Repro != wantRepro || f.ViolationsTotal <= 3 || len(f.Violations) != min(f.ViolationsTotal, maxViolations) ||
				!slices.Equal(f.Invariants, []string{scenarios.InvLiveness}) {
				t.Errorf("seed %d: repro %q, %d of %d violations, invariants %v; want %s, liveness",
					f.Seed, f.Repro, len(f.Violations), f.ViolationsTotal, f.Invariants, wantRepro)
			}
			// The failure block: seed, first three violations, the replay command.
			block := fmt.Sprintf("ensim: seed %d failed: %d invariant violations (liveness)\n", f.Seed, f.ViolationsTotal)
			for _, v := range f.Violations[:3] {
				block += "  " + formatViolation(v) + "\n"
			}
			block += fmt.Sprintf("  and %d more\n", f.ViolationsTotal-3)
			block += fmt.Sprintf("  repro written to %s; replay with:\n    ensim replay %s\n", wantRepro, wantRepro)
			// and the command that draws the first failing call
			call := f.Violations[0].Call
			// beside the repro, named after it: the ids repeat from seed to seed
			page := filepath.Join(out, fmt.Sprintf("trace-timed-out-default-%d-%s.html", f.Seed, call))
			block += fmt.Sprintf("  the first failing call is %s; draw it with:\n    ensim trace %s --call %s --format html --out %s\n",
				call, wantRepro, call, page)
			if !strings.Contains(stderr, block) {
				t.Errorf("stderr lacks\n%s\nin:\n%s", block, stderr)
			}

			// The repro replays, in this process, to the worker's trace hash.
			rp, _, err := readRepro(f.Repro, "run")
			if err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := ensim(t, "replay", f.Repro, "--json")
			if code != exitFail || !strings.Contains(stderr, "trace hash matches the repro") {
				t.Errorf("replay %s: exit %d, stderr:\n%s", f.Repro, code, stderr)
			}
			if r := decodeReport(t, stdout); r.TraceHash != rp.TraceHash || int(r.ViolationsTotal) != f.ViolationsTotal ||
				rp.ViolationsTotal != r.ViolationsTotal || !slices.Equal(rp.Violations, r.Violations) {
				t.Errorf("replay %s: hash %s with %d violations (%d kept), want %s with %d (the repro: %d, %d kept)",
					f.Repro, r.TraceHash, r.ViolationsTotal, len(r.Violations), rp.TraceHash, f.ViolationsTotal, rp.ViolationsTotal, len(rp.Violations))
			}
		}
		if !strings.Contains(stderr, "ensim: 3 of 3 seeds run failed: 5, 6, 7\n") {
			t.Errorf("stderr lacks the closing count:\n%s", stderr)
		}
	})
}

// reuseSpec is scenarios/bugs_test.go's world for the reuse-call-id bug: every leader
// answers slowly within a long timeout, and n4 crashes and restarts early, while the
// replies to its first calls are still on their way.
func reuseSpec(t *testing.T) scenarios.Spec {
	t.Helper()
	s := mustNamed(t, "steady")
	s.Name = "reuse-call-id"
	ms := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Millisecond) }
	slow := netmodel.Dist{Kind: "uniform", Min: ms(100), Max: ms(200)}
	for _, p := range []string{"e1/p1", "e2/p2", "e3/p3"} {
		s.Faults = append(s.Faults, scenarios.Fault{At: 0, Action: "slow", Peer: p, Service: &slow, Until: ms(300)})
	}
	s.Faults = append(s.Faults,
		scenarios.Fault{At: ms(60), Action: "crash", Node: "n4"},
		scenarios.Fault{At: ms(61), Action: "restart", Node: "n4"})
	s.Workload.Duration = ms(400)
	s.Workload.Timeout = ms(500)
	s.Liveness = nil
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSweepCatchesBugs injects each router bug into the workers and shows that a short
// sweep of a scenario that exposes it fails, naming the invariant that exists for it.
func TestSweepCatchesBugs(t *testing.T) {
	reuse := writeFile(t, "reuse.json", reuseSpec(t).JSON())
	// swarm's spec of seed 3 redirects calls that had travelled a hop; leader-churn
	// over links that copy and reorder messages nacks a call twice.
	swarm3, ok := scenarios.ForSeed("swarm", 3)
	if !ok {
		t.Fatal("no swarm")
	}
	redirects := writeFile(t, "swarm3.json", swarm3.JSON())
	churn := mustNamed(t, "leader-churn")
	churn.Link.Dup, churn.Link.Reorder, churn.Link.Unordered = 0.25, 0.2, true
	churn.Liveness = nil
	nacks := writeFile(t, "churn-copies.json", churn.JSON())
	// scenarios' shaped specs (scenarios/bugs_test.go, shapedFiles).
	shaped := func(name string) string { return filepath.Join("..", "..", "scenarios", "testdata", name) }
	tests := []struct {
		bug    bugs.Bug
		source []string // --scenario NAME or --spec FILE
		want   []string // the failure names at least one of these
	}{
		{bug: bugs.LateReply, source: []string{"--scenario", "slow-leader"}, want: []string{scenarios.InvLateDiscarded}},
		{bug: bugs.IgnoreDeadline, source: []string{"--scenario", "slow-leader"}, want: []string{scenarios.InvDeadline}},
		{bug: bugs.CrossReply, source: []string{"--scenario", "steady"}, want: []string{scenarios.InvReplyMatchesCall}},
		{bug: bugs.DropHopCount, source: []string{"--scenario", "directory-regression"}, want: []string{scenarios.InvHopBound}},
		{bug: bugs.NoDeadlineTimer, source: []string{"--scenario", "partition-heal"}, want: []string{scenarios.InvExactlyOnce, scenarios.InvNoLeak}},
		{bug: bugs.FreezeDirectory, source: []string{"--scenario", "leader-churn"}, want: []string{scenarios.InvLiveness}},
		{bug: bugs.ReuseCallID, source: []string{"--spec", reuse}, want: []string{scenarios.InvReplyMatchesCall}},
		{bug: bugs.SharedRoute, source: []string{"--scenario", "steady"}, want: []string{scenarios.InvReplyMatchesCall}},
		{bug: bugs.DropRequest, source: []string{"--scenario", "steady"}, want: []string{scenarios.InvLiveness}},
		{bug: bugs.KeepCompleted, source: []string{"--scenario", "steady"}, want: []string{scenarios.InvNoLeak}},
		{bug: bugs.SilentLate, source: []string{"--scenario", "slow-leader"}, want: []string{scenarios.InvLateDiscarded}},
		{bug: bugs.DropPeerCall, source: []string{"--scenario", "direct"}, want: []string{scenarios.InvLiveness}},
		{bug: bugs.CastTwice, source: []string{"--scenario", "direct"}, want: []string{scenarios.InvExactlyOnce}},
		{bug: bugs.DropCast, source: []string{"--scenario", "direct"}, want: []string{scenarios.InvLiveness}},
		{bug: bugs.ForwardHopsReset, source: []string{"--scenario", "direct"}, want: []string{scenarios.InvHopBound}},
		{bug: bugs.RedirectHopsReset, source: []string{"--spec", redirects}, want: []string{scenarios.InvHopBound}},
		{bug: bugs.RedirectTwice, source: []string{"--spec", nacks}, want: []string{scenarios.InvHopBound}},
		{bug: bugs.UncountedLate, source: []string{"--scenario", "slow-leader"}, want: []string{scenarios.InvLateDiscarded}},
		{bug: bugs.NackCopyAfterRedirect, source: []string{"--spec", nacks}, want: []string{scenarios.InvReplyMatchesCall}},
		{bug: bugs.LeakTimers, source: []string{"--scenario", "steady"}, want: []string{scenarios.InvNoLeak}},
		{bug: bugs.UnchargedWait, source: []string{"--scenario", "gc-pause"}, want: []string{scenarios.InvDeadline}},
		{bug: bugs.EarlyDeadline, source: []string{"--scenario", "slow-leader"}, want: []string{scenarios.InvDeadline}},
		{bug: bugs.RedirectFullBudget, source: []string{"--scenario", "leader-churn"}, want: []string{scenarios.InvDeadline}},
		{bug: bugs.HopLimitOffByOne, source: []string{"--scenario", "directory-regression"}, want: []string{scenarios.InvHopBound}},
		{bug: bugs.KeepWorkers, source: []string{"--scenario", "steady", "--semantics", "riak"}, want: []string{scenarios.InvNoLeak}},
		{bug: bugs.DropRelay, source: []string{"--scenario", "leader-churn", "--semantics", "riak"}, want: []string{scenarios.InvLateDiscarded}},
		{bug: bugs.RelayTwice, source: []string{"--scenario", "leader-churn", "--semantics", "riak"}, want: []string{scenarios.InvLateDiscarded}},
		{bug: bugs.HandSpentBudget, source: []string{"--scenario", "gc-pause"}, want: []string{scenarios.InvDeadline}},
		{bug: bugs.UnclampedWait, source: []string{"--scenario", "clock-skew"}, want: []string{scenarios.InvDeadline}},
		{bug: bugs.CreditBelievedLeader, source: []string{"--scenario", "leader-churn"}, want: []string{scenarios.InvResultFromPeer}},
		// A first request copied and served ok after a redirect.
		{bug: bugs.DropOKAfterRedirect, source: []string{"--spec", shaped("ok-copies.json")}, want: []string{scenarios.InvLateDiscarded}},
		{bug: bugs.ForeignCallID, source: []string{"--scenario", "steady"}, want: []string{scenarios.InvExactlyOnce}},
		// steady with constant latencies and a bound on the liveness phase's calls.
		{bug: bugs.Detour, source: []string{"--spec", shaped("detour.json")}, want: []string{scenarios.InvLiveness}},
		// The simulator's own defects.
		{bug: bugs.CrashFiresTimers, source: []string{"--scenario", "crash-restart"}, want: []string{scenarios.InvExactlyOnce}},
		{bug: bugs.HealKeepsStalled, source: []string{"--spec", shaped("stalling-heal.json")}, want: []string{scenarios.InvNoLeak}},
		{bug: bugs.RedialOn, source: []string{"--scenario", "reply-hold"}, want: []string{scenarios.InvNoLeak}},
		{bug: bugs.HoldNeverExpires, source: []string{"--spec", shaped("crash-for-good.json")}, want: []string{scenarios.InvNoLeak}},
		{bug: bugs.CrashKeepsTimers, source: []string{"--scenario", "crash-restart"}, want: []string{scenarios.InvNoLeak}},
	}
	// Under the race detector, what runs concurrently is the sweep: its goroutines
	// that read the workers, the jobs it hands out ahead, the failures and repros it
	// collects; a worker runs its simulations one at a time on one goroutine. Three
	// bugs drive the sweep as the others would, one from each kind of source (a named
	// scenario, a spec file, riak semantics); the simulations of all 38 took a third
	// of the race run of ensim's sweep tests (27 of 80s). go test ./... shows every
	// bug caught.
	raceCases := map[bugs.Bug]bool{bugs.LateReply: true, bugs.ReuseCallID: true, bugs.KeepWorkers: true}
	tested := map[bugs.Bug]bool{}
	for _, tc := range tests {
		tested[tc.bug] = true
		t.Run(tc.bug.String(), func(t *testing.T) {
			if raceEnabled && !raceCases[tc.bug] {
				t.Skip("under the race detector, three bugs drive the sweep as this one would; go test ./... runs it")
			}
			args := append(slices.Clone(tc.source), "--seeds", "5", "--parallel", "2", "--out", t.TempDir(), "--json")
			code, stdout, stderr := sweep(t, []string{"ENSIM_TEST_INJECT=" + tc.bug.String()}, args...)
			if code != exitFail {
				t.Fatalf("exit %d, want %d: bug %s not caught within 5 seeds\n%s", code, exitFail, tc.bug, stderr)
			}
			s := decodeSweep(t, stdout)
			var named []string
			for _, f := range s.Failures {
				named = append(named, f.Invariants...)
			}
			found := false
			for _, inv := range tc.want {
				found = found || slices.Contains(named, inv)
			}
			if !found {
				t.Errorf("failures name %v, want one of %v\n%s", named, tc.want, stderr)
			}
			t.Logf("bug %s: %d seed(s) run, failed at %v with %v", tc.bug, s.SeedsRun, failedSeeds(s), named)
		})
	}
	for _, b := range bugs.All() {
		if !tested[b] {
			t.Errorf("bug %s is not shown to be caught by a sweep", b)
		}
	}
}

func TestShippedBinaryInjectsNothing(t *testing.T) {
	// Only TestMain's worker mode sets the hooks; this process is not a worker.
	if injectBugs != (bugs.Set{}) || workerHook != nil {
		t.Errorf("injectBugs = %+v, workerHook set: %v; want both unset outside worker mode", injectBugs, workerHook != nil)
	}
}

func TestSweepShards(t *testing.T) {
	specPath := writeFile(t, "fail.json", failingSpec(t).JSON())
	dir := t.TempDir()
	// Every seed of this spec fails, so the failures list exactly the seeds each run
	// ran. --recheck 0: the shards would recheck other seeds than the whole sweep.
	sweepTo := func(name string, extra ...string) (sweepSummary, string) {
		t.Helper()
		args := append([]string{"--spec", specPath, "--seeds", "7", "--parallel", "2", "--keep-going", "--recheck", "0",
			"--out", filepath.Join(dir, name), "--json"}, extra...)
		code, stdout, stderr := sweep(t, nil, args...)
		if code != exitFail {
			t.Fatalf("%s: exit %d, want %d\n%s", name, code, exitFail, stderr)
		}
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		return decodeSweep(t, stdout), path
	}
	whole, _ := sweepTo("whole")
	one, onePath := sweepTo("one", "--shard", "1/2")
	two, twoPath := sweepTo("two", "--shard", "2/2")

	if diff := cmp.Diff([]uint64{1, 3, 5, 7}, failedSeeds(one)); diff != "" {
		t.Errorf("shard 1/2 seeds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint64{2, 4, 6}, failedSeeds(two)); diff != "" {
		t.Errorf("shard 2/2 seeds (-want +got):\n%s", diff)
	}
	if one.Shard != "1/2" || two.Shard != "2/2" || one.SeedsRun != 4 || two.SeedsRun != 3 {
		t.Errorf("shards %s and %s ran %d and %d seeds, want 1/2 and 2/2, 4 and 3", one.Shard, two.Shard, one.SeedsRun, two.SeedsRun)
	}

	code, stdout, stderr := ensim(t, "sweep", "merge", twoPath, onePath)
	if code != exitFail {
		t.Fatalf("merge: exit %d, want %d (the shards failed)\n%s", code, exitFail, stderr)
	}
	merged := decodeSweep(t, stdout)
	ignore := cmp.Options{
		cmpopts.IgnoreFields(sweepSummary{}, "SeedsPerSec", "WallNS", "EventsPerSec"),
		cmpopts.IgnoreFields(sweepFailure{}, "Repro"), // each run wrote its own
		cmpopts.IgnoreUnexported(sweepFailure{}),
	}
	if diff := cmp.Diff(whole, merged, ignore); diff != "" {
		t.Errorf("merge of the shards differs from the whole sweep (-whole +merged):\n%s", diff)
	}
	if merged.WallNS != max(one.WallNS, two.WallNS) || merged.SeedsPerSec <= 0 {
		t.Errorf("merged wall %d, %v seeds/s; want the slowest shard's wall (%d, %d)", merged.WallNS, merged.SeedsPerSec, one.WallNS, two.WallNS)
	}

	code, _, stderr = ensim(t, "sweep", "merge", onePath, twoPath, onePath)
	if code != exitUsage || !strings.Contains(stderr, "overlap: both ran seed 1") {
		t.Errorf("merge with a shard twice: exit %d, stderr %q; want 2 and the overlap", code, stderr)
	}
}

func TestSweepRecheck(t *testing.T) {
	t.Run("deterministic", func(t *testing.T) {
		code, stdout, stderr := sweep(t, nil, "--scenario", "steady", "--seeds", "2", "--parallel", "2", "--recheck", "1", "--json")
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if s := decodeSweep(t, stdout); s.SeedsRun != 2 || s.Rechecked != 2 {
			t.Errorf("%d seeds run, %d rechecked; want 2 and 2", s.SeedsRun, s.Rechecked)
		}
	})

	t.Run("nondeterministic", func(t *testing.T) {
		out := t.TempDir()
		code, stdout, stderr := sweep(t, []string{"ENSIM_TEST_NONDET=1"}, "--scenario", "steady", "--seeds", "2",
			"--parallel", "2", "--recheck", "1", "--keep-going", "--out", out, "--json")
		if code != exitFail {
			t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
		}
		s := decodeSweep(t, stdout)
		if diff := cmp.Diff([]uint64{1, 2}, failedSeeds(s)); diff != "" {
			t.Fatalf("failed seeds (-want +got):\n%s\n%s", diff, stderr)
		}
		re := regexp.MustCompile(`^nondeterministic: seed (\d+) ran twice with different trace hashes: \S+ in worker (\d+), \S+ in worker (\d+)$`)
		for _, f := range s.Failures {
			m := re.FindStringSubmatch(f.Error)
			if m == nil || m[1] != strconv.FormatUint(f.Seed, 10) {
				t.Errorf("seed %d: error %q, want it to match %s", f.Seed, f.Error, re)
				continue
			}
			if m[2] == m[3] {
				t.Errorf("seed %d ran twice in worker %s, want two workers", f.Seed, m[2])
			}
			if _, err := os.Stat(f.Repro); err != nil {
				t.Errorf("seed %d: repro: %v", f.Seed, err)
			}
		}
		// The determinism report: the seed rerun in-process with its trace kept, where
		// the test's perturbation does not reach, so the two runs agree there.
		for _, w := range []string{
			"ensim: seed 1 failed: nondeterministic: seed 1 ran twice with different trace hashes",
			"  seed 1 run twice more, in this process, their traces compared:\n    determinism: 2 runs, same trace hash ",
		} {
			if !strings.Contains(stderr, w) {
				t.Errorf("stderr lacks %q:\n%s", w, stderr)
			}
		}
	})
}

func TestSweepWorkerFails(t *testing.T) {
	tests := []struct {
		name      string
		env       []string
		keepGoing bool
		seeds     uint64
		seed      uint64 // the seed that fails
		parallel  int    // workers; 0 for 2
		want      string // in its error
	}{
		{name: "crash", env: []string{"ENSIM_TEST_WORKER_CRASH=3"}, keepGoing: true, seeds: 4, seed: 3,
			want: "exited (exit status 3) while running seed 3"},
		{name: "crash stops the sweep", env: []string{"ENSIM_TEST_WORKER_CRASH=1"}, seeds: 20, seed: 1,
			want: "exited (exit status 3) while running seed 1"},
		// Killed from outside (SIGKILL, as the out-of-memory killer kills): the
		// repro says so, and a replay that runs clean says what that means.
		{name: "killed", env: []string{"ENSIM_TEST_WORKER_KILL=2"}, keepGoing: true, seeds: 3, seed: 2,
			want: "exited (signal: killed) while running seed 2 (killed from outside: out of memory? The kernel's log, dmesg, says)"},
		{name: "garbage", env: []string{"ENSIM_TEST_WORKER_GARBAGE=2"}, keepGoing: true, seeds: 4, seed: 2,
			want: `failed while running seed 2: it wrote garbage: "this is not JSON"`},
		// One worker, handed seed 4 ahead when it dies on seed 3: a new worker must
		// be started for seed 4, which no other worker is left to run.
		{name: "crash, one worker", env: []string{"ENSIM_TEST_WORKER_CRASH=3"}, keepGoing: true, seeds: 4, seed: 3,
			parallel: 1, want: "exited (exit status 3) while running seed 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parallel := tc.parallel
			if parallel == 0 {
				parallel = 2
			}
			out := t.TempDir()
			args := []string{"--scenario", "steady", "--seeds", strconv.FormatUint(tc.seeds, 10), "--parallel", strconv.Itoa(parallel), "--json", "--out", out}
			if tc.keepGoing {
				args = append(args, "--keep-going")
			}
			code, stdout, stderr := sweep(t, tc.env, args...)
			if code != exitFail {
				t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
			}
			s := decodeSweep(t, stdout)
			if diff := cmp.Diff([]uint64{tc.seed}, failedSeeds(s)); diff != "" {
				t.Fatalf("failed seeds (-want +got):\n%s\n%s", diff, stderr)
			}
			// A worker that exited while running a seed leaves a repro of the seed;
			// one that broke the protocol (garbage) leaves none.
			crashed := strings.HasPrefix(tc.name, "crash") || tc.name == "killed"
			if f := s.Failures[0]; !strings.Contains(f.Error, tc.want) || (f.Repro != "") != crashed {
				t.Errorf("error %q, repro %q; want %q and a repro: %v", f.Error, f.Repro, tc.want, crashed)
			} else if crashed {
				want := filepath.Join(out, defaultReproPath("steady", router.Default, tc.seed, 0))
				if _, err := os.Stat(want); f.Repro != want || err != nil {
					t.Errorf("repro %q (%v), want %s written", f.Repro, err, want)
				}
				// The repro says how the run ended; its replay runs to its end, and
				// says that the seed need not fail alone.
				// Only a kill from outside is recorded: a crash of the worker's own
				// (here an exit) replays as one, and an older ensim refuses the field.
				rp, _, err := readRepro(want, "run")
				killed := tc.name == "killed"
				if err != nil || killed != strings.Contains(rp.Crash, tc.want) || !killed && rp.Crash != "" {
					t.Errorf("the repro's crash %q (%v), want %q: %v", rp.Crash, err, tc.want, killed)
				}
				var rout, rerr bytes.Buffer
				note := "the run that wrote the repro did not finish: " + f.Error + "; this one ran to its end"
				if code := replay(want, false, "", &rout, &rerr); code != exitOK || killed != strings.Contains(rout.String(), note) {
					t.Errorf("replay: exit %d, stdout %q, stderr %q; want 0 and the note %q: %v", code, rout.String(), rerr.String(), note, killed)
				}
			}
			// With --keep-going the sweep replaces the worker and runs every seed;
			// without, it stops.
			if tc.keepGoing != (s.SeedsRun == tc.seeds) {
				t.Errorf("%d of %d seeds run with --keep-going %v", s.SeedsRun, tc.seeds, tc.keepGoing)
			}
			rerun := fmt.Sprintf("run it alone with:\n    ensim run --scenario steady --seed %d --semantics default\n", tc.seed)
			if crashed {
				rerun = "; replay with:\n    ensim replay " + filepath.Join(out, defaultReproPath("steady", router.Default, tc.seed, 0)) + "\n"
			}
			if !strings.Contains(stderr, rerun) {
				t.Errorf("stderr lacks %q:\n%s", rerun, stderr)
			}
			if strings.HasPrefix(tc.name, "crash") && !strings.Contains(stderr, "the worker's stderr:\n    test worker: crashing on seed") {
				t.Errorf("stderr lacks the worker's own stderr:\n%s", stderr)
			}
		})
	}
}

func TestSweepCannotStartWorkers(t *testing.T) {
	code, _, stderr := sweepWith(t, func(o *sweepOptions) {
		o.startWorker = func(ctx context.Context) (*exec.Cmd, error) {
			return exec.CommandContext(ctx, filepath.Join(t.TempDir(), "no-such-ensim")), nil
		}
	}, "--scenario", "steady", "--seeds", "2")
	if code != exitFail || !strings.Contains(stderr, "ensim: sweep: starting a worker: ") {
		t.Errorf("exit %d, stderr %q; want 1 and why", code, stderr)
	}
}

func TestSweepUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "shard zero", args: []string{"sweep", "--scenario", "steady", "--seeds", "4", "--shard", "0/2"}, wantCode: exitUsage,
			wantStderr: `invalid value "0/2" for flag --shard: "0/2": want I/N with 1 <= I <= N`},
		{name: "shard past N", args: []string{"sweep", "--scenario", "steady", "--seeds", "4", "--shard", "3/2"}, wantCode: exitUsage, wantStderr: `"3/2": want I/N`},
		{name: "shard not a fraction", args: []string{"sweep", "--scenario", "steady", "--seeds", "4", "--shard", "x"}, wantCode: exitUsage, wantStderr: `"x": want I/N`},
		{name: "shard of zero", args: []string{"sweep", "--scenario", "steady", "--seeds", "4", "--shard", "1/0"}, wantCode: exitUsage, wantStderr: `"1/0": want I/N`},
		{name: "shard negative", args: []string{"sweep", "--scenario", "steady", "--seeds", "4", "--shard", "-1/2"}, wantCode: exitUsage, wantStderr: "want I/N"},
		{name: "parallel zero", args: []string{"sweep", "--scenario", "steady", "--seeds", "4", "--parallel", "0"}, wantCode: exitUsage, wantStderr: "--parallel must be at least 1, got 0"},
		{name: "parallel past the bound", args: []string{"sweep", "--scenario", "steady", "--seeds", "4", "--parallel", "100000"}, wantCode: exitUsage,
			wantStderr: "--parallel 100000 is more than"},
		{name: "parallel negative", args: []string{"sweep", "--scenario", "steady", "--seeds", "4", "--parallel", "-2"}, wantCode: exitUsage, wantStderr: "--parallel must be at least 1"},
		{name: "seeds zero", args: []string{"sweep", "--scenario", "steady", "--seeds", "0"}, wantCode: exitUsage, wantStderr: `invalid value "0" for flag --seeds: want a whole number, 1 or more`},
		{name: "seeds missing", args: []string{"sweep", "--scenario", "steady"}, wantCode: exitUsage, wantStderr: "ensim: sweep needs --seeds N"},
		{name: "seeds past the end", args: []string{"sweep", "--scenario", "steady", "--from", "18446744073709551615", "--seeds", "2"}, wantCode: exitUsage, wantStderr: "past the largest seed"},
		{name: "recheck negative", args: []string{"sweep", "--scenario", "steady", "--seeds", "2", "--recheck", "-1"}, wantCode: exitUsage,
			wantStderr: `invalid value "-1" for flag --recheck: want a whole number, 0 or more`},
		{name: "seeds negative", args: []string{"sweep", "--scenario", "steady", "--seeds", "-1"}, wantCode: exitUsage,
			wantStderr: `ensim: invalid value "-1" for flag --seeds: want a whole number, 1 or more`},
		{name: "seeds past uint64", args: []string{"sweep", "--scenario", "steady", "--seeds", "18446744073709551616"}, wantCode: exitUsage,
			wantStderr: `invalid value "18446744073709551616" for flag --seeds: past the largest, 18446744073709551615`},
		{name: "from not a number", args: []string{"sweep", "--scenario", "steady", "--seeds", "2", "--from", "one"}, wantCode: exitUsage,
			wantStderr: `invalid value "one" for flag --from: want a whole number, 0 or more`},
		{name: "neither scenario nor spec", args: []string{"sweep", "--seeds", "2"}, wantCode: exitUsage, wantStderr: "exactly one of --scenario and --spec"},
		{name: "both scenario and spec", args: []string{"sweep", "--scenario", "steady", "--spec", "x.json", "--seeds", "2"}, wantCode: exitUsage, wantStderr: "exactly one of --scenario and --spec"},
		{name: "unknown scenario", args: []string{"sweep", "--scenario", "nope", "--seeds", "2"}, wantCode: exitUsage, wantStderr: `unknown scenario "nope"`},
		{name: "missing spec", args: []string{"sweep", "--spec", filepath.Join(t.TempDir(), "missing.json"), "--seeds", "2"}, wantCode: exitUsage, wantStderr: "missing.json"},
		{name: "bad semantics", args: []string{"sweep", "--scenario", "steady", "--seeds", "2", "--semantics", "erlang"}, wantCode: exitUsage, wantStderr: "want default or riak"},
		{name: "positional", args: []string{"sweep", "--scenario", "steady", "--seeds", "2", "steady"}, wantCode: exitUsage, wantStderr: "no positional arguments"},
		{name: "out is a file", args: []string{"sweep", "--scenario", "steady", "--seeds", "2", "--out", writeFile(t, "f", nil)}, wantCode: exitUsage, wantStderr: "--out"},
		{name: "merge nothing", args: []string{"sweep", "merge"}, wantCode: exitUsage, wantStderr: "usage: ensim sweep merge"},
		{name: "merge unknown flag", args: []string{"sweep", "merge", "a.json", "--json"}, wantCode: exitUsage, wantStderr: "ensim help sweep merge"},
		{name: "sweep -h", args: []string{"sweep", "-h"}, wantCode: exitOK, wantStdout: "-keep-going"},
		{name: "help sweep", args: []string{"help", "sweep"}, wantCode: exitOK, wantStdout: "-shard I/N"},
		{name: "help sweep merge", args: []string{"help", "sweep", "merge"}, wantCode: exitOK, wantStdout: "-human"},
		{name: "help sweep bogus", args: []string{"help", "sweep", "bogus"}, wantCode: exitUsage, wantStderr: `unknown command "sweep bogus"`},
		{name: "worker takes no arguments", args: []string{workerCommand, "x"}, wantCode: exitUsage, wantStderr: "takes no arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.wantStdout) || tc.wantStdout == "" && stdout != "" {
				t.Errorf("stdout = %q, want %q", stdout, tc.wantStdout)
			}
			if !strings.Contains(stderr, tc.wantStderr) || tc.wantStderr == "" && stderr != "" {
				t.Errorf("stderr = %q, want %q", stderr, tc.wantStderr)
			}
		})
	}
}

func TestHelpHidesTheWorker(t *testing.T) {
	code, stdout, _ := ensim(t, "help")
	if code != exitOK || !strings.Contains(stdout, "  sweep (--scenario NAME") || !strings.Contains(stdout, "  sweep merge ") {
		t.Errorf("help does not list sweep and sweep merge:\n%s", stdout)
	}
	if strings.Contains(stdout, workerCommand) {
		t.Errorf("help lists the hidden %s:\n%s", workerCommand, stdout)
	}
}

func TestShardSeeds(t *testing.T) {
	tests := []struct {
		name     string
		from, n  uint64
		shards   uint64
		wantSets [][]uint64 // the seeds of shard 1, 2, ...
	}{
		{name: "even", from: 1, n: 6, shards: 2, wantSets: [][]uint64{{1, 3, 5}, {2, 4, 6}}},
		{name: "uneven", from: 10, n: 7, shards: 3, wantSets: [][]uint64{{10, 13, 16}, {11, 14}, {12, 15}}},
		{name: "more shards than seeds", from: 5, n: 2, shards: 4, wantSets: [][]uint64{{5}, {6}, nil, nil}},
		{name: "one shard", from: 0, n: 3, shards: 1, wantSets: [][]uint64{{0, 1, 2}}},
		{name: "at the top", from: 1<<64 - 3, n: 3, shards: 2, wantSets: [][]uint64{{1<<64 - 3, 1<<64 - 1}, {1<<64 - 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]uint64
			for i := uint64(1); i <= tc.shards; i++ {
				r := shardSeeds(tc.from, tc.n, shardSpec{i, tc.shards})
				var seeds []uint64
				for k := range r.count {
					seeds = append(seeds, r.at(k))
				}
				got = append(got, seeds)
			}
			if diff := cmp.Diff(tc.wantSets, got); diff != "" {
				t.Errorf("shard seeds (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShardSeedsCoverEachSeedOnce(t *testing.T) {
	for n := uint64(1); n <= 12; n++ {
		for shards := uint64(1); shards <= 5; shards++ {
			seen := map[uint64]int{}
			for i := uint64(1); i <= shards; i++ {
				r := shardSeeds(100, n, shardSpec{i, shards})
				for k := range r.count {
					seen[r.at(k)]++
				}
			}
			for s := uint64(100); s < 100+n; s++ {
				if seen[s] != 1 {
					t.Errorf("%d seeds in %d shards: seed %d run %d times", n, shards, s, seen[s])
				}
			}
			if len(seen) != int(n) {
				t.Errorf("%d seeds in %d shards: %d seeds run", n, shards, len(seen))
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    shardSpec
		wantErr bool
	}{
		{in: "1/1", want: shardSpec{1, 1}},
		{in: "3/4", want: shardSpec{3, 4}},
		{in: "0/2", wantErr: true},
		{in: "3/2", wantErr: true},
		{in: "1/0", wantErr: true},
		{in: "x", wantErr: true},
		{in: "1/", wantErr: true},
		{in: "/2", wantErr: true},
		{in: "1/2/3", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseShard(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseShard(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestHeadBuffer(t *testing.T) {
	h := &headBuffer{max: 5}
	for _, s := range []string{"abc", "def", "ghi"} {
		if n, err := h.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got, want := h.String(), "abcde\n[...]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
