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
	if !errors.Is(err, cluster.ErrUsage) || err.Error() != "usage: flag provided but not defined: -bogus (prog -h lists the flags)" || out.Len() != 0 {
		t.Errorf("a bad flag: error %v, printed %q; want a usage error naming prog -h, and nothing printed", err, out.String())
	}

	out.Reset()
	fs, _ = newFS()
	err = cluster.Parse(fs, []string{"-h"}, &out, usage, "prog -h")
	if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out.String(), "usage: prog [flags]\n  -n number") || strings.Count(out.String(), "usage:") != 1 {
		t.Errorf("-h: error %v, printed %q; want ErrHelp, the usage and the flags once", err, out.String())
	}

	out.Reset()
	fs, n := newFS()
	if err := cluster.Parse(fs, []string{"-n", "7", "arg"}, &out, usage, "prog -h"); err != nil || *n != 7 || fs.Arg(0) != "arg" || out.Len() != 0 {
		t.Errorf("good flags: error %v, n %d, args %q, printed %q", err, *n, fs.Args(), out.String())
	}
}
