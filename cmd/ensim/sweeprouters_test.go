package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/scenarios"
)

// TestSweepRouters: sweep --routers N runs every seed with N router instances per
// node, as run --routers does: the workers run that world (a failing seed's repro,
// whose trace hash a worker computed, replays to the same hash), the repro holds N,
// the summary records it, and the command printed to run a seed alone names it. A
// named scenario's seeds get it as a spec file's do.
func TestSweepRouters(t *testing.T) {
	spec := failingSpec(t)
	if spec.Routers == 5 {
		t.Fatal("the failing spec already has 5 routers: pick another count")
	}
	readRepro := func(path string) scenarios.Repro {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var rp scenarios.Repro
		if err := json.Unmarshal(data, &rp); err != nil {
			t.Fatal(err)
		}
		return rp
	}

	out := t.TempDir()
	code, stdout, stderr := sweep(t, nil, "--spec", writeFile(t, "spec.json", spec.JSON()), "--routers", "5", "--seeds", "1", "--out", out, "--json")
	if code != exitFail {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	s := decodeSweep(t, stdout)
	if s.Routers != 5 || len(s.Failures) != 1 || s.Failures[0].Repro == "" {
		t.Fatalf("summary routers %d, failures %+v; want 5 and seed 1's repro", s.Routers, s.Failures)
	}
	repro := s.Failures[0].Repro
	if rp := readRepro(repro); rp.Spec.Routers != 5 {
		t.Errorf("the repro's spec has %d routers, want 5", rp.Spec.Routers)
	}
	code, stdout, stderr = ensim(t, "replay", repro, "--json")
	var v struct {
		Matches *bool `json:"trace_hash_matches"`
	}
	if err := json.Unmarshal([]byte(stdout), &v); err != nil || code != exitFail || v.Matches == nil || !*v.Matches {
		t.Errorf("replay of the repro: exit %d, trace hash matches: %v (%v); want 1 and a match: the worker ran another world\n%s", code, v.Matches != nil && *v.Matches, err, stderr)
	}
	if cmd := seedRunCommand("", "spec.json", 1, "default", 5); !strings.HasSuffix(cmd, " --semantics default --routers 5") {
		t.Errorf("run command %q does not name --routers 5", cmd)
	}

	// A named scenario, failing for a bug injected into the workers.
	code, stdout, stderr = sweep(t, []string{"ENSIM_TEST_INJECT=cross-reply"}, "--scenario", "steady", "--routers", "3", "--seeds", "5", "--out", t.TempDir(), "--json")
	if code != exitFail {
		t.Fatalf("steady with cross-reply: exit %d, want 1\n%s", code, stderr)
	}
	s = decodeSweep(t, stdout)
	if s.Routers != 3 || len(s.Failures) == 0 || s.Failures[0].Repro == "" {
		t.Fatalf("summary routers %d, failures %+v; want 3 and a repro", s.Routers, s.Failures)
	}
	if rp := readRepro(s.Failures[0].Repro); rp.Spec.Routers != 3 {
		t.Errorf("the repro's spec has %d routers, want 3", rp.Spec.Routers)
	}
	// A merge of it names --routers in the command that runs a seed alone.
	if cmd := mergeRunCommand(s)(s.Failures[0].Seed); !strings.HasSuffix(cmd, " --routers 3") {
		t.Errorf("merge's run command %q does not name --routers 3", cmd)
	}

	// Without --routers the summary names none.
	code, stdout, stderr = sweep(t, nil, "--scenario", "steady", "--seeds", "1", "--json")
	if code != exitOK || strings.Contains(stdout, `"routers"`) {
		t.Errorf("without --routers: exit %d, summary %s\n%s", code, stdout, stderr)
	}
}
