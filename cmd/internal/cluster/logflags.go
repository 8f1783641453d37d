package cluster

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// LogFlags are --log-level and --log-format, which ensnode and ensctl share.
type LogFlags struct {
	Level, Format string
}

// Register adds the flags to fs, with level as --log-level's default.
func (l *LogFlags) Register(fs *flag.FlagSet, level string) {
	fs.StringVar(&l.Level, "log-level", level, "debug, info, warn or error (logs go to stderr)")
	fs.StringVar(&l.Format, "log-format", "text", "text (key=value) or json (one object a line, for a log collector)")
}

// Check reports a flag that is not valid, naming it, and puts --log-format in
// lower case.
func (l *LogFlags) Check() error {
	// Only the names: slog would take offsets too ("error+8" silences the errors).
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(l.Level)); err != nil || strings.ContainsAny(l.Level, "+-") {
		return fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", ErrUsage, l.Level)
	}
	// Any case, as --log-level takes.
	switch f := strings.ToLower(l.Format); f {
	case "text", "json":
		l.Format = f
	default:
		return fmt.Errorf("%w: --log-format %q: want text or json", ErrUsage, l.Format)
	}
	return nil
}

// Logger returns the logger the flags describe, writing to w. Call it after Check.
func (l *LogFlags) Logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(l.Level))
	return l.logger(w, lvl)
}

// LoggerShowing is Logger, also showing the records of level show and above when
// --log-level is higher.
func (l *LogFlags) LoggerShowing(w io.Writer, show slog.Level) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(l.Level))
	return l.logger(w, min(lvl, show))
}

func (l *LogFlags) logger(w io.Writer, lvl slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: lvl}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
