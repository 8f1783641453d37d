package main

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
)

// TestConfigDifferenceWarned: nodes tell each other their configuration as they
// connect. n1 warns of n2, started with --semantics riak, and of n3, with --routers 3,
// naming what differs, and shows it on /healthz and /metrics; a client with another
// --routers is warned of too. Once n2 restarts with the cluster's semantics, n1 says
// it matches again.
func TestConfigDifferenceWarned(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	n2.args = []string{"--semantics", "riak"}
	n3.args = []string{"--routers", "3"}
	c.startAll()
	c.logged(n1, "level=WARN", "configured differently", "peer=n2", `differs="semantics: n2 has riak, this node default"`)
	c.logged(n1, "level=WARN", "configured differently", "peer=n3", `differs="routers: n3 has 3, this node 7"`)
	c.logged(n2, "level=WARN", "configured differently", "peer=n1", `differs="semantics: n1 has default, this node riak"`)
	differs := func(p *proc) map[string][]string {
		out := map[string][]string{}
		if h := c.health(p); h != nil {
			for _, q := range h.Peers {
				out[q.ID] = q.ConfigDiffers
			}
		}
		return out
	}
	if d := differs(n1); !slices.Equal(d["n2"], []string{"semantics"}) || !slices.Equal(d["n3"], []string{"routers"}) {
		t.Fatalf("n1's /healthz: config_differs %v", d)
	}
	for id, want := range map[string]float64{"n2": 1, "n3": 1} {
		if got := metric(t, n1, fmt.Sprintf(`ensroute_peer_config_differs{peer="%s"}`, id)); got != want {
			t.Fatalf("n1's ensroute_peer_config_differs for %s: %v, want %v", id, got, want)
		}
	}
	c.expect(c.ctl("call", "--via", "n1", "--routers", "5", "e1", "get", "k"), "", "e1/n1@n1")
	c.logged(n1, "level=WARN", "a client (not in --peers) is configured differently", `differs="routers: ctl-`, "has 5, this node 7")

	_ = n2.cmd.Process.Signal(syscall.SIGTERM)
	if err := n2.cmd.Wait(); err != nil {
		t.Fatalf("n2 after SIGTERM: %v", err)
	}
	n2.args = nil
	c.start(n2)
	c.logged(n1, "level=INFO", "configuration now matches", "peer=n2")
	if got := metric(t, n1, `ensroute_peer_config_differs{peer="n2"}`); got != 0 {
		t.Fatalf("n1's ensroute_peer_config_differs for n2 once it matches: %v", got)
	}
	if d := differs(n1); d["n2"] != nil {
		t.Fatalf("n1's /healthz once n2 matches: config_differs %v", d["n2"])
	}
}
