package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRiakUnlistedEnsembleNamed: a name that is no ensemble's gets no leader from a
// node under default semantics, and ensctl says, when --ensemble (or --config) lists
// the ensembles and not the name, that it is not one of them. A node under riak
// semantics answers it with a timeout (a remote hop drops it), and call, leader get
// and bench said nothing of the list; they now say the same.
func TestRiakUnlistedEnsembleNamed(t *testing.T) {
	n := startRiakNode(t, "n1", "e1")
	const note = "e9 is not one of the ensembles of --ensemble (e1): is the name right?"
	base := []string{"--peers", "n1=" + n.addr, "--secret-file", n.secret, "--semantics", "riak", "--timeout", "100ms"}
	for _, tc := range []struct {
		name string
		args []string
		note bool
	}{
		{name: "call", args: append([]string{"call"}, append(base, "--ensemble", "e1=n1", "e9", "get", "k")...), note: true},
		{name: "leader get", args: append([]string{"leader", "get"}, append(base, "--ensemble", "e1=n1", "e9")...), note: true},
		{name: "bench", args: append([]string{"bench"}, append(base, "--ensemble", "e1=n1", "--duration", "100ms", "--concurrency", "1", "e9")...), note: true},
		{name: "call, no ensembles given", args: append([]string{"call"}, append(base, "e9", "get", "k")...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != 1 || strings.Contains(errb.String(), note) != tc.note {
				t.Fatalf("exit %d, stderr %q; want exit 1, the note %q: %v", code, errb.String(), note, tc.note)
			}
		})
	}
}
