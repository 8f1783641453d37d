package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestViaGivenIsNotReplaced: a --via that cannot be reached fails the command (exit 1)
// though another member is up; only the default --via, the first member, gives way to
// a member that is connected (and says so). Routing through another member than the
// one named would ignore the operator's choice.
func TestViaGivenIsNotReplaced(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	peers := "n0=127.0.0.1:1,n1=" + n.addr // n0 refuses every connection
	for _, tc := range []struct {
		name     string
		via      []string
		wantCode int
		want     string // in stderr
	}{
		{name: "default via gives way", wantCode: 0, want: "ensctl: the first member, n0, cannot be reached"},
		{name: "via given fails", via: []string{"--via", "n0"}, wantCode: 1, want: "ensctl: cannot reach --via n0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"call", "--peers", peers, "--secret-file", n.secret, "--connect-timeout", "2s"}, tc.via...)
			args = append(args, "e1", "get", "k")
			var out, errb bytes.Buffer
			code := run(context.Background(), args, &out, &errb)
			if code != tc.wantCode || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out.String(), errb.String(), tc.wantCode, tc.want)
			}
			if tc.via != nil && strings.Contains(errb.String(), "routing through") {
				t.Errorf("stderr %q: routed through another member than --via", errb.String())
			}
		})
	}
}
