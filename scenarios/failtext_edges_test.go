package scenarios_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// TestPropFailureReplayPathIsOneWord: the replay commands a property failure prints
// keep the repro's path one shell word, as ensim's own commands do, so that a repro
// under a TMPDIR (or ENSROUTE_PROP_REPRO) with a space or a quote in it replays when
// the line is pasted. The lines are split by sh itself where there is one.
func TestPropFailureReplayPathIsOneWord(t *testing.T) {
	spec, _ := scenarios.Named("steady")
	path := "/tmp/my dir/it's here/TestPropInvariants.json"
	text := failureText(propConfig{name: "TestPropInvariants"}, spec, 1, router.Default,
		[]scenarios.Violation{{Invariant: scenarios.InvHopBound, Detail: "a call made 9 hops"}}, path, nil)
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "go run ./cmd/ensim replay ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 replay lines, got %d in:\n%s", len(lines), text)
	}
	quoted := `'/tmp/my dir/it'\''s here/TestPropInvariants.json'`
	for _, l := range lines {
		if !strings.Contains(l, " replay "+quoted) {
			t.Errorf("replay line %q does not quote the path as %s", l, quoted)
		}
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		return
	}
	for _, l := range lines {
		// "go run ./cmd/ensim replay PATH ...": PATH is the fifth word.
		out, err := exec.Command(sh, "-c", "set -- "+l+`; printf '%s' "$5"`).Output()
		if err != nil {
			t.Fatalf("sh on %q: %v", l, err)
		}
		if string(out) != path {
			t.Errorf("sh reads the path in %q as %q, want %q", l, out, path)
		}
	}
}

// TestRegressionRerunCommands: the command a TestRegressions failure prints runs the
// case. ensim run --spec refuses a repro file (use ensim replay), so a repro
// recorded under the semantics that failed is replayed, one recorded under the other
// has its spec taken out first, and a plain spec runs with --spec.
func TestRegressionRerunCommands(t *testing.T) {
	const repro = "testdata/regressions/drop-hop-count-regressed-leader.json" // recorded under default, seed 0
	rp, err := os.ReadFile(repro)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rp), `"semantics": "default"`) {
		t.Fatalf("%s: want a repro recorded under default", repro)
	}
	if got, want := regressionRerun(repro, 0, router.Default), "go run ./cmd/ensim replay scenarios/"+repro; got != want {
		t.Errorf("repro under its own semantics: %q, want %q", got, want)
	}
	want := "jq .spec scenarios/" + repro + " > drop-hop-count-regressed-leader-spec.json && go run ./cmd/ensim run --spec drop-hop-count-regressed-leader-spec.json --seed 0 --semantics riak"
	if got := regressionRerun(repro, 0, router.Riak); got != want {
		t.Errorf("repro under the other semantics: %q, want %q", got, want)
	}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		if got := regressionRerun(repro, 0, sem); strings.Contains(got, "--spec scenarios/") {
			t.Errorf("under %s: %q hands ensim run --spec the repro file, which it refuses", sem, got)
		}
	}

	spec, _ := scenarios.Named("steady")
	plain := filepath.Join(t.TempDir(), "plain.json")
	if err := os.WriteFile(plain, []byte(spec.JSON()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := regressionRerun(plain, 1, router.Riak)
	if !strings.HasPrefix(got, "go run ./cmd/ensim run --spec ") || !strings.HasSuffix(got, "plain.json --seed 1 --semantics riak") {
		t.Errorf("plain spec: %q, want ensim run --spec of the file, seed 1, riak", got)
	}
}

// TestPropFailureUnwrittenReproKeepsRerunLine: when the repro cannot be written (an
// ENSROUTE_PROP_REPRO in a directory that does not exist), the message still ends
// with the rerun line, ENSROUTE_INJECT set again: rapid's own "To reproduce" line
// leaves it out, and pasted alone would pass, as if the case were fixed.
func TestPropFailureUnwrittenReproKeepsRerunLine(t *testing.T) {
	t.Setenv(injectEnv, "drop-hop-count")
	spec, _ := scenarios.Named("steady")
	text := failureText(withInjected(t, propConfig{name: "TestPropInvariants"}), spec, 1, router.Default,
		[]scenarios.Violation{{Invariant: scenarios.InvHopBound, Detail: "a call made 9 hops"}}, "/nonexistent/x.json",
		errors.New("open /nonexistent/x.json: no such file or directory"))
	if !strings.Contains(text, "could not write the repro file: ") {
		t.Errorf("the message does not say the repro was not written:\n%s", text)
	}
	if strings.Contains(text, "ensim replay") {
		t.Errorf("the message offers to replay a repro that was not written:\n%s", text)
	}
	line := text[strings.LastIndex(text, "\n")+1:]
	want := "rerun this property on the same case: " + injectEnv + "=drop-hop-count go test ./scenarios -run '^TestPropInvariants$'"
	if !strings.HasPrefix(line, want) {
		t.Errorf("last line %q, want it to begin %q", line, want)
	}
}
