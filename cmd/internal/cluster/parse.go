package cluster

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ensroute/ensroute/cmd/internal/longflags"
)

// Parse parses args with fs for a program whose usage is printed by usage, then the
// flags. With -h (or --help) it prints them to help and returns flag.ErrHelp: callers
// pass their stdout, since help that was asked for is the program's output (exit 0),
// unlike the usage printed after an error, which goes to stderr (exit 2). Flags are
// listed, and named in errors, with two dashes (package longflags). A flag that does
// not parse is returned as an error wrapping ErrUsage, which names helpHint (the
// command that lists the flags), and prints nothing: the flag package itself would
// print the error and the whole list of flags, and the program's own error line
// would say it once more.
func Parse(fs *flag.FlagSet, args []string, help io.Writer, usage func(io.Writer), helpHint string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(help)
		longflags.PrintDefaults(help, fs)
		return err
	case err != nil:
		return fmt.Errorf("%w: %w (%s lists the flags)", ErrUsage, longflags.Err(fs, err), helpHint)
	}
	return swallowed(fs, args)
}

// swallowed reports a flag that took the next flag as its value, as --peers does in
// "--peers $PEERS --secret-file s" when $PEERS is empty: the error names the flag
// whose value is missing, where later checks would blame a stray argument or a
// misplaced flag. It walks args as fs.Parse did, up to the first argument that is no
// flag, or "--".
func swallowed(fs *flag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		name, ok := flagName(args[i])
		if !ok {
			return nil // the first argument, or "--"
		}
		if strings.Contains(name, "=") {
			continue // -name=value
		}
		f := fs.Lookup(name)
		if f == nil {
			return nil // fs.Parse refused it already
		}
		if b, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool && b.IsBoolFlag() {
			if i+1 < len(args) && (strings.EqualFold(args[i+1], "true") || strings.EqualFold(args[i+1], "false")) {
				// "--json false": a bool flag takes no separate value, so "false" ended
				// the flags, and would be blamed as an argument.
				return fmt.Errorf("%w: %s takes no separate value: write %s=%s", ErrUsage, args[i], args[i], args[i+1])
			}
			continue
		}
		i++ // the value
		if i < len(args) {
			if next, ok := flagName(args[i]); ok && fs.Lookup(strings.SplitN(next, "=", 2)[0]) != nil {
				return fmt.Errorf("%w: %s took %q as its value: is its value missing (an empty variable, say)? Write %s=%s if that is the value meant",
					ErrUsage, args[i-1], args[i], args[i-1], args[i])
			}
		}
	}
	return nil
}

// flagName is arg's flag name (and =value, if any) without its dashes, and whether
// arg is a flag at all: "-x" and "--x" are, "-", "--" and "x" are not.
func flagName(arg string) (string, bool) {
	if len(arg) < 2 || arg[0] != '-' {
		return "", false
	}
	name := strings.TrimPrefix(arg[1:], "-")
	return name, name != "" && name[0] != '-' && name[0] != '='
}
