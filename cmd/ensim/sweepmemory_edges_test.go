package main

import (
	"fmt"
	"testing"

	"github.com/ensroute/ensroute/scenarios"
)

// TestFailureKeepsOnlyItsViolations: a worker's result holds up to
// scenarios.MaxViolationsKept violations of each invariant, and a sweep with
// --keep-going holds the failure of every failing seed until it ends. The failure
// must keep its first maxViolations alone, in storage of its own: a slice of the
// result's would keep every violation of every failing seed alive, a few tens of
// kilobytes a seed (86 MB for 1,500 failing seeds of leader-churn with a tight
// liveness bound, 33 MB with a copy).
func TestFailureKeepsOnlyItsViolations(t *testing.T) {
	s, _ := memSweeper(t, 1, 1)
	s.o.from, s.o.seeds = 1, 1
	var vs []scenarios.Violation
	for i := range scenarios.MaxViolationsKept {
		vs = append(vs, scenarios.Violation{Invariant: scenarios.InvLiveness, Detail: fmt.Sprintf("call %d took too long", i)})
	}
	res := &workerResult{Seed: 1, Violations: vs, ViolationsTotal: uint64(len(vs)), TraceHash: "h"}
	s.result(s.workers[0], &job{seed: 1, index: 0}, res)
	f := s.failures[1]
	if f == nil {
		t.Fatal("seed 1 did not fail")
	}
	if len(f.Violations) != maxViolations || cap(f.Violations) > maxViolations {
		t.Errorf("the failure keeps %d violations in storage for %d; want %d in storage for at most %d",
			len(f.Violations), cap(f.Violations), maxViolations, maxViolations)
	}
	if len(f.Violations) > 0 && &f.Violations[0] == &res.Violations[0] {
		t.Errorf("the failure's violations are the result's own storage")
	}
}
