package scenarios

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestREADMEProbes: the probes README.md's JSON summary lists are the ones a report
// carries, no more and no fewer; the network's are summed up as net-*.
func TestREADMEProbes(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "| `probes` |") {
			row = line
			break
		}
	}
	if row == "" {
		t.Fatal("README.md has no `probes` row in its JSON summary table")
	}
	if !strings.Contains(row, "`net-*`") {
		t.Errorf("README.md's probes row does not mention the network's net-* counters:\n%s", row)
	}
	var documented []string
	for _, m := range regexp.MustCompile("`([a-z]+(?:-[a-z]+)+)`").FindAllStringSubmatch(row, -1) {
		documented = append(documented, m[1])
	}
	sort.Strings(documented)
	r := mustRun(t, named(t, "steady"), Options{Seed: 1}).Report
	var reported []string
	for k := range r.Probes {
		if !strings.HasPrefix(k, "net-") {
			reported = append(reported, k)
		}
	}
	sort.Strings(reported)
	if len(reported) < 10 || len(documented) < 10 {
		t.Fatalf("parsed %d probes from the report and %v from README.md: fix the test", len(reported), documented)
	}
	if diff := cmp.Diff(documented, reported); diff != "" {
		t.Errorf("probes (-README.md +report):\n%s", diff)
	}
}
