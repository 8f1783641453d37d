package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/mdsection"
)

// TestREADMESweepSummary: every field ensim sweep --json prints, --routers' among
// them, is in README.md's table of the sweep summary, as TestREADMEJSONSummary
// holds run --json to its own.
func TestREADMESweepSummary(t *testing.T) {
	text, err := mdsection.Of(readme(t), "### Sweeps")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	row := regexp.MustCompile("^\\| ((?:`[a-z_]+`(?:, )?)+) \\| (.*) \\|$")
	documented := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			for _, f := range strings.Split(m[1], ", ") {
				documented[strings.Trim(f, "`")] = true
			}
		}
	}
	if len(documented) < 15 {
		t.Fatalf("parsed %d fields from README.md's sweep summary table: fix the test", len(documented))
	}
	code, stdout, stderr := ensim(t, "sweep", "--scenario", "steady", "--seeds", "1", "--parallel", "1", "--routers", "3", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		if !documented[k] {
			t.Errorf("ensim sweep --json prints %q, which README.md's sweep summary table does not document", k)
		}
	}
}
