package cluster

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestBoolFlagGivenASeparateValue: a bool flag given its value as the next argument
// ("--peer-skip-expired false", "--json true") takes none: the value ends the flags
// and becomes the first argument, which later checks blame ("unexpected argument
// \"false\"", or an ensemble named "true"). The error names the flag and says to
// write --flag=value; an argument after "--", or one that is no bool, is left alone.
func TestBoolFlagGivenASeparateValue(t *testing.T) {
	parse := func(args ...string) error {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.Bool("json", false, "")
		fs.String("peers", "", "")
		return Parse(fs, args, io.Discard, func(io.Writer) {}, "x -h")
	}
	for _, tc := range []struct {
		args []string
		want string // "" for no error
	}{
		{[]string{"--json", "false"}, `--json takes no separate value: write --json=false`},
		{[]string{"--peers", "a", "--json", "true", "e1"}, `--json takes no separate value: write --json=true`},
		{[]string{"--json=false", "e1"}, ""},
		{[]string{"--json", "e1"}, ""},
		{[]string{"--json", "--", "true"}, ""},
		{[]string{"--peers", "true"}, ""},
	} {
		err := parse(tc.args...)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v, want no error", tc.args, err)
		case tc.want != "" && (!errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: %v, want a usage error with %q", tc.args, err, tc.want)
		}
	}
}
