package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// TestRemovedEnsembleForgotten: an ensemble removed from the configuration is
// forgotten by each node restarted without it. n3, restarted without e4 (whose leader
// was moved, so the others hold it at a version newer than any start's), used to take
// e4 back from n1's and n2's gossip at once, and so did every node after it: the
// entry lived for as long as any node ran, and calls to e4 went to a node that no
// longer hosts it. n3 now refuses it, saying why, and its directory lacks e4.
func TestRemovedEnsembleForgotten(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	for _, p := range c.nodes {
		p.args = []string{"--ensemble", "e4=n1,n2"}
	}
	c.startAll()
	c.expect(c.ctl("leader", "set", "e4", "n2"), "", "e4/n2@n2")
	n3 := c.nodes[2]
	_ = n3.cmd.Process.Signal(syscall.SIGTERM)
	if err := n3.cmd.Wait(); err != nil {
		t.Fatalf("n3 after SIGTERM: %v", err)
	}
	n3.args = nil
	c.start(n3)
	c.healthy(n3, "n1", "n2")
	c.logged(n3, "level=WARN", "refused directory gossip", "the ensemble is not one of this node's")
	resp, err := http.Get("http://" + n3.adminAddr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if strings.Contains(body.String(), `"ensemble":"e4"`) {
		t.Fatalf("n3, restarted without e4, holds it: %s", body.String())
	}
	// The ensembles n3 has still move: n1 learns a leader change of e1 made on n3 (from
	// n3's push, which races this client's next run, or else from anti-entropy).
	c.expect(c.ctl("leader", "set", "e1", "n3"), "", "e1/n3@n3")
	c.eventually("n1 sees e1 led by n3", func() (bool, string) {
		o := c.ctl("leader", "get", "--via", "n1", "e1")
		return o.exit == 0 && o.Peer == "e1/n3@n3", fmt.Sprintf("%+v", o)
	})
}
