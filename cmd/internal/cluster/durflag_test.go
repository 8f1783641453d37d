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
