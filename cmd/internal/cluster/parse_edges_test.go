package cluster_test

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

// levelValue is a flag.Value that has an IsBoolFlag method which says it is no bool
// flag: flag's own parsing gives it the next argument as its value, as any non-bool
// flag.
type levelValue struct{ s string }

func (v *levelValue) String() string     { return v.s }
func (v *levelValue) Set(s string) error { v.s = s; return nil }
func (v *levelValue) IsBoolFlag() bool   { return false }

// TestParseSwallowedByValueNotBool: a flag whose Value has IsBoolFlag but answers
// false takes a value, as flag's own parsing has it; one that took the next flag as
// its value is named as missing it, as a plain string flag would be.
func TestParseSwallowedByValueNotBool(t *testing.T) {
	fs := flag.NewFlagSet("prog", flag.ContinueOnError)
	fs.Var(&levelValue{}, "level", "")
	fs.Bool("v", false, "")
	err := cluster.Parse(fs, []string{"--level", "--v", "arg"}, io.Discard, func(io.Writer) {}, "prog -h")
	if want := `--level took "--v" as its value`; !errors.Is(err, cluster.ErrUsage) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want ErrUsage with %q", err, want)
	}
}
