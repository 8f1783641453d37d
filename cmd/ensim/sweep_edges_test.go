package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// TestSweepUpToTheLargestSeed: a sweep, or a comparison, whose last seed is the
// largest there is runs; only one that would run past it is bad usage
// (TestSweepUsage).
func TestSweepUpToTheLargestSeed(t *testing.T) {
	const largest = "18446744073709551615"
	for _, from := range []string{largest, "18446744073709551614"} {
		seeds := "1"
		if from != largest {
			seeds = "2"
		}
		code, stdout, stderr := sweep(t, nil, "--scenario", "steady", "--from", from, "--seeds", seeds, "--recheck", "0",
			"--parallel", "1", "--out", t.TempDir(), "--json")
		if code != exitOK {
			t.Fatalf("sweep --from %s --seeds %s: exit %d, want %d\n%s", from, seeds, code, exitOK, stderr)
		}
		if s := decodeSweep(t, stdout); s.SeedsRun != s.Seeds {
			t.Errorf("sweep --from %s --seeds %s: %d of %d seeds run", from, seeds, s.SeedsRun, s.Seeds)
		}
	}
	code, stdout, stderr := ensim(t, "compare", "--scenario", "steady", "--from", largest, "--seeds", "1", "--json")
	if code != exitOK || !strings.Contains(stdout, `"from": `+largest) {
		t.Errorf("compare --from %s --seeds 1: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", largest, code, exitOK, stdout, stderr)
	}
}

// TestWorkerAnswerForAnotherSeed: a worker that answers for a seed other than the one
// it runs broke the protocol: the sweep kills it, naming both seeds, and does not
// take the answer for the seed it was running.
func TestWorkerAnswerForAnotherSeed(t *testing.T) {
	s, _ := memSweeper(t, 4, 1)
	killed := false
	w := s.workers[0]
	w.cancel = func() { killed = true }
	s.assign()
	s.handle(workerEvent{w: w, res: &workerResult{Seed: 99, OK: true}})
	if want := "worker 1 answered for seed 99 while running seed 1"; !killed || w.failure != want {
		t.Errorf("killed %v, failure %q; want the worker killed, %q", killed, w.failure, want)
	}
	if s.seedsRun != 0 || len(w.jobs) == 0 || w.jobs[0].seed != 1 {
		t.Errorf("%d seeds counted run, jobs left %v; want none run and seed 1 still the worker's", s.seedsRun, w.jobs)
	}
}

// TestSweepSpeedIsOfSeedsRun: seeds_per_sec is the seeds the sweep ran over its wall
// time, not the seeds of the whole sweep: here shard 1/2 of 4 seeds runs 2 of them in
// 2s (the sweep's clock), 1 seed a second.
func TestSweepSpeedIsOfSeedsRun(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	calls := 0
	clock := func() time.Time {
		calls++
		if calls == 1 {
			return t0
		}
		return t0.Add(2 * time.Second)
	}
	code, stdout, stderr := sweepWith(t, func(o *sweepOptions) { o.startWorker, o.now = testWorker(), clock },
		"--scenario", "steady", "--seeds", "4", "--shard", "1/2", "--recheck", "0", "--parallel", "1", "--out", t.TempDir(), "--json")
	if code != exitOK {
		t.Fatalf("exit %d, want %d\n%s", code, exitOK, stderr)
	}
	s := decodeSweep(t, stdout)
	if s.SeedsRun != 2 || s.WallNS != int64(2*time.Second) || s.SeedsPerSec != 1 {
		t.Errorf("%d seeds run in %v: %v seeds/s; want 2 in 2s, 1 seed/s", s.SeedsRun, time.Duration(s.WallNS), s.SeedsPerSec)
	}
}

// TestPrintSweepFailureCountsTheRest: a failing seed's block lists its first three
// violations and says how many more there are, and says nothing of more when there
// are none.
func TestPrintSweepFailureCountsTheRest(t *testing.T) {
	v := func(call string) scenarios.Violation {
		return scenarios.Violation{Invariant: scenarios.InvLiveness, Call: call, Detail: "timed out"}
	}
	for _, tc := range []struct {
		name string
		vs   []scenarios.Violation
		more string // "" for no line of more
	}{
		{name: "three", vs: []scenarios.Violation{v("n1.1.1"), v("n1.1.2"), v("n1.1.3")}},
		{name: "four", vs: []scenarios.Violation{v("n1.1.1"), v("n1.1.2"), v("n1.1.3"), v("n1.1.4")}, more: "  and 1 more\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &sweepFailure{Seed: 7, Invariants: []string{scenarios.InvLiveness}, Violations: tc.vs, ViolationsTotal: len(tc.vs), Repro: "r.json"}
			var b strings.Builder
			printSweepFailure(&b, f, nil, "")
			got := b.String()
			if !strings.HasPrefix(got, "ensim: seed 7 failed: "+strconv.Itoa(len(tc.vs))+" invariant violations (liveness)\n  liveness: call n1.1.1: timed out\n") ||
				strings.Contains(got, "n1.1.4") {
				t.Errorf("block:\n%s", got)
			}
			if hasMore := strings.Contains(got, " more\n"); hasMore != (tc.more != "") || tc.more != "" && !strings.Contains(got, tc.more) {
				t.Errorf("block:\n%s\nwant the line of more %q", got, tc.more)
			}
		})
	}
}

// TestFailedLineCountsSeedsRun: the last line of a failed sweep counts the failures
// among the seeds it ran, not among the seeds it set out to run (a sweep stops at its
// first failure).
func TestFailedLineCountsSeedsRun(t *testing.T) {
	for _, tc := range []struct {
		sum  sweepSummary
		want string
	}{
		{sweepSummary{Seeds: 20, SeedsRun: 3, Failures: []sweepFailure{{Seed: 2}}}, "1 of 3 seeds run failed: 2"},
		{sweepSummary{Seeds: 20, SeedsRun: 1, Failures: []sweepFailure{{Seed: 1}}}, "1 of 1 seed run failed: 1"},
		{sweepSummary{Seeds: 4, SeedsRun: 4, Failures: []sweepFailure{{Seed: 1}, {Seed: 4}}}, "2 of 4 seeds run failed: 1, 4"},
	} {
		if got := failedLine(tc.sum); got != tc.want {
			t.Errorf("failedLine = %q, want %q", got, tc.want)
		}
	}
}

// TestInterruptedBeforeTheLastSeed: a sweep interrupted when every seed but its last
// had run names that last seed as its rest, which a merge needs to tell the summary
// from one of the whole sweep.
func TestInterruptedBeforeTheLastSeed(t *testing.T) {
	s, _ := memSweeper(t, 4, 1)
	s.o.from, s.o.seeds = 1, 4
	w := s.workers[0]
	for seed := uint64(1); seed <= 3; seed++ {
		s.result(w, &job{seed: seed, index: seed - 1}, &workerResult{Seed: seed, OK: true, Violations: []scenarios.Violation{}})
	}
	s.interrupted = true
	got := s.summary("steady", time.Second)
	if diff := cmp.Diff([]sweepRest{{From: 4, Seeds: 1, Shard: "1/1"}}, got.Rest); got.SeedsRun != 3 || diff != "" {
		t.Errorf("%d seeds run; rest (-want +got):\n%s", got.SeedsRun, diff)
	}
}
