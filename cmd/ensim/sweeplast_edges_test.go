package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSweepInterruptedAfterLastSeed: an interrupt that comes once every seed has run,
// while a second run (--recheck) is still under way, leaves no seed uncovered. The
// summary covers the whole sweep: not marked interrupted and with no rest, so that
// sweep merge takes it as whole (exit 0) and no rest is asked for that could never
// be run. The sweep still exits 1 and says what the interrupt cut short.
func TestSweepInterruptedAfterLastSeed(t *testing.T) {
	common := []string{"--scenario", "steady", "--seeds", "2", "--parallel", "2", "--recheck", "1", "--out", t.TempDir()}
	whole, _ := sweepJSON(t, exitOK, common...)
	marker := t.TempDir() + "/ran"
	code, stdout, stderr := interruptedSweep(t, 2, []string{"ENSIM_TEST_HANG=2,again=" + marker}, append(common, "--json")...)
	if code != exitFail || !strings.HasPrefix(stderr, "ensim: sweep interrupted after 2 of 2 seeds\n") ||
		!strings.Contains(stderr, "every seed ran") {
		t.Errorf("exit %d, stderr %q; want 1, the interrupt, and that every seed ran", code, stderr)
	}
	got := decodeSweep(t, stdout)
	if got.Interrupted || got.Rest != nil || got.SeedsRun != 2 || len(got.Failures) != 0 {
		t.Errorf("interrupted %v, rest %v, %d seeds run, failures %v; want a summary of the whole sweep",
			got.Interrupted, got.Rest, got.SeedsRun, got.Failures)
	}
	whole.Rechecked = got.Rechecked // the interrupt cut a second run short
	if d := cmp.Diff(whole, got, resumeIgnore); d != "" {
		t.Errorf("the summary differs from the sweep's run in one go:\n%s", d)
	}
	path := writeFile(t, "last.json", []byte(stdout))
	if code, _, stderr := mergeJSON(t, path); code != exitOK {
		t.Errorf("merge of it alone: exit %d, want 0\n%s", code, stderr)
	}
}

// TestMergeInterruptedNoRestMessage: a summary without rest that says it was
// interrupted but counts every seed of its shard as run (an older ensim's, one
// interrupted after its last seed) still keeps merge from calling the sweep whole,
// and the reason given does not speak of seeds it did not run.
func TestMergeInterruptedNoRestMessage(t *testing.T) {
	whole, _ := sweepJSON(t, exitOK, "--scenario", "steady", "--seeds", "2", "--recheck", "0", "--out", t.TempDir())
	whole.Interrupted = true
	b, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "old.json", b)
	code, _, stderr := mergeJSON(t, path)
	if code != exitFail || strings.Contains(stderr, "did not run") ||
		!strings.Contains(stderr, "old.json (shard 1/1) counts 2 of its 2 seeds as run, but says it was interrupted and names no rest") {
		t.Errorf("exit %d, stderr %q; want 1 and a reason that fits", code, stderr)
	}
}
