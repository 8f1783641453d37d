package scenarios_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCIRunStatusWithoutArtifacts runs .ci/run's test step with a go that fails
// before any test keeps anything (exit 3, no _artifacts directory), and with one that
// keeps a repro under a path with spaces in it. The step exits with go test's status
// and names each repro whole: find, failing on the missing directory, ended the step
// under pipefail and set -e with its own status, 1.
func TestCIRunStatusWithoutArtifacts(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	script, err := os.ReadFile(filepath.Join("..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)\n# begin: the test step[^\n]*\n(.*)\n# end: the test step\n`).FindSubmatch(script)
	if m == nil {
		t.Fatal(".ci/run has no block between \"# begin: the test step\" and \"# end: the test step\"")
	}
	for _, tc := range []struct {
		name   string
		fakeGo string // go test -artifacts -outputdir DIR ./...: DIR is $4
		exit   int
		repro  string // under the artifacts, "" for none
	}{
		{name: "no artifacts", fakeGo: "#!/bin/sh\nexit 3\n", exit: 3},
		{name: "a repro under spaces", exit: 1, repro: "_artifacts/a b /TestPropInvariants.json",
			fakeGo: "#!/bin/sh\nmkdir -p \"$4/_artifacts/a b \" && echo '{}' > \"$4/_artifacts/a b /TestPropInvariants.json\"\nexit 1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			if err := os.WriteFile(filepath.Join(bin, "go"), []byte(tc.fakeGo), 0o755); err != nil {
				t.Fatal(err)
			}
			artifacts := filepath.Join(t.TempDir(), "ci artifacts")
			if err := os.Mkdir(artifacts, 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(t.Context(), bash, "-c", "set -euo pipefail\n"+string(m[1])+"\necho step-passed")
			cmd.Dir = t.TempDir()
			cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PATH=") })
			cmd.Env = append(cmd.Env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "artifacts="+artifacts)
			outb, err := cmd.CombinedOutput()
			out := string(outb)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.exit || strings.Contains(out, "step-passed") {
				t.Fatalf("the step: %v, want exit status %d, go test's:\n%s", err, tc.exit, out)
			}
			if !strings.Contains(out, "test artifacts: "+artifacts+"/_artifacts\n") {
				t.Errorf("the step does not name the artifacts:\n%s", out)
			}
			if tc.repro != "" {
				want := "property test repro kept: " + filepath.Join(artifacts, tc.repro) + "\n  in the artifacts as " + tc.repro + ";"
				if !strings.Contains(out, want) {
					t.Errorf("the step does not name the repro whole, want %q:\n%s", want, out)
				}
			}
		})
	}
}
