package netmodel

import (
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestCallNameMatchesString: the remembered rendering is always the id's own, across
// more ids than the cache has slots (so slots are shared and evicted), asked in an
// order that revisits old ids.
func TestCallNameMatchesString(t *testing.T) {
	var c callNames
	var ids []router.CallID
	for _, node := range []router.NodeID{"n1", "n2", "c1", "a-much-longer-node-name"} {
		for inc := router.Incarnation(1); inc <= 3; inc++ {
			for seq := uint64(1); seq <= 1500; seq++ {
				ids = append(ids, router.CallID{Node: node, Incarnation: inc, Seq: seq})
			}
		}
	}
	ids = append(ids, router.CallID{})
	for round := range 3 {
		for i := range ids {
			id := ids[(i*7919+round)%len(ids)]
			if got, want := c.name(id), id.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", id, got, want)
			}
		}
	}
	if got := testing.AllocsPerRun(100, func() { c.name(ids[5]) }); got != 0 {
		t.Fatalf("a remembered name allocated %v times", got)
	}
}
