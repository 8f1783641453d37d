package realscenario

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestRealDeadlineErrorNamesTheFirstCall: the error of a run that broke the deadline
// invariant, which ensctl prints as its last line, names the first call that broke it
// after "the first:", rather than end there with nothing after the colon.
func TestRealDeadlineErrorNamesTheFirstCall(t *testing.T) {
	bins := programs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, alone(t, 1, 500*time.Millisecond, 100*time.Millisecond, 0),
		Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Slack: time.Nanosecond, args: slowPeer(time.Second)})
	const want = "; the first: call scenario-0-0 to e1 via n1 at +"
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), want) || strings.HasSuffix(err.Error(), ":") {
		t.Fatalf("got %v, want ErrFailed naming the call after %q\nviolations: %q", err, want, rep.Violations)
	}
}
