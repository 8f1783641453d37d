package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// cutShort is what recordBound's sink panics with to stop a run that has written
// more trace records than its test allows.
type cutShort struct{ at time.Duration }

// bouncing is directory-regression with no anti-entropy, so that n1's regressed
// directory is never repaired: under riak, which has no hop limit, each call n1 makes
// to e1 bounces between n1 and n3 until the run stops.
func bouncing(t *testing.T, link, service time.Duration, timeout time.Duration) Spec {
	s := named(t, "directory-regression")
	s.Gossip.PushOnly = true
	s.Liveness = nil
	s.Workload.Rate = 2
	s.Workload.ClientShare = 0
	s.Workload.Timeout = Duration(timeout)
	s.Link.Latency = netmodel.Const(link)
	s.RouterService = netmodel.Const(service)
	return s
}

// TestForwardLoopStopsAtBudget: a request that nodes pass back and forth without end
// stops the run once its routers have sent more messages than its budget
// (SendsPerPlanned), and the run says so (no-leak), and only that: a run cut short
// is not quiet, and its calls still open had yet to reach their deadlines; nor is
// the stop, which may come before the last scheduled change, placed a negative time
// after it. Without the budget, a loop over links and routers that take no time held
// the run at one virtual instant for ever, its memory growing; one over links of 1µs
// with a timeout of an hour ran until the run's stop, four hours of virtual time
// later: tens of billions of records, from a world of four calls. The sink stops a
// run that writes more than 100 million. Under default semantics the hop limit ends
// each bounce: the run is quiet, and within its budget. The calls the stop cut
// short are counted open, so that the outcomes still add up to the calls made.
func TestForwardLoopStopsAtBudget(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
	}{
		{"no time at all", bouncing(t, 0, 0, 50*time.Millisecond)},
		{"1µs links, a timeout of an hour", bouncing(t, time.Microsecond, 0, time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			riak := runBounded(t, tc.spec, router.Riak)
			if len(riak.Violations) == 0 {
				t.Fatal("under riak: no violation says the run went past its budget")
			}
			for _, v := range riak.Violations {
				if v.Invariant != InvNoLeak || !strings.Contains(v.Detail, "past the run's budget") {
					t.Errorf("under riak: a violation of the cut itself: %s: %s", v.Invariant, v.Detail)
				}
				if strings.Contains(v.Detail, ", -") {
					t.Errorf("a negative time after the last change: %s", v.Detail)
				}
			}
			if c := riak.Calls; outcomesSum(c) != c.Total || c.Open == 0 {
				t.Errorf("under riak: outcomes add up to %d of %d calls, %d open (want some: the stop cut calls short)", outcomesSum(c), c.Total, c.Open)
			}
			for _, v := range runBounded(t, tc.spec, router.Default).Violations {
				if strings.Contains(v.Detail, "budget") {
					t.Fatalf("under default: %+v", v)
				}
			}
		})
	}
}

// runBounded runs spec with seed 1 under sem, failing the test if the run writes
// more than 100 million trace records.
func runBounded(t *testing.T, spec Spec, sem router.Semantics) Report {
	t.Helper()
	const limit = 100_000_000
	n := 0
	sink := func(r *sim.Record) {
		if n++; n > limit {
			panic(cutShort{r.At})
		}
	}
	defer func() {
		if p := recover(); p != nil {
			s, ok := p.(cutShort)
			if !ok {
				panic(p)
			}
			t.Fatalf("under %v: the run wrote more than %d records, and was at virtual time %v: messages passed on without end do not stop it", sem, limit, s.at)
		}
	}()
	res, err := Run(spec, Options{Seed: 1, Semantics: sem, TraceSink: sink})
	if err != nil {
		t.Fatal(err)
	}
	return res.Report
}
