package main

import "testing"

// TestTraceEmptyWindowNamesItsFlags: the warning for a view that keeps no record
// names the window by the flags given, with their values. It used to say "between
// --from and --to" whichever of them was given, naming a flag the command line did
// not hold.
func TestTraceEmptyWindowNamesItsFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--to", "1ns"}, "ensim: warning: no record at or before --to 1ns: the view is empty\n"},
		{[]string{"--call", "n1.1.1", "--from", "1s"}, "ensim: warning: call n1.1.1 has no record at or after --from 1s: the view shows none of it\n"},
		{[]string{"--call", "n1.1.1", "--to", "1ns"}, "ensim: warning: call n1.1.1 has no record at or before --to 1ns: the view shows none of it\n"},
		{[]string{"--from", "1ns", "--to", "2ns"}, "ensim: warning: no record between --from 1ns and --to 2ns: the view is empty\n"},
	} {
		args := append([]string{"trace", "--scenario", "steady", "--format", "jsonl"}, tc.args...)
		code, stdout, stderr := ensim(t, args...)
		if code != exitOK || stdout != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0, no record, and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}
