package main

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestCallInterruptedPrintsNoOutcome: a call or a leader get that a signal cuts short
// while it waits for its answer (here from e2's leader, which takes 1s over each
// request) had no outcome: with --json it prints no line saying it timed out
// ("code":"timeout", "context canceled"), as none is printed for one cut off while
// it dials; the exit status and stderr say it was interrupted.
func TestCallInterruptedPrintsNoOutcome(t *testing.T) {
	n := startTestNode(t, "n1")
	leadSlowly(t, n, "e2", time.Second)
	for _, args := range [][]string{{"call"}, {"leader", "get"}} {
		ctx, cancel := context.WithCancel(context.Background())
		tm := time.AfterFunc(200*time.Millisecond, cancel)
		args = append(args, "--peers", "n1="+n.addr, "--secret-file", n.secret, "--timeout", "10s", "--json", "e2")
		if args[0] == "call" {
			args = append(args, "get", "k")
		}
		var out, errb bytes.Buffer
		code := run(ctx, args, &out, &errb)
		tm.Stop()
		cancel()
		if code != exitInterrupted || out.Len() != 0 || errb.String() != "ensctl: interrupted\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d, nothing printed but that it was interrupted", args[:2], code, out.String(), errb.String(), exitInterrupted)
		}
	}
}
