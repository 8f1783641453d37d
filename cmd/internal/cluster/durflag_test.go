package cluster_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// TestDurationFlag: a duration flag takes what flag's own takes, and for a typo or a
// duration too long to hold says what it wants, where flag's own says only "parse
// error".
func TestDurationFlag(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want time.Duration
		err  string
	}{
		{arg: "1m30s", want: 90 * time.Second},
		{arg: "0", want: 0},
		{arg: "-2ms", want: -2 * time.Millisecond}, // the program checks the sign
		{arg: "5", err: `invalid value "5" for flag -d: want a duration such as 500ms, 2s or 1m30s, at most 2562047h47m16.854775807s`},
		{arg: "99999999999h", err: `invalid value "99999999999h" for flag -d: want a duration`},
		{arg: "soon", err: `invalid value "soon" for flag -d: want a duration`},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		d := cluster.Duration(fs, "d", time.Second, "how long")
		err := fs.Parse([]string{"-d", tc.arg})
		switch {
		case tc.err == "" && (err != nil || *d != tc.want):
			t.Errorf("-d %s: %v, %v; want %v", tc.arg, *d, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("-d %s: %v; want an error with %q", tc.arg, err, tc.err)
		}
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var help strings.Builder
	fs.SetOutput(&help)
	cluster.Duration(fs, "d", time.Second, "how long")
	fs.PrintDefaults()
	if want := "  -d duration\n    \thow long (a duration such as 500ms or 2s) (default 1s)\n"; help.String() != want {
		t.Errorf("help %q, want %q", help.String(), want)
	}
}

// TestDurationFlagReadsAsWritten: a duration flag refuses one that is not a whole
// number of nanoseconds, saying so and what it would have been read as, where
// time.ParseDuration took --timeout 0.5ns as a timeout of 0; and reads a whole one as
// written, however many digits its fraction has, where ParseDuration's floating
// point read 401.47400000000000us as 401.473µs.
func TestDurationFlagReadsAsWritten(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want time.Duration
		err  string
	}{
		{arg: "0.5ns", err: `invalid value "0.5ns" for flag -d: not a whole number of nanoseconds, the finest a duration holds (0s would be read)`},
		{arg: "1.0000000001s", err: `invalid value "1.0000000001s" for flag -d: not a whole number of nanoseconds, the finest a duration holds (1s would be read)`},
		{arg: "-1.5ns", err: `invalid value "-1.5ns" for flag -d: not a whole number of nanoseconds`},
		{arg: "401.47400000000000us", want: 401474 * time.Nanosecond},
		{arg: "2.00200000000000000ms", want: 2002 * time.Microsecond},
		{arg: "0.000000001s", want: time.Nanosecond},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		d := cluster.Duration(fs, "d", time.Second, "how long")
		err := fs.Parse([]string{"-d", tc.arg})
		switch {
		case tc.err == "" && (err != nil || *d != tc.want):
			t.Errorf("-d %s: read as %d, error %v; want %d", tc.arg, int64(*d), err, int64(tc.want))
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("-d %s: read as %v, error %v; want an error with %q", tc.arg, *d, err, tc.err)
		}
	}
}
