package main

import (
	"os"
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
	out := t.TempDir()
	// The grace is an hour: the interrupt comes first.
	code, stdout, stderr := hangThenInterrupt(t, []string{"deaf"}, func(o *sweepOptions) { o.quitGrace = time.Hour },
		[]string{"hung", "had its SIGQUIT"},
		"--scenario", "steady", "--seeds", "4", "--parallel", "1", "--keep-going", "--seed-timeout", "1s", "--out", out, "--json")
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	sum := decodeSweep(t, stdout)
	if got := failedSeeds(sum); !slices.Equal(got, []uint64{1}) || !sum.Failures[0].TimedOut {
		t.Fatalf("failures %+v: want seed 1 timed out; stderr:\n%s", sum.Failures, stderr)
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
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "running at the interrupt") {
		t.Errorf("stderr names the stopped seed as running:\n%s", stderr)
	}
}
