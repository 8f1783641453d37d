package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSweepInterruptInQuitGrace: a sweep interrupted while a worker stopped for
// --seed-timeout has yet to exit (it ignores SIGQUIT, and its grace is long) still
// fails that seed as timed out, with its repro, and its rest starts after it: the
// seed met its time limit before the interrupt, and a rest that ran it again would
// hang there again. The seed is not named as running at the interrupt.
func TestSweepInterruptInQuitGrace(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := t.TempDir()
	fs := flag.NewFlagSet("ensim sweep", flag.ContinueOnError)
	o := newSweepOptions(fs)
	if err := fs.Parse([]string{"--scenario", "steady", "--seeds", "4", "--parallel", "1", "--keep-going",
		"--seed-timeout", "1s", "--out", out, "--json"}); err != nil {
		t.Fatal(err)
	}
	o.quitGrace = time.Hour // the interrupt comes first
	start := testWorker("ENSIM_TEST_WORKER_HANG=1", "ENSIM_TEST_HANG_NOTE=1", "ENSIM_TEST_HANG_DEAF=1")
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
	// The worker's notes: 'h' as it hangs, 'q' when the sweep's SIGQUIT comes, which
	// it does not act on: the sweep then waits out the grace.
	note := make(chan error, 2)
	go func() {
		for range 2 {
			_, err := r.Read(make([]byte, 1))
			note <- err
		}
	}()
	for _, what := range []string{"hung", "had its SIGQUIT"} {
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
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	sum := decodeSweep(t, stdout.String())
	if got := failedSeeds(sum); !slices.Equal(got, []uint64{1}) || !sum.Failures[0].TimedOut {
		t.Fatalf("failures %+v: want seed 1 timed out; stderr:\n%s", sum.Failures, stderr.String())
	}
	repro := filepath.Join(out, "ensim-repro-steady-default-1.json")
	if sum.Failures[0].Repro != repro {
		t.Errorf("repro %q, want %q", sum.Failures[0].Repro, repro)
	}
	if _, err := os.Stat(repro); err != nil {
		t.Error(err)
	}
	if !sum.Interrupted || sum.SeedsRun != 1 || len(sum.Rest) != 1 || sum.Rest[0].From != 2 || sum.Rest[0].Seeds != 3 {
		t.Errorf("interrupted %v, seeds_run %d, rest %+v: want seed 1 run (timed out), the rest from seed 2", sum.Interrupted, sum.SeedsRun, sum.Rest)
	}
	for _, want := range []string{"ensim: seed 1 failed: timed out: seed 1 ran longer than --seed-timeout 1s", "repeat the command with --from 2 --seeds 3"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "running at the interrupt") {
		t.Errorf("stderr names the stopped seed as running:\n%s", stderr.String())
	}
}
