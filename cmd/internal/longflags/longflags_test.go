package longflags_test

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/longflags"
)

func newSet() *flag.FlagSet {
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Int("n", 1, "how `many`")
	fs.Bool("json", false, "print JSON")
	fs.Duration("for", time.Second, "how long,\nover two lines")
	fs.String("name", "", "a name such as -n or  -x")
	fs.Uint64("seed", 1, "a seed")
	fs.Float64("rate", 1, "a rate")
	return fs
}

func TestErrNamesTheFlagWithTwoDashes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "flag provided but not defined: --bogus"},
		{[]string{"-bogus"}, "flag provided but not defined: --bogus"},
		{[]string{"--n"}, "flag needs an argument: --n"},
		// A number flag's value says what it wants, where the flag package says
		// "parse error".
		{[]string{"--n", "x"}, `invalid value "x" for flag --n: want a whole number`},
		{[]string{"--n", "99999999999999999999"}, `invalid value "99999999999999999999" for flag --n: out of range: want a whole number that fits in 64 bits`},
		{[]string{"--seed", "-1"}, `invalid value "-1" for flag --seed: want a whole number, 0 or more`},
		{[]string{"--rate", "fast"}, `invalid value "fast" for flag --rate: want a number`},
		// A value that looks like the message itself: only the flag's dash changes.
		{[]string{"--n", `" for flag -n`}, `invalid value "\" for flag -n" for flag --n: want a whole number`},
		{[]string{"--json=maybe"}, `invalid boolean value "maybe" for --json: parse error`},
		// Other values are as their Set said.
		{[]string{"--for", "soon"}, `invalid value "soon" for flag --for: parse error`},
		// Errors that name no flag are as the flag package wrote them.
		{[]string{"---n"}, "bad flag syntax: ---n"},
	} {
		fs := newSet()
		raw := fs.Parse(tc.args)
		if raw == nil {
			t.Fatalf("%q parsed", tc.args)
		}
		err := longflags.Err(fs, raw)
		if got := err.Error(); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
		if !errors.Is(err, raw) {
			t.Errorf("%q: errors.Is does not find the flag package's error in %v", tc.args, err)
		}
	}
	fs := newSet()
	if err := longflags.Err(fs, fs.Parse([]string{"-h"})); err != flag.ErrHelp {
		t.Errorf("-h: got %v, want flag.ErrHelp itself", err)
	}
	if err := longflags.Err(fs, nil); err != nil {
		t.Errorf("nil: got %v", err)
	}
}

func TestPrintDefaultsWritesTwoDashes(t *testing.T) {
	var b strings.Builder
	longflags.PrintDefaults(&b, newSet())
	want := "  --for duration\n    \thow long,\n    \tover two lines (default 1s)\n" +
		"  --json\n    \tprint JSON\n" +
		"  --n many\n    \thow many (default 1)\n" +
		"  --name string\n    \ta name such as -n or  -x\n" +
		"  --rate float\n    \ta rate (default 1)\n" +
		"  --seed uint\n    \ta seed (default 1)\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// The set's own output is left as it was.
	fs := newSet()
	longflags.PrintDefaults(io.Discard, fs)
	if fs.Output() != io.Discard {
		t.Errorf("the set's output changed")
	}
}
