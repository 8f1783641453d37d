package realscenario

import (
	"errors"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/scenarios"
)

// TestPlanRefusesRetry: a spec whose callers retry (workload.retry) is refused on
// real processes, saying it is the simulator's alone; with skip it is listed as
// skipped, never run as if each call were made once without saying so.
func TestPlanRefusesRetry(t *testing.T) {
	s := spec(t, "testdata/real-smoke.json")
	s.Workload.Retry = &scenarios.Retry{Attempts: 3}
	const want = "workload.retry (callers that retry: simulator only"
	_, err := NewPlan(s, false)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want ErrUnsupported naming %q", err, want)
	}
	p, err := NewPlan(s, true)
	if err != nil || len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0], want) {
		t.Fatalf("with skip: %v, skipped %q", err, p.Skipped)
	}
}
