package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestSweepReportsRetries: the summary of a sweep of a workload that retries sums
// the seeds' requests, as ensim run counts each (retries in --json, a requests line
// in the text), and sweep merge sums its shards' the same; a workload without
// retries has neither.
func TestSweepReportsRetries(t *testing.T) {
	var want scenarios.Retries
	for _, seed := range []string{"1", "2", "3"} {
		code, stdout, stderr := ensim(t, "run", "--scenario", "slow-leader-retry", "--seed", seed, "--json")
		if code != exitOK {
			t.Fatalf("run seed %s: exit %d\n%s", seed, code, stderr)
		}
		var r scenarios.Report
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		if r.Retries == nil {
			t.Fatalf("run seed %s: no retries", seed)
		}
		want.Add(*r.Retries)
	}
	if want.OKAfterRetry == 0 || want.Attempts <= want.Requests {
		t.Fatalf("the runs made no retry that succeeded: %+v", want)
	}

	code, stdout, stderr := sweep(t, nil, "--scenario", "slow-leader-retry", "--seeds", "3", "--parallel", "2", "--out", t.TempDir(), "--json")
	if code != exitOK {
		t.Fatalf("sweep: exit %d\n%s", code, stderr)
	}
	sum := decodeSweep(t, stdout)
	if sum.Retries == nil || *sum.Retries != want {
		t.Fatalf("sweep retries %+v, want the runs' sum %+v", sum.Retries, want)
	}
	code, text, stderr := sweep(t, nil, "--scenario", "slow-leader-retry", "--seeds", "3", "--parallel", "2", "--out", t.TempDir())
	if line := "requests      " + retriesText(want) + "\n"; code != exitOK || !strings.Contains(text, line) {
		t.Fatalf("sweep: exit %d; the summary lacks\n%sin\n%s%s", code, line, text, stderr)
	}

	dir := t.TempDir()
	var shards []string
	for _, shard := range []string{"1/2", "2/2"} {
		code, stdout, stderr := sweep(t, nil, "--scenario", "slow-leader-retry", "--seeds", "3", "--parallel", "1", "--shard", shard, "--out", t.TempDir(), "--json")
		if code != exitOK {
			t.Fatalf("sweep --shard %s: exit %d\n%s", shard, code, stderr)
		}
		p := filepath.Join(dir, strings.ReplaceAll(shard, "/", "of")+".json")
		if err := os.WriteFile(p, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, p)
	}
	code, stdout, stderr = ensim(t, append([]string{"sweep", "merge"}, shards...)...)
	if code != exitOK {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	if m := decodeSweep(t, stdout); m.Retries == nil || *m.Retries != want {
		t.Fatalf("merged retries %+v, want %+v", m.Retries, want)
	}

	code, stdout, stderr = sweep(t, nil, "--scenario", "slow-leader", "--seeds", "1", "--out", t.TempDir(), "--json")
	if code != exitOK || strings.Contains(stdout, `"retries"`) {
		t.Fatalf("exit %d; a sweep without retries printed retries:\n%s%s", code, stdout, stderr)
	}
}

// TestCompareRequestsAddUp: the compare table's request rows add up to its requests:
// a workload whose callers crash has requests lost with them, and a row says how
// many.
func TestCompareRequestsAddUp(t *testing.T) {
	spec, ok := scenarios.Named("crash-restart")
	if !ok {
		t.Fatal("no crash-restart")
	}
	spec.Workload.Retry = &scenarios.Retry{Attempts: 3, Backoff: scenarios.Duration(5 * time.Millisecond)}
	path := filepath.Join(t.TempDir(), "spec.json")
	if err := os.WriteFile(path, spec.JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := ensim(t, "compare", "--spec", path, "--seeds", "3")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// "LABEL   N   M", or "LABEL   N (P%)   M (Q%)": the riak and default counts.
	row := regexp.MustCompile(`^([a-z, ]+?) +([0-9]+)(?: \([^)]*\))? +([0-9]+)`)
	rows := map[string][2]uint64{}
	for _, line := range strings.Split(stdout, "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			a, _ := strconv.ParseUint(m[2], 10, 64)
			b, _ := strconv.ParseUint(m[3], 10, 64)
			rows[m[1]] = [2]uint64{a, b}
		}
	}
	if rows["requests lost with caller"] == [2]uint64{} {
		t.Fatalf("no requests lost with their caller in crash-restart:\n%s", stdout)
	}
	for side := range 2 {
		var sum uint64
		for _, k := range []string{"requests ok", "failed every attempt", "failed, attempts left", "requests lost with caller", "requests open at the end"} {
			sum += rows[k][side]
		}
		if sum != rows["requests"][side] {
			t.Errorf("side %d: the request rows add up to %d, not the %d requests (%v):\n%s", side, sum, rows["requests"][side], rows, stdout)
		}
	}
}
