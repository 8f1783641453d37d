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
// ended before files were written under temporary names.
func TestInterruptRemovesTemporaryFiles(t *testing.T) {
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
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("ensim run ended with %v, want it ended by the interrupt (did the run finish first?)", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("ensim run ended with %v, want it ended by SIGINT", err)
	}
	if left := temp(); len(left) != 0 {
		t.Errorf("temporary files left behind: %s", strings.Join(left, ", "))
	}
	if b, err := os.ReadFile(trace); err != nil || string(b) != "the trace of an earlier run\n" {
		t.Errorf("the earlier trace is now %q (%v)", b, err)
	}
}
