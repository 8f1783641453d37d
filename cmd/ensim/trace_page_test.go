package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	for _, want := range []string{"ensim: --format html: traceview: page too large: the diagram of ", " of data, more than a page holds (4000 bytes)", "no page written", "--call, --from or --to"} {
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
		{[]string{"--call", "n1.1.1", "--from", "1s", "--to", "2s"}, "ensim: warning: call n1.1.1 has no record between --from and --to"},
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
