package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDurationFlagsBelowANanosecond: a duration flag that is not a whole number of
// nanoseconds is bad usage, exit 2, naming the flag and why, where it was cut to the
// nanosecond below: --timeout 0.5ns was a timeout of 0, refused as "--timeout 0s:
// want a positive duration", which is not what was given.
func TestDurationFlagsBelowANanosecond(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s")
	_ = os.WriteFile(secret, []byte("long-enough-secret"), 0o600)
	common := []string{"--peers", "n1=127.0.0.1:1", "--secret-file", secret}
	for _, tc := range []struct {
		cmd        []string
		flag, v    string
		args, want string
	}{
		{cmd: []string{"call"}, flag: "--timeout", v: "0.5ns", args: "e1 get k", want: "(0s would be read)"},
		{cmd: []string{"call"}, flag: "--connect-timeout", v: "2.0000000001s", args: "e1 get k", want: "(2s would be read)"},
		{cmd: []string{"leader", "get"}, flag: "--timeout", v: "1.5ns", args: "e1", want: "(1ns would be read)"},
		{cmd: []string{"bench"}, flag: "--duration", v: "0.9ns", args: "e1", want: "(0s would be read)"},
		{cmd: []string{"cast"}, flag: "--backoff-min", v: "0.1ns", args: "e1 echo x", want: "(0s would be read)"},
	} {
		t.Run(strings.Join(tc.cmd, " ")+" "+tc.flag, func(t *testing.T) {
			args := append(append(append(append([]string{}, tc.cmd...), tc.flag, tc.v), common...), strings.Fields(tc.args)...)
			var out, errb bytes.Buffer
			code := run(context.Background(), args, &out, &errb)
			want := `invalid value "` + tc.v + `" for flag ` + tc.flag + `: not a whole number of nanoseconds, the finest a duration holds ` + tc.want
			if code != 2 || !strings.Contains(errb.String(), want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), want)
			}
		})
	}
}
