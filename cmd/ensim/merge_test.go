package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// shardSummary is a made-up summary of shard of seeds 1..10 of steady.
func shardSummary(shard string, edit func(*sweepSummary)) sweepSummary {
	s := sweepSummary{Scenario: "steady", Semantics: "default", From: 1, Seeds: 10, Shard: shard,
		Failures: []sweepFailure{}, Probes: map[string]uint64{"hop-limit": 0, "late-reply-dropped": 1}, ZeroProbes: []string{"hop-limit"}}
	if edit != nil {
		edit(&s)
	}
	return s
}

// writeSummary writes s as sweep --json would.
func writeSummary(t *testing.T, s sweepSummary) string {
	t.Helper()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "summary.json", b)
}

func TestMerge(t *testing.T) {
	failure := func(seed uint64) sweepFailure {
		return sweepFailure{Seed: seed, Invariants: []string{"liveness"}, Violations: []scenarios.Violation{{Invariant: "liveness", Detail: "x"}},
			ViolationsTotal: 1, Repro: "r.json"}
	}
	a := shardSummary("1/2", func(s *sweepSummary) {
		s.SeedsRun, s.Rechecked, s.Events, s.WallNS = 5, 1, 100, int64(2*time.Second)
		s.Calls = scenarios.Calls{Total: 10, OK: 9, Timeout: 1}
		s.Skipped = 2
		s.Casts = &scenarios.Casts{Total: 4, Served: 3, Skipped: 1}
		s.Failures = []sweepFailure{failure(3), failure(9)}
		s.Probes = map[string]uint64{"hop-limit": 0, "late-reply-dropped": 1, "only-in-a": 0}
	})
	b := shardSummary("2/2", func(s *sweepSummary) {
		s.SeedsRun, s.Rechecked, s.Events, s.WallNS = 5, 1, 300, int64(4*time.Second)
		s.Calls = scenarios.Calls{Total: 20, OK: 20}
		s.Skipped = 3
		s.Casts = &scenarios.Casts{Total: 6, Served: 6}
		s.Failures = []sweepFailure{failure(4)}
		s.Probes = map[string]uint64{"hop-limit": 0, "late-reply-dropped": 2, "only-in-b": 7}
	})
	want := sweepSummary{Scenario: "steady", Semantics: "default", From: 1, Seeds: 10, Shard: "1/1",
		SeedsRun: 10, Rechecked: 2, Failures: []sweepFailure{failure(3), failure(4), failure(9)},
		WallNS: int64(4 * time.Second), SeedsPerSec: 2.5, Events: 400, EventsPerSec: 100,
		Calls:      scenarios.Calls{Total: 30, OK: 29, Timeout: 1},
		Skipped:    5,
		Casts:      &scenarios.Casts{Total: 10, Served: 9, Skipped: 1},
		Probes:     map[string]uint64{"hop-limit": 0, "late-reply-dropped": 3, "only-in-a": 0, "only-in-b": 7},
		ZeroProbes: []string{"hop-limit", "only-in-a"}, NotUnder: []string{}}

	code, stdout, stderr := ensim(t, "sweep", "merge", writeSummary(t, b), writeSummary(t, a))
	if code != exitFail {
		t.Fatalf("exit %d, want %d: the shards failed\n%s", code, exitFail, stderr)
	}
	if diff := cmp.Diff(want, decodeSweep(t, stdout), cmp.AllowUnexported(sweepFailure{})); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}

	code, stdout, _ = ensim(t, "sweep", "merge", "--human", writeSummary(t, a), writeSummary(t, b))
	for _, w := range []string{"seeds         1..10\n", "seeds run     10, 2 of them twice", "failures      3: seeds 3, 4, 9\n",
		"speed         2.5 seeds/s, 4s wall\n", "casts         10 made: 9 reached a leader, 1 lost on the way; 1 not made, their node down\n", "only-in-a          0  (never hit)\n", "zero probes   2 of 4\n"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("exit %d; human merge lacks %q:\n%s", code, w, stdout)
		}
	}

	clean := shardSummary("1/1", func(s *sweepSummary) { s.SeedsRun = 10 })
	if code, _, stderr := ensim(t, "sweep", "merge", writeSummary(t, clean)); code != exitOK {
		t.Errorf("merge of one clean summary: exit %d\n%s", code, stderr)
	}
}

