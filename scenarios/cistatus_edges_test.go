package scenarios_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCIRunStatusWithoutArtifacts runs .ci/run's test step with a go that fails
// before any test keeps anything (exit 3, no _artifacts directory), and with one that
// keeps a repro under a path with spaces in it. The step exits with go test's status
// and names each repro whole: find, failing on the missing directory, ended the step
// under pipefail and set -e with its own status, 1.
func TestCIRunStatusWithoutArtifacts(t *testing.T) {
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
			artifacts := filepath.Join(t.TempDir(), "ci artifacts")
			if err := os.Mkdir(artifacts, 0o755); err != nil {
				t.Fatal(err)
			}
			out, code := runCITestStep(t, tc.fakeGo, artifacts)
			if code != tc.exit {
				t.Fatalf("the step: exit %d, want %d, go test's (-1: it ran on):\n%s", code, tc.exit, out)
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
