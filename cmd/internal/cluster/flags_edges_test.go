package cluster_test

import (
	"errors"
	"flag"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// quoted matches a value as the flag package quotes it in an error (%q).
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// FuzzFlags: whatever command line ensnode or ensctl is given (its arguments
// separated by NUL bytes here), Parse does not panic, prints nothing but asked-for
// help, and comes back with nil, flag.ErrHelp or an ErrUsage error that names its
// flag with two dashes, as the usage lines spell it, and names the help command.
// Fuzz with
//
//	go test ./cmd/internal/cluster -run '^$' -fuzz FuzzFlags -fuzztime 1m
func FuzzFlags(f *testing.F) {
	for _, s := range []string{"--peers\x00n1=h:1\x00e1", "--peers\x00--secret-file\x00s", "-routers\x00x", "--routers=99999999999999999999",
		"--n\x00-1", "--u\x00-1", "--x\x001e999", "--d\x00forever", "--d=9999999h", "--v\x00false", "--v=maybe", "-h", "--help\x00--bogus",
		"--bogus=\"q\\\"", "---peers\x00x", "--\x00--peers", "-\x00--peers", "--peers", "--cluster\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		fs := flag.NewFlagSet("prog", flag.ContinueOnError)
		var o cluster.Options
		o.Register(fs)
		fs.Int("n", 0, "an int")
		fs.Uint64("u", 0, "a uint")
		fs.Float64("x", 0, "a float")
		fs.Bool("v", false, "a bool")
		cluster.Duration(fs, "d", time.Second, "a duration")
		var help strings.Builder
		usage := func(w io.Writer) { io.WriteString(w, "usage: prog [flags]\n") }
		err := cluster.Parse(fs, args, &help, usage, "prog -h")
		switch {
		case err == nil:
			if help.Len() > 0 {
				t.Fatalf("printed %q without -h", help.String())
			}
		case errors.Is(err, flag.ErrHelp):
			if !strings.HasPrefix(help.String(), "usage: prog [flags]\n") || strings.Contains(help.String(), "\n  -cluster") {
				t.Fatalf("help: %q", help.String())
			}
		case !errors.Is(err, cluster.ErrUsage):
			t.Fatalf("error %v is not ErrUsage", err)
		default:
			msg := err.Error()
			bare := quoted.ReplaceAllString(msg, `""`) // a value may say anything
			if help.Len() > 0 {
				t.Fatalf("printed %q with the error %v", help.String(), err)
			}
			for _, one := range []string{"flag -", "defined: -", "argument: -", "for -"} {
				if i := strings.Index(bare, one); i >= 0 && !strings.HasPrefix(bare[i+len(one):], "-") {
					t.Fatalf("the error names a flag with one dash: %s", msg)
				}
			}
			if strings.HasPrefix(msg, "usage: flag") || strings.HasPrefix(msg, "usage: invalid") || strings.HasPrefix(msg, "usage: bad flag") {
				if !strings.HasSuffix(msg, "(prog -h lists the flags)") {
					t.Fatalf("the error names no help command: %s", msg)
				}
			}
		}
	})
}
