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

// traceGCPercent is the target of ensim trace, whose view of more than one call or
// cast holds the whole trace and its analysis: a live heap of gigabytes at scale,
// which gcPercent would let grow five times over. ensim trace --scenario scale --call
// ID, when it held the whole trace too, peaked at 6.96 GB with 400 and 5.96 GB with
// 100, and took less time.
const traceGCPercent = 100

// tuneGC applies gcPercent (traceGCPercent for ensim trace, args[0] naming the
// command) unless the environment sets GOGC.
func tuneGC(args []string) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercentFor(args))
	}
}

// gcPercentFor is the collector's target for the command args names.
func gcPercentFor(args []string) int {
	if len(args) > 0 && args[0] == "trace" {
		return traceGCPercent
	}
	return gcPercent
}

// seedGC decides when a sweep worker collects garbage: between seeds, when almost
// nothing is live and no write barrier slows a run, just before the collector would
// start on its own during the next seed. It never moves the collector's goal (GOGC
// sets it, gcPercent by default), so a worker's heap stays within it as any
// process's does; it only takes the collections the goal calls for at the seeds'
// boundaries. The next seed is assumed to allocate as much as the last one did; one
// that allocates more meets a collection of the runtime's own. A small scenario's
// seed leaves almost nothing live (leader-churn: about 0.1 MB, against a goal of
// 16 MB, Go's least heap goal of 4 MB scaled by gcPercent, and about 4 MB allocated
// a seed), so the worker collects every third seed, each time between two seeds,
// instead of after every seed; a collection costs about a third of a millisecond
// however little is live.
type seedGC struct {
	since uint64 // /gc/heap/allocs:bytes at the last collection
	prev  uint64 // the same at the end of the previous seed

	// The runtime, replaced by the tests.
	allocated func() uint64 // bytes allocated so far, ever
	goal      func() uint64 // the heap size at which the collector aims to finish its next cycle
	live      func() uint64 // bytes live at the last collection
	collect   func()        // runtime.GC
}

// newSeedGC returns the worker's policy.
func newSeedGC() *seedGC {
	g := &seedGC{
		allocated: func() uint64 { return readMetric("/gc/heap/allocs:bytes") },
		goal:      func() uint64 { return readMetric("/gc/heap/goal:bytes") },
		live:      func() uint64 { return readMetric("/gc/heap/live:bytes") },
		collect:   runtime.GC,
	}
	g.since = g.allocated()
	g.prev = g.since
	return g
}

// betweenSeeds is called after each seed: it collects if one more seed like the last
// would take the heap past three quarters of the way from what was live to the goal
// (the collector starts its cycle before the goal, so that it ends by it).
func (g *seedGC) betweenSeeds() {
	now := g.allocated()
	seed := now - g.prev
	g.prev = now
	goal, live := g.goal(), g.live()
	if goal <= live {
		goal = live
	}
	if now-g.since+seed <= (goal-live)/4*3 {
		return
	}
	g.collect()
	g.since = g.allocated()
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
