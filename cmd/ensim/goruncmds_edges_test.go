package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/scenarios"
)

// TestGoRunTraceCommandAtModuleRoot: from the module's root, where a failure's
// replay command is printed with go run too (an ensim run with go run has no ensim
// on PATH), the command that draws the first failing call is printed with go run as
// well, and works when pasted there as printed. A sweep's failure names the go run
// replay there too.
func TestGoRunTraceCommandAtModuleRoot(t *testing.T) {
	specPath := writeFile(t, "fail.json", failingSpec(t).JSON())
	repro := filepath.Join(t.TempDir(), "r.json")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	code, _, stderr := ensim(t, "run", "--spec", specPath, "--seed", "7", "--repro", repro)
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
	}
	m := regexp.MustCompile(`draw it with:\n  ensim (trace \S+ --call \S+ --format html --out (\S+))\n  go run ./cmd/ensim (trace \S+ --call \S+ --format html --out \S+)\n`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no go run trace command after ensim's in:\n%s", stderr)
	}
	if m[1] != m[3] {
		t.Errorf("the go run line draws %q, the ensim line %q", m[3], m[1])
	}
	if !testing.Short() {
		cmd := exec.CommandContext(t.Context(), "go", append([]string{"run", "./cmd/ensim"}, strings.Fields(m[3])...)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go run ./cmd/ensim %s: %v\n%s", m[3], err, out)
		}
		if _, err := os.Stat(m[2]); err != nil {
			t.Errorf("go run ./cmd/ensim %s wrote no page: %v", m[3], err)
		}
	}

	var b strings.Builder
	printSweepFailure(&b, &sweepFailure{Seed: 3, Invariants: []string{scenarios.InvLiveness}, ViolationsTotal: 1,
		Violations: []scenarios.Violation{{Invariant: scenarios.InvLiveness, Call: "n1.1.4", Detail: "x"}},
		Repro:      "out/ensim-repro-steady-default-3.json"}, nil, "")
	for _, want := range []string{
		"    ensim replay out/ensim-repro-steady-default-3.json\n    go run ./cmd/ensim replay out/ensim-repro-steady-default-3.json\n",
		"    ensim trace out/ensim-repro-steady-default-3.json --call n1.1.4 --format html --out out/trace-steady-default-3-n1.1.4.html\n" +
			"    go run ./cmd/ensim trace out/ensim-repro-steady-default-3.json --call n1.1.4 --format html --out out/trace-steady-default-3-n1.1.4.html\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("a sweep's failure at the module's root lacks\n%s\nin:\n%s", want, b.String())
		}
	}

	// Elsewhere the go run lines, which work only at the root, are left out.
	t.Chdir(t.TempDir())
	b.Reset()
	printFirstFailing(&b, "", "r.json", []scenarios.Violation{{Invariant: scenarios.InvLiveness, Call: "n1.1.4"}})
	if strings.Contains(b.String(), "go run") {
		t.Errorf("away from the module's root:\n%s", b.String())
	}
}