// TestMergeFailures: a merge that holds failures says on stderr how many seeds failed,
// and which; with --human it first lists each failure as the sweep that ran it did,
// from the sweeps' own shards, end to end: what failed, the first violations, the
// repro and its replay command (and the first failing call's).
func TestMergeFailures(t *testing.T) {
	spec := writeFile(t, "fail.json", failingSpec(t).JSON())
	out := t.TempDir()
	var files []string
	blocks := map[uint64]string{}
	for _, shard := range []string{"1/2", "2/2"} {
		code, stdout, stderr := sweep(t, nil, "--spec", spec, "--seeds", "4", "--shard", shard, "--keep-going", "--parallel", "1", "--recheck", "0", "--out", out, "--json")
		if code != exitFail {
			t.Fatalf("sweep --shard %s: exit %d, want 1\n%s", shard, code, stderr)
		}
		files = append(files, writeFile(t, "shard.json", []byte(stdout)))
		for seed, b := range failureBlocks(t, stderr) {
			blocks[seed] = b
		}
	}
	if len(blocks) != 4 {
		t.Fatalf("the shards printed failures of seeds %v, want 1..4", blocks)
	}

	code, _, stderr := ensim(t, append([]string{"sweep", "merge"}, files...)...)
	if want := "ensim: sweep merge: 4 of 4 seeds run failed: 1, 2, 3, 4 (the summary's failures name their repros)\n"; code != exitFail || stderr != want {
		t.Errorf("merge: exit %d, stderr %q; want 1, %q", code, stderr, want)
	}

	code, stdout, stderr := ensim(t, append([]string{"sweep", "merge", "--human"}, files...)...)
	if code != exitFail || !strings.Contains(stdout, "failures      4: seeds 1, 2, 3, 4\n") {
		t.Errorf("merge --human: exit %d, want 1; stdout:\n%s", code, stdout)
	}
	want := blocks[1] + blocks[2] + blocks[3] + blocks[4] + "ensim: sweep merge: 4 of 4 seeds run failed: 1, 2, 3, 4\n"
	if diff := cmp.Diff(want, stderr); diff != "" {
		t.Errorf("merge --human: stderr (-the shards' failures +merge's):\n%s", diff)
	}
	for seed := uint64(1); seed <= 4; seed++ {
		if !strings.Contains(blocks[seed], "; replay with:\n    ensim replay "+out+"/ensim-repro-timed-out-default-") {
			t.Errorf("seed %d: no replay command:\n%s", seed, blocks[seed])
		}
	}
}

// failureBlocks splits what a sweep printed of its failures on stderr by seed: each
// from its "ensim: seed N failed" line to the next line of ensim's own.
func failureBlocks(t *testing.T, stderr string) map[uint64]string {
	t.Helper()
	blocks := map[uint64]string{}
	var seed uint64
	in := false
	for _, line := range strings.SplitAfter(stderr, "\n") {
		if strings.HasPrefix(line, "ensim: ") {
			_, err := fmt.Sscanf(line, "ensim: seed %d failed", &seed)
			in = err == nil
		}
		if in {
			blocks[seed] += line
		}
	}
	return blocks
}

// TestMergeFailureRunAlone: merge --human gives a failure without a repro the ensim
// run command that runs it alone, as the sweep does, when the summary is of a named
// scenario as this build draws it; of a spec (whose file the summary does not name)
// it gives none.
func TestMergeFailureRunAlone(t *testing.T) {
	steady, _ := scenarios.Named("steady")
	failed := func(hash string) string {
		return writeSummary(t, shardSummary("1/1", func(s *sweepSummary) {
			s.SeedsRun, s.SpecHash, s.Semantics = 10, hash, "riak"
			s.Failures = []sweepFailure{{Seed: 7, Invariants: []string{}, Violations: []scenarios.Violation{}, Error: "worker 1 wrote garbage"}}
		}))
	}
	code, _, stderr := ensim(t, "sweep", "merge", "--human", failed(specHash(steady, false)))
	if want := "ensim: seed 7 failed: worker 1 wrote garbage\n  run it alone with:\n    ensim run --scenario steady --seed 7 --semantics riak\n"; code != exitFail || !strings.HasPrefix(stderr, want) {
		t.Errorf("steady: exit %d, stderr %q; want 1, beginning %q", code, stderr, want)
	}
	code, _, stderr = ensim(t, "sweep", "merge", "--human", failed("0123456789abcdef"))
	if want := "ensim: seed 7 failed: worker 1 wrote garbage\nensim: sweep merge: 1 of 10 seeds run failed: 7\n"; code != exitFail || stderr != want {
		t.Errorf("a spec named steady: exit %d, stderr %q; want 1, %q", code, stderr, want)
	}
}

