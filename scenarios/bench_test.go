package scenarios

import (
	"runtime"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// An event, in every figure these benchmarks report, is one kernel event: one
// entry taken off the simulation's queue and run (Report.Events). Trace records,
// messages and calls are not events; a call in a healthy cluster takes about five.

// benchRun runs spec once per iteration and reports, over all iterations:
// events/s (kernel events per wall second, start-up included), sim/wall
// (simulated time over wall time), allocs/event and calls/s.
func benchRun(b *testing.B, spec Spec, opt Options) {
	b.Helper()
	var events, calls uint64
	var simTime time.Duration
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m0 := ms.Mallocs
	for b.Loop() {
		res, err := Run(spec, opt)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Report.Violations) > 0 {
			b.Fatalf("violation: %+v", res.Report.Violations[0])
		}
		events += res.Report.Events
		calls += res.Report.Calls.Total
		simTime += time.Duration(res.Report.SimTimeNS)
	}
	runtime.ReadMemStats(&ms)
	wall := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(simTime.Seconds()/wall, "sim/wall")
	b.ReportMetric(float64(ms.Mallocs-m0)/float64(events), "allocs/event")
	b.ReportMetric(float64(calls)/wall, "calls/s")
}

// BenchmarkScenario runs whole named scenarios, seed 1, default semantics; each
// iteration is one complete run, start-up and final checks included. steady-20s is
// steady with ten times the workload, to amortise start-up; nine-nodes is the
// nine-node, 1,000 calls/s yardstick for sim/wall.
func BenchmarkScenario(b *testing.B) {
	long, _ := Named("steady")
	long.Workload.Duration = dur(20 * time.Second)
	seed1 := Options{Seed: 1, Semantics: router.Default}
	noHash := seed1
	noHash.NoHash = true
	cases := []struct {
		name string
		spec Spec
		opt  Options
	}{
		{"steady", named(b, "steady"), seed1},
		{"steady-20s", long, seed1},
		// The same run without the trace hash: the simulation alone, so that the
		// trace's share of steady-20s is measured, not estimated.
		{"steady-20s-nohash", long, noHash},
		{"leader-churn", named(b, "leader-churn"), seed1},
		// leader-churn as a sweep runs most of its seeds: without the trace hash.
		{"leader-churn-nohash", named(b, "leader-churn"), noHash},
		{"slow-leader", named(b, "slow-leader"), seed1},
		{"partition-heal", named(b, "partition-heal"), seed1},
		{"nine-nodes", named(b, "nine-nodes"), seed1},
		{"nine-nodes-nohash", named(b, "nine-nodes"), noHash},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) { benchRun(b, tc.spec, tc.opt) })
	}
}

// BenchmarkScale runs the full scale scenario (1,000 nodes, 10,000 ensembles,
// 1,000,000 calls): about ten seconds and 0.8 GB per iteration, so it is a benchmark
// of its own, selected with -bench Scale.
func BenchmarkScale(b *testing.B) {
	benchRun(b, named(b, "scale"), Options{Seed: 1, Semantics: router.Default})
}
