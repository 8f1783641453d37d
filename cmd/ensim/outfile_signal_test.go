package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestInterruptRemovesTemporaryFiles: ^C during ensim run --trace leaves the trace
// file that was there as it was, no temporary file behind (it would hold up to
// gigabytes, under a hidden name), and ends the process by the interrupt, as it
// ended before files were written under temporary names. So does the SIGHUP of a
// terminal that goes (it left the files behind).
func TestInterruptRemovesTemporaryFiles(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) { signalRemovesTemporaryFiles(t, sig) })
	}
}

func signalRemovesTemporaryFiles(t *testing.T, sig syscall.Signal) {
	dir := t.TempDir()
	s, _ := scenarios.Named("steady")
	s.Workload.Duration = scenarios.Duration(200 * time.Second) // runs for seconds
	spec, trace := filepath.Join(dir, "long.json"), filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(spec, s.JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trace, []byte("the trace of an earlier run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The test binary runs ensim's commands in worker mode (TestMain).
	cmd, err := testWorker()(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cmd.Args = []string{cmd.Args[0], "run", "--spec", spec, "--trace", trace}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The temporary file is made before the run starts: interrupt once it exists.
	temp := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, ".out.jsonl.tmp-*"))
		return m
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(temp()) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no temporary trace file appeared")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("ensim run ended with %v, want it ended by %v (did the run finish first?)", err, sig)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != sig {
		t.Errorf("ensim run ended with %v, want it ended by %v", err, sig)
	}
	if left := temp(); len(left) != 0 {
		t.Errorf("temporary files left behind: %s", strings.Join(left, ", "))
	}
	if b, err := os.ReadFile(trace); err != nil || string(b) != "the trace of an earlier run\n" {
		t.Errorf("the earlier trace is now %q (%v)", b, err)
	}
}

// TestClosedStdoutKeepsRepro: a failing run whose stdout is a pipe nobody reads any
// more (ensim run --json | a jq that exited on a typo) still writes its repro,
// reports its violations and exits 1; it used to die of SIGPIPE while printing its
// report (exit 141), before writing the repro, leaving an empty temporary file. A
// passing run in the same place exits 2: its output was lost.
func TestClosedStdoutKeepsRepro(t *testing.T) {
	dir := t.TempDir()
	s, _ := scenarios.Named("steady")
	s.Workload.Duration = scenarios.Duration(2 * time.Second)
	pass := filepath.Join(dir, "pass.json")
	if err := os.WriteFile(pass, s.JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Liveness = &scenarios.Liveness{From: 0, Within: scenarios.Duration(time.Millisecond)} // no call is that fast
	fail := filepath.Join(dir, "fail.json")
	if err := os.WriteFile(fail, s.JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec string
		exit int
	}{{fail, exitFail}, {pass, exitUsage}} {
		repro := filepath.Join(dir, "repro-"+filepath.Base(tc.spec))
		errb, err := intoClosedPipe(t, "run", "--spec", tc.spec, "--json", "--repro", repro)
		code := exitCodeOf(t, err)
		if code != tc.exit || !strings.Contains(errb.String(), "ensim: writing the output:") {
			t.Errorf("%s: exit %d (%v), stderr %.300q; want %d, the lost output reported", filepath.Base(tc.spec), code, err, errb.String(), tc.exit)
		}
		if b, err := os.ReadFile(repro); err != nil || !strings.Contains(string(b), `"seed"`) {
			t.Errorf("%s: the repro: %v, %.100q", filepath.Base(tc.spec), err, b)
		}
		if tc.exit == exitFail && !strings.Contains(errb.String(), "invariant violations") {
			t.Errorf("the failing run's stderr %.300q names no violations", errb.String())
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}

	// compare and replay, into the same pipe, say that the run failed, and exit 1.
	for _, args := range [][]string{
		{"compare", "--spec", fail, "--seeds", "1", "--json"},
		{"replay", filepath.Join(dir, "repro-fail.json"), "--json"},
	} {
		errb, err := intoClosedPipe(t, args...)
		if code := exitCodeOf(t, err); code != exitFail || !strings.Contains(errb.String(), "fail") {
			t.Errorf("%s into a closed pipe: exit %d (%v), stderr %.300q; want %d and the failure on stderr", args[0], code, err, errb.String(), exitFail)
		}
	}

	// A command that writes nothing but its output (ensim trace | head) still ends
	// quietly by SIGPIPE.
	errb, err := intoClosedPipe(t, "trace", "--spec", pass)
	if sig, ok := signaledBy(err); !ok || sig != syscall.SIGPIPE || errb.Len() != 0 {
		t.Errorf("trace into a closed pipe: %v, stderr %q; want it ended by SIGPIPE, silently", err, errb.String())
	}
}

// intoClosedPipe runs ensim with args, its stdout a pipe whose reader is gone
// before anything is written, and returns its stderr and how it ended.
func intoClosedPipe(t *testing.T, args ...string) (*strings.Builder, error) {
	t.Helper()
	cmd, err := testWorker()(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cmd.Args = append([]string{cmd.Args[0]}, args...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = w, &errb
	err = cmd.Run()
	w.Close()
	return &errb, err
}

// exitCodeOf is the exit status of a command that ended with err (-1 if a signal
// ended it); an error that is no exit fails the test.
func exitCodeOf(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

// signaledBy returns the signal that ended a command that ended with err, if one did.
func signaledBy(err error) (syscall.Signal, bool) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ws.Signal(), ok && ws.Signaled()
}
