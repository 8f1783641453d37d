package scenarios_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// budgetPauseSpec: n1, the leader's node, is down from 300ms, so that from 350ms
// (detect_after) a call through it fails at once, unreachable, and is due a retry 5ms
// later; the client c1 is paused from 400ms to 500ms, and a retry due meanwhile is
// made when it resumes, 100ms past its request's start, far past the 30ms budget.
const budgetPauseSpec = `{"name": "retry-budget-pause", "nodes": ["n1", "n2", "n3"], "clients": ["c1"], "routers": 2, "hop_limit": 4,
 "router_service": {"dist": "exponential", "min": "5µs", "mean": "15µs"},
 "peer": {"service": {"dist": "exponential", "min": "50µs", "mean": "200µs"}},
 "gossip": {"interval": "100ms"}, "link": {"latency": {"dist": "uniform", "min": "100µs", "max": "1ms"}}, "detect_after": "50ms",
 "ensembles": [{"name": "e1", "members": [{"name": "p1", "node": "n1"}, {"name": "p2", "node": "n2"}, {"name": "p3", "node": "n3"}], "leader": "p1"}],
 "workload": {"rate": 2000, "duration": "1s", "timeout": "20ms", "client_share": 0.3, "retry": {"attempts": 5, "backoff": "5ms", "budget": "30ms"}},
 "faults": [{"at": "300ms", "action": "crash", "node": "n1"}, {"at": "400ms", "action": "pause", "node": "c1"}, {"at": "500ms", "action": "resume", "node": "c1"}]}`

// TestRetryBudgetPausedCaller: workload.retry.budget holds for a caller paused while
// its retry was due: it makes no attempt later than the budget after its request's
// first, and the request fails with attempts left; the requests still add up.
func TestRetryBudgetPausedCaller(t *testing.T) {
	spec, err := scenarios.Parse(strings.NewReader(budgetPauseSpec))
	if err != nil {
		t.Fatal(err)
	}
	budget := spec.Workload.Retry.Budget.D()
	for _, sem := range semantics {
		res := mustRun(t, spec, scenarios.Options{Seed: 1, Semantics: sem, KeepTrace: true})
		if len(res.Report.Violations) > 0 {
			t.Fatalf("%s: violations: %v", sem, res.Report.Violations)
		}
		if q := checkRetries(t, res.Report); q.FailedEarly == 0 {
			t.Fatalf("%s: requests %+v: want some failed with attempts left, their budget spent", sem, q)
		}
		firsts := map[string]time.Duration{} // a first attempt's call id: when it started
		retries, fromC1 := 0, 0
		for _, rec := range res.Trace {
			if rec.Kind != "call" {
				continue
			}
			call, req := attempt(rec)
			if req == "" {
				firsts[call] = rec.At
				continue
			}
			retries++
			if rec.Node == "c1" {
				fromC1++
			}
			if after := rec.At - firsts[req]; after > budget {
				t.Fatalf("%s: %s on %s retries %s %v after it started, past the %v budget", sem, call, rec.Node, req, after, budget)
			}
		}
		if retries == 0 || fromC1 == 0 {
			t.Fatalf("%s: %d retries, %d of them by c1: want some by the paused client", sem, retries, fromC1)
		}
	}
}
