package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDurationsBelowANanosecond: a duration that is not a whole number of
// nanoseconds, given by a flag or by the config file, is bad usage, exit 2, naming
// the flag (or the file and its key) and why, where it was cut to the nanosecond
// below and the node started: --reply-hold 0.5ns kept no reply at all, --service
// 0.5ns made the demo peer spend nothing.
func TestDurationsBelowANanosecond(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	conf := filepath.Join(dir, "c.json")
	_ = os.WriteFile(conf, []byte(`{"peers": {"n1": "127.0.0.1:1"}, "backoff_max": "2.0000000005s"}`), 0o600)
	with := func(more ...string) []string {
		return append([]string{"--id", "n1", "--peers", "n1=127.0.0.1:1", "--secret-file", secret}, more...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "reply hold", args: with("--reply-hold", "0.5ns"),
			want: `invalid value "0.5ns" for flag --reply-hold: not a whole number of nanoseconds, the finest a duration holds (0s would be read)`},
		{name: "service", args: with("--service", "1.0000000001ms"),
			want: `invalid value "1.0000000001ms" for flag --service: not a whole number of nanoseconds, the finest a duration holds (1ms would be read)`},
		{name: "heartbeat interval", args: with("--heartbeat-interval", "500.0000000001ms"),
			want: `invalid value "500.0000000001ms" for flag --heartbeat-interval: not a whole number of nanoseconds`},
		{name: "config file", args: []string{"--id", "n1", "--config", conf, "--secret-file", secret},
			want: "--config " + conf + `: backoff_max: "2.0000000005s": not a whole number of nanoseconds, the finest a duration holds (2s would be read)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Cancelled already: a value that slipped through starts a node that
			// stops at once, and the test fails instead of hanging.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out, errb bytes.Buffer
			code := run(ctx, tc.args, &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
}
