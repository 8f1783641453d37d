package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/router"
)

// TestLeaderSetNamesTheProblem: leader set asks the member on NODE to lead, and a
// node that hosts no such member answers as for a member that is gone (unreachable).
// ensctl then asks the node about the ensemble and names the actual problem: an
// ensemble the node does not know, or a node that is not one of its members; a node
// that is really unreachable stays so. All are failed calls, exit 1.
func TestLeaderSetNamesTheProblem(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	// n1 knows e2, led on n2, but hosts no member of it.
	n.drv.Learn(router.Entry{Ensemble: "e2", Leader: cluster.PeerRef("e2", "n2"), Version: 1})
	for _, tc := range []struct {
		name       string
		ens, node  string
		exit       int
		stderr     string
		code, peer string
	}{
		{name: "member", ens: "e1", node: "n1", exit: 0, code: "ok", peer: "e1/n1@n1"},
		{name: "unknown ensemble", ens: "e9", node: "n1", exit: 1, code: "no-leader",
			stderr: "ensctl: e9: n1 knows no leader of ensemble e9 (no such ensemble, or none has led it yet) and hosts no member of it"},
		{name: "not a member", ens: "e2", node: "n1", exit: 1, code: "unreachable",
			stderr: "ensctl: e2: n1 hosts no member of ensemble e2"},
		{name: "node down", ens: "e1", node: "n2", exit: 1, code: "unreachable",
			stderr: "ensctl: e1: router: node unreachable: this client is not connected to n2 (127.0.0.1:1 in --peers): it is down or cut off, or does not listen at that address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"leader", "set", "--peers", "n1=" + n.addr + ",n2=127.0.0.1:1",
				"--secret-file", n.secret, "--connect-timeout", "100ms", "--json", tc.ens, tc.node}, &out, &errb)
			var o outcome
			if err := json.Unmarshal(out.Bytes(), &o); err != nil {
				t.Fatalf("stdout %q: %v (stderr %q)", out.String(), err, errb.String())
			}
			stderrOK := errb.Len() == 0
			if tc.stderr != "" {
				stderrOK = strings.HasPrefix(errb.String(), tc.stderr+" (after ")
			}
			if code != tc.exit || !stderrOK || o.Code != tc.code || o.Peer != tc.peer {
				t.Fatalf("exit %d, stderr %q, %+v; want exit %d, stderr %q, code %s", code, errb.String(), o, tc.exit, tc.stderr, tc.code)
			}
		})
	}
}
