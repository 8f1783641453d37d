package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// allFailing is steady where every call times out at once (a 1ns timeout): every
// call breaks liveness. Its links take no time (Validate refuses a liveness phase
// over links slower than the timeout): a router's service time alone outlasts 1ns.
func allFailing(t *testing.T) Spec {
	t.Helper()
	s := named(t, "steady")
	s.Name = "all-failing"
	s.Workload.Duration = Duration(300 * time.Millisecond)
	s.Workload.Timeout = Duration(time.Nanosecond)
	s.Link.Latency = Dist{Kind: "constant"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestViolationsKeptPerInvariant: a run where every call fails keeps the first
// MaxViolationsKept violations of each invariant and counts every one.
func TestViolationsKeptPerInvariant(t *testing.T) {
	for _, sem := range semantics {
		t.Run(sem.String(), func(t *testing.T) {
			res := mustRun(t, allFailing(t), Options{Seed: 1, Semantics: sem})
			r := res.Report
			// The calls failed with the router's own error, which their records tell:
			// the checker kept nothing more per call, and still names the error.
			if n := len(res.wd.chk.liveErr); n != 0 {
				t.Errorf("the checker kept %d calls' errors, want none", n)
			}
			for _, v := range r.Violations {
				if v.Invariant == InvLiveness && !strings.Contains(v.Detail, "in the liveness phase failed: router: timeout") {
					t.Errorf("liveness violation %+v, want the call's error named", v)
				}
			}
			if r.Calls.OK != 0 || r.Calls.Total < 3*MaxViolationsKept {
				t.Fatalf("calls %+v: want hundreds, none ok", r.Calls)
			}
			kept := map[string]uint64{}
			for _, v := range r.Violations {
				kept[v.Invariant]++
			}
			var sum uint64
			for inv, n := range r.ViolationCounts {
				sum += n
				if want := min(n, MaxViolationsKept); kept[inv] != want {
					t.Errorf("%s: %d kept of %d, want %d", inv, kept[inv], n, want)
				}
			}
			if len(kept) != len(r.ViolationCounts) {
				t.Errorf("invariants kept %v, counted %v", kept, r.ViolationCounts)
			}
			if n := r.ViolationCounts[InvLiveness]; n < r.Calls.Total/2 {
				t.Errorf("%d liveness violations counted for %d failed calls", n, r.Calls.Total)
			}
			if sum != r.ViolationsTotal || r.ViolationsLeftOut() != sum-uint64(len(r.Violations)) || r.ViolationsLeftOut() == 0 {
				t.Errorf("total %d, left out %d; the counts sum to %d, %d kept", r.ViolationsTotal, r.ViolationsLeftOut(), sum, len(r.Violations))
			}
		})
	}
}

// TestViolationsKeptAreTheFirst: the violations kept are the first of their invariant,
// in the order found, and a violation past the cap costs no formatting.
func TestViolationsKeptAreTheFirst(t *testing.T) {
	wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := wd.chk
	var want []Violation
	for i := range MaxViolationsKept + 50 {
		c.violate(InvDeadline, router.CallID{}, "d%d", i)
		if i < MaxViolationsKept {
			want = append(want, Violation{Invariant: InvDeadline, Detail: fmt.Sprintf("d%d", i)})
		}
		if i%2 == 0 {
			c.violate(InvNoLeak, router.CallID{}, "leak")
		}
	}
	var got []Violation
	for _, v := range c.viol {
		if v.Invariant == InvDeadline {
			got = append(got, v)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deadline violations kept (-want +got):\n%s", diff)
	}
	if n := len(c.viol) - len(got); n != 75 {
		t.Errorf("%d no-leak violations kept, want all 75", n)
	}
	if a := testing.AllocsPerRun(100, func() { c.violate(InvDeadline, router.CallID{}, "d%d", 1) }); a != 0 {
		t.Errorf("a violation past the cap allocates %v times, want none", a)
	}
	if n := c.violCount[invariantIndex(InvDeadline)]; n != MaxViolationsKept+50+101 {
		t.Errorf("%d deadline violations counted, want %d", n, MaxViolationsKept+50+101)
	}
}
