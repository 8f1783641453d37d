package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestScenarioRefusesBackslashInNodeName: a node's name names its log file, so
// ensctl scenario refuses one with a backslash as it refuses one with a slash, by
// name, exit 2, before any process starts.
func TestScenarioRefusesBackslashInNodeName(t *testing.T) {
	s := smokeSpec(t)
	s.Nodes[1] = `n\2`
	err := realNames(s)
	if err == nil || !strings.Contains(err.Error(), `nodes[1] "n\\2": a node's name names its log file, so it may not hold / or \ or be . or ..`) {
		t.Errorf("realNames = %v, want nodes[1] refused for its backslash", err)
	}
}

// TestScenarioSkipHintOnlyWithoutSkip: where network namespaces cannot be made, a
// spec with a partition and a fault real processes cannot run, given with
// --skip-unsupported, is refused naming the partition and saying that
// --skip-unsupported does not leave a partition out; it does not suggest the flag it
// was given to leave "that" out.
func TestScenarioSkipHintOnlyWithoutSkip(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("PATH", t.TempDir()) // no ip command: no network namespaces
	s := smokeSpec(t)
	s.Name = "cut-and-hold"
	s.Faults = []scenarios.Fault{
		{At: scenarios.Duration(time.Second), Action: "partition", A: []string{"n1"}, B: []string{"n2", "n3"}},
		{At: scenarios.Duration(time.Second), Action: "hold", A: []string{"n2"}, B: []string{"n1"}},
		{At: scenarios.Duration(2 * time.Second), Action: "release", A: []string{"n2"}, B: []string{"n1"}},
	}
	spec := writeSpec(t, dir, s)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"scenario", "--ensnode", exitsAtOnce(t, dir), "--spec", spec, "--skip-unsupported"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "--skip-unsupported does not leave a partition out") ||
		strings.Contains(errb.String(), "(--skip-unsupported leaves that out)") {
		t.Errorf("exit %d, stderr %q; want 2, the partition named, and no hint to give --skip-unsupported", code, errb.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}
