package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestDefaultReproSparesSpec: a spec file named as the repro a failure of it writes
// by default (ensim-repro-<name>-<semantics>-<seed>.json, in the directory the repro
// goes to) is not replaced by that repro. ensim run refuses it before the run, as it
// refuses --repro naming the spec; a sweep reports the seed's repro as not written.
func TestDefaultReproSparesSpec(t *testing.T) {
	spec := failingSpec(t)
	data := spec.JSON()
	name := defaultReproPath(spec.Name, router.Default, 1, 0)

	t.Run("run", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := ensim(t, "run", "--spec", name)
		if code != exitUsage || !strings.Contains(stderr, "is the file the command reads") {
			t.Errorf("exit %d, stderr %q; want 2, the spec refused as the repro's path", code, stderr)
		}
		if b, err := os.ReadFile(name); err != nil || !bytes.Equal(b, data) {
			t.Errorf("the spec was changed: %v", err)
		}
		// Given another repro path, it runs (and fails).
		if code, _, stderr := ensim(t, "run", "--spec", name, "--repro", "elsewhere.json"); code != exitFail {
			t.Errorf("with --repro: exit %d, stderr %q; want 1", code, stderr)
		}
	})
	t.Run("sweep", func(t *testing.T) {
		out := t.TempDir()
		path := filepath.Join(out, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := ensim(t, "sweep", "--spec", path, "--seeds", "1", "--out", out, "--json")
		if code != exitFail {
			t.Fatalf("exit %d, stderr %q; want 1", code, stderr)
		}
		s := decodeSweep(t, stdout)
		if len(s.Failures) != 1 || s.Failures[0].Repro != "" || !strings.Contains(s.Failures[0].Error, "is the spec this sweep reads") {
			t.Errorf("failures %+v; want seed 1 failing, its repro not written as it is the spec", s.Failures)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, data) {
			t.Errorf("the spec was changed: %v", err)
		}
	})
}

// TestComparePipeSpecSaysSo: compare writes no repro; for a seed that fails it prints
// the ensim run command that runs it alone, naming --spec. A spec read from a pipe
// (<(jq ...), /dev/stdin) cannot be read again, so the commands are followed by a
// note that says to write it to a file; a spec in a file gets none.
func TestComparePipeSpecSaysSo(t *testing.T) {
	data := failingSpec(t).JSON()
	fifo := filepath.Join(t.TempDir(), "spec-pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	go func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Write(data)
			w.Close()
		}
	}()
	const note = "is not a regular file, a pipe say, which cannot be read again: write the spec to a file and name that instead"
	code, _, stderr := ensim(t, "compare", "--spec", fifo, "--seeds", "1")
	if code != exitFail || strings.Count(stderr, note) != 2 {
		t.Errorf("from a pipe: exit %d, stderr %q; want 1, and the note after each semantics' commands", code, stderr)
	}
	code, _, stderr = ensim(t, "compare", "--spec", writeFile(t, "spec.json", data), "--seeds", "1")
	if code != exitFail || strings.Contains(stderr, note) {
		t.Errorf("from a file: exit %d, stderr %q; want 1 and no note", code, stderr)
	}
}
