package main

import (
	"strings"
	"testing"
)

// TestTraceStrayWord: a word left after trace's flags is read as a repro file; with
// --scenario or --spec as well, the error names the word, so that a view's file
// given without --out is seen for what it is. It used to say only that trace needs
// exactly one source, when the command line seemed to give one.
func TestTraceStrayWord(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "--scenario", "steady", "--format", "html", "view.html"},
			"got --scenario and view.html, read as a repro file (to write the view to it, give --out view.html)"},
		{[]string{"trace", "--spec", "spec.json", "view.txt"},
			"got --spec and view.txt, read as a repro file (to write the view to it, give --out view.txt)"},
	} {
		code, stdout, stderr := ensim(t, tc.args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s\nwant exit %d, no stdout, and %q", tc.args, code, stdout, stderr, exitUsage, tc.want)
		}
	}
}
