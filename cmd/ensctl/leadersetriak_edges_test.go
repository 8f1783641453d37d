package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/router"
)

// startRiakNode is startTestNode under riak semantics: a node that answers timeout
// at once where ensroute's name the problem.
func startRiakNode(t *testing.T, id router.NodeID, leads ...router.EnsembleID) *testNode {
	t.Helper()
	return startNode(t, id, nodeSetup{semantics: router.Riak}, leads...)
}

// TestLeaderSetRiakTimeoutExplained: under riak semantics a leader set that cannot
// reach its member fails with timeout at once, where ensroute's semantics name the
// problem: the client's own transport for a node it is not connected to, the node for
// a member it does not host. ensctl said only "router: timeout (after 41µs)"; it now
// says which it was, as it does under default semantics, and, when --ensemble lists
// the ensembles, whether the node is a member. The code stays timeout, riak's, exit 1.
func TestLeaderSetRiakTimeoutExplained(t *testing.T) {
	n := startRiakNode(t, "n1", "e1")
	n.drv.Learn(router.Entry{Ensemble: "e2", Leader: cluster.PeerRef("e2", "n2"), Version: 1})
	for _, tc := range []struct {
		name   string
		flags  []string
		ens    string
		node   string
		exit   int
		code   string
		stderr []string // each in stderr
	}{
		{name: "member", ens: "e1", node: "n1", exit: 0, code: "ok"},
		{name: "node down", ens: "e1", node: "n2", exit: 1, code: "timeout",
			stderr: []string{"ensctl: e1: router: timeout after ", "of --timeout 5s: this client is not connected to n2 (127.0.0.1:1 in --peers): it is down or cut off"}},
		{name: "not a member", ens: "e2", node: "n1", exit: 1, code: "timeout",
			stderr: []string{"ensctl: e2: router: timeout after ", "n1 answered timeout at once, as a node under riak semantics does when it hosts no member of e2"}},
		{name: "not a member, ensembles given", flags: []string{"--ensemble", "e1=n1", "--ensemble", "e2=n2"}, ens: "e2", node: "n1", exit: 1, code: "timeout",
			stderr: []string{"n1 answered timeout at once", "n1 is not a member of e2 in --ensemble (its members: n2)"}},
		{name: "no such ensemble, ensembles given", flags: []string{"--ensemble", "e1=n1", "--ensemble", "e2=n2"}, ens: "e9", node: "n1", exit: 1, code: "timeout",
			stderr: []string{"n1 answered timeout at once", "e9 is not one of the ensembles of --ensemble (e1, e2)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"leader", "set", "--peers", "n1=" + n.addr + ",n2=127.0.0.1:1",
				"--secret-file", n.secret, "--connect-timeout", "100ms", "--timeout", "5s", "--semantics", "riak", "--json"}, tc.flags...)
			code := run(context.Background(), append(args, tc.ens, tc.node), &out, &errb)
			var o outcome
			if err := json.Unmarshal(out.Bytes(), &o); err != nil {
				t.Fatalf("stdout %q: %v (stderr %q)", out.String(), err, errb.String())
			}
			if code != tc.exit || o.Code != tc.code {
				t.Fatalf("exit %d, %+v, stderr %q; want exit %d, code %s", code, o, errb.String(), tc.exit, tc.code)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("stderr %q; want it to hold %q", errb.String(), want)
				}
			}
			if tc.exit == 0 && errb.Len() > 0 {
				t.Errorf("stderr %q; want none", errb.String())
			}
			if o.Code == "timeout" && time.Duration(o.LatencyNS) > time.Second {
				t.Errorf("failed after %v: want at once", time.Duration(o.LatencyNS))
			}
		})
	}
}
