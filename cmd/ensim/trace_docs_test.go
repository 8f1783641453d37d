package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/mdsection"
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
