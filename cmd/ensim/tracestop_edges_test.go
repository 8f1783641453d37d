package main

import (
	"testing"

	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/traceview"
	"github.com/ensroute/ensroute/sim"
)

// TestTraceLaterAttemptStopsItsFirstRun: a view of a later attempt of a request
// (slow-leader-retry, seed 1: c1.1.251 is the third attempt of c1.1.195) learns the
// request from the attempt's call record, and the run that learned it ends there,
// not at the run's end, before the run is made again for the request; the part kept
// is the request's, from a whole second run. A view of a first attempt is one whole
// run.
func TestTraceLaterAttemptStopsItsFirstRun(t *testing.T) {
	spec, ok := scenarios.Named("slow-leader-retry")
	if !ok {
		t.Fatal("no slow-leader-retry")
	}
	for _, tc := range []struct {
		call, request string
		stops         bool
	}{{"c1.1.251", "c1.1.195", true}, {"c1.1.216", "c1.1.195", true}, {"c1.1.195", "", false}} {
		first := traceview.NewPart(tc.call, ensembleNames(spec))
		n := 0 // the records of the first run
		opt := scenarios.Options{Seed: 1, AllViolations: true, TraceSink: func(r *sim.Record) { n++; first.Add(r) }}
		res, part, err := simulateView(spec, opt, first, nil)
		if err != nil {
			t.Fatal(err)
		}
		total := res.Report.TraceEvents
		if res.Stopped || total == 0 || part.Whole().Records != int(total) {
			t.Fatalf("--call %s: Stopped %v, %d records, the part saw %d: want the result of a whole run and its part", tc.call, res.Stopped, total, part.Whole().Records)
		}
		if stopped := uint64(n) < total; stopped != tc.stops {
			t.Errorf("--call %s: the first run emitted %d of the run's %d records; want it stopped early: %v", tc.call, n, total, tc.stops)
		}
		if tc.stops && (first.Request() != tc.request || part == first || part.Call() != tc.request) {
			t.Errorf("--call %s: request %q, part of %q; want the part of the request %s from a second run", tc.call, first.Request(), part.Call(), tc.request)
		}
		if !tc.stops && part != first {
			t.Errorf("--call %s: a first attempt's view made a second run", tc.call)
		}
	}
}
