package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestTracePageTooLarge: an html view whose data a browser could not parse is
// refused, exit 2, naming its size and the flags that draw less; no file is left
// behind, and nothing is written to stdout. Such a page used to be written (670 MB
// for a 200s steady run) and load blank, with exit 0.
func TestTracePageTooLarge(t *testing.T) {
	defer func(n int) { maxPageData = n }(maxPageData)
	maxPageData = 4000
	dir := t.TempDir()
	out := filepath.Join(dir, "s.html")
	code, stdout, stderr := ensim(t, "trace", "--scenario", "steady", "--to", "50ms", "--format", "html", "--out", out)
	if code != exitUsage || stdout != "" {
		t.Errorf("exit %d, stdout %q; want %d and nothing", code, stdout, exitUsage)
	}
	for _, want := range []string{"ensim: --format html: traceview: page too large: the diagram of ", " of data, more than a page holds (4000 bytes)", "no page written", "--call, --cast, --from or --to"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Errorf("files left in --out's directory: %v %v", ents, err)
	}

	code, stdout, stderr = ensim(t, "trace", "--scenario", "steady", "--to", "50ms", "--format", "html")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "page too large") {
		t.Errorf("to stdout: exit %d, %d bytes out, stderr %q; want %d, nothing, page too large", code, len(stdout), stderr, exitUsage)
	}
}

// TestTraceEmptyWindow: a view that keeps no record is still written (exit 0), with a
// warning on stderr that says why: a --from past the run's last record, or a window
// with none of the call.
func TestTraceEmptyWindow(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "1h", "--format", "html"}, "ensim: warning: --from 1h0m0s is past the run's last record, at "},
		{[]string{"--call", "n1.1.1", "--from", "5s", "--format", "html"}, "ensim: warning: --from 5s is past the run's last record, at "},
		{[]string{"--call", "n1.1.1", "--from", "1s", "--to", "2s"}, "ensim: warning: call n1.1.1 has no record between --from 1s and --to 2s"},
	} {
		out := filepath.Join(t.TempDir(), "e.html")
		args := append([]string{"trace", "--scenario", "steady", "--out", out}, tc.args...)
		code, _, stderr := ensim(t, args...)
		if code != exitOK || !strings.Contains(stderr, tc.want) || !strings.HasSuffix(stderr, "view written to "+out+"\n") {
			t.Errorf("%v: exit %d, stderr %q; want 0, %q and the view written", tc.args, code, stderr, tc.want)
		}
	}
	code, _, stderr := ensim(t, "trace", "--scenario", "steady", "--call", "n1.1.1", "--format", "jsonl")
	if code != exitOK || strings.Contains(stderr, "warning") {
		t.Errorf("a call with records: exit %d, stderr %q; want 0 and no warning", code, stderr)
	}
}

// TestTraceReproNoLongerFails: trace of a repro file says on stderr, as replay does,
// when the run is not the one the repro recorded (its trace hash differs) and the
// violations it recorded are gone; of a repro whose run is the recorded one, it says
// nothing, unless the checker no longer finds the violations it recorded. Trace used
// to draw a run that no longer failed without a word.
func TestTraceReproNoLongerFails(t *testing.T) {
	specPath := writeFile(t, "fail.json", failingSpec(t).JSON())
	t.Chdir(t.TempDir())
	if code, _, stderr := ensim(t, "run", "--spec", specPath, "--seed", "7", "--repro", "r.json"); code != exitFail {
		t.Fatalf("run: exit %d, want %d\n%s", code, exitFail, stderr)
	}
	code, _, stderr := ensim(t, "trace", "r.json", "--to", "1ms", "--format", "jsonl")
	if code != exitOK || stderr != "" {
		t.Errorf("trace of the run the repro recorded: exit %d, stderr %q; want 0 and nothing", code, stderr)
	}

	// The same repro with a spec that now passes: another run, without violations.
	var rp map[string]json.RawMessage
	data, err := os.ReadFile("r.json")
	if err != nil || json.Unmarshal(data, &rp) != nil {
		t.Fatalf("reading the repro: %v", err)
	}
	var total uint64
	if err := json.Unmarshal(rp["violations_total"], &total); err != nil || total == 0 {
		t.Fatalf("the repro records %d violations (%v)", total, err)
	}
	rp["spec"] = mustNamed(t, "steady").JSON()
	data, _ = json.Marshal(rp)
	if err := os.WriteFile("passes.json", data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := ensim(t, "trace", "passes.json", "--to", "1ms", "--format", "jsonl")
	for _, want := range []string{
		"ensim: this may not be the run the repro recorded; ensim replay passes.json says:\n",
		"trace hash differs from the repro: was ",
		fmt.Sprintf("every invariant holds now; the repro recorded %d violations\n", total),
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("trace of a repro that no longer fails: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != exitOK || !strings.HasPrefix(stdout, `{"t":`) || strings.Contains(stdout, "trace hash") {
		t.Errorf("exit %d, stdout %.200q; want 0 and the records alone", code, stdout)
	}

	// The run a repro recorded, the hash the same, but its recorded violations no
	// longer found (as after a change to the checker): said too.
	ok := mustNamed(t, "steady")
	ok.Liveness = nil
	ok.Workload.Duration = scenarios.Duration(200 * time.Millisecond)
	okPath := writeFile(t, "ok.json", ok.JSON())
	if code, _, stderr := ensim(t, "run", "--spec", okPath, "--repro", "ok-repro.json"); code != exitOK {
		t.Fatalf("run of a passing spec: exit %d\n%s", code, stderr)
	}
	data, err = os.ReadFile("ok-repro.json")
	if err != nil || json.Unmarshal(data, &rp) != nil {
		t.Fatalf("reading the repro: %v", err)
	}
	rp["violations"] = json.RawMessage(`[{"invariant": "no-leak", "call": "", "detail": "found by an older checker"}]`)
	rp["violations_total"] = json.RawMessage(`1`)
	rp["violation_counts"] = json.RawMessage(`{"no-leak": 1}`)
	data, _ = json.Marshal(rp)
	if err := os.WriteFile("older.json", data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = ensim(t, "trace", "older.json", "--to", "1ms", "--format", "jsonl")
	if want := "ensim: this is the run the repro recorded (its trace hash matches), but its invariants are checked otherwise now; ensim replay older.json says:\n" +
		"every invariant holds now; the repro recorded 1 violation\n" +
		"the run is the one recorded, so what is checked changed: the spec's liveness, riak_breaks or send_budget were edited, or the checker changed since the repro was written\n"; code != exitOK || stderr != want {
		t.Errorf("trace of a repro whose violations a checker no longer finds: exit %d, stderr %q; want 0 and %q", code, stderr, want)
	}
}
