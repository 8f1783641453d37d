package specgen

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"slices"
	"testing"
)

// drawsHash is the SHA-256 of the JSON of SpecGen's first 500 fixed draws
// (Example(0) to Example(499)), descriptions left out. The shrunk cases, their times and the coverage
// README.md gives were measured on these draws, and rapid's .fail files and the fuzz
// corpus replay them: a change to the generator that moves them changes every one.
const drawsHash = "3206cca4b090f60d9ddca60d5348733807099edf62604a54750c943b24593019"

// TestDrawsUnchanged: SpecGen draws, for each rapid seed, the spec it drew when the
// generator was a test file of package scenarios.
func TestDrawsUnchanged(t *testing.T) {
	h := sha256.New()
	gen := SpecGen()
	for i := range 500 {
		s := gen.Example(i)
		s.Description = "" // words, not a draw
		h.Write(s.JSON())
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != drawsHash {
		t.Fatalf("SpecGen's first 500 draws hash to %s, want %s: the generator draws other specs for the same seeds", got, drawsHash)
	}
}

// TestDrawsIgnoreActionKinds: ActionKinds is a copy; a test that changes it, to draw
// fewer kinds, say, changes no draw of the generator, its own or another test's.
func TestDrawsIgnoreActionKinds(t *testing.T) {
	saved := slices.Clone(ActionKinds)
	defer copy(ActionKinds, saved)
	var want []Plan
	for i := range 50 {
		want = append(want, PlanGen().Example(i))
	}
	for i := range ActionKinds {
		ActionKinds[i] = "crash"
	}
	for i := range 50 {
		if got := PlanGen().Example(i); !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("with ActionKinds changed PlanGen's draw %d is\n%+v\nnot\n%+v", i, got, want[i])
		}
	}
}
