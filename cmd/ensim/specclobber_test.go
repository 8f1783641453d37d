package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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
	name := defaultReproPath(spec.Name, router.Default, 1)

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
