package cluster

import (
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestLogFlagsRefuseEmpty: an empty --log-format or --log-level (a variable left
// unset on the command line) is a usage error naming the flag, not a default.
func TestLogFlagsRefuseEmpty(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-format", ""}, `--log-format "": want text or json`},
		{[]string{"--log-level", ""}, `--log-level "": want debug, info, warn or error`},
	} {
		var l LogFlags
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		l.Register(fs, "info")
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if err := l.Check(); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want a usage error %q", tc.args, err, tc.want)
		}
	}
}

// TestLogFormatAnyCase: --log-format takes JSON or Text in any case, as --log-level
// takes DEBUG, and the logger it gives writes what was asked for.
func TestLogFormatAnyCase(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"JSON", `{"time":`},
		{"Json", `{"time":`},
		{"TEXT", "time="},
	} {
		var l LogFlags
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		l.Register(fs, "info")
		if err := fs.Parse([]string{"--log-format", tc.format, "--log-level", "INFO"}); err != nil {
			t.Fatal(err)
		}
		if err := l.Check(); err != nil {
			t.Fatalf("--log-format %s: %v", tc.format, err)
		}
		var b strings.Builder
		l.Logger(&b).Info("up")
		if !strings.HasPrefix(b.String(), tc.want) {
			t.Errorf("--log-format %s wrote %q, want it to start %q", tc.format, b.String(), tc.want)
		}
	}
}
