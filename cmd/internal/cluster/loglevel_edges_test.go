package cluster

import (
	"errors"
	"flag"
	"testing"
)

// TestLogLevelOnlyTheFourNames: --log-level takes the four levels its help names;
// the offsets log/slog would also parse ("error+8", "debug-4") are refused, since
// "error+8" would silence the errors too, and "info+1" names no level at all.
func TestLogLevelOnlyTheFourNames(t *testing.T) {
	for _, tc := range []struct {
		level string
		ok    bool
	}{{"debug", true}, {"info", true}, {"warn", true}, {"error", true}, {"error+8", false}, {"info+1", false}, {"debug-4", false}} {
		var l LogFlags
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		l.Register(fs, "info")
		if err := fs.Parse([]string{"--log-level", tc.level}); err != nil {
			t.Fatal(err)
		}
		err := l.Check()
		if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrUsage) {
			t.Errorf("--log-level %q: %v, want accepted %v", tc.level, err, tc.ok)
		}
	}
}
