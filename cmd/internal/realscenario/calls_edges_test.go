package realscenario

import (
	"encoding/json"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// TestCallsKeysAreEnsims: a report's calls are counted under the keys ensim run
// --json gives them (scenarios.Calls), so that a script reads both alike: every
// outcome a call of the load can have ("other" too) is one of ensim's keys,
// "no_leader" and not "no-leader", say, but "cancelled", which ensim has no call
// end with. CodeNack is no outcome: a caller sees a nack as ErrNotLeader.
func TestCallsKeysAreEnsims(t *testing.T) {
	b, err := json.Marshal(scenarios.Calls{})
	if err != nil {
		t.Fatal(err)
	}
	var ensims map[string]any
	if err := json.Unmarshal(b, &ensims); err != nil {
		t.Fatal(err)
	}
	outcomes := []string{"other"}
	for c := router.Code(0); c.Valid(); c++ {
		if c != router.CodeNack {
			outcomes = append(outcomes, c.String())
		}
	}
	for _, o := range outcomes {
		if _, ok := ensims[callsKey(o)]; !ok {
			t.Errorf("outcome %q is counted under %q, which ensim run --json's calls lack (its keys: %v)", o, callsKey(o), ensims)
		}
	}
	if k := callsKey("cancelled"); k != "cancelled" {
		t.Errorf("cancelled counted under %q", k)
	}
}
