package scenarios_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// propChild runs this test binary on the property tests run names, with
// drop-hop-count injected and rapid's seed fixed, in dir, with env added (and no
// ENSROUTE_PROP_REPRO but as env sets it); it returns the output, and fails unless the
// child failed.
func propChild(t *testing.T, dir, run string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], append([]string{"-test.run=" + run, "-test.count=1",
		"-rapid.nofailfile", "-rapid.seed=1"}, args...)...)
	cmd.Dir = dir
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, reproEnv+"=") || strings.HasPrefix(kv, injectEnv+"=")
	})
	cmd.Env = append(cmd.Env, append([]string{injectEnv + "=drop-hop-count"}, env...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the child passed or did not run (err %v):\n%s", err, lastLines(out, 30))
	}
	return string(out)
}

// reproLines returns the repro paths a property failure's messages name, one per
// failing property (rapid prints each message twice: once as it fails, once more
// with its verdict).
func reproLines(out string) []string {
	var paths []string
	for _, m := range regexp.MustCompile(`the minimal case\):\n\s+(\S+)\n`).FindAllStringSubmatch(out, -1) {
		if !slices.Contains(paths, m[1]) {
			paths = append(paths, m[1])
		}
	}
	return paths
}

// TestPropReproKeptAsArtifact: under go test -artifacts (as .ci/run runs the tests),
// a failing property writes its repro in the test's artifact directory under
// -outputdir, which CI keeps, and names it there; a repro under os.TempDir is lost
// with the CI machine, and the path the log names leads nowhere.
func TestPropReproKeptAsArtifact(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the property in a child process; skipped with -short")
	}
	outdir := t.TempDir()
	out := propChild(t, t.TempDir(), "^TestPropInvariants$", nil, "-test.artifacts", "-test.outputdir="+outdir)
	paths := reproLines(out)
	if len(paths) != 1 {
		t.Fatalf("want one repro named, got %q in:\n%s", paths, lastLines([]byte(out), 30))
	}
	// The testing package names the test's directory _artifacts/<pkg>/<test>/<random>,
	// or, where it cannot (Go 1.26 takes the rooted name for one it cannot use),
	// _artifacts/<random>: the file is named after the property.
	want := filepath.Join(outdir, "_artifacts") + string(filepath.Separator)
	if !strings.HasPrefix(paths[0], want) || filepath.Base(paths[0]) != "TestPropInvariants.json" {
		t.Fatalf("repro at %s, want TestPropInvariants.json under %s", paths[0], want)
	}
	spec, seed, err := readReproOrSpec(paths[0])
	if err != nil {
		t.Fatalf("%s: %v", paths[0], err)
	}
	if len(mustRun(t, spec, scenarios.Options{Seed: seed, Semantics: router.Default}).Report.Violations) != 0 {
		t.Errorf("%s: the world fails without the injected bug", paths[0])
	}
}

