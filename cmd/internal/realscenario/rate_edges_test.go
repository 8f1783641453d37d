package realscenario

import (
	"errors"
	"strings"
	"testing"
)

// TestPlanLowRateSaysWhatIsAccepted: a rate too low for the load to pace is refused
// with the rates a real run accepts, not with the load's own "want 0 (a closed
// loop)": a spec's rate of 0 is refused too (a run without calls). The bound it
// names holds: a rate just above it is taken.
func TestPlanLowRateSaysWhatIsAccepted(t *testing.T) {
	s := spec(t, "testdata/real-smoke.json")
	s.Workload.Rate = 1e-10
	_, err := NewPlan(s, false)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "want at least about 1.08e-10 calls a second") {
		t.Fatalf("rate 1e-10: %v, want refused naming the lowest rate accepted", err)
	}
	if strings.Contains(err.Error(), "want 0") || strings.Contains(err.Error(), "closed loop") {
		t.Errorf("rate 1e-10: %v offers a rate of 0, which a spec's run refuses", err)
	}
	s.Workload.Rate = 1.09e-10
	if _, err := NewPlan(s, false); err != nil {
		t.Errorf("rate 1.09e-10, above the bound named: %v, want it taken", err)
	}
}
