package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestNoLeaderSaysWhy: a name that is no ensemble's gets no-leader, as an ensemble in
// an election does; ensctl tells a name it was given (--ensemble, or a config file's
// ensembles) from one it was not, most likely mistyped, and a timeout that came long
// before --timeout (a riak-semantics answer) is not explained as a wait. Each is a
// failed call, exit 1, the code unchanged.
func TestNoLeaderSaysWhy(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	for _, tc := range []struct {
		name   string
		flags  []string
		ens    string
		stderr string
	}{
		{name: "no ensembles given", ens: "e4",
			stderr: "ensctl: e4: router: no leader: the nodes know no leader of e4: it is not an ensemble of the cluster, or it has had no leader yet, or an election is on (after "},
		{name: "not among those given", flags: []string{"--ensemble", "e1=n1", "--ensemble", "e2=n1"}, ens: "e4",
			stderr: "ensctl: e4: router: no leader: e4 is not one of the ensembles of --ensemble (e1, e2), and the nodes know no leader of it: is the name right? (after "},
		{name: "among those given", flags: []string{"--ensemble", "e1=n1", "--ensemble", "e4=n1"}, ens: "e4",
			stderr: "ensctl: e4: router: no leader: the nodes know no leader of e4, one of the ensembles of --ensemble: it has had no leader yet, or an election is on (after "},
		{name: "riak answers timeout at once", flags: []string{"--semantics", "riak", "--timeout", "10s"}, ens: "e4",
			stderr: "ensctl: e4: router: timeout after "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"call", "--peers", "n1=" + n.addr, "--secret-file", n.secret}, tc.flags...)
			var out, errb bytes.Buffer
			code := run(context.Background(), append(args, tc.ens, "get", "k"), &out, &errb)
			if code != 1 || !strings.HasPrefix(errb.String(), tc.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out.String(), errb.String(), tc.stderr)
			}
			if tc.name == "riak answers timeout at once" && (!strings.Contains(errb.String(), "of --timeout 10s: a node answered timeout before the deadline") ||
				!strings.Contains(errb.String(), "(this client runs --semantics riak: under default semantics, if the cluster's nodes run it, the answer says which)") || strings.Contains(errb.String(), "no answer came") ||
				strings.Count(errb.String(), "after ") != 1) {
				t.Fatalf("stderr %q: want the early timeout told from a wait", errb.String())
			}
		})
	}
}
