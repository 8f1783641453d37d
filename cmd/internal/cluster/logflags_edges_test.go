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
