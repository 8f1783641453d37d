package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpWithMoreWords: help COMMAND prints the command's usage whatever words
// follow it (an operation, an ensemble), as help leader VERB does: they are not
// taken as the command's arguments, which would ask for --peers.
func TestHelpWithMoreWords(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "call", "get"}, "usage: ensctl call [flags]"},
		{[]string{"help", "cast", "e1", "echo"}, "usage: ensctl cast [flags]"},
		{[]string{"help", "bench", "e1"}, "usage: ensctl bench [flags]"},
		{[]string{"help", "leader", "set", "e1"}, "usage: ensctl leader set [flags]"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		if code != 0 || !strings.HasPrefix(out.String(), tc.want) || errb.Len() > 0 {
			t.Errorf("%v: exit %d, stdout %.60q, stderr %q; want exit 0 and %q", tc.args, code, out.String(), errb.String(), tc.want)
		}
	}
}

// TestViaHelpSaysFallback: the help of --via says what ensctl does when the first
// member cannot be reached (it routes through the next listed that can, and says so),
// as the README does; it said only "the first of --peers", which a script that stops
// the first node and expects ensctl to fail would take at its word.
func TestViaHelpSaysFallback(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"call", "-h"}, &out, &errb); code != 0 {
		t.Fatalf("call -h: exit %d, stderr %q", code, errb.String())
	}
	_, via, _ := strings.Cut(out.String(), "  --via ")
	via, _, _ = strings.Cut(via, "\n  --")
	if want := "if that one cannot be reached, the next listed that can"; !strings.Contains(via, want) {
		t.Errorf("--via's help: %q; want it to say %q", via, want)
	}
}
