package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestReplaySameRunCheckedOtherwise: a repro whose run is the one recorded (its
// trace hash matches) and that recorded violations the run no longer makes (its
// spec's liveness deleted by hand, say) gets a replay that says why: what is checked
// changed, not the run. A run that differs says nothing of the kind.
func TestReplaySameRunCheckedOtherwise(t *testing.T) {
	t.Chdir(t.TempDir())
	ok := mustNamed(t, "steady")
	ok.Liveness = nil
	ok.Workload.Duration = scenarios.Duration(200 * time.Millisecond)
	if code, _, stderr := ensim(t, "run", "--spec", writeFile(t, "ok.json", ok.JSON()), "--repro", "ok-repro.json"); code != exitOK {
		t.Fatalf("run of a passing spec: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile("ok-repro.json")
	var rp map[string]json.RawMessage
	if err != nil || json.Unmarshal(data, &rp) != nil {
		t.Fatalf("reading the repro: %v", err)
	}
	rp["violations"] = json.RawMessage(`[{"invariant": "liveness", "call": "n1.1.1", "detail": "failed in the liveness phase"}]`)
	rp["violations_total"] = json.RawMessage(`1`)
	rp["violation_counts"] = json.RawMessage(`{"liveness": 1}`)
	const why = "the run is the one recorded, so what is checked changed"
	same, _ := json.Marshal(rp)
	code, stdout, _ := ensim(t, "replay", writeFile(t, "same.json", same))
	if code != exitOK || !strings.Contains(stdout, "trace hash matches the repro\n") || !strings.Contains(stdout, "every invariant holds now; the repro recorded 1 violation\n"+why) {
		t.Errorf("replay of the same run checked otherwise: exit %d, want 0 and the reason %q:\n%s", code, why, stdout)
	}
	rp["seed"] = json.RawMessage(`2`)
	other, _ := json.Marshal(rp)
	code, stdout, _ = ensim(t, "replay", writeFile(t, "other.json", other))
	if code != exitOK || !strings.Contains(stdout, "trace hash differs from the repro") || strings.Contains(stdout, why) {
		t.Errorf("replay of another run: exit %d, want 0, the hash said to differ, and not %q:\n%s", code, why, stdout)
	}
}
