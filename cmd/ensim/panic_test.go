package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// A seed whose simulation panics is a failure of that seed (exit 1) with a repro,
// in a sweep, in ensim run and in ensim replay: not bad usage (exit 2), and not a
// failure nobody can rerun.
func TestSeedPanics(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := sweep(t, []string{"ENSIM_TEST_PANIC=3"}, "--scenario", "steady", "--seeds", "4",
		"--parallel", "2", "--keep-going", "--out", out, "--json", "--recheck", "0")
	if code != exitFail {
		t.Fatalf("sweep: exit %d, want %d\n%s", code, exitFail, stderr)
	}
	s := decodeSweep(t, stdout)
	if len(s.Failures) != 1 || s.Failures[0].Seed != 3 || s.SeedsRun != 4 {
		t.Fatalf("sweep: failures %+v, %d seeds run; want seed 3 alone of 4\n%s", s.Failures, s.SeedsRun, stderr)
	}
	f := s.Failures[0]
	reproPath := filepath.Join(out, defaultReproPath("steady", router.Default, 3, 0))
	if f.Repro != reproPath {
		t.Errorf("sweep: repro %q, want %q", f.Repro, reproPath)
	}
	if !strings.Contains(f.Error, "panic: test panic on seed 3") {
		t.Errorf("sweep: error %q lacks the panic", f.Error)
	}
	if !strings.Contains(stderr, "ensim replay "+reproPath) {
		t.Errorf("sweep: stderr lacks the replay command:\n%s", stderr)
	}
	data, err := os.ReadFile(reproPath)
	if err != nil {
		t.Fatal(err)
	}
	var rp repro
	if err := json.Unmarshal(data, &rp); err != nil || rp.Seed != 3 || rp.Semantics != "default" {
		t.Fatalf("sweep: repro %s: %+v, %v", reproPath, rp, err)
	}

	defer func(h func(scenarios.Spec, scenarios.Options)) { simulateHook = h }(simulateHook)
	simulateHook = panicOn(3)

	runRepro := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr = ensim(t, "run", "--scenario", "steady", "--seed", "3", "--repro", runRepro)
	if code != exitFail {
		t.Errorf("run: exit %d, want %d\n%s", code, exitFail, stderr)
	}
	for _, w := range []string{"ensim: the simulation panicked: test panic on seed 3\n", "goroutine ", "ensim: repro written to " + runRepro, "ensim replay " + runRepro} {
		if !strings.Contains(stderr, w) {
			t.Errorf("run: stderr lacks %q:\n%s", w, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("run: stdout %q, want none", stdout)
	}
	if rp, _, err := readRepro(runRepro, "run"); err != nil || rp.Crash != "" {
		t.Errorf("run: repro's crash %q (%v), want none: a replay shows the panic, and an older ensim refuses the field", rp.Crash, err)
	}

	code, _, stderr = ensim(t, "replay", reproPath)
	if code != exitFail || !strings.Contains(stderr, "ensim: the simulation panicked: test panic on seed 3\n") ||
		!strings.Contains(stderr, "the repro still fails") {
		t.Errorf("replay: exit %d, want %d, and the panic\n%s", code, exitFail, stderr)
	}

	// compare fails the seed (exit 1) and names its run command.
	code, _, stderr = ensim(t, "compare", "--scenario", "steady", "--from", "2", "--seeds", "2")
	if code != exitFail || !strings.Contains(stderr, "ensim: seed 3 under riak crashed\nensim: the simulation panicked: test panic on seed 3\n") ||
		!strings.Contains(stderr, "run it alone with: ensim run --scenario steady --seed 3 --semantics riak") {
		t.Errorf("compare: exit %d, want %d, and the panic and the seed's run command\n%s", code, exitFail, stderr)
	}

	// trace has no trace to draw: exit 1 with the panic, not bad usage.
	code, stdout, stderr = ensim(t, "trace", "--scenario", "steady", "--seed", "3")
	if code != exitFail || stdout != "" || !strings.Contains(stderr, "ensim: the simulation panicked: test panic on seed 3\n") ||
		!strings.Contains(stderr, "ensim: no trace to draw: the simulation of steady panics") {
		t.Errorf("trace: exit %d, want %d, and the panic\n%s", code, exitFail, stderr)
	}

	// Without the panic, the repro replays: the crash was the seed's, not the file's.
	simulateHook = nil
	if code, _, stderr := ensim(t, "replay", reproPath); code != exitOK {
		t.Errorf("replay without the panic: exit %d\n%s", code, stderr)
	}
}
