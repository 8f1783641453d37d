package cluster

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Parse parses args with fs for a program whose usage is printed by usage, then the
// flags. With -h (or --help) it prints them to help and returns flag.ErrHelp: callers
// pass their stdout, since help that was asked for is the program's output (exit 0),
// unlike the usage printed after an error, which goes to stderr (exit 2). A
// flag that does not parse is returned as an error wrapping ErrUsage, which names
// helpHint (the command that lists the flags), and prints nothing: the flag package
// itself would print the error and the whole list of flags, and the program's own
// error line would say it once more.
func Parse(fs *flag.FlagSet, args []string, help io.Writer, usage func(io.Writer), helpHint string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(help)
		fs.SetOutput(help)
		fs.PrintDefaults()
		return err
	case err != nil:
		return fmt.Errorf("%w: %w (%s lists the flags)", ErrUsage, err, helpHint)
	}
	return nil
}
