package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// oneViolationSpec is failingSpec with a single call in its workload (one a second
// for a second): seed 1 breaks liveness exactly once. It checks that it does.
func oneViolationSpec(t *testing.T) scenarios.Spec {
	s := failingSpec(t)
	s.Name = "one-timeout"
	s.Workload.Rate = 1
	s.Workload.Duration = scenarios.Duration(time.Second)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := scenarios.Run(s, scenarios.Options{Seed: 1, Semantics: router.Default})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Report.Violations); n != 1 || res.Report.ViolationsTotal != 1 {
		t.Fatalf("seed 1 of the one-call world breaks %d invariant checks (%d kept), want exactly 1", res.Report.ViolationsTotal, n)
	}
	return s
}

// TestSingleViolationFails: a run that breaks a single invariant check fails as one
// that breaks many does: exit 1, the violation on stderr, a repro written (to the
// default path, or to --repro), and its replay still fails, exit 1.
func TestSingleViolationFails(t *testing.T) {
	spec := writeFile(t, "one.json", oneViolationSpec(t).JSON())
	t.Chdir(t.TempDir()) // the default repro path is the current directory
	const file = "ensim-repro-one-timeout-default-1.json"
	given := filepath.Join(t.TempDir(), "given.json")
	for _, tc := range []struct {
		name  string
		args  []string
		repro string
	}{
		{name: "default repro path", args: []string{"run", "--spec", spec, "--seed", "1"}, repro: file},
		{name: "--repro", args: []string{"run", "--spec", spec, "--seed", "1", "--repro", given}, repro: given},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := ensim(t, tc.args...)
			if code != exitFail || !strings.Contains(stderr, "ensim: 1 invariant violation:\n  liveness: call ") ||
				!strings.Contains(stderr, "repro written to "+tc.repro) {
				t.Fatalf("exit %d, stderr:\n%s\nwant %d, the violation and the repro named", code, stderr, exitFail)
			}
			rp, _, err := readRepro(tc.repro, "run")
			if err != nil || rp.ViolationsTotal != 1 || len(rp.Violations) != 1 {
				t.Fatalf("repro %s: %v, %d violations recorded (%d kept); want 1", tc.repro, err, rp.ViolationsTotal, len(rp.Violations))
			}
			code, stdout, stderr := ensim(t, "replay", tc.repro)
			if code != exitFail || !strings.Contains(stderr, "ensim: the repro still fails\n") || strings.Contains(stdout, "every invariant holds") {
				t.Errorf("replay: exit %d\nstdout:\n%s\nstderr:\n%s\nwant %d and the repro still failing", code, stdout, stderr, exitFail)
			}
		})
	}
}

// TestEmptySemanticsRefused: --semantics with an empty value (a variable left unset)
// is bad usage naming the flag, not the default semantics, for every command that
// takes it.
func TestEmptySemanticsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--scenario", "steady", "--semantics", ""},
		{"run", "--scenario", "steady", "--semantics="},
		{"sweep", "--scenario", "steady", "--seeds", "1", "--semantics", ""},
	} {
		code, stdout, stderr := ensim(t, args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, `for flag --semantics: want default or riak`) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d and the flag named", args, code, stdout, stderr, exitUsage)
		}
	}
}

// TestBinaryExitsWithUsageStatus builds the ensim binary and checks that the process
// exits 2 for bad usage, as run returns, not 1, which says an invariant failed, and 0
// for a command that worked.
func TestBinaryExitsWithUsageStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ensim binary; skipped in -short mode")
	}
	bin := ensimBinary(t)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{args: []string{"list"}, code: exitOK},
		{args: nil, code: exitUsage, stderr: "usage: ensim <command>"},
		{args: []string{"frob"}, code: exitUsage, stderr: `unknown command "frob"`},
		{args: []string{"run"}, code: exitUsage, stderr: "run needs exactly one of --scenario and --spec"},
		{args: []string{"run", "--scenario", "nope"}, code: exitUsage, stderr: `unknown scenario "nope"`},
	} {
		cmd := exec.Command(bin, tc.args...)
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &errb
		if code := exitCodeOf(t, cmd.Run()); code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
			t.Errorf("ensim %q: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.stderr)
		}
	}
}
