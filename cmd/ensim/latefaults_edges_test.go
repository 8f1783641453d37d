package main

import (
	"strings"
	"testing"

	"github.com/ensroute/ensroute/scenarios"
)

// TestSpecFaultAfterTheWorkloadNoted: a spec whose fault begins once every call is
// over (a crash at "10s" where "10ms" was meant) tests no call: ensim says so on
// stderr before it runs the spec, naming the fault, and runs it as written.
func TestSpecFaultAfterTheWorkloadNoted(t *testing.T) {
	s, _ := scenarios.Named("steady")
	s.Liveness = nil
	s.Faults = []scenarios.Fault{{At: scenarios.Duration(10e9), Action: "crash", Node: "n1"}}
	path := writeFile(t, "late.json", s.JSON())
	want := "ensim: note: " + path + ": faults[0]: the crash of n1 at 10s comes after every call is over (the last is made by 2s, workload.duration, and over by 2.0625s at the latest): it acts on no call of the workload (move it earlier, or make calls after it)\n"
	code, _, stderr := ensim(t, "run", "--spec", path)
	if code != exitOK || !strings.Contains(stderr, want) {
		t.Errorf("ensim run: exit %d, stderr %q; want 0 and the note %q", code, stderr, want)
	}
}
