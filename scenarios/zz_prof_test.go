package scenarios

import (
	"time"
	"runtime"
	"testing"

	"github.com/ensroute/ensroute/router"
)

func BenchmarkZZSweepSeeds(b *testing.B) {
	spec := named(b, "leader-churn")
	seed := uint64(1)
	for b.Loop() {
		runtime.GC()
		res, err := Run(spec, Options{Seed: seed, Semantics: router.Default, NoHash: true})
		if err != nil || len(res.Report.Violations) > 0 {
			b.Fatal(err)
		}
		seed++
	}
}


func TestZZGCTime(t *testing.T) {
	spec := named(t, "leader-churn")
	var gc time.Duration
	for seed := uint64(1); seed <= 100; seed++ {
		res, _ := Run(spec, Options{Seed: seed, Semantics: router.Default, NoHash: true})
		_ = res
		t0 := time.Now()
		runtime.GC()
		gc += time.Since(t0)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("GC avg %v heap %d", gc/100, ms.HeapAlloc)
}

func BenchmarkZZSweepEvery8(b *testing.B) {
	spec := named(b, "leader-churn")
	seed := uint64(1)
	for b.Loop() {
		if seed%8 == 0 {
			runtime.GC()
		}
		res, err := Run(spec, Options{Seed: seed, Semantics: router.Default, NoHash: true})
		if err != nil || len(res.Report.Violations) > 0 {
			b.Fatal(err)
		}
		seed++
	}
}
