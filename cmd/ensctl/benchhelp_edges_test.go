package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestBenchHelpGivesLimits: bench -h gives each limit that bench holds its flags to,
// the numbers the checks use: --concurrency, --rate, --duration and --timeout were
// refused past them (exit 2) with a help that named none, and --event did not say
// which events there are.
func TestBenchHelpGivesLimits(t *testing.T) {
	help := ensctlHelp(t, "bench")
	for _, want := range []string{
		fmt.Sprintf("or the most calls in flight (open loop); 1 to %d (default 16)", maxConcurrency),
		fmt.Sprintf("open loop: calls per second, up to %d,", maxRate),
		fmt.Sprintf("how long to run, at most %v (", maxBenchDuration),
		fmt.Sprintf("deadline of each call, at most %v (open loop: from the call's scheduled start)", maxBenchTimeout),
		`an operation as call takes it, in one argument ("put k v")`,
		"\n  measures calls/s and the latency of calls to ENSEMBLE: ",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("bench -h lacks %q:\n%s", want, help)
		}
	}
}
