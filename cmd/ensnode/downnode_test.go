package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// TestDrainDownNode: ensctl on a cluster with nodes down, as an operator meets it.
// leader drain of a node killed with SIGKILL moves the lead it held (which the other
// nodes' directories still name, so that every call to it fails) to a member that is
// up, where it used to report that who leads is not known and move nothing. With the
// first member down, a command without --via routes through the next one listed and
// says so; with --via naming it, the error names the members that are up. A call to an
// ensemble whose leader's node is down says what unreachable means, and a cast to a
// name that is none of the ensembles given is refused (it gets no answer to say so).
func TestDrainDownNode(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	c.startAll()
	kill := func(p *proc) {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	kill(n3)
	for _, p := range []*proc{n1, n2} {
		c.eventually(p.id+" sees n3 gone", func() (bool, string) {
			h := c.health(p)
			if h == nil {
				return false, "no /healthz"
			}
			for _, q := range h.Peers {
				if q.ID == "n3" && q.Connected {
					return false, "n3 connected"
				}
			}
			return true, ""
		})
	}
	if o := c.ctl("call", "e3", "get", "k"); o.exit != 1 || o.Code != "unreachable" || !strings.Contains(o.stderr, "could not reach e3's leader: its node is down or cut off") ||
		!strings.Contains(o.stderr, "this client is not connected to n3 either") {
		t.Fatalf("a call to e3, led by n3, which is down: %+v", o)
	}

	ensembles := []string{"--ensemble", "e1=n1,n2,n3", "--ensemble", "e2=n2,n3,n1", "--ensemble", "e3=n3,n1,n2"}
	out, exit, stderr := c.run(append(append([]string{"leader", "drain"}, ensembles...), "n3")...)
	want := `{"ensemble":"e1","leader":"n1","moved":false}
{"ensemble":"e2","leader":"n2","moved":false}
{"ensemble":"e3","to":"n1","moved":true,"leader_down":true}`
	if exit != 0 || strings.TrimSpace(string(out)) != want {
		t.Fatalf("drain of n3, down: exit %d, printed\n%s\nwant\n%s\nstderr: %s", exit, out, want, stderr)
	}
	// The drain waited for --via (n1) to see the move; n2 learns it by gossip.
	c.eventually("n2 sees e3 led by n1", func() (bool, string) {
		o := c.ctl("leader", "get", "--via", "n2", "e3")
		return o.exit == 0 && o.Peer == "e3/n1@n1", fmt.Sprintf("%+v", o)
	})
	c.expect(c.ctl("call", "--via", "n2", "e3", "put", "k", "v"), "", "e3/n1@n1")

	kill(n1)
	o := c.ctl("call", "e2", "get", "k")
	c.expect(o, "missing", "e2/n2@n2")
	if !strings.Contains(o.stderr, "the first member, n1, cannot be reached") || !strings.Contains(o.stderr, "routing through n2 instead") {
		t.Fatalf("a call without --via, n1 down: stderr %q, want it to say it routes through n2", o.stderr)
	}
	if o := c.ctl("call", "--via", "n1", "e2", "get", "k"); o.exit != 1 || !strings.Contains(o.stderr, "cannot reach --via n1") ||
		!strings.Contains(o.stderr, "(connected: n2; --via n2 routes through another)") {
		t.Fatalf("a call with --via n1, down: %+v", o)
	}
	if _, exit, stderr := c.run(append(append([]string{"cast"}, ensembles...), "e9", "put", "k", "v")...); exit != 2 ||
		!strings.Contains(stderr, "cast: e9 is not one of the ensembles of --ensemble (e1, e2, e3)") {
		t.Fatalf("a cast to e9: exit %d, stderr %q; want 2, naming the ensembles", exit, stderr)
	}
}
