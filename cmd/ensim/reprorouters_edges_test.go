package main

import (
	"path/filepath"
	"testing"
)

// TestSweepReprosApartByRouters: two sweeps of one failing seed into one --out, with
// different --routers, keep a repro each: the default name carries --routers, where
// the second used to replace the first's. Without --routers the name is as before.
func TestSweepReprosApartByRouters(t *testing.T) {
	out := t.TempDir()
	var repros []string
	for _, routers := range []string{"3", "5"} {
		code, stdout, stderr := sweep(t, []string{"ENSIM_TEST_INJECT=cross-reply"}, "--scenario", "steady", "--routers", routers, "--seeds", "1", "--out", out, "--json")
		if code != exitFail {
			t.Fatalf("--routers %s: exit %d, want 1\n%s", routers, code, stderr)
		}
		s := decodeSweep(t, stdout)
		if len(s.Failures) != 1 {
			t.Fatalf("--routers %s: failures %+v, want seed 1's", routers, s.Failures)
		}
		repros = append(repros, s.Failures[0].Repro)
	}
	want := []string{
		filepath.Join(out, "ensim-repro-steady-default-1-routers-3.json"),
		filepath.Join(out, "ensim-repro-steady-default-1-routers-5.json"),
	}
	for i := range want {
		if repros[i] != want[i] {
			t.Errorf("repro %d: %s, want %s", i, repros[i], want[i])
		}
	}
	if got := defaultReproPath("steady", 0, 1, 0); got != "ensim-repro-steady-default-1.json" {
		t.Errorf("without --routers: %s, want ensim-repro-steady-default-1.json", got)
	}
}
