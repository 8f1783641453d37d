package netmodel

import (
	"strconv"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
	"pgregory.net/rapid"
)

// newCallNet returns a network with hosts, whose Names the names of their calls take.
func newCallNet(t interface{ Fatalf(string, ...any) }, hosts []router.NodeID) *Net {
	n, err := New(sim.New(sim.Config{}), Config{Routers: 1, Link: Link{Latency: Const(1)}, Service: Const(1)})
	if err != nil {
		t.Fatalf("%v", err)
	}
	for _, id := range hosts {
		if _, err := n.AddHost(id); err != nil {
			t.Fatalf("%v", err)
		}
	}
	return n
}

// TestCallNameMatchesString: the remembered rendering is always the id's own, across
// more ids than the cache has slots (so slots are shared and evicted), asked in an
// order that revisits old ids.
func TestCallNameMatchesString(t *testing.T) {
	c := &newCallNet(t, nil).calls
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
			if got, want := c.name(id).String(), id.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", id, got, want)
			}
		}
	}
	if got := testing.AllocsPerRun(100, func() { c.name(ids[5]) }); got != 0 {
		t.Fatalf("a remembered name allocated %v times", got)
	}
}

// TestCallNamesStayValid: a Name handed out earlier must still read the same after
// many more calls were named (slots evicted and filled with other calls' Names).
// Callers keep them: a flight carries its call's Name from the send to the hand-over.
func TestCallNamesStayValid(t *testing.T) {
	c := &newCallNet(t, nil).calls
	type kept struct {
		id   router.CallID
		name *sim.Name
	}
	var all []kept
	for seq := uint64(1); seq <= 20_000; seq++ {
		id := router.CallID{Node: router.NodeID([]byte("n7")), Incarnation: router.Incarnation(seq % 3), Seq: seq * 1_000_003}
		all = append(all, kept{id, c.name(id)})
	}
	for _, k := range all {
		if got, want := k.name.String(), k.id.String(); got != want {
			t.Fatalf("a name kept for %#v reads %q now, want %q", k.id, got, want)
		}
	}
}

// TestNewCallNamesRarelyAllocate: naming a call not seen before takes a Name from
// the world's current slab, and writes out no string; only a full slab costs an
// allocation.
func TestNewCallNamesRarelyAllocate(t *testing.T) {
	c := &newCallNet(t, nil).calls
	seq := uint64(0)
	c.name(router.CallID{Node: "n1", Incarnation: 1, Seq: 1})
	got := testing.AllocsPerRun(10_000, func() {
		seq++
		c.name(router.CallID{Node: "n1", Incarnation: 1, Seq: 1_000_000 + seq})
	})
	// A slab holds up to 256 Names.
	if got > 0.01 {
		t.Fatalf("naming a new call allocated %v times, want at most one per hundred", got)
	}
}

// TestCallNameModel: any id, with numbers of any size and any node name (empty too,
// long ones, and hosts' names, whose Names calls take), is named as CallID.String
// names it, through the cache and when it names anew.
func TestCallNameModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := &newCallNet(t, []router.NodeID{"n1", "c1"}).calls
		num := rapid.OneOf(rapid.Uint64Range(0, 12), rapid.Uint64Range(0, 1_000_000), rapid.Uint64())
		node := rapid.OneOf(rapid.StringMatching(`[nc1-9-]{0,4}`), rapid.StringMatching(`[a-z]{20,24}`))
		for range rapid.IntRange(1, 200).Draw(t, "lookups") {
			id := router.CallID{
				Node:        router.NodeID(node.Draw(t, "node")),
				Incarnation: router.Incarnation(num.Draw(t, "inc")),
				Seq:         num.Draw(t, "seq"),
			}
			if got, want := c.name(id).String(), id.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", id, got, want)
			}
		}
	})
}

// TestCallNamesShareIncarnations: the calls of a host's incarnation share one Name of
// the incarnation, which the host remembers however many hosts there are: a large
// network (here a thousand hosts, whose names are alike in their lengths and last
// bytes by the hundred) makes no new Name of an incarnation for each call it names.
func TestCallNamesShareIncarnations(t *testing.T) {
	var ids []router.NodeID
	for i := 1; i <= 1000; i++ {
		ids = append(ids, router.NodeID("n"+strconv.Itoa(i)))
	}
	n := newCallNet(t, ids)
	first := map[router.NodeID]*sim.Name{}
	for seq := uint64(1); seq <= 3; seq++ {
		for _, id := range ids {
			n.calls.name(router.CallID{Node: id, Incarnation: 2, Seq: seq})
			h := n.Host(id)
			if h.incName == nil || h.incName.String() != string(id)+".2" {
				t.Fatalf("%s: incarnation Name %v, want %s.2", id, h.incName, id)
			}
			if p, ok := first[id]; ok && p != h.incName {
				t.Fatalf("%s: call %d named a new Name of incarnation 2", id, seq)
			}
			first[id] = h.incName
		}
	}
	// A new incarnation takes a new Name, and calls of the old one are still named
	// right.
	n.calls.name(router.CallID{Node: "n7", Incarnation: 3, Seq: 1})
	if got := n.Host("n7").incName.String(); got != "n7.3" {
		t.Fatalf("incarnation 3 of n7 named %q", got)
	}
	if got := n.calls.name(router.CallID{Node: "n7", Incarnation: 2, Seq: 99}).String(); got != "n7.2.99" {
		t.Fatalf("a call of n7's old incarnation named %q", got)
	}
}

// TestCallNameOfACopiedNode: an id whose node name is another string with the same
// bytes is the same id, and gets the Name its call was given, not a new one (the
// hashed trace would define a new one again); an id of another node of the same
// length whose slot it shares gets its own.
func TestCallNameOfACopiedNode(t *testing.T) {
	c := &newCallNet(t, []router.NodeID{"n1", "c1"}).calls
	for seq := uint64(1); seq <= 3*callNameSlots; seq++ {
		id := router.CallID{Node: "n1", Incarnation: 1, Seq: seq}
		first := c.name(id)
		copied := id
		copied.Node = router.NodeID(string([]byte(id.Node)))
		if got := c.name(copied); got != first {
			t.Fatalf("a copy of %v named %q anew, want the Name it was given", id, got)
		}
		// "c1" shares the slot of "n1" for the same numbers: it evicts n1's Name.
		other := router.CallID{Node: "c1", Incarnation: 1, Seq: seq}
		if got := c.name(other); got == first || got.String() != other.String() {
			t.Fatalf("%v named %q (the Name of %v: %v)", other, got, id, got == first)
		}
	}
}
