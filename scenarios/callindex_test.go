package scenarios

import (
	"fmt"
	"slices"
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
// must not be answered from what get remembered; and a node named "" makes the zero
// id look like a place never used.
func TestCallIndexMatchesMap(t *testing.T) {
	nodes := []string{"", "c1"}
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
				Seq:         rapid.Uint64Range(0, 40).Draw(t, "seq"),
			}
		})
		for i := range rapid.IntRange(1, 200).Draw(t, "ops") {
			k := id.Draw(t, "id")
			if rapid.Bool().Draw(t, "put") && k.Seq > 0 {
				call := int32(rapid.IntRange(0, 1000).Draw(t, "call"))
				x.put(int32(slices.Index(nodes, string(k.Node))), &k, call)
				model[k] = call
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
