package netmodel

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// TestHostNamedMatchesHost: the cached lookup a send makes always finds the host
// the map holds, across more hosts than the cache has slots (so they share slots
// and evict each other), and finds nothing, caching nothing, for unknown ids.
func TestHostNamedMatchesHost(t *testing.T) {
	n, err := New(sim.New(sim.Config{}), Config{Routers: 1, Link: Link{Latency: Const(1)}, Service: Const(1)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []router.NodeID
	for i := range 3 * hostCacheSlots {
		id := router.NodeID(fmt.Sprintf("n%d", i))
		if _, err := n.AddHost(id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for round := range 3 {
		for i := range ids {
			id := ids[(i*37+round)%len(ids)]
			if got, want := n.hostNamed(id), n.Host(id); got != want || got == nil || got.ID() != id {
				t.Fatalf("hostNamed(%s) = %p, Host = %p", id, got, want)
			}
			// An id built anew (another string with the same bytes) is the same host.
			if got := n.hostNamed(router.NodeID(string([]byte(id)))); got != n.Host(id) {
				t.Fatalf("hostNamed of a copy of %s found another host", id)
			}
		}
		for _, id := range []router.NodeID{"", "x", "n", router.NodeID(fmt.Sprintf("n%d", len(ids)))} {
			if got := n.hostNamed(id); got != nil {
				t.Fatalf("hostNamed(%q) = host %s, want nil", id, got.ID())
			}
		}
	}
}

// TestSendToACopiedName: a send to another string with the same bytes as the name a
// host's table of destinations holds finds the entry (sameNode), and leaves it as
// it is, without looking the name up again.
func TestSendToACopiedName(t *testing.T) {
	n, err := New(sim.New(sim.Config{}), Config{Routers: 1, Link: Link{Latency: Const(1)}, Service: Const(1)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := n.AddHost("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.AddHost("b")
	if err != nil {
		t.Fatal(err)
	}
	tr := a.Transport()
	m := router.Message{Kind: router.KindReply}
	to := router.NodeID("b")
	if err := tr.Send(to, &m); err != nil {
		t.Fatal(err)
	}
	d := &a.dests[destSlot(to)]
	if d.dst != b || unsafe.StringData(string(d.to)) != unsafe.StringData(string(to)) {
		t.Fatalf("after a send to b, its entry holds %q for host %v", d.to, d.dst)
	}
	copied := router.NodeID(string([]byte(to)))
	if err := tr.Send(copied, &m); err != nil {
		t.Fatal(err)
	}
	if d.dst != b || unsafe.StringData(string(d.to)) != unsafe.StringData(string(to)) {
		t.Fatalf("a send to a copy of b filled its entry in anew")
	}
	long := router.NodeID("ba")
	if !sameNode(to, copied) || sameNode(to, "c") || sameNode("", to) || !sameNode("", "") || sameNode(long[:1], long) {
		t.Fatalf("sameNode tells strings apart by their addresses or lengths only")
	}
}
