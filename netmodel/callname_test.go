package netmodel

import (
	"strconv"
	"testing"

	"github.com/ensroute/ensroute/router"
	"pgregory.net/rapid"
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

// TestCallNamesStayValid: names are slices of shared chunks, so a name handed out
// earlier must still read the same after many more calls were named (chunks filled
// and replaced, slots evicted). Callers keep them: outcomes and kept trace records.
func TestCallNamesStayValid(t *testing.T) {
	var c callNames
	type kept struct {
		id   router.CallID
		name string
	}
	var all []kept
	for seq := uint64(1); seq <= 20_000; seq++ {
		id := router.CallID{Node: router.NodeID([]byte("n7")), Incarnation: router.Incarnation(seq % 3), Seq: seq * 1_000_003}
		all = append(all, kept{id, c.name(id)})
	}
	for _, k := range all {
		if want := k.id.String(); k.name != want {
			t.Fatalf("a name kept for %#v reads %q now, want %q", k.id, k.name, want)
		}
	}
}

// TestNewCallNamesRarelyAllocate: naming a call not seen before writes into the
// current chunk; only a full chunk costs an allocation.
func TestNewCallNamesRarelyAllocate(t *testing.T) {
	var c callNames
	seq := uint64(0)
	c.name(router.CallID{Node: "n1", Incarnation: 1, Seq: 1})
	got := testing.AllocsPerRun(10_000, func() {
		seq++
		c.name(router.CallID{Node: "n1", Incarnation: 1, Seq: 1_000_000 + seq})
	})
	// A name here is 15 bytes: a 4 KiB chunk holds over 200 of them.
	if got > 0.01 {
		t.Fatalf("naming a new call allocated %v times, want at most one per hundred", got)
	}
}

// TestCallNameModel: any id, with numbers of any size and any node name (empty too),
// is named as CallID.String names it, through the cache and when it renders anew.
func TestCallNameModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c callNames
		num := rapid.OneOf(rapid.Uint64Range(0, 12), rapid.Uint64Range(0, 1_000_000), rapid.Uint64())
		for range rapid.IntRange(1, 200).Draw(t, "lookups") {
			id := router.CallID{
				Node:        router.NodeID(rapid.StringMatching(`[nc1-9-]{0,4}`).Draw(t, "node")),
				Incarnation: router.Incarnation(num.Draw(t, "inc")),
				Seq:         num.Draw(t, "seq"),
			}
			if got, want := c.name(id), id.String(); got != want {
				t.Fatalf("name(%#v) = %q, want %q", id, got, want)
			}
		}
	})
}

// TestAppendDecMatchesStrconv: appendDec writes what strconv.AppendUint writes, at
// every number of digits and at the edges between them.
func TestAppendDecMatchesStrconv(t *testing.T) {
	check := func(v uint64) {
		if got, want := string(appendDec([]byte("x"), v)), string(strconv.AppendUint([]byte("x"), v, 10)); got != want {
			t.Fatalf("appendDec(%d) = %q, want %q", v, got, want)
		}
	}
	for p := uint64(1); p <= 1e19 && p != 0; p *= 10 {
		check(p - 1)
		check(p)
		check(p + 1)
		if p == 1e19 {
			break
		}
	}
	check(^uint64(0))
	rapid.Check(t, func(t *rapid.T) { check(rapid.Uint64().Draw(t, "v")) })
}
