package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRiakLoopShowsOnMetrics: two ensnode processes under riak whose --ensemble flags
// name each other as e9's leader (the first member leads; both at version 1, which
// gossip does not settle) pass a call's request back and forth for good: riak has no
// hop limit, as the original has none. Before, nothing but ensroute_request_hops'
// +Inf bucket, growing by tens of thousands a second, showed it. Now
// ensroute_request_loops_total counts the request once, on one of the two nodes, and
// that node's log warns of it, naming the ensemble and the leader it holds.
func TestRiakLoopShowsOnMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs processes")
	}
	c := newTestCluster(t)
	n1, n2 := c.nodes[0], c.nodes[1]
	n1.args = []string{"--semantics", "riak", "--ensemble", "e9=n2,n1"}
	n2.args = []string{"--semantics", "riak", "--ensemble", "e9=n1,n2"}
	c.start(n1)
	c.start(n2)
	c.healthy(n1, "n2")
	c.healthy(n2, "n1")
	if o := c.ctl("call", "--semantics", "riak", "--ensemble", "e9=n2,n1", "--timeout", "300ms", "e9", "get", "k"); o.exit == 0 {
		t.Fatalf("a call whose request goes round: %+v; want it to time out", o)
	}
	loops := regexp.MustCompile(`(?m)^ensroute_request_loops_total (\d+)$`)
	c.eventually("the loop counted", func() (bool, string) {
		total, seen := 0, ""
		for _, p := range []*proc{n1, n2} {
			m := loops.FindStringSubmatch(get(t, p.adminAddr(), "/metrics"))
			if m == nil {
				return false, p.id + " has no ensroute_request_loops_total"
			}
			v, _ := strconv.Atoi(m[1])
			total, seen = total+v, seen+" "+p.id+"="+m[1]
		}
		return total == 1, seen
	})
	var warned []string
	for _, p := range []*proc{n1, n2} {
		b, _ := os.ReadFile(p.log)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "a request has passed between nodes 64 times") {
				warned = append(warned, line)
			}
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "level=WARN") || !strings.Contains(warned[0], "ensemble=e9") ||
		!strings.Contains(warned[0], "under riak semantics, which has no hop limit") || !strings.Contains(warned[0], "version=1") {
		t.Fatalf("warnings of the loop: %q; want one, naming e9 and the leader held", warned)
	}
}
