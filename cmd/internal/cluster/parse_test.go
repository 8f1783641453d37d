package cluster_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// TestParse: a bad flag prints nothing and comes back as a usage error naming the
// help command; -h prints the usage and the flags, once; good flags parse.
func TestParse(t *testing.T) {
	newFS := func() (*flag.FlagSet, *int) {
		fs := flag.NewFlagSet("prog", flag.ContinueOnError)
		return fs, fs.Int("n", 1, "a `number`")
	}
	usage := func(w io.Writer) { io.WriteString(w, "usage: prog [flags]\n") }

	var out bytes.Buffer
	fs, _ := newFS()
	err := cluster.Parse(fs, []string{"--bogus"}, &out, usage, "prog -h")
	if !errors.Is(err, cluster.ErrUsage) || err.Error() != "usage: flag provided but not defined: --bogus (prog -h lists the flags)" || out.Len() != 0 {
		t.Errorf("a bad flag: error %v, printed %q; want a usage error naming prog -h, and nothing printed", err, out.String())
	}

	out.Reset()
	fs, _ = newFS()
	err = cluster.Parse(fs, []string{"-h"}, &out, usage, "prog -h")
	if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out.String(), "usage: prog [flags]\n  --n number") || strings.Count(out.String(), "usage:") != 1 {
		t.Errorf("-h: error %v, printed %q; want ErrHelp, the usage and the flags once", err, out.String())
	}

	out.Reset()
	fs, n := newFS()
	if err := cluster.Parse(fs, []string{"-n", "7", "arg"}, &out, usage, "prog -h"); err != nil || *n != 7 || fs.Arg(0) != "arg" || out.Len() != 0 {
		t.Errorf("good flags: error %v, n %d, args %q, printed %q", err, *n, fs.Args(), out.String())
	}
}

// TestParseSwallowedFlag: a flag that took the next flag as its value (an empty
// variable before it on the command line) is named as missing its value; a bool flag,
// a value given with =, a value that only starts with a dash, and flags after the
// arguments or after -- are left alone.
func TestParseSwallowedFlag(t *testing.T) {
	usage := func(io.Writer) {}
	for _, tc := range []struct {
		args []string
		want string // "" for no error
	}{
		{[]string{"--peers", "--secret", "s", "e1"}, `--peers took "--secret" as its value: is its value missing`},
		{[]string{"-v", "-peers", "-secret=s"}, `-peers took "-secret=s" as its value`},
		{[]string{"--secret", "s", "--peers", "--v"}, `--peers took "--v" as its value`},
		{[]string{"--secret=s", "--peers", "--v"}, `--peers took "--v" as its value`},
		{[]string{"--v", "--peers", "p", "e1"}, ""},
		{[]string{"--peers=--secret", "e1"}, ""},
		{[]string{"--peers", "-x", "e1"}, ""},
		{[]string{"--peers", "p", "e1", "--secret", "--v"}, ""},
		{[]string{"--", "--peers", "--secret"}, ""},
		{[]string{"--peers", "-", "e1"}, ""},
	} {
		fs := flag.NewFlagSet("prog", flag.ContinueOnError)
		fs.String("peers", "", "")
		fs.String("secret", "", "")
		fs.Bool("v", false, "")
		err := cluster.Parse(fs, tc.args, io.Discard, usage, "prog -h")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v, want no error", tc.args, err)
		case tc.want != "" && (!errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: %v, want ErrUsage and %q", tc.args, err, tc.want)
		}
	}
}
