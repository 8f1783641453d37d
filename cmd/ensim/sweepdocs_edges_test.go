package main

import "testing"

// TestREADMESweepSummary: every field ensim sweep --json prints, --routers' among
// them, is in README.md's table of the sweep summary, as TestREADMEJSONSummary
// holds run --json to its own.
func TestREADMESweepSummary(t *testing.T) {
	documented := fieldTable(t, "### Sweeps")
	for k := range printedKeys(t, "sweep", "--scenario", "steady", "--seeds", "1", "--parallel", "1", "--routers", "3", "--json") {
		if _, ok := documented[k]; !ok {
			t.Errorf("ensim sweep --json prints %q, which README.md's sweep summary table does not document", k)
		}
	}
}
