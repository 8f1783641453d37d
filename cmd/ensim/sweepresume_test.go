package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/scenarios"
)

// progressWatch is the stderr of a sweep that thinks it is a terminal: it cancels the
// sweep once the progress bar shows want.
type progressWatch struct {
	bytes.Buffer
	want   string
	cancel context.CancelFunc
	seen   bool
}

func (w *progressWatch) Write(p []byte) (int, error) {
	if !w.seen && bytes.Contains(p, []byte(w.want)) {
		w.seen = true
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// interruptedSweep runs ensim sweep in-process with args, its workers getting env,
// and interrupts it, as a SIGTERM does (it ends the sweep's context), once done
// seeds have run: its progress bar, redrawn after every result (its clock moves a
// second a reading), counts them. It returns what the sweep printed after the bar.
func interruptedSweep(t *testing.T, done uint64, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	fs := flag.NewFlagSet("ensim sweep", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := newSweepOptions(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		t.Fatalf("flags %q: %v", args, err)
	}
	o.startWorker = testWorker(env...)
	o.terminal = func(io.Writer) bool { return true }
	clock := time.Unix(0, 0)
	o.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	guard := time.AfterFunc(sweepTimeout, cancel)
	defer guard.Stop()
	var out bytes.Buffer
	errOut := &progressWatch{want: fmt.Sprintf("] %d/", done), cancel: cancel}
	code = o.do(ctx, pos, &out, errOut)
	if !errOut.seen {
		t.Fatalf("the sweep never showed %d seeds run:\n%q", done, errOut.String())
	}
	e := errOut.String()
	return code, out.String(), e[strings.LastIndex(e, "\r\033[K")+len("\r\033[K"):]
}

// resumeIgnore leaves out of a comparison of summaries what the wall clock sets, and
// the repros' paths (each sweep writes its own).
var resumeIgnore = cmp.Options{
	cmpopts.IgnoreFields(sweepSummary{}, "SeedsPerSec", "WallNS", "EventsPerSec"),
	cmpopts.IgnoreFields(sweepFailure{}, "Repro"),
	cmpopts.IgnoreUnexported(sweepFailure{}),
}

// sweepJSON runs a sweep to its end and returns its summary and the file it is in.
func sweepJSON(t *testing.T, wantCode int, args ...string) (sweepSummary, string) {
	t.Helper()
	code, stdout, stderr := sweep(t, nil, append(args, "--json")...)
	if code != wantCode {
		t.Fatalf("sweep %q: exit %d, want %d\n%s", args, code, wantCode, stderr)
	}
	return decodeSweep(t, stdout), writeFile(t, "summary.json", []byte(stdout))
}

// mergeJSON runs ensim sweep merge of files and returns its exit status, merged
// summary and stderr.
func mergeJSON(t *testing.T, files ...string) (int, sweepSummary, string) {
	t.Helper()
	code, stdout, stderr := ensim(t, append([]string{"sweep", "merge"}, files...)...)
	if code == exitUsage {
		return code, sweepSummary{}, stderr
	}
	return code, decodeSweep(t, stdout), stderr
}

// TestSweepResume: an interrupted sweep's summary covers the seeds before the first
// that did not run, exactly, and names the rest; merged with the summary of the rest
// (itself interrupted and resumed once more), it is the summary of the whole sweep
// run in one go, field by field but for the speeds. Every seed of the spec fails, so
// the failures list exactly the seeds each summary counts.
func TestSweepResume(t *testing.T) {
	spec := writeFile(t, "fail.json", failingSpec(t).JSON())
	out := t.TempDir()
	common := []string{"--spec", spec, "--parallel", "2", "--recheck", "0", "--keep-going", "--out", out}
	args := func(extra ...string) []string { return append(append([]string{}, common...), extra...) }

	whole, _ := sweepJSON(t, exitFail, args("--seeds", "6")...)
	if whole.SeedsRun != 6 || len(whole.Failures) != 6 || whole.Rest != nil {
		t.Fatalf("the whole sweep: %d seeds run, failures at %v, rest %v", whole.SeedsRun, failedSeeds(whole), whole.Rest)
	}

	// Seed 2 hangs in worker 2, which holds seed 4 behind it; worker 1 runs 1, 3, 5
	// and 6. Interrupted then, the summary is of seed 1 alone.
	code, stdout, stderr := interruptedSweep(t, 4, []string{"ENSIM_TEST_HANG=2"}, args("--seeds", "6", "--json")...)
	for _, w := range []string{
		"ensim: sweep interrupted after 1 of 6 seeds\n",
		"ensim: every seed before 2 ran; to run the rest, repeat the command with --from 2 --seeds 5\n",
		"ensim: the summary leaves out the seeds that ran past seed 2, the first that did not finish (3, 5, 6): the rest runs them again\n",
	} {
		if code != exitFail || !strings.Contains(stderr, w) {
			t.Errorf("interrupted: exit %d, stderr lacks %q:\n%s", code, w, stderr)
		}
	}
	first := decodeSweep(t, stdout)
	firstPath := writeFile(t, "first.json", []byte(stdout))
	if diff := cmp.Diff([]sweepRest{{From: 2, Seeds: 5, Shard: "1/1"}}, first.Rest); diff != "" || !first.Interrupted {
		t.Errorf("interrupted %v, rest (-want +got):\n%s", first.Interrupted, diff)
	}
	// Its counts are those of the sweep of seed 1 alone.
	alone, _ := sweepJSON(t, exitFail, args("--seeds", "1")...)
	alone.Seeds, alone.Interrupted, alone.Rest = 6, true, []sweepRest{{From: 2, Seeds: 5, Shard: "1/1"}}
	if diff := cmp.Diff(alone, first, resumeIgnore); diff != "" {
		t.Errorf("the interrupted summary differs from the sweep of the seed it covers (-want +got):\n%s", diff)
	}

	// The rest, interrupted in turn: seed 3 hangs in worker 2, which holds seed 5
	// behind it; worker 1 runs 2, 4 and 6. The summary is of seed 2.
	code, stdout, stderr = interruptedSweep(t, 3, []string{"ENSIM_TEST_HANG=3"}, args("--from", "2", "--seeds", "5", "--json")...)
	if code != exitFail || !strings.Contains(stderr, "to run the rest, repeat the command with --from 3 --seeds 4\n") ||
		!strings.Contains(stderr, "past seed 3, the first that did not finish (4, 6)") {
		t.Errorf("the rest, interrupted: exit %d, stderr:\n%s", code, stderr)
	}
	second := decodeSweep(t, stdout)
	secondPath := writeFile(t, "second.json", []byte(stdout))
	if diff := cmp.Diff([]uint64{2}, failedSeeds(second)); diff != "" || second.SeedsRun != 1 {
		t.Errorf("the rest, interrupted: %d seeds run, failures (-want +got):\n%s", second.SeedsRun, diff)
	}
	_, thirdPath := sweepJSON(t, exitFail, args("--from", "3", "--seeds", "4")...)

	// Merged in any order, the three are the whole sweep.
	for _, files := range [][]string{{firstPath, secondPath, thirdPath}, {thirdPath, firstPath, secondPath}} {
		code, got, stderr := mergeJSON(t, files...)
		if want := "ensim: sweep merge: 6 of 6 seeds run failed: 1, 2, 3, 4, 5, 6 (the summary's failures name their repros)\n"; code != exitFail || stderr != want {
			t.Errorf("merge %v: exit %d, want %d (the seeds failed) and no complaint but %q:\n%s", files, code, exitFail, want, stderr)
		}
		if diff := cmp.Diff(whole, got, resumeIgnore); diff != "" {
			t.Errorf("merge %v differs from the whole sweep (-whole +merged):\n%s", files, diff)
		}
	}

	// Two of them still miss the last: the merge says so, and names the rest; merged
	// with the third, it is the whole too.
	code, part, stderr := mergeJSON(t, firstPath, secondPath)
	if code != exitFail || !part.Interrupted || !strings.Contains(stderr, "ensim: sweep merge: "+secondPath+" (shard 1/1) was interrupted: no summary given covers the rest of shard 1/1, --from 3 --seeds 4\n") {
		t.Errorf("merge of the first two: exit %d, interrupted %v, stderr:\n%s", code, part.Interrupted, stderr)
	}
	if diff := cmp.Diff([]sweepRest{{From: 3, Seeds: 4, Shard: "1/1"}}, part.Rest); diff != "" || part.SeedsRun != 2 || part.Seeds != 6 || part.From != 1 {
		t.Errorf("merge of the first two: seeds %d..%d, %d run, rest (-want +got):\n%s", part.From, part.From+part.Seeds-1, part.SeedsRun, diff)
	}
	partPath := writeSummary(t, part)
	if code, got, stderr := mergeJSON(t, partPath, thirdPath); code != exitFail || cmp.Diff(whole, got, resumeIgnore) != "" {
		t.Errorf("the first two merged, merged with the third: exit %d\n%s\n%s", code, cmp.Diff(whole, got, resumeIgnore), stderr)
	}
}

// TestSweepResumeShard: a shard interrupted and resumed, with the same --shard, merges
// with the other shards into the whole sweep.
func TestSweepResumeShard(t *testing.T) {
	out := t.TempDir()
	common := []string{"--scenario", "steady", "--parallel", "2", "--recheck", "0", "--out", out}
	args := func(extra ...string) []string { return append(append([]string{}, common...), extra...) }

	whole, _ := sweepJSON(t, exitOK, args("--seeds", "8")...)
	_, onePath := sweepJSON(t, exitOK, args("--seeds", "8", "--shard", "1/2")...)
	// Shard 2/2 holds 2, 4, 6 and 8: 4 hangs in worker 2, worker 1 runs 2 and 6.
	code, stdout, stderr := interruptedSweep(t, 2, []string{"ENSIM_TEST_HANG=4"}, args("--seeds", "8", "--shard", "2/2", "--json")...)
	if code != exitFail || !strings.Contains(stderr, "ensim: every seed of shard 2/2 before 4 ran; to run the rest, repeat the command with --from 3 --seeds 6 and the same --shard 2/2 (whose first seed from 3 on is 4)\n") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	two := decodeSweep(t, stdout)
	twoPath := writeFile(t, "two.json", []byte(stdout))
	if diff := cmp.Diff([]sweepRest{{From: 3, Seeds: 6, Shard: "2/2"}}, two.Rest); diff != "" || two.SeedsRun != 1 {
		t.Errorf("shard 2/2, interrupted: %d seeds run, rest (-want +got):\n%s", two.SeedsRun, diff)
	}
	alone, _ := sweepJSON(t, exitOK, args("--seeds", "2", "--shard", "2/2")...) // seed 2
	if two.Events != alone.Events || two.Calls != alone.Calls || !cmp.Equal(two.Probes, alone.Probes) {
		t.Errorf("shard 2/2, interrupted: events %d, calls %+v; want seed 2's: %d, %+v", two.Events, two.Calls, alone.Events, alone.Calls)
	}
	_, restPath := sweepJSON(t, exitOK, args("--from", "3", "--seeds", "6", "--shard", "2/2")...)

	for _, files := range [][]string{{onePath, twoPath, restPath}, {restPath, onePath, twoPath}} {
		code, got, stderr := mergeJSON(t, files...)
		if code != exitOK || stderr != "" {
			t.Errorf("merge %v: exit %d, want 0\n%s", files, code, stderr)
		}
		if diff := cmp.Diff(whole, got, resumeIgnore); diff != "" {
			t.Errorf("merge %v differs from the whole sweep (-whole +merged):\n%s", files, diff)
		}
	}
	// Without the rest, the shard's rest is missing: the merge lists the shards
	// (the rest is of one of them) and names it.
	code, part, stderr := mergeJSON(t, onePath, twoPath)
	if code != exitFail || !part.Interrupted || part.Shard != "1/2,2/2" || !strings.Contains(stderr, "--from 3 --seeds 6 --shard 2/2\n") {
		t.Errorf("merge without the rest: exit %d, interrupted %v, shard %q, stderr:\n%s", code, part.Interrupted, part.Shard, stderr)
	}
	if diff := cmp.Diff([]sweepRest{{From: 3, Seeds: 6, Shard: "2/2"}}, part.Rest); diff != "" {
		t.Errorf("merge without the rest: rest (-want +got):\n%s", diff)
	}
	if code, got, stderr := mergeJSON(t, writeSummary(t, part), restPath); code != exitOK || cmp.Diff(whole, got, resumeIgnore) != "" {
		t.Errorf("that merge, merged with the rest: exit %d\n%s\n%s", code, cmp.Diff(whole, got, resumeIgnore), stderr)
	}
	// --partial accepts missing shards, not a rest that is missing.
	if code, _, stderr := ensim(t, "sweep", "merge", "--partial", onePath, twoPath); code != exitFail || !strings.Contains(stderr, "was interrupted") {
		t.Errorf("--partial without the rest: exit %d, stderr %q; want 1", code, stderr)
	}
}

// TestSweepResumeSwarm: swarm draws a world from each seed, so the rest of an
// interrupted swarm sweep, run as the sweep says (from another seed), sweeps other
// worlds from its first seed on; its summary still has the interrupted one's spec
// hash, and the whole sweep's, and merge joins the two into the whole sweep. (The
// hash was once of the first seed's world: merge refused the rest as another spec.)
func TestSweepResumeSwarm(t *testing.T) {
	common := []string{"--scenario", "swarm", "--parallel", "1", "--recheck", "0", "--out", t.TempDir()}
	args := func(extra ...string) []string { return append(append([]string{}, common...), extra...) }

	whole, _ := sweepJSON(t, exitOK, args("--seeds", "4")...)
	// Seed 2 hangs, and the sweep is interrupted after seed 1.
	code, stdout, stderr := interruptedSweep(t, 1, []string{"ENSIM_TEST_HANG=2"}, args("--seeds", "4", "--json")...)
	hint := regexp.MustCompile(`to run the rest, repeat the command with --from (\d+) --seeds (\d+)\n`).FindStringSubmatch(stderr)
	if code != exitFail || hint == nil || hint[1] != "2" || hint[2] != "3" {
		t.Fatalf("interrupted: exit %d, want 1 and the rest --from 2 --seeds 3; stderr:\n%s", code, stderr)
	}
	first := decodeSweep(t, stdout)
	firstPath := writeFile(t, "first.json", []byte(stdout))
	rest, restPath := sweepJSON(t, exitOK, args("--from", hint[1], "--seeds", hint[2])...)
	if first.SpecHash != whole.SpecHash || rest.SpecHash != whole.SpecHash {
		t.Errorf("spec hashes: the whole sweep %q, the interrupted one %q, its rest %q; want one", whole.SpecHash, first.SpecHash, rest.SpecHash)
	}
	for _, files := range [][]string{{firstPath, restPath}, {restPath, firstPath}} {
		code, got, stderr := mergeJSON(t, files...)
		if code != exitOK || stderr != "" {
			t.Errorf("merge %v: exit %d, want 0\n%s", files, code, stderr)
			continue
		}
		if diff := cmp.Diff(whole, got, resumeIgnore); diff != "" {
			t.Errorf("merge %v differs from the whole sweep (-whole +merged):\n%s", files, diff)
		}
	}
}

// TestSweepResumeNoneRan: a sweep interrupted before its first seed ended covers no
// seed (those that ran past it are left out), and its rest is the whole sweep: the
// command run again.
func TestSweepResumeNoneRan(t *testing.T) {
	common := []string{"--scenario", "steady", "--seeds", "6", "--parallel", "2", "--recheck", "0", "--out", t.TempDir()}
	whole, wholePath := sweepJSON(t, exitOK, common...)
	// Seed 1 hangs in worker 1, which holds seed 3 behind it; worker 2 runs 2, 4, 5, 6.
	code, stdout, stderr := interruptedSweep(t, 4, []string{"ENSIM_TEST_HANG=1"}, append(common, "--json")...)
	// Seed 1 alone was running then: worker 2 had run its seeds.
	running := regexp.MustCompile(`ensim: running at the interrupt: seed 1 \(for [0-9.hmsµ]+, worker 1\)\n`)
	if want := "ensim: sweep interrupted after 0 of 6 seeds\nensim: the summary leaves out the seeds that ran past seed 1, the first that did not finish (2, 4, 5, 6): the rest runs them again\n"; code != exitFail ||
		running.ReplaceAllString(stderr, "") != want || !running.MatchString(stderr) {
		t.Errorf("exit %d, stderr %q; want 1, %q and %q", code, stderr, want, running)
	}
	none := decodeSweep(t, stdout)
	if none.SeedsRun != 0 || none.Events != 0 || none.Calls.Total != 0 || len(none.Failures) != 0 ||
		!cmp.Equal([]sweepRest{{From: 1, Seeds: 6, Shard: "1/1"}}, none.Rest) {
		t.Errorf("%d seeds run, %d events, calls %+v, rest %v; want none, and the whole sweep to run", none.SeedsRun, none.Events, none.Calls, none.Rest)
	}
	for _, p := range none.Probes {
		if p != 0 {
			t.Errorf("probes %v, want none hit", none.Probes)
			break
		}
	}
	nonePath := writeFile(t, "none.json", []byte(stdout))
	for _, files := range [][]string{{nonePath, wholePath}, {wholePath, nonePath}} {
		if code, got, stderr := mergeJSON(t, files...); code != exitOK || cmp.Diff(whole, got, resumeIgnore) != "" {
			t.Errorf("merge %v: exit %d\n%s\n%s", files, code, cmp.Diff(whole, got, resumeIgnore), stderr)
		}
	}
}

// TestSweepCountsPrefix: what a sweep counts, run by run, in memory: results that
// come out of order wait until every seed before them has run; an interrupted sweep
// leaves out those still waiting, with their second runs and failures, and one that
// ends otherwise counts them all.
func TestSweepCountsPrefix(t *testing.T) {
	res := func(seed, events uint64, fail bool, probe string, casts bool) *workerResult {
		r := &workerResult{Seed: seed, OK: !fail, Events: events, Violations: []scenarios.Violation{},
			Calls:        scenarios.Calls{Total: events, OK: events},
			SkippedCalls: seed, TraceHash: "h", Probes: map[string]uint64{"hop-limit": 0, probe: seed}}
		if fail {
			r.Violations = []scenarios.Violation{{Invariant: scenarios.InvLiveness, Detail: "x"}}
			r.ViolationsTotal = 1
		}
		if casts {
			r.Casts = &scenarios.Casts{Total: 3, Served: 2, Skipped: 1}
		}
		return r
	}
	for _, interrupted := range []bool{true, false} {
		t.Run(fmt.Sprintf("interrupted %v", interrupted), func(t *testing.T) {
			s, _ := memSweeper(t, 6, 2)
			s.o.from, s.o.seeds = 1, 6
			w := s.workers[0]
			first := func(seed uint64, r *workerResult) { s.result(w, &job{seed: seed, index: seed - 1}, r) }
			second := func(seed uint64) {
				s.result(s.workers[1], &job{seed: seed, index: seed - 1, first: &firstRun{hash: "h", worker: w.id}}, &workerResult{Seed: seed, OK: true, TraceHash: "h"})
			}
			first(1, res(1, 10, false, "a", false))
			first(3, res(3, 30, true, "c", false))
			second(3) // before seed 2 ran
			first(2, res(2, 20, false, "b", false))
			second(1)
			first(5, res(5, 50, true, "e", true))
			second(5)
			// A worker crashes while running seed 6.
			s.seedRan(5, &seedCounts{seeds: 1})
			s.fail(&sweepFailure{Seed: 6, Error: "crashed"})
			// Seed 4 never ran.
			s.interrupted = interrupted
			got := s.summary("steady", time.Second)
			want := sweepSummary{Scenario: "steady", Semantics: "default", From: 1, Seeds: 6, Shard: "1/1",
				SeedsRun: 3, Rechecked: 2, Events: 60, Skipped: 6,
				Calls:      scenarios.Calls{Total: 60, OK: 60},
				Probes:     map[string]uint64{"hop-limit": 0, "a": 1, "b": 2, "c": 3},
				Rest:       []sweepRest{{From: 4, Seeds: 3, Shard: "1/1"}},
				ZeroProbes: []string{"hop-limit"}, NotUnder: []string{}}
			if !interrupted {
				want.SeedsRun, want.Rechecked, want.Events, want.Skipped = 5, 3, 110, 11
				want.Calls = scenarios.Calls{Total: 110, OK: 110}
				want.Probes["e"] = 5
				want.Casts = &scenarios.Casts{Total: 3, Served: 2, Skipped: 1}
				want.Rest = nil
			}
			var failed []uint64
			for _, f := range got.Failures {
				failed = append(failed, f.Seed)
			}
			wantFailed := []uint64{3}
			if !interrupted {
				wantFailed = []uint64{3, 5, 6}
			}
			if diff := cmp.Diff(wantFailed, failed); diff != "" {
				t.Errorf("failed seeds (-want +got):\n%s", diff)
			}
			got.Failures = nil
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(sweepSummary{}, "SeedsPerSec", "WallNS", "EventsPerSec")); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
}

// restSummary is a made-up summary of shard of seeds from..10 of steady that covers
// run seeds, each with 10 events and a late reply, and has rests.
func restSummary(shard string, from, run uint64, rest ...sweepRest) sweepSummary {
	return shardSummary(shard, func(s *sweepSummary) {
		s.From, s.Seeds, s.SeedsRun, s.Rest = from, 11-from, run, rest
		s.Interrupted = len(rest) > 0
		s.Events = 10 * run
		s.Probes = map[string]uint64{"hop-limit": 0, "late-reply-dropped": run}
	})
}

// TestMergeResume: merge joins an interrupted summary and its rest's, through any
// number of them, for each shard; it refuses those that overlap, leave seeds out
// between them, or do not fit together, and rests that are not one.
func TestMergeResume(t *testing.T) {
	whole := restSummary("1/1", 1, 10)
	want := whole
	want.finish()
	to5 := restSummary("1/1", 1, 4, sweepRest{From: 5, Seeds: 6, Shard: "1/1"}) // seeds 1..4
	from5 := restSummary("1/1", 5, 6)
	from5to8 := restSummary("1/1", 5, 3, sweepRest{From: 8, Seeds: 3, Shard: "1/1"})
	from8 := restSummary("1/1", 8, 3)
	ok := [][]sweepSummary{
		{to5, from5},
		{from5, to5},
		{to5, from5to8, from8},
		{from8, to5, from5to8},
		{restSummary("1/1", 1, 0, sweepRest{From: 1, Seeds: 10, Shard: "1/1"}), whole}, // none ran
		{whole, restSummary("1/1", 1, 0, sweepRest{From: 1, Seeds: 10, Shard: "1/1"})},
		{to5, restSummary("1/1", 5, 0, sweepRest{From: 5, Seeds: 6, Shard: "1/1"}), from5},
		// Shard 2/2 (2, 4, 6, 8, 10) stopped before 6: the rest is --from 5.
		{restSummary("1/2", 1, 5), restSummary("2/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "2/2"}), restSummary("2/2", 5, 3)},
		// A merge of shards, one of them interrupted, and the rest of that one.
		{restSummary("1/2,2/2", 1, 7, sweepRest{From: 5, Seeds: 6, Shard: "2/2"}), restSummary("2/2", 5, 3)},
		// Two shards, each stopped at --from 5, and a merge of their rests.
		{restSummary("1/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "1/2"}), restSummary("2/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "2/2"}),
			restSummary("1/2,2/2", 5, 6)},
	}
	for k, sums := range ok {
		var files []string
		for _, s := range sums {
			files = append(files, writeSummary(t, s))
		}
		code, got, stderr := mergeJSON(t, files...)
		if code != exitOK || stderr != "" {
			t.Errorf("%d: exit %d, want 0\n%s", k, code, stderr)
			continue
		}
		if diff := cmp.Diff(want, got, resumeIgnore); diff != "" {
			t.Errorf("%d: the merge differs from the whole (-whole +merged):\n%s", k, diff)
		}
	}

	// A rest ran after the sweep it follows: a shard's wall time is its summaries'
	// summed, and the shards ran side by side.
	timed := func(s sweepSummary, sec int) string {
		s.WallNS = int64(time.Duration(sec) * time.Second)
		return writeSummary(t, s)
	}
	if _, got, _ := mergeJSON(t, timed(to5, 1), timed(from5to8, 2), timed(from8, 4)); got.WallNS != int64(7*time.Second) || got.SeedsPerSec != 10.0/7 {
		t.Errorf("a sweep resumed twice: wall %v, %v seeds/s; want 7s, 10/7", time.Duration(got.WallNS), got.SeedsPerSec)
	}
	for _, tc := range []struct{ one, want int }{{5, 5}, {2, 3}} {
		_, got, _ := mergeJSON(t, timed(restSummary("1/2", 1, 5), tc.one),
			timed(restSummary("2/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "2/2"}), 1), timed(restSummary("2/2", 5, 3), 2))
		if got.WallNS != int64(time.Duration(tc.want)*time.Second) {
			t.Errorf("shard 1/2 in %ds, 2/2 in 1s and its rest in 2s: wall %v, want %ds", tc.one, time.Duration(got.WallNS), tc.want)
		}
	}

	// What a merge still misses, it names as its rest, and says so.
	code, got, stderr := mergeJSON(t, writeSummary(t, to5), writeSummary(t, from5to8))
	if code != exitFail || !got.Interrupted || got.SeedsRun != 7 || !cmp.Equal(got.Rest, []sweepRest{{From: 8, Seeds: 3, Shard: "1/1"}}) ||
		!strings.Contains(stderr, "was interrupted: no summary given covers the rest of shard 1/1, --from 8 --seeds 3\n") {
		t.Errorf("to 5 and 5 to 8: exit %d, %+v\n%s", code, got, stderr)
	}
	code, got, _ = mergeJSON(t, writeSummary(t, restSummary("1/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "1/2"})),
		writeSummary(t, restSummary("2/2", 1, 1, sweepRest{From: 3, Seeds: 8, Shard: "2/2"})), writeSummary(t, restSummary("2/2", 3, 1, sweepRest{From: 5, Seeds: 6, Shard: "2/2"})))
	if want := []sweepRest{{From: 5, Seeds: 6, Shard: "1/2"}, {From: 5, Seeds: 6, Shard: "2/2"}}; code != exitFail || got.Shard != "1/2,2/2" || !cmp.Equal(got.Rest, want) {
		t.Errorf("two shards short: exit %d, shard %q, rest %v; want 1, 1/2,2/2, %v", code, got.Shard, got.Rest, want)
	}

	tests := []struct {
		name string
		sums []sweepSummary
		want string
	}{
		{name: "the rest twice", sums: []sweepSummary{to5, from5, from5}, want: "overlap: both ran seed 5"},
		{name: "the rest and the whole", sums: []sweepSummary{to5, whole}, want: "overlap: both ran seed 1"},
		{name: "a rest that starts early", sums: []sweepSummary{to5, restSummary("1/1", 4, 7)}, want: "overlap: both ran seed 4"},
		{name: "a gap", sums: []sweepSummary{to5, from8}, want: "(shard 1/1) stopped where its rest begins, --from 5, and "},
		{name: "a gap in the middle", sums: []sweepSummary{to5, restSummary("1/1", 5, 1, sweepRest{From: 6, Seeds: 5, Shard: "1/1"}), from8},
			want: "(shard 1/1) stopped where its rest begins, --from 6, and "},
		{name: "a rest with no start", sums: []sweepSummary{restSummary("1/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "1/2"}), restSummary("2/2", 5, 3)},
			want: "(shard 2/2) starts at --from 5, and no summary given covers the seeds of shard 2/2 before it, from 1 on"},
		{name: "a rest of another split", sums: []sweepSummary{to5, restSummary("1/2", 5, 3), restSummary("2/2", 5, 3)},
			want: "(shard 1/2) starts at --from 5, and no summary given covers the seeds of shard 1/2 before it, from 1 on"},
		{name: "a rest past the end", sums: []sweepSummary{to5, shardSummary("1/1", func(s *sweepSummary) { s.From, s.Seeds, s.SeedsRun = 5, 7, 7 })},
			want: "seeds 1..10, "},
		{name: "a rest whose sweep ran none, after the whole", sums: []sweepSummary{to5, from5, restSummary("1/1", 8, 0, sweepRest{From: 8, Seeds: 3, Shard: "1/1"})},
			want: "(shard 1/1) sweeps shard 1/1 from --from 8 on, where "},
		{name: "shards that overlap, one interrupted", sums: []sweepSummary{restSummary("1/1", 1, 0, sweepRest{From: 1, Seeds: 10, Shard: "1/1"}), restSummary("2/2", 1, 5)},
			want: "overlap: both hold seed 2"},
		{name: "a rest of another shard", sums: []sweepSummary{restSummary("1/2", 1, 5, sweepRest{From: 5, Seeds: 6, Shard: "2/2"})},
			want: "rest[0]: shard 2/2 is not one of the summary's, 1/2"},
		{name: "a rest not at the end", sums: []sweepSummary{restSummary("1/1", 1, 4, sweepRest{From: 5, Seeds: 5, Shard: "1/1"})},
			want: "rest[0]: from 5, seeds 5: not the last seeds of the summary's 1..10"},
		{name: "a rest out of step", sums: []sweepSummary{restSummary("2/2", 1, 2, sweepRest{From: 6, Seeds: 5, Shard: "2/2"})},
			want: "rest[0]: from 6 is not a whole number of rounds of shard 2/2's 2 seeds after the summary's from, 1"},
		{name: "a rest twice", sums: []sweepSummary{restSummary("1/1", 1, 4, sweepRest{From: 5, Seeds: 6, Shard: "1/1"}, sweepRest{From: 7, Seeds: 4, Shard: "1/1"})},
			want: "rest[1]: shard 1/1 has two rests"},
		{name: "a rest with no seed", sums: []sweepSummary{restSummary("2/2", 1, 5, sweepRest{From: 11, Seeds: 0, Shard: "2/2"})},
			want: "rest[0]: from 11, seeds 0"},
		{name: "a rest with no seed of its shard", sums: []sweepSummary{restSummary("3/4", 1, 2, sweepRest{From: 9, Seeds: 2, Shard: "3/4"})},
			want: "rest[0]: holds no seed of shard 3/4"},
		{name: "seeds run past the rest", sums: []sweepSummary{restSummary("1/1", 1, 6, sweepRest{From: 5, Seeds: 6, Shard: "1/1"})},
			want: "seeds_run 6, but its shards hold 4 seeds before their rests"},
		{name: "a failure in the rest", sums: []sweepSummary{shardSummary("1/1", func(s *sweepSummary) {
			s.SeedsRun, s.Rest, s.Failures = 4, []sweepRest{{From: 5, Seeds: 6, Shard: "1/1"}}, []sweepFailure{{Seed: 6}}
		})}, want: "failures[0]: seed 6 is in the rest, which the summary does not cover"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var files []string
			for _, s := range tc.sums {
				files = append(files, writeSummary(t, s))
			}
			code, stdout, stderr := ensim(t, append([]string{"sweep", "merge"}, files...)...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}

	// An older summary of a stopped sweep says not which seeds it ran: merged with an
	// interrupted one, the merge names no rest, and cannot be completed by one.
	old := shardSummary("1/2", func(s *sweepSummary) { s.SeedsRun, s.Interrupted = 3, true })
	code, got, stderr = mergeJSON(t, writeSummary(t, old), writeSummary(t, restSummary("2/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "2/2"})))
	if code != exitFail || got.Rest != nil || got.Shard != "1/1" || !strings.Contains(stderr, "(shard 1/2) ran 3 of its 5 seeds and was stopped early") {
		t.Errorf("an older stopped shard: exit %d, rest %v, shard %q, stderr %q", code, got.Rest, got.Shard, stderr)
	}
}

// TestSweepResumeHuman: the text summary of an interrupted sweep, and of a merge,
// names the rest.
func TestSweepResumeHuman(t *testing.T) {
	s := restSummary("2/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "2/2"})
	code, stdout, _ := ensim(t, "sweep", "merge", "--human", writeSummary(t, s))
	if want := "seeds run     2\nrest          not covered: --from 5 --seeds 6 --shard 2/2\n"; code != exitFail || !strings.Contains(stdout, want) {
		t.Errorf("exit %d, stdout lacks %q:\n%s", code, want, stdout)
	}
	if got := sweepText(restSummary("1/1", 1, 4, sweepRest{From: 5, Seeds: 6, Shard: "1/1"}), 10); !strings.Contains(got, "seeds run     4 of 10\nrest          not covered: --from 5 --seeds 6\n") {
		t.Errorf("sweep text:\n%s", got)
	}
}

// rangesMeet agrees with a walk over every seed, for small ranges.
func TestRangesMeetMatchesEverySeed(t *testing.T) {
	for fa := uint64(0); fa <= 6; fa++ {
		for fb := uint64(0); fb <= 6; fb++ {
			for na := uint64(1); na <= 5; na++ {
				for nb := uint64(1); nb <= 5; nb++ {
					for ca := uint64(0); ca <= 5; ca++ {
						for cb := uint64(0); cb <= 5; cb++ {
							a, b := seedRange{fa, na, ca}, seedRange{fb, nb, cb}
							var want uint64
							found := false
							for k := range ca {
								if b.holds(a.at(k)) {
									want, found = a.at(k), true
									break
								}
							}
							if got, ok := rangesMeet(a, b); ok != found || got != want {
								t.Fatalf("rangesMeet(%+v, %+v) = %d, %v; want %d, %v", a, b, got, ok, want, found)
							}
						}
					}
				}
			}
		}
	}
	// Far apart, at the top of the seeds.
	a := seedRange{first: 1<<64 - 1 - 6*(1<<40), step: 1 << 40, count: 7}
	b := seedRange{first: 1<<64 - 1 - 3*(1<<41), step: 1 << 41, count: 4}
	if got, ok := rangesMeet(a, b); !ok || got != b.first {
		t.Errorf("rangesMeet(%+v, %+v) = %d, %v; want %d", a, b, got, ok, b.first)
	}
}
