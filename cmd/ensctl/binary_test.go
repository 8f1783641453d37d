package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryExitStatus builds the ensctl binary and checks that the process exits
// with the status run returns: 0 for what worked, 1 for a call that failed, 2 for bad
// usage, which scripts tell apart.
func TestBinaryExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ensctl binary; skipped in -short mode")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ensctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	secret := filepath.Join(dir, "s")
	if err := os.WriteFile(secret, []byte("long-enough-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{name: "version", args: []string{"version"}, code: 0},
		{name: "no command", args: nil, code: 2, stderr: "usage: ensctl COMMAND"},
		{name: "unknown command", args: []string{"frob"}, code: 2, stderr: `unknown command "frob"`},
		{name: "bad flag", args: []string{"bench", "--concurrency", "0", "--peers", "n1=127.0.0.1:1", "--secret-file", secret, "e1"}, code: 2, stderr: "--concurrency 0"},
		{name: "unreachable", args: []string{"call", "--peers", "n1=127.0.0.1:1", "--secret-file", secret, "--connect-timeout", "200ms", "e1", "get", "k"},
			code: 1, stderr: "cannot reach --via n1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			var errb bytes.Buffer
			cmd.Stderr = &errb
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), tc.code, tc.stderr)
			}
		})
	}
}
