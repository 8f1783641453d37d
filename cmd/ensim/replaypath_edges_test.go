package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayRelativePathElsewhere: the repro path a sweep prints is relative to the
// directory it ran in; replayed from another, the file is not found, and ensim says
// from where it took the path and what to do, with exit status 2. An absolute path
// that does not exist gets the plain error.
func TestReplayRelativePathElsewhere(t *testing.T) {
	t.Chdir(t.TempDir())
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("out", "ensim-repro-steady-default-3.json")
	code, _, stderr := ensim(t, "replay", rel)
	want := "ensim: open " + rel + ": no such file or directory (a relative path is taken from the current directory, " + wd + "; the path a run or a sweep printed is relative to the directory it ran in: run this command there, or give the path from here)\n"
	if code != exitUsage || stderr != want {
		t.Errorf("replay %s: exit %d, stderr %q; want %d and %q", rel, code, stderr, exitUsage, want)
	}
	abs := filepath.Join(wd, rel)
	code, _, stderr = ensim(t, "replay", abs)
	if code != exitUsage || strings.Contains(stderr, "relative") || !strings.Contains(stderr, "no such file or directory") {
		t.Errorf("replay %s: exit %d, stderr %q; want %d and the plain error", abs, code, stderr, exitUsage)
	}
}
