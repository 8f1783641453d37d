package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadUsageMore: more bad flags and arguments that exit 2 with a message naming
// the problem: a bench that would run for no time, a drain of a node the peers do not
// list or without the ensembles to drain (a --config that lists none is named: it was
// told to give --config), and a scenario whose --ensnode is missing
// (its --slack 0 is valid, and not the problem named).
func TestBadUsageMore(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	if err := os.WriteFile(secret, []byte("long-enough-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnsembles := filepath.Join(t.TempDir(), "cluster.json")
	if err := os.WriteFile(noEnsembles, []byte(`{"peers": {"n1": "127.0.0.1:1"}, "ensembles": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--peers", "n1=127.0.0.1:1", "--secret-file", secret}
	with := func(head []string, tail ...string) []string {
		return append(append(append([]string{}, head...), common...), tail...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "bench zero duration", args: with([]string{"bench", "--duration", "0s"}, "e1"),
			want: "--duration 0s: want a positive duration up to 24h0m0s"},
		{name: "bench negative duration", args: with([]string{"bench", "--duration", "-1s"}, "e1"),
			want: "--duration -1s: want a positive duration"},
		{name: "drain a node not in peers", args: with([]string{"leader", "drain", "--ensemble", "e1=n1"}, "n9"),
			want: "leader drain: node n9 is not in --peers"},
		{name: "drain without ensembles", args: with([]string{"leader", "drain"}, "n1"),
			want: "leader drain: which ensembles? give --config, or --ensemble for each"},
		{name: "drain with a config of no ensembles", args: with([]string{"leader", "drain", "--config", noEnsembles}, "n1"),
			want: "leader drain: which ensembles? --config " + noEnsembles + " lists none: list them in its ensembles, or give --ensemble for each"},
		{name: "scenario slack 0", args: []string{"scenario", "--spec", "../internal/realscenario/testdata/real-smoke.json", "--slack", "0",
			"--ensnode", filepath.Join(t.TempDir(), "none")}, want: "--ensnode: stat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
}

// TestUsageErrorWhenInterrupted: bad usage exits 2 with its message even when a
// signal has come (main's context is cancelled): the command never started, so there
// was nothing to interrupt.
func TestUsageErrorWhenInterrupted(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	if err := os.WriteFile(secret, []byte("long-enough-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frob"}, `unknown command "frob"`},
		{[]string{"bench", "--concurrency", "0", "--peers", "n1=127.0.0.1:1", "--secret-file", secret, "e1"}, "--concurrency 0"},
		{[]string{"leader", "move"}, "want get ENSEMBLE, set ENSEMBLE NODE or drain NODE"},
	} {
		var out, errb bytes.Buffer
		code := run(ctx, tc.args, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) || strings.Contains(errb.String(), "interrupted") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q, not interrupted", tc.args, code, errb.String(), tc.want)
		}
	}
}
