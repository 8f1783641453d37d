package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// FuzzMergeShards: sweep merge reads shard summaries from files it did not write
// (CI artifacts, a summary edited by hand). Whatever two summaries say of their seeds,
// shards, rests and failures, readSummary and mergeSummaries do not panic, an error
// names the file or files it is about, the order the two are given in changes
// nothing, and what merge accepts it writes as a summary that merge reads back and
// merges, alone, to the same summary. Fuzz with
//
//	go test ./cmd/ensim -run '^$' -fuzz FuzzMergeShards -fuzztime 2m
func FuzzMergeShards(f *testing.F) {
	f.Add(uint64(1), uint64(10), "1/2", uint64(5), uint64(0), uint64(3), false, "2/2", uint64(5), uint64(0), uint64(4), false)
	f.Add(uint64(1), uint64(10), "1/1", uint64(4), uint64(5), uint64(0), false, "1/1", uint64(6), uint64(0), uint64(0), true)
	f.Add(uint64(1), uint64(10), "1/3", uint64(2), uint64(7), uint64(4), false, "1/3", uint64(2), uint64(0), uint64(7), true)
	f.Add(uint64(1)<<63, uint64(1)<<62, "1/2,2/4", uint64(9), uint64(0), uint64(0), false, "4/4", uint64(1), uint64(0), uint64(0), false)
	f.Add(^uint64(0)-9, uint64(10), "3/7", uint64(1), uint64(0), ^uint64(0)-5, false, "1/7,2/7", uint64(2), ^uint64(0)-2, uint64(0), false)
	f.Fuzz(func(t *testing.T, from, seeds uint64, shardA string, runA, restA, failA uint64, rested bool,
		shardB string, runB, restB, failB uint64, bIsRest bool) {
		dir := t.TempDir()
		a := fuzzSummary(from, seeds, shardA, runA, restA, failA)
		bFrom, bSeeds := from, seeds
		if bIsRest && restA != 0 {
			// The summary of A's rest: from its from to the same last seed.
			bFrom, bSeeds = restA, from+seeds-restA
		}
		b := fuzzSummary(bFrom, bSeeds, shardB, runB, restB, failB)
		if rested {
			a.Interrupted = true
		}
		var ins []mergeInput
		for _, s := range []struct {
			name string
			sum  sweepSummary
		}{{"a.json", a}, {"b.json", b}} {
			path := writeFuzzSummary(t, dir, s.name, s.sum)
			in, err := readSummary(path)
			if err != nil {
				if !strings.HasPrefix(err.Error(), path+": ") {
					t.Fatalf("the error does not name the file %s: %v", path, err)
				}
				return
			}
			ins = append(ins, in)
		}
		m1, err1 := mergeSummaries(ins)
		m2, err2 := mergeSummaries([]mergeInput{ins[1], ins[0]})
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("the order of the shards decides: a, b: %v; b, a: %v", err1, err2)
		}
		if err1 != nil {
			if !strings.Contains(err1.Error(), dir) {
				t.Fatalf("the error names no file: %v", err1)
			}
			return
		}
		opts := cmp.AllowUnexported(sweepFailure{})
		if diff := cmp.Diff(m1.sum, m2.sum, opts); diff != "" {
			t.Fatalf("the order of the shards changes the merge (-a,b +b,a):\n%s", diff)
		}
		_ = missingSeeds(m1.shards, m1.sum)
		path := writeFuzzSummary(t, dir, "merged.json", m1.sum)
		in, err := readSummary(path)
		if err != nil {
			t.Fatalf("merge wrote a summary it refuses: %v\n%s", err, mustJSON(t, m1.sum))
		}
		again, err := mergeSummaries([]mergeInput{in})
		if err != nil {
			t.Fatalf("a merged summary alone does not merge: %v\n%s", err, mustJSON(t, m1.sum))
		}
		if diff := cmp.Diff(m1.sum, again.sum, opts); diff != "" {
			t.Fatalf("a merged summary merges alone to another (-first +again):\n%s", diff)
		}
	})
}

// fuzzSummary is a summary of shard of the seeds from..from+seeds-1 that ran run of
// them, with a rest from restFrom on (none for 0) and a failure of seed fail (none
// for 0).
func fuzzSummary(from, seeds uint64, shard string, run, restFrom, fail uint64) sweepSummary {
	s := sweepSummary{Scenario: "steady", Semantics: "default", From: from, Seeds: seeds, Shard: shard, SeedsRun: run,
		Failures: []sweepFailure{}, Probes: map[string]uint64{"hop-limit": 0}, ZeroProbes: []string{"hop-limit"}, NotUnder: []string{}}
	if restFrom != 0 {
		s.Interrupted = true
		first, _, _ := strings.Cut(shard, ",")
		s.Rest = []sweepRest{{From: restFrom, Seeds: from + seeds - restFrom, Shard: first}}
	}
	if fail != 0 {
		s.Failures = []sweepFailure{{Seed: fail, Invariants: []string{"liveness"},
			Violations: []scenarios.Violation{{Invariant: "liveness", Detail: "x"}}, ViolationsTotal: 1, Repro: "r.json"}}
	}
	return s
}

func writeFuzzSummary(t *testing.T, dir, name string, s sweepSummary) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, mustJSON(t, s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustJSON(t *testing.T, s sweepSummary) []byte {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMergeFailedShardThenRest: a shard that stopped at its first failure, merged
// with another that was interrupted, makes a summary that names the other's rest;
// merged in turn with the summary of that rest, it covers the whole sweep. merge read
// its own summary as one that ran fewer seeds than it covers, and refused it.
func TestMergeFailedShardThenRest(t *testing.T) {
	failed := shardSummary("1/2", func(s *sweepSummary) {
		s.SeedsRun, s.Failures = 2, []sweepFailure{{Seed: 3, Invariants: []string{"liveness"}, ViolationsTotal: 1, Repro: "r.json"}}
	})
	code, first, stderr := mergeJSON(t, writeSummary(t, failed), writeSummary(t, restSummary("2/2", 1, 2, sweepRest{From: 5, Seeds: 6, Shard: "2/2"})))
	if code != exitFail || len(first.Rest) != 1 {
		t.Fatalf("exit %d, rest %v, want 1 and the rest of 2/2\n%s", code, first.Rest, stderr)
	}
	code, got, stderr := mergeJSON(t, writeSummary(t, first), writeSummary(t, restSummary("2/2", 5, 3)))
	if code != exitFail || got.Interrupted || got.Rest != nil || got.Shard != "1/1" || got.SeedsRun != 7 || len(got.Failures) != 1 {
		t.Errorf("the merge and the rest: exit %d, interrupted %v, rest %v, shard %q, seeds run %d, failures %v; want 1, false, none, 1/1, 7, seed 3\n%s",
			code, got.Interrupted, got.Rest, got.Shard, got.SeedsRun, got.Failures, stderr)
	}
}
