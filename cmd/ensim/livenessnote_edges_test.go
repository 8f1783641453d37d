package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestSpecLivenessAfterTheWorkloadNoted: a spec whose liveness phase begins after its
// workload's last call (liveness.from "100s" where "100ms" was meant) checks no call
// and passes whatever the router does: ensim says so on stderr before it runs the
// spec, and runs it as written; steady's spec, whose phase holds calls, gets no note.
func TestSpecLivenessAfterTheWorkloadNoted(t *testing.T) {
	s, _ := scenarios.Named("steady")
	clean := writeFile(t, "clean.json", s.JSON())
	s.Liveness = &scenarios.Liveness{From: scenarios.Duration(100 * time.Second)}
	path := writeFile(t, "late.json", s.JSON())
	want := "ensim: note: " + path + ": liveness.from 1m40s is at or after the workload's last call (workload.duration, 2s): the liveness phase checks no call, and passes whatever the router does (move liveness.from earlier, or make calls after it)\n"
	for _, cmd := range [][]string{{"run", "--spec", path}, {"compare", "--spec", path, "--seeds", "1"}} {
		code, _, stderr := ensim(t, cmd...)
		if code != exitOK || !strings.Contains(stderr, want) {
			t.Errorf("ensim %s: exit %d, stderr %q; want 0 and the note %q", cmd[0], code, stderr, want)
		}
	}
	if code, _, stderr := ensim(t, "run", "--spec", clean); code != exitOK || strings.Contains(stderr, "note") {
		t.Errorf("steady's spec: exit %d, stderr %q; want 0 and no note", code, stderr)
	}
}
