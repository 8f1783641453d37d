package scenarios_test

import (
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// FuzzSpec is TestPropInvariants as a fuzz target: the fuzzer's bytes are rapid's
// choices (eight bytes a draw), so every input is a valid spec and seed, run under both
// semantics. go test runs the seed corpus below and any inputs saved under
// testdata/fuzz/FuzzSpec; fuzz with
//
//	go test ./scenarios -run '^$' -fuzz FuzzSpec -fuzztime 5m
//
// A failing input is saved under testdata/fuzz/FuzzSpec (check it in to keep it) and
// the failure writes a repro file for ensim replay, as the property does.
func FuzzSpec(f *testing.F) {
	for _, in := range fuzzSeeds() {
		f.Add(in)
	}
	f.Fuzz(rapid.MakeFuzz(invariantsProp(propConfig{name: "FuzzSpec", semantics: semantics})))
}

// fuzzSeeds are the seed corpus: all zeros (the smallest spec the generator makes) and
// a few fixed pseudo-random inputs, long enough for a spec with every action.
func fuzzSeeds() [][]byte {
	out := [][]byte{make([]byte, 4096)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 4 {
		b := make([]byte, 4096)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		out = append(out, b)
	}
	return out
}
