package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/mdsection"
	"github.com/ensroute/ensroute/scenarios"
)

// TestREADMETrace: README.md's "ensim trace" section gives the synopsis ensim help
// trace prints, and each example under it prints what the README shows.
func TestREADMETrace(t *testing.T) {
	text, err := mdsection.Of(readme(t), "### ensim trace")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	syn := regexp.MustCompile("(?s)```\n(ensim trace .*?)\n```").FindStringSubmatch(text)
	if syn == nil || strings.Join(strings.Fields(syn[1]), " ") != synTrace {
		t.Errorf("README.md's synopsis of ensim trace is not the command's:\n%v\nwant\n%s", syn, synTrace)
	}
	examples := regexp.MustCompile("(?s)  ```\n  \\$ go run \\./cmd/ensim (trace [^\n]*)\n(.*?)\n  ```").FindAllStringSubmatch(text, -1)
	if len(examples) < 2 {
		t.Fatalf("found %d examples of ensim trace in README.md: fix the test", len(examples))
	}
	for _, ex := range examples {
		var want strings.Builder
		for _, line := range strings.Split(ex[2], "\n") {
			want.WriteString(strings.TrimPrefix(line, "  ") + "\n")
		}
		code, stdout, stderr := ensim(t, strings.Fields(ex[1])...)
		if code != exitOK {
			t.Errorf("%s: exit %d\n%s", ex[1], code, stderr)
			continue
		}
		if stdout != want.String() {
			t.Errorf("%s prints\n%s\nREADME.md shows\n%s", ex[1], stdout, want.String())
		}
	}
}

// TestFirstFailingNamesACast: the command printed with a failing run draws the first
// violation that names a call or, since a cast has no call id, a cast named in the
// violation's detail; a detail that only looks like one names nothing.
func TestFirstFailingNamesACast(t *testing.T) {
	for _, tc := range []struct {
		name string
		vs   []scenarios.Violation
		want string
	}{
		{"a call", []scenarios.Violation{{Invariant: "liveness", Call: "n1.1.4", Detail: "x"}},
			"the first failing call is n1.1.4; draw it with:\n  ensim trace r.json --call n1.1.4 --format html --out trace-r-n1.1.4.html\n"},
		{"a cast first", []scenarios.Violation{
			{Invariant: "exactly-once", Detail: "cast s14 to e1 taken up by a leader 2 times (now p2), and no message of it was duplicated"},
			{Invariant: "liveness", Call: "n1.1.4"}},
			"the first failing cast is s14; draw it with:\n  ensim trace r.json --cast s14 --format html --out trace-r-s14.html\n"},
		{"a cast after a lookalike", []scenarios.Violation{{Invariant: "hop-bound", Detail: "n2 passed cast s0x on, then cast s7 on with hops=0"}},
			"the first failing cast is s7; draw it with:\n  ensim trace r.json --cast s7 --format html --out trace-r-s7.html\n"},
		{"neither", []scenarios.Violation{{Invariant: "no-leak", Detail: "3 pending calls at the end, a cast s"}}, ""},
	} {
		var b strings.Builder
		printFirstFailing(&b, "", "r.json", tc.vs)
		if b.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, b.String(), tc.want)
		}
	}
	// A sweep's repros are in its --out directory, and their ids repeat from seed to
	// seed: each page goes beside its repro, named after it.
	for repro, want := range map[string]string{
		"out/ensim-repro-steady-default-4.json":  "--out out/trace-steady-default-4-n1.1.8.html",
		"out/ensim-repro-steady-default-10.json": "--out out/trace-steady-default-10-n1.1.8.html",
		"my repro.json":                          "--out 'trace-my repro-n1.1.8.html'",
	} {
		if got := traceCommand(repro, "call", "n1.1.8"); !strings.HasSuffix(got, want) {
			t.Errorf("traceCommand(%q): %s, want it to end %s", repro, got, want)
		}
	}
}
