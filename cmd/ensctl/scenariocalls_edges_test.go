package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/realscenario"
)

// TestScenarioCallsNamedAsEnsims: a report's outcomes print as ensim run prints
// them, not-leader in the text and not_leader in the JSON, as ensim run --json's
// keys are.
func TestScenarioCallsNamedAsEnsims(t *testing.T) {
	r := realscenario.Report{Scenario: "s", Calls: map[string]int64{"total": 6, "ok": 3, "not_leader": 2, "hop_limit": 1},
		LatencyNS: map[string]int64{"p50": 1e6, "p99": 2e6, "max": 3e6}, TimeoutNS: 100e6, SlackNS: 50e6}
	var b bytes.Buffer
	printReport(&b, r, false)
	if want := "\ncalls       6  hop-limit 1  not-leader 2  ok 3\n"; !strings.Contains(b.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, b.String())
	}
	b.Reset()
	printReport(&b, r, true)
	if want := `"calls":{"hop_limit":1,"not_leader":2,"ok":3,"total":6}`; !strings.Contains(b.String(), want) {
		t.Errorf("json lacks %s: %s", want, b.String())
	}
}
