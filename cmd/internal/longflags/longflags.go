// Package longflags writes a flag set's flags, and the errors of parsing them, with
// two dashes (--seed), as every usage line and document of the commands spells them.
// The flag package accepts one dash or two but writes one, so without it a command's
// help would list "-seed" under a synopsis that says "--seed", and an error would
// name "-seed" for a "--seed" the user typed.
package longflags

import (
	"flag"
	"io"
	"regexp"
	"strings"
)

// PrintDefaults writes fs's flags to w as fs.PrintDefaults does, each name with two
// dashes.
func PrintDefaults(w io.Writer, fs *flag.FlagSet) {
	var b strings.Builder
	old := fs.Output()
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(old)
	// A flag's line starts with two spaces and its dash; the lines of its usage
	// start with four spaces and a tab.
	var out strings.Builder
	for line := range strings.SplitAfterSeq(b.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "  -"); ok {
			line = "  --" + rest
		}
		out.WriteString(line)
	}
	io.WriteString(w, out.String())
}

// oneDash matches the start of each error of flag.FlagSet.Parse that names a flag,
// up to the flag's dash.
var oneDash = regexp.MustCompile(`^(flag provided but not defined: |flag needs an argument: |invalid value "(?:[^"\\]|\\.)*" for flag |invalid boolean value "(?:[^"\\]|\\.)*" for )-`)

// badNumber matches an error of fs.Parse for a number flag's value that does not
// parse, once its dash is doubled: the flag package says only "parse error".
var badNumber = regexp.MustCompile(`^invalid value "(?:[^"\\]|\\.)*" for flag --([^:]+): (parse error|value out of range)$`)

// Err returns err, an error of fs.Parse, naming its flag with two dashes, and for a
// number flag's value that does not parse, saying what it wants instead of "parse
// error"; errors that name no flag (flag.ErrHelp, bad flag syntax) are returned as
// they are. errors.Is and errors.As see err through the result.
func Err(fs *flag.FlagSet, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	loc := oneDash.FindStringSubmatchIndex(msg)
	if loc == nil {
		return err
	}
	msg = msg[:loc[3]] + "--" + msg[loc[1]:]
	if m := badNumber.FindStringSubmatch(msg); m != nil {
		if want := wants(fs.Lookup(m[1]), m[2] != "parse error"); want != "" {
			msg = msg[:len(msg)-len(m[2])] + want
		}
	}
	return &twoDashes{msg: msg, err: err}
}

// wants says what flag f takes, for a value that did not parse (or, if outOfRange,
// was too large), or "" for a flag that is not one of the flag package's numbers.
func wants(f *flag.Flag, outOfRange bool) string {
	if f == nil {
		return ""
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	var what string
	switch g.Get().(type) {
	case int, int64:
		what = "a whole number"
	case uint, uint64:
		what = "a whole number, 0 or more"
	case float64:
		what = "a number"
	default:
		return ""
	}
	if outOfRange {
		return "out of range: want " + what + " that fits in 64 bits"
	}
	return "want " + what
}

type twoDashes struct {
	msg string
	err error
}

func (e *twoDashes) Error() string { return e.msg }
func (e *twoDashes) Unwrap() error { return e.err } // errors.Is and errors.As follow it
