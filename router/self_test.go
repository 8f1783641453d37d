package router

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestIsSelfIsEquality checks the node's comparison with its own name against plain
// string equality: names of every length, sharing last bytes or not, and copies of the
// node's own name held in other memory.
func TestIsSelfIsEquality(t *testing.T) {
	name := rapid.StringMatching(`[nab]{0,3}[0-9]?`)
	rapid.Check(t, func(t *rapid.T) {
		self := NodeID(name.Filter(func(s string) bool { return s != "" }).Draw(t, "self"))
		n := &Node{cfg: Config{ID: self}}
		id := NodeID(name.Draw(t, "id"))
		if rapid.Bool().Draw(t, "copy of self") {
			id = NodeID(strings.Clone(string(self)))
		}
		if got, want := n.isSelf(id), id == self; got != want {
			t.Fatalf("isSelf(%q) on node %q = %v, want %v", id, self, got, want)
		}
	})
}
