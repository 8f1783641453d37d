package router_test

import (
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/internal/bugs"
)

// FuzzRouter is the model test (model_test.go) as a fuzz target: the fuzzer's bytes
// are rapid's choices (eight bytes a draw) of semantics and of the actions on a
// hand-driven cluster (calls, answers, deliveries, duplicates, drops, time, restarts),
// each checked against the model. go test runs the seed corpus below and any inputs
// saved under testdata/fuzz/FuzzRouter; fuzz with
//
//	go test ./router -run '^$' -fuzz FuzzRouter -fuzztime 5m
func FuzzRouter(f *testing.F) {
	f.Add(make([]byte, 2048))
	r := rand.New(rand.NewPCG(3, 4))
	for range 4 {
		b := make([]byte, 2048)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(rapid.MakeFuzz(modelProp(bugs.Set{})))
}