// TestPropReproEnvPerProperty: with ENSROUTE_PROP_REPRO set, two properties failing
// in one go test (-run TestPropInvariants runs TestPropInvariantsChurn too) write two
// files, and each message names its own: when both wrote the one path, the second
// overwrote the first's minimal case, and the first message's replay command ran the
// second's world. A directory gets one file per property in it.
func TestPropReproEnvPerProperty(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the properties in a child process; skipped with -short")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "ci-repro.json")
	out := propChild(t, t.TempDir(), "^TestPropInvariants(Churn)?$", []string{reproEnv + "=" + file})
	paths := reproLines(out)
	want := []string{file, filepath.Join(dir, "ci-repro-TestPropInvariantsChurn.json")}
	if !slices.Equal(paths, want) {
		t.Fatalf("repros named %q, want %q", paths, want)
	}
	// TestPropInvariantsChurn's worlds duplicate a quarter of the messages
	// (churnAdjust), TestPropInvariants's case does not.
	for i, f := range []string{file, filepath.Join(dir, "ci-repro-TestPropInvariantsChurn.json")} {
		spec, _, err := readReproOrSpec(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if churn := spec.Link.Dup == 0.25; churn != (i == 1) {
			t.Errorf("%s holds the case of the other property (link dup %v)", f, spec.Link.Dup)
		}
	}

	// A directory: a file per property in it.
	dir2 := t.TempDir()
	if got, want := claimReproPath(dir2, "TestPropInvariants"), filepath.Join(dir2, "TestPropInvariants.json"); got != want {
		t.Errorf("claimReproPath(dir): %s, want %s", got, want)
	}
}

// TestRerunLineFromCILog: the rerun line says how to reach the case on another
// machine, which has neither the CI clone's .fail file nor its repro: by rapid's
// seed, with as many checks as the run made when it was not rapid's default (the
// failing case may come late in the run).
func TestRerunLineFromCILog(t *testing.T) {
	spec, _ := scenarios.Named("steady")
	vs := []scenarios.Violation{{Invariant: scenarios.InvHopBound, Detail: "a call made 9 hops"}}
	text := failureText(propConfig{name: "TestPropInvariants"}, spec, 1, router.Default, vs, "x.json", nil)
	line := text[strings.LastIndex(text, "\n")+1:]
	if !strings.Contains(line, "-rapid.seed=<the seed in that line>") || strings.Contains(line, "-rapid.checks") {
		t.Errorf("rerun line %q: want the rerun by seed, with no -rapid.checks at rapid's default", line)
	}
	f := flag.Lookup("rapid.checks")
	old := f.Value.String()
	if err := f.Value.Set("5000"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
	text = failureText(propConfig{name: "TestPropInvariants"}, spec, 1, router.Default, vs, "x.json", nil)
	if line := text[strings.LastIndex(text, "\n")+1:]; !strings.Contains(line, "-rapid.seed=<the seed in that line> -rapid.checks=5000") {
		t.Errorf("rerun line %q: want -rapid.checks=5000 with the seed", line)
	}
}

// runCITestStep runs .ci/run's test step (the block between its "# begin: the test
// step" and "# end: the test step" lines) under bash, with set -euo pipefail as the
// script has, a go that is the shell script fakeGo (go test -artifacts -outputdir
// DIR ./...: DIR is its $4), artifacts as the script's $artifacts, and env added
// (ENSROUTE_PROP_REPRO left out). It returns the output and the step's exit status:
// -1 if it ran to its end, which a failing go test must not let it do.
func runCITestStep(t *testing.T, fakeGo, artifacts string, env ...string) (string, int) {
	t.Helper()
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
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bash, "-c", "set -euo pipefail\n"+string(m[1])+"\necho step-passed")
	cmd.Dir = t.TempDir()
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, reproEnv+"=") || strings.HasPrefix(kv, "PATH=")
	})
	cmd.Env = append(cmd.Env, append([]string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "artifacts=" + artifacts}, env...)...)
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return out, exit.ExitCode()
	case err != nil:
		t.Fatalf("the step: %v\n%s", err, out)
	case !strings.Contains(out, "step-passed"):
		t.Fatalf("the step exited 0 without running to its end:\n%s", out)
	}
	return out, -1
}

// TestCIRunKeepsRepros runs .ci/run's test step with a go that runs a failing
// property under -artifacts as go test would: the step names the artifacts and the
// repro kept, and exits with the tests' status. Before, set -e ended the script at
// the failure, and the log never said where the artifacts were.
func TestCIRunKeepsRepros(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the property in a child process; skipped with -short")
	}
	fakeGo := "#!/bin/sh\nexec \"$ENSROUTE_TEST_BINARY\" '-test.run=^TestPropInvariants$' -test.count=1 -rapid.nofailfile -rapid.seed=1 -test.artifacts \"-test.outputdir=$4\"\n"
	artifacts := t.TempDir()
	out, code := runCITestStep(t, fakeGo, artifacts, "ENSROUTE_TEST_BINARY="+os.Args[0], injectEnv+"=drop-hop-count")
	if code != 1 {
		t.Fatalf("the step: exit %d, want 1 with the tests (-1: it ran on):\n%s", code, lastLines([]byte(out), 30))
	}
	if !strings.Contains(out, "test artifacts: "+artifacts+"/_artifacts\n") {
		t.Errorf("the step does not name the artifacts:\n%s", lastLines([]byte(out), 30))
	}
	paths := reproLines(out)
	if len(paths) != 1 {
		t.Fatalf("want one repro named by the test, got %q", paths)
	}
	if !strings.Contains(out, "property test repro kept: "+paths[0]+"\n") {
		t.Errorf("the step does not name the repro %s:\n%s", paths[0], lastLines([]byte(out), 10))
	}
	var rp struct {
		InjectedBugs []string `json:"injected_bugs"`
	}
	data, err := os.ReadFile(paths[0])
	if err != nil || json.Unmarshal(data, &rp) != nil || !slices.Equal(rp.InjectedBugs, []string{"drop-hop-count"}) {
		t.Errorf("%s: not the property's repro (%v): %.200s", paths[0], err, data)
	}
}
