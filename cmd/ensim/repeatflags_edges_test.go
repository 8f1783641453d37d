package main

import (
	"strings"
	"testing"
)

// TestRepeatedFlagLastWins: a flag given twice takes its last value, as the flag
// package has it and as ensnode and ensctl do, so that a command ensim prints to run
// again ("repeat the command with --from 803 --seeds 2198") can be appended to the
// one that ran; the report names the value taken.
func TestRepeatedFlagLastWins(t *testing.T) {
	code, stdout, stderr := ensim(t, "run", "--scenario", "steady", "--seed", "1", "--seed", "2", "--semantics", "riak", "--semantics", "default")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"\nseed          2\n", "\nsemantics     default\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}