// TestSweepCastsAddUp: a sweep of a workload with casts sums the seeds' casts; one
// without leaves them out.
func TestSweepCastsAddUp(t *testing.T) {
	code, stdout, stderr := sweep(t, nil, "--scenario", "direct", "--seeds", "3", "--out", t.TempDir(), "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := runsCasts(t, "direct", 3, "default")
	if got := decodeSweep(t, stdout).Casts; got == nil || *got != want || want.Total == 0 {
		t.Errorf("sweep casts %+v, the runs made %+v", got, want)
	}
	_, stdout, _ = sweep(t, nil, "--scenario", "steady", "--seeds", "1", "--out", t.TempDir(), "--json")
	if strings.Contains(stdout, `"casts"`) {
		t.Errorf("a sweep without casts reports them:\n%s", stdout)
	}
}

// TestMergeShortShard: a shard stopped before its last seed (an interrupt, a CI time
// limit) with no failure makes the merge fail, naming it: the merged summary would
// otherwise pass for a sweep of every seed. A shard that stopped at a failure is
// already a failure.
func TestMergeShortShard(t *testing.T) {
	whole := shardSummary("1/2", func(s *sweepSummary) { s.SeedsRun = 5 })
	short := shardSummary("2/2", func(s *sweepSummary) { s.SeedsRun = 2 })
	shortPath := writeSummary(t, short)
	code, stdout, stderr := ensim(t, "sweep", "merge", writeSummary(t, whole), shortPath)
	if code != exitFail || !strings.Contains(stderr, shortPath+" (shard 2/2) ran 2 of its 5 seeds and was stopped early") {
		t.Errorf("exit %d, stderr %q; want %d naming the short shard", code, stderr, exitFail)
	}
	if got := decodeSweep(t, stdout); got.SeedsRun != 7 || !got.Interrupted {
		t.Errorf("merged seeds_run %d, interrupted %v; want 7 and true: the merge is still printed, and says that it falls short", got.SeedsRun, got.Interrupted)
	}
	code, stdout, stderr = ensim(t, "sweep", "merge", writeSummary(t, whole), writeSummary(t, shardSummary("2/2", func(s *sweepSummary) { s.SeedsRun = 5 })))
	if code != exitOK || decodeSweep(t, stdout).Interrupted {
		t.Errorf("two whole shards: exit %d, interrupted %v\n%s", code, decodeSweep(t, stdout).Interrupted, stderr)
	}
	// A shard interrupted after a failure ran short for the interrupt too: its
	// summary says so, and so does the merge.
	stopped := shardSummary("2/2", func(s *sweepSummary) {
		s.SeedsRun, s.Interrupted = 3, true
		s.Failures = []sweepFailure{{Seed: 2, Invariants: []string{"liveness"}, Violations: []scenarios.Violation{}, ViolationsTotal: 1}}
	})
	stoppedPath := writeSummary(t, stopped)
	code, stdout, stderr = ensim(t, "sweep", "merge", writeSummary(t, whole), stoppedPath)
	if code != exitFail || !decodeSweep(t, stdout).Interrupted || !strings.Contains(stderr, stoppedPath+" (shard 2/2) ran 3 of its 5 seeds and was stopped early") {
		t.Errorf("an interrupted shard with a failure: exit %d, stderr %q; want 1, interrupted, and the shard named", code, stderr)
	}
	// One seed short is short.
	oneShort := writeSummary(t, shardSummary("2/2", func(s *sweepSummary) { s.SeedsRun = 4 }))
	code, _, stderr = ensim(t, "sweep", "merge", writeSummary(t, whole), oneShort)
	if code != exitFail || !strings.Contains(stderr, oneShort+" (shard 2/2) ran 4 of its 5 seeds and was stopped early") {
		t.Errorf("a shard one seed short: exit %d, stderr %q; want %d naming it", code, stderr, exitFail)
	}
	// More seeds run than the shard holds is not a summary sweep wrote.
	if code, _, stderr := ensim(t, "sweep", "merge", writeSummary(t, shardSummary("2/2", func(s *sweepSummary) { s.SeedsRun = 6 }))); code != exitUsage || !strings.Contains(stderr, "seeds_run 6, more than the 5 seeds of shard 2/2") {
		t.Errorf("exit %d, stderr %q; want 2 and the count named", code, stderr)
	}
}

// TestMergeMissingShard: shards that leave part of the sweep out (a lost artifact, a
// job that never ran) make the merge fail, naming the missing shard, after printing
// it; --partial accepts them.
func TestMergeMissingShard(t *testing.T) {
	one := shardSummary("1/3", func(s *sweepSummary) { s.SeedsRun = 4 })
	three := shardSummary("3/3", func(s *sweepSummary) { s.SeedsRun = 3 })
	files := []string{writeSummary(t, one), writeSummary(t, three)}
	code, stdout, stderr := ensim(t, append([]string{"sweep", "merge"}, files...)...)
	if code != exitFail || !strings.Contains(stderr, "3 of the sweep's 10 seeds (1..10) are in no shard given: missing shard 2/3") {
		t.Errorf("exit %d, stderr %q; want %d naming shard 2/3", code, stderr, exitFail)
	}
	if got := decodeSweep(t, stdout); got.SeedsRun != 7 || got.Shard != "1/3,3/3" {
		t.Errorf("merged %d seeds of shards %s, want 7 of 1/3,3/3: the merge is still printed", got.SeedsRun, got.Shard)
	}
	if code, _, stderr := ensim(t, append([]string{"sweep", "merge", "--partial"}, files...)...); code != exitOK || stderr != "" {
		t.Errorf("--partial: exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
	// The last shard is named as any other.
	two := shardSummary("2/3", func(s *sweepSummary) { s.SeedsRun = 3 })
	if code, _, stderr := ensim(t, "sweep", "merge", writeSummary(t, one), writeSummary(t, two)); code != exitFail ||
		!strings.Contains(stderr, "3 of the sweep's 10 seeds (1..10) are in no shard given: missing shard 3/3:") {
		t.Errorf("shards 1/3 and 2/3: exit %d, stderr %q; want %d naming shard 3/3", code, stderr, exitFail)
	}
	// A shard that holds no seed is not missing: of 3 seeds in four shards, 4/4 is empty.
	three4 := func(shard string) string {
		return writeSummary(t, shardSummary(shard, func(s *sweepSummary) { s.Seeds, s.SeedsRun = 3, 1 }))
	}
	if code, _, stderr := ensim(t, "sweep", "merge", three4("1/4"), three4("2/4")); code != exitFail || !strings.HasSuffix(stderr, "missing shard 3/4: the merge does not cover the whole sweep (--partial accepts that)\n") {
		t.Errorf("seeds 1..3, shards 1/4 and 2/4: exit %d, stderr %q; want 3/4 alone named", code, stderr)
	}
	// Split four billion ways, the shards are not listed one by one (nor looped over).
	if code, _, stderr := ensim(t, "sweep", "merge", writeSummary(t, shardSummary("1/4000000000", func(s *sweepSummary) { s.SeedsRun = 1 }))); code != exitFail ||
		!strings.Contains(stderr, "9 of the sweep's 10 seeds (1..10) are in no shard given: the merge") {
		t.Errorf("shard 1/4000000000: exit %d, stderr %q", code, stderr)
	}
	// Split two ways at once, the seeds are counted, not the shards named.
	mixed := []string{writeSummary(t, shardSummary("1/2", func(s *sweepSummary) { s.SeedsRun = 5 })),
		writeSummary(t, shardSummary("2/4", func(s *sweepSummary) { s.SeedsRun = 3 }))}
	if code, _, stderr := ensim(t, append([]string{"sweep", "merge"}, mixed...)...); code != exitFail ||
		!strings.Contains(stderr, "2 of the sweep's 10 seeds (1..10) are in no shard given: the merge") {
		t.Errorf("mixed splits: exit %d, stderr %q", code, stderr)
	}
}

func TestMergeRefuses(t *testing.T) {
	// The build is named from the first summary that names one: not the first
	// summary, which names none.
	built := sum(t, shardSummary("2/3", func(s *sweepSummary) { s.ModuleVersion = "(devel) 0123abc go1.26.8" }))
	// Of 2 seeds in four shards, 3/4 and 4/4 hold none.
	twoSeeds := func(shard string, run uint64) string {
		return sum(t, shardSummary(shard, func(s *sweepSummary) { s.Seeds, s.SeedsRun = 2, run }))
	}
	empty := twoSeeds("3/4", 0)
	tests := []struct {
		name  string
		files []string // summaries, or "raw:" and a file's contents
		want  string
	}{
		{name: "same shard twice", files: []string{sum(t, shardSummary("1/2", nil)), sum(t, shardSummary("1/2", nil))},
			want: "overlap: both ran seed 1"},
		{name: "overlapping splits", files: []string{sum(t, shardSummary("2/2", nil)), sum(t, shardSummary("2/3", nil))},
			want: "overlap: both ran seed 2"},
		{name: "merged with a part of it", files: []string{sum(t, shardSummary("1/4,3/4", nil)), sum(t, shardSummary("3/4", nil))},
			want: "(shard 1/4,3/4) and "},
		{name: "whole and a shard", files: []string{sum(t, shardSummary("1/1", nil)), sum(t, shardSummary("2/5", nil))},
			want: "overlap: both ran seed 2"},
		{name: "other scenario", files: []string{sum(t, shardSummary("1/2", nil)),
			sum(t, shardSummary("2/2", func(s *sweepSummary) { s.Scenario = "swarm" }))}, want: `a sweep of "steady",`},
		{name: "other spec of the same name", files: []string{sum(t, shardSummary("1/2", func(s *sweepSummary) { s.SpecHash = "0123456789abcdef" })),
			sum(t, shardSummary("2/2", func(s *sweepSummary) { s.SpecHash = "fedcba9876543210" }))},
			want: `are sweeps of different specs (spec_hash "0123456789abcdef" and "fedcba9876543210"), both named "steady"`},
		{name: "other build", files: []string{sum(t, shardSummary("1/2", func(s *sweepSummary) { s.ModuleVersion = "(devel) 0123abc go1.26.8" })),
			sum(t, shardSummary("2/2", func(s *sweepSummary) { s.ModuleVersion = "(devel) 4567def go1.26.8" }))},
			want: "was swept by (devel) 0123abc go1.26.8, "},
		{name: "other build after one without", files: []string{sum(t, shardSummary("1/3", nil)), built,
			sum(t, shardSummary("3/3", func(s *sweepSummary) { s.ModuleVersion = "(devel) 0123abc (modified) go1.26.8" }))},
			want: "ensim: sweep merge: " + built + " was swept by (devel) 0123abc go1.26.8, "},
		{name: "a spec_hash and none", files: []string{sum(t, shardSummary("1/2", func(s *sweepSummary) { s.SpecHash = "0123456789abcdef" })),
			sum(t, shardSummary("2/2", nil))},
			want: "one has no spec_hash (an older ensim wrote it), so merge cannot tell they swept one spec"},
		{name: "a shard without seeds twice", files: []string{twoSeeds("1/4,2/4", 2), twoSeeds("3/4", 0), empty},
			want: " (shard 3/4) and " + empty + " (shard 3/4) both hold shard 3/4: merge takes each shard once"},
		{name: "other semantics", files: []string{sum(t, shardSummary("1/2", nil)),
			sum(t, shardSummary("2/2", func(s *sweepSummary) { s.Semantics = "riak" }))}, want: "under riak: merge takes shards of one sweep"},
		{name: "other seeds", files: []string{sum(t, shardSummary("1/2", nil)),
			sum(t, shardSummary("2/2", func(s *sweepSummary) { s.From = 11 }))}, want: "seeds 1..10"},
		{name: "other seed count, same start", files: []string{sum(t, shardSummary("1/2", nil)),
			sum(t, shardSummary("2/2", func(s *sweepSummary) { s.Seeds *= 2 }))}, want: "seeds 1..10"},
		{name: "bad shard", files: []string{sum(t, shardSummary("0/2", nil))}, want: `bad sweep summary: shard "0/2"`},
		{name: "a failure outside the shard", files: []string{sum(t, shardSummary("2/3", func(s *sweepSummary) { s.Failures = []sweepFailure{{Seed: 3}} }))},
			want: "failures[0]: seed 3 is no seed of shard 2/3"},
		{name: "a seed failing twice", files: []string{sum(t, shardSummary("2/3", func(s *sweepSummary) { s.Failures = []sweepFailure{{Seed: 5}, {Seed: 5}} }))},
			want: "failures[1]: seed 5 fails twice"},
		{name: "negative violations", files: []string{sum(t, shardSummary("2/3", func(s *sweepSummary) { s.Failures = []sweepFailure{{Seed: 5, ViolationsTotal: -1}} }))},
			want: "failures[0]: violations_total -1 is negative"},
		{name: "negative wall time", files: []string{sum(t, shardSummary("2/3", func(s *sweepSummary) { s.WallNS = -5 }))},
			want: "wall_ns -5 is negative"},
		{name: "overlapping shards in one list", files: []string{sum(t, shardSummary("1/2,1/4,3/4", func(s *sweepSummary) { s.Seeds, s.SeedsRun = 8, 8 }))},
			want: `bad sweep summary: shard "1/2,1/4,3/4": 1/2 and 1/4 overlap: both hold seed 1`},
		{name: "overlapping splits in one list", files: []string{sum(t, shardSummary("2/2,2/3", nil))},
			want: `shard "2/2,2/3": 2/2 and 2/3 overlap: both hold seed 2`},
		{name: "a shard listed twice", files: []string{sum(t, shardSummary("1/3,1/3,1/3", nil))}, want: `"1/3,1/3,1/3" lists shard 1/3 twice`},
		{name: "bad semantics", files: []string{sum(t, shardSummary("1/2", func(s *sweepSummary) { s.Semantics = "" }))}, want: `semantics ""`},
		{name: "no seeds", files: []string{sum(t, shardSummary("1/2", func(s *sweepSummary) { s.Seeds = 0 }))}, want: "seeds 0"},
		{name: "no seeds from 0", files: []string{sum(t, shardSummary("1/2", func(s *sweepSummary) { s.From, s.Seeds = 0, 0 }))},
			want: "bad sweep summary: from 0, seeds 0"},
		{name: "seeds past the last", files: []string{sum(t, shardSummary("1/2", func(s *sweepSummary) { s.From, s.Seeds = 1<<64-1, 2 }))},
			want: "bad sweep summary: from 18446744073709551615, seeds 2"},
		{name: "not JSON", files: []string{writeFile(t, "x.json", []byte("{"))}, want: "not a sweep --json summary: malformed JSON: it ends in the middle of the sweep summary"},
		{name: "empty", files: []string{writeFile(t, "x.json", nil)}, want: "not a sweep --json summary: no sweep summary: the input is empty, want a JSON object"},
		{name: "a run's summary", files: []string{writeFile(t, "x.json", []byte(`{"scenario": "steady", "seed": 1}`))}, want: `not a sweep --json summary: unknown field "seed"`},
		{name: "a run report", files: []string{writeFile(t, "x.json", []byte(`{"scenario":"steady","seed":1}`))}, want: `unknown field "seed"`},
		{name: "missing file", files: []string{"/nonexistent/summary.json"}, want: "summary.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, append([]string{"sweep", "merge"}, tc.files...)...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

func sum(t *testing.T, s sweepSummary) string { return writeSummary(t, s) }

func TestShardsOverlap(t *testing.T) {
	tests := []struct {
		name     string
		from, n  uint64
		a, b     shardSpec
		wantSeed uint64
		want     bool
	}{
		{name: "halves", from: 1, n: 10, a: shardSpec{1, 2}, b: shardSpec{2, 2}},
		{name: "same", from: 1, n: 10, a: shardSpec{2, 2}, b: shardSpec{2, 2}, wantSeed: 2, want: true},
		{name: "nested split apart", from: 1, n: 10, a: shardSpec{1, 2}, b: shardSpec{2, 4}},
		{name: "nested split inside", from: 1, n: 10, a: shardSpec{1, 2}, b: shardSpec{3, 4}, wantSeed: 3, want: true},
		{name: "coprime", from: 0, n: 100, a: shardSpec{2, 3}, b: shardSpec{4, 5}, wantSeed: 13, want: true},
		{name: "meet past the end", from: 0, n: 13, a: shardSpec{2, 3}, b: shardSpec{4, 5}},
		{name: "shard without seeds", from: 1, n: 2, a: shardSpec{3, 3}, b: shardSpec{1, 1}},
		{name: "whole", from: 5, n: 3, a: shardSpec{1, 1}, b: shardSpec{3, 3}, wantSeed: 7, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seed, ok := shardsOverlap(tc.from, tc.n, tc.a, tc.b)
			if ok != tc.want || seed != tc.wantSeed {
				t.Errorf("shardsOverlap = %d, %v; want %d, %v", seed, ok, tc.wantSeed, tc.want)
			}
			if seed2, ok2 := shardsOverlap(tc.from, tc.n, tc.b, tc.a); ok2 != ok {
				t.Errorf("not symmetric: %d, %v the other way", seed2, ok2)
			}
		})
	}
}

func TestShardListString(t *testing.T) {
	tests := []struct {
		name   string
		shards []shardSpec
		want   string
	}{
		{name: "one", shards: []shardSpec{{2, 3}}, want: "2/3"},
		{name: "every shard", shards: []shardSpec{{3, 3}, {1, 3}, {2, 3}}, want: "1/1"},
		{name: "some", shards: []shardSpec{{3, 4}, {1, 4}}, want: "1/4,3/4"},
		{name: "mixed splits", shards: []shardSpec{{2, 2}, {1, 4}, {3, 4}}, want: "2/2,1/4,3/4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := shardListString(tc.shards); got != tc.want {
				t.Errorf("shardListString = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSweepSpecHash: a sweep's summary fingerprints its spec, the same for every
// shard and seed range of one spec, different for an edit of it that keeps the name,
// so that merge can tell them apart (it used to merge them into one meaningless
// total). Real sweeps, end to end.
func TestSweepSpecHash(t *testing.T) {
	st, _ := scenarios.Named("steady")
	st.Workload.Duration = scenarios.Duration(200 * time.Millisecond)
	edited := st
	edited.Workload.Rate /= 2
	hash := func(spec scenarios.Spec, shard string) (string, string) {
		path := writeFile(t, "spec.json", spec.JSON())
		code, stdout, stderr := ensim(t, "sweep", "--spec", path, "--seeds", "4", "--shard", shard, "--parallel", "1", "--json")
		if code != exitOK {
			t.Fatalf("sweep: exit %d\n%s", code, stderr)
		}
		var s sweepSummary
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatal(err)
		}
		return s.SpecHash, writeFile(t, "summary.json", []byte(stdout))
	}
	h1, a := hash(st, "1/2")
	h2, b := hash(st, "2/2")
	h3, c := hash(edited, "2/2")
	if len(h1) != 16 || h1 != h2 || h1 == h3 {
		t.Fatalf("spec hashes %q, %q (the same spec) and %q (edited): want 16 hex digits, equal, then different", h1, h2, h3)
	}
	if code, _, stderr := ensim(t, "sweep", "merge", a, b); code != exitOK {
		t.Errorf("merge of one spec's shards: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := ensim(t, "sweep", "merge", a, c); code != exitUsage || !strings.Contains(stderr, "different specs") {
		t.Errorf("merge of shards of two specs: exit %d, stderr %q; want 2", code, stderr)
	}
}

// TestSweepSpecHashDrawn: swarm draws a world from each seed; its first world saved
// as a spec runs that one world for every seed. The two sweeps' summaries share a
// name and a first spec, but not a spec hash, and merge refuses to take one's shard
// for the other's.
func TestSweepSpecHashDrawn(t *testing.T) {
	sweep := func(shard string, args ...string) string {
		code, stdout, stderr := ensim(t, append([]string{"sweep", "--seeds", "4", "--shard", shard, "--parallel", "1", "--json"}, args...)...)
		if code != exitOK {
			t.Fatalf("sweep: exit %d\n%s", code, stderr)
		}
		return writeFile(t, "summary.json", []byte(stdout))
	}
	first, _ := scenarios.ForSeed("swarm", 1)
	drawn1, drawn2 := sweep("1/2", "--scenario", "swarm"), sweep("2/2", "--scenario", "swarm")
	fixed2 := sweep("2/2", "--spec", writeFile(t, "swarm1.json", first.JSON()))
	if code, _, stderr := ensim(t, "sweep", "merge", drawn1, drawn2); code != exitOK {
		t.Errorf("merge of the swarm sweep's shards: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := ensim(t, "sweep", "merge", drawn1, fixed2); code != exitUsage || !strings.Contains(stderr, "different specs") {
		t.Errorf("merge of a swarm shard and a shard of its first world: exit %d, stderr %q; want 2, different specs", code, stderr)
	}
}

// shardsOverlap agrees with a walk over every seed, for every pair of shards of
// small splits.
func TestShardsOverlapMatchesEverySeed(t *testing.T) {
	for _, from := range []uint64{0, 1, 7} {
		for n := uint64(1); n <= 25; n++ {
			for na := uint64(1); na <= 8; na++ {
				for nb := uint64(1); nb <= 8; nb++ {
					for ia := uint64(1); ia <= na; ia++ {
						for ib := uint64(1); ib <= nb; ib++ {
							a, b := shardSpec{ia, na}, shardSpec{ib, nb}
							var want uint64
							found := false
							for k := uint64(0); k < n && !found; k++ {
								if k%na == ia-1 && k%nb == ib-1 {
									want, found = from+k, true
								}
							}
							if got, ok := shardsOverlap(from, n, a, b); ok != found || got != want {
								t.Fatalf("shardsOverlap(%d, %d, %v, %v) = %d, %v; want %d, %v", from, n, a, b, got, ok, want, found)
							}
						}
					}
				}
			}
		}
	}
}

// Shards of a sweep of every seed, split two ways far apart, merge in either order:
// the overlap check does not walk the seeds of one shard.
func TestMergeHugeSplits(t *testing.T) {
	const all = 1<<64 - 1 // seeds 1..2^64-1
	huge := func(shard string) string {
		sh, err := parseShard(shard)
		if err != nil {
			t.Fatal(err)
		}
		return sum(t, shardSummary(shard, func(s *sweepSummary) {
			s.Seeds = all
			s.SeedsRun = shardSeeds(1, all, sh).count
		}))
	}
	half, fine := huge("1/2"), huge("2/1099511627776")
	for _, files := range [][]string{{half, fine}, {fine, half}} {
		code, stdout, stderr := ensim(t, append([]string{"sweep", "merge", "--partial"}, files...)...)
		if code != exitOK {
			t.Errorf("merge %v: exit %d, want 0\n%s", files, code, stderr)
			continue
		}
		if s := decodeSweep(t, stdout); s.Shard != "1/2,2/1099511627776" || s.SeedsRun != 1<<63+(all-2)/1099511627776+1 {
			t.Errorf("merge %v: shard %q, %d seeds run", files, s.Shard, s.SeedsRun)
		}
	}
	// Seed 3 (offset 2) is in 1/2 and in 3/2^40.
	code, _, stderr := ensim(t, "sweep", "merge", "--partial", huge("3/1099511627776"), half)
	if code != exitUsage || !strings.Contains(stderr, "overlap: both ran seed 3") {
		t.Errorf("exit %d, want 2 and seed 3 named\n%s", code, stderr)
	}
}
