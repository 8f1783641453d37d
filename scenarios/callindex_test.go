package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

// TestCallIndexMatchesMap: callIndex answers as a map from id to the newest call put
// under it does (get always, recent whenever it answers), for ids issued in order per
// incarnation, reissued (incarnation 0, as the reused-id bug makes them), or looked up
// without ever being put.
//
// More nodes than the index remembers recently share its slots, so lookups also go
// past a slot that names another node; an id put again over the one get last found
// must not be answered from what get remembered; a node named "" makes the zero
// id look like a place never used; and two nodes' names start at the same address.
// An id just put is answered by recent; ids are also looked up by names equal to
// those put but stored apart.
func TestCallIndexMatchesMap(t *testing.T) {
	// "m1" and "m12" share their bytes: one name is the other's start.
	m12 := fmt.Sprintf("m%d", 12)
	nodes := []string{"", "c1", m12[:2], m12}
	for i := range 3 * recentNodes {
		nodes = append(nodes, fmt.Sprintf("n%d", i+1))
	}
	rapid.Check(t, func(t *rapid.T) {
		var x callIndex
		model := map[router.CallID]int32{}
		id := rapid.Custom(func(t *rapid.T) router.CallID {
			return router.CallID{
				Node:        router.NodeID(rapid.SampledFrom(nodes[:rapid.SampledFrom([]int{3, len(nodes)}).Draw(t, "nodes")]).Draw(t, "node")),
				Incarnation: router.Incarnation(rapid.IntRange(0, 2).Draw(t, "inc")),
				// Numbers a whole cache apart share a slot of recent's.
				Seq: rapid.Uint64Range(0, 40).Draw(t, "seq") + uint64(recentCalls*rapid.IntRange(0, 1).Draw(t, "lap")),
			}
		})
		for i := range rapid.IntRange(1, 200).Draw(t, "ops") {
			k := id.Draw(t, "id")
			if rapid.Bool().Draw(t, "put") && k.Seq > 0 {
				call := int32(rapid.IntRange(0, 1000).Draw(t, "call"))
				x.put(int32(slices.Index(nodes, string(k.Node))), &k, call)
				model[k] = call
				if got, ok := x.recent(&k); got != call || !ok {
					t.Fatalf("op %d: recent(%v) just after put = %d, %v; want %d, true", i, k, got, ok, call)
				}
			}
			if rapid.Bool().Draw(t, "apart") {
				// The same name stored elsewhere: recent may not know it, get must.
				k.Node = router.NodeID(strings.Clone(string(k.Node)))
			}
			want, known := model[k]
			if got, ok := x.recent(&k); ok && (got != want || !known) {
				t.Fatalf("op %d: recent(%v) = %d, true; want %d, %v", i, k, got, want, known)
			}
			if got, ok := x.get(&k); got != want || ok != known {
				t.Fatalf("op %d: get(%v) = %d, %v; want %d, %v", i, k, got, ok, want, known)
			}
		}
		for k, want := range model {
			if got, ok := x.recent(&k); ok && got != want {
				t.Fatalf("at the end: recent(%v) = %d, true; want %d", k, got, want)
			}
			if got, ok := x.get(&k); got != want || !ok {
				t.Fatalf("at the end: get(%v) = %d, %v; want %d, true", k, got, ok, want)
			}
		}
	})
}

// TestTracerStartedMatchesMap: a tracer's record of the calls its incarnation
// started answers as a map from sequence number to the last call recorded under it
// does, for numbers issued in order, with gaps, and again.
func TestTracerStartedMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var tr tracer
		model := map[uint64]int32{}
		next := uint64(1)
		for i := range rapid.IntRange(1, 100).Draw(t, "ops") {
			var seq uint64
			switch rapid.IntRange(0, 2).Draw(t, "how") {
			case 0: // the next number
				seq = next
			case 1: // past a gap
				seq = next + rapid.Uint64Range(1, 20).Draw(t, "gap")
			default: // one issued before, or the next
				seq = rapid.Uint64Range(1, next).Draw(t, "again")
			}
			next = max(next, seq+1)
			call := int32(rapid.IntRange(0, 1000).Draw(t, "call"))
			tr.started(seq, call)
			model[seq] = call
			for s := uint64(1); s <= next; s++ {
				var got int32 // 1 + call, 0 for none, as complete reads recs
				if s <= uint64(len(tr.recs)) {
					got = tr.recs[s-1]
				}
				want, ok := model[s]
				if !ok && got != 0 || ok && got != want+1 {
					t.Fatalf("op %d: recs[%d] = %d; want %d (recorded: %v)", i, s-1, got, want+1, ok)
				}
			}
		}
	})
}
