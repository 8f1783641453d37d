package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// gcPercent is ensim's garbage-collection target when GOGC is not set. A simulation
// allocates short-lived garbage at a high rate over a modest live heap, so collecting
// less often buys about a tenth of its time for a heap about a fifth larger (see
// README.md, "Performance"). GOGC in the environment still wins.
const gcPercent = 400

// gcTuned says whether main applied gcPercent (tuneGC): only then may a sweep worker
// change the collector's percentage (seedGC).
var gcTuned bool

// tuneGC applies gcPercent unless the environment sets GOGC, and reports whether it
// did.
func tuneGC() bool {
	if _, set := os.LookupEnv("GOGC"); set {
		return false
	}
	debug.SetGCPercent(gcPercent)
	return true
}

// seedHeadroom is the least heap growth a sweep worker allows between collections.
// A seed of a small scenario leaves almost nothing live (leader-churn: about 1.4 MB
// live, 4 MB allocated a seed), so gcPercent alone would collect every seed or two,
// and a collection costs a fixed third of a millisecond or so however little is live.
const seedHeadroom = 64 << 20

// seedGC decides when a sweep worker collects garbage: between seeds, when almost
// nothing is live and no write barrier slows a run, once the seeds since the last
// collection have allocated half the heap's headroom. The headroom is gcPercent of
// the live heap, but at least seedHeadroom: after each collection the worker raises
// the collector's percentage to match, so that the collector does not start on its
// own during a seed unless that seed alone allocates more than the other half. A
// worker's heap thus stays under the larger of gcPercent's bound and the live heap
// plus seedHeadroom.
//
// The zero seedGC collects after every seed and never changes the percentage: what
// the worker does when GOGC is set in the environment, which then rules.
type seedGC struct {
	tune   bool   // ensim set the percentage (tuneGC), so the worker may change it
	budget uint64 // bytes the seeds may allocate before the next collection
	since  uint64 // /gc/heap/allocs:bytes at the last collection

	// The runtime, replaced by the tests.
	allocated  func() uint64 // bytes allocated so far, ever
	live       func() uint64 // bytes live at the last collection
	collect    func()        // runtime.GC
	setPercent func(int) int // debug.SetGCPercent
}

// newSeedGC returns the worker's policy; tune says whether ensim set the collector's
// percentage (tuneGC).
func newSeedGC(tune bool) *seedGC {
	return &seedGC{
		tune:       tune,
		allocated:  func() uint64 { return readMetric("/gc/heap/allocs:bytes") },
		live:       func() uint64 { return readMetric("/gc/heap/live:bytes") },
		collect:    runtime.GC,
		setPercent: debug.SetGCPercent,
	}
}

// betweenSeeds is called after each seed: it collects if the seeds since the last
// collection have used up the budget, and then sets the next budget.
func (g *seedGC) betweenSeeds() {
	if g.allocated()-g.since < g.budget {
		return
	}
	g.collect()
	g.since = g.allocated()
	if !g.tune {
		return
	}
	live := max(g.live(), 1)
	percent := max(gcPercent, int(min(seedHeadroom*100/live, 1<<20)))
	g.setPercent(percent)
	g.budget = live * uint64(percent) / 100 / 2
}

// readMetric reads one runtime/metrics value that is a uint64.
func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
