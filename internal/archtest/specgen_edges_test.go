package archtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testOnly are the packages no program may link: rapid, and scenarios/specgen, which
// draws specs with it for property tests.
var testOnly = []string{"pgregory.net/rapid", module + "/scenarios/specgen"}

// allImports returns every import of the non-test files of dir, of this module or
// not.
func allImports(t *testing.T, dir string) []string {
	t.Helper()
	_, files := parseDir(t, dir)
	var out []string
	for _, f := range files {
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out = append(out, p)
		}
	}
	return out
}

// linksTestOnly returns the packages of testOnly that dir links, directly or
// through a package of this module.
func linksTestOnly(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	for _, d := range append([]string{dir}, deps(t, dir)...) {
		for _, p := range allImports(t, d) {
			for _, bad := range testOnly {
				if p == bad || strings.HasPrefix(p, bad+"/") {
					found = append(found, d+" imports "+p)
				}
			}
		}
	}
	return found
}

// TestProgramsLinkNoRapid: scenarios/specgen imports rapid so that property tests,
// this module's and other modules', share one generator; the programs under cmd/
// link neither it nor rapid.
func TestProgramsLinkNoRapid(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "..", "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	programs := 0
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "internal" {
			continue
		}
		programs++
		dir := "cmd/" + e.Name()
		for _, problem := range linksTestOnly(t, dir) {
			t.Errorf("%s links test-only code: %s", dir, problem)
		}
	}
	if programs == 0 {
		t.Fatal("no programs under cmd/")
	}
	// The check sees through packages: specgen links rapid itself.
	if len(linksTestOnly(t, "scenarios/specgen")) == 0 {
		t.Error("linksTestOnly does not find that scenarios/specgen imports rapid")
	}
}
