package scenarios_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/specgen"
	"github.com/ensroute/ensroute/sim"
)

// TestPropInvariantsRetry is TestPropInvariants for worlds whose callers retry: every
// drawn spec gets a drawn workload.retry (specgen.RetryGen), and each attempt is
// checked by every invariant as any call is. ENSROUTE_INJECT works as for
// TestPropInvariants.
func TestPropInvariantsRetry(t *testing.T) {
	rapid.Check(t, invariantsProp(withInjected(t, propConfig{name: t.Name(), semantics: semantics, artifactDir: t.ArtifactDir,
		draw: func(rt *rapid.T, s *scenarios.Spec) { s.Workload.Retry = specgen.RetryGen().Draw(rt, "retry") }})))
}

// slowLeaderRetrying is slow-leader whose callers retry a timeout twice, 10ms apart,
// with jitter.
func slowLeaderRetrying(t *testing.T) scenarios.Spec {
	t.Helper()
	s, ok := scenarios.Named("slow-leader")
	if !ok {
		t.Fatal("no slow-leader")
	}
	s.Workload.Retry = &scenarios.Retry{Attempts: 3, Backoff: ms(10), Jitter: 0.5, On: []string{"timeout"}}
	return s
}

// checkRetries checks that a report's requests add up, and returns them.
func checkRetries(t *testing.T, r scenarios.Report) scenarios.Retries {
	t.Helper()
	q := r.Retries
	if q == nil {
		t.Fatal("a workload that retries reported no retries")
	}
	if sum := q.OK + q.FailedEveryAttempt + q.FailedEarly + q.Lost + q.Open; sum != q.Requests {
		t.Errorf("requests %d, but their outcomes add up to %d: %+v", q.Requests, sum, *q)
	}
	if q.Attempts != r.Calls.Total {
		t.Errorf("%d attempts, but %d calls", q.Attempts, r.Calls.Total)
	}
	if q.OK != r.Calls.OK {
		t.Errorf("%d requests ok, but %d calls ok: a request succeeds once", q.OK, r.Calls.OK)
	}
	if want := float64(q.Attempts) / float64(q.Requests); q.Amplification != want {
		t.Errorf("amplification %v, want %v", q.Amplification, want)
	}
	return *q
}

// TestRetrySlowLeader: slow-leader's timeouts are retried under both semantics; the
// requests are the calls of the run without retries, every invariant holds, and
// some requests succeed only after a retry.
func TestRetrySlowLeader(t *testing.T) {
	for _, sem := range semantics {
		t.Run(sem.String(), func(t *testing.T) {
			plain := mustRun(t, slowLeaderRetrying(t), scenarios.Options{Seed: 1, Semantics: sem})
			base, _ := scenarios.Named("slow-leader")
			once := mustRun(t, base, scenarios.Options{Seed: 1, Semantics: sem}).Report
			r := plain.Report
			if len(r.Violations) > 0 {
				t.Fatalf("violations: %v", r.Violations)
			}
			q := checkRetries(t, r)
			if q.Requests != once.Calls.Total {
				t.Errorf("%d requests, want the %d calls of the run without retries", q.Requests, once.Calls.Total)
			}
			if q.OKAfterRetry == 0 || q.FailedEveryAttempt == 0 || q.Attempts <= q.Requests {
				t.Errorf("slow-leader retried nothing to note: %+v", q)
			}
			if q.OK <= once.Calls.OK {
				t.Errorf("%d requests ok with retries, %d without: retries recovered none", q.OK, once.Calls.OK)
			}
		})
	}
}

// TestRetryTraceNamesRequest: a retry's call record names its request (the first
// attempt's call id, made earlier on the same node, which timed out) and its attempt
// number; a first attempt's record is as it was. Same seed and spec, same trace.
func TestRetryTraceNamesRequest(t *testing.T) {
	spec := slowLeaderRetrying(t)
	opt := scenarios.Options{Seed: 3, Semantics: router.Default, KeepTrace: true}
	res := mustRun(t, spec, opt)
	again := mustRun(t, spec, opt)
	if res.Report.TraceHash != again.Report.TraceHash {
		t.Fatalf("same seed and spec, trace hashes %s and %s", res.Report.TraceHash, again.Report.TraceHash)
	}
	firsts := map[string]string{} // a first attempt's call id: its node
	codes := map[string]string{}
	retried := 0
	for _, rec := range res.Trace {
		attrs := map[string]string{}
		for _, a := range rec.Attrs {
			attrs[a.Key] = a.Str
			if a.IsInt {
				attrs[a.Key] = fmt.Sprint(a.Int)
			}
		}
		switch rec.Kind {
		case "complete":
			codes[attrs["call"]] = attrs["code"]
		case "call":
			req, ok := attrs["request"]
			if !ok {
				firsts[attrs["call"]] = rec.Node
				continue
			}
			retried++
			node, seen := firsts[req]
			switch {
			case !seen:
				t.Fatalf("%s's request %s is no earlier first attempt", attrs["call"], req)
			case node != rec.Node:
				t.Fatalf("%s on %s retries %s, made on %s", attrs["call"], rec.Node, req, node)
			case codes[req] != "timeout":
				t.Fatalf("%s retries %s, which completed %q, not a timeout", attrs["call"], req, codes[req])
			case attrs["attempt"] != "2" && attrs["attempt"] != "3":
				t.Fatalf("%s is attempt %q of %s, want 2 or 3", attrs["call"], attrs["attempt"], req)
			}
		}
	}
	if q := res.Report.Retries; uint64(retried) != q.Attempts-q.Requests {
		t.Fatalf("%d call records name a request, want the %d retries", retried, q.Attempts-q.Requests)
	}
}

// TestRetryJitterSeeded: jitter's draws come from the run's seed: the same seed runs
// the same trace, and jitter moves the retries.
func TestRetryJitterSeeded(t *testing.T) {
	spec := slowLeaderRetrying(t)
	hash := func(s scenarios.Spec, seed uint64) string {
		return mustRun(t, s, scenarios.Options{Seed: seed, Semantics: router.Default}).Report.TraceHash
	}
	flat := slowLeaderRetrying(t)
	flat.Workload.Retry.Jitter = 0
	first, again := hash(spec, 1), hash(spec, 1)
	if first != again {
		t.Fatal("the same seed ran two traces")
	}
	if first == hash(flat, 1) {
		t.Fatal("jitter 0.5 and jitter 0 ran the same trace: the waits drew nothing")
	}
	if first == hash(spec, 2) {
		t.Fatal("seeds 1 and 2 ran the same trace")
	}
}

// TestRetryBudgetAndOutcomes: a budget shorter than a timeout and a backoff stops the
// retries, and the requests fail with attempts left; an outcome not in on is never
// retried.
func TestRetryBudgetAndOutcomes(t *testing.T) {
	spec := slowLeaderRetrying(t)
	spec.Workload.Retry.Budget = ms(55) // a 50ms timeout, then a 5..10ms wait: too late
	r := mustRun(t, spec, scenarios.Options{Seed: 1, Semantics: router.Default}).Report
	q := checkRetries(t, r)
	if q.Attempts != q.Requests || q.FailedEarly == 0 || q.FailedEveryAttempt != 0 {
		t.Errorf("a budget of 55ms still retried: %+v", q)
	}
	spec = slowLeaderRetrying(t)
	spec.Workload.Retry.On = []string{"no-leader", "overloaded"}
	r = mustRun(t, spec, scenarios.Options{Seed: 1, Semantics: router.Default}).Report
	q = checkRetries(t, r)
	if q.Attempts != q.Requests || q.FailedEarly != r.Calls.Timeout {
		t.Errorf("timeouts retried though on leaves them out: %+v", q)
	}
}

// TestRetryQuiet: a world whose last calls are retried long after the workload ends
// still goes quiet with no leak: the run waits out every retry's wait and timeout.
// A wait of 3s puts the retries of the slow leader's last timeouts after the world
// would be quiet without retries (about 3.2s).
func TestRetryQuiet(t *testing.T) {
	spec := slowLeaderRetrying(t)
	spec.Workload.Duration = ms(1100) // the slow leader outlasts the workload
	spec.Liveness = nil
	spec.Workload.Retry = &scenarios.Retry{Attempts: 2, Backoff: ms(3000)}
	for _, sem := range semantics {
		r := mustRun(t, spec, scenarios.Options{Seed: 1, Semantics: sem}).Report
		if len(r.Violations) > 0 {
			t.Fatalf("%s: violations: %v", sem, r.Violations)
		}
		if q := checkRetries(t, r); q.Open != 0 || q.OKAfterRetry == 0 {
			t.Fatalf("%s: requests %+v: want none open, some ok after a retry", sem, q)
		}
		// The slow leader's timeouts from 1s on are retried 3s after.
		if r.SimTimeNS < int64(4*time.Second) {
			t.Fatalf("%s: the run ended at %v, before the last retries were due", sem, time.Duration(r.SimTimeNS))
		}
	}
}

// TestRetryCallerCrash: a request whose caller crashes during its wait, or with an
// attempt open, is lost with its caller; none is retried by the caller's next
// incarnation.
func TestRetryCallerCrash(t *testing.T) {
	spec := slowLeaderRetrying(t)
	// A call of n3 that fails in the 60ms before the crash is due a retry 100ms
	// later: before the restart or after it.
	spec.Workload.Retry.Backoff, spec.Workload.Retry.Jitter = ms(100), 0
	spec.Faults = append(spec.Faults,
		scenarios.Fault{At: ms(700), Action: "crash", Node: "n3"},
		scenarios.Fault{At: ms(760), Action: "restart", Node: "n3"})
	spec.Liveness = nil
	for _, sem := range semantics {
		res := mustRun(t, spec, scenarios.Options{Seed: 1, Semantics: sem, KeepTrace: true})
		r := res.Report
		if len(r.Violations) > 0 {
			t.Fatalf("%s: violations: %v", sem, r.Violations)
		}
		if q := checkRetries(t, r); q.Lost == 0 || q.Open != 0 {
			t.Fatalf("%s: requests %+v: want some lost with n3, none open", sem, q)
		}
		// A call id is node.incarnation.seq: a retry is made by its request's
		// incarnation.
		for _, rec := range res.Trace {
			call, req := attempt(rec)
			if rec.Kind != "call" || req == "" {
				continue
			}
			if inc := func(id string) string { return id[:strings.LastIndex(id, ".")] }; inc(call) != inc(req) {
				t.Fatalf("%s: %s retries %s, made by another incarnation", sem, call, req)
			}
		}
	}
}

// TestRetrySpecErrors: a bad workload.retry is refused with its field named, and
// never panics.
func TestRetrySpecErrors(t *testing.T) {
	for _, tc := range []struct {
		name, retry, want string
	}{
		{"no attempts", `{}`, "workload.retry.attempts: 0, want 1..10"},
		{"too many attempts", `{"attempts": 11}`, "workload.retry.attempts: 11, want 1..10"},
		{"negative backoff", `{"attempts": 2, "backoff": "-1ms"}`, "workload.retry.backoff: -1ms"},
		{"long backoff", `{"attempts": 2, "backoff": "2h"}`, "workload.retry.backoff: 2h0m0s, want 0 up to 1h"},
		{"cap under backoff", `{"attempts": 2, "backoff": "10ms", "max_backoff": "5ms"}`, "workload.retry.max_backoff: 5ms is less than backoff 10ms"},
		{"doubled past an hour", `{"attempts": 10, "backoff": "1m"}`, "workload.retry.backoff: 1m0s doubled before each of 9 retries waits 4h16m0s before the last, past the limit of 1h: set max_backoff"},
		{"jitter past 1", `{"attempts": 2, "jitter": 1.5}`, "workload.retry.jitter: 1.5, want 0..1"},
		{"negative budget", `{"attempts": 2, "budget": "-1s"}`, "workload.retry.budget: -1s"},
		{"unknown outcome", `{"attempts": 2, "on": ["timeouts"]}`, `workload.retry.on[0]: "timeouts" is not an outcome: want one of timeout, no-leader`},
		{"ok retried", `{"attempts": 2, "on": ["ok"]}`, `workload.retry.on[0]: "ok" is not an outcome`},
		{"repeated outcome", `{"attempts": 2, "on": ["timeout", "timeout"]}`, `workload.retry.on[1]: "timeout" is repeated`},
		{"unknown key", `{"attempts": 2, "tries": 3}`, `workload.retry: unknown field "tries"`},
		{"wrong type", `{"attempts": "3"}`, `workload.retry.attempts`},
		{"past the call limit", `{"attempts": 10}`, "workload.retry.attempts: 10 attempts of each of about 1000000 planned calls could make 10000000 calls, past the limit of 4000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := scenarios.Named("steady")
			s.Workload.Rate, s.Workload.Duration = 500_000, scenarios.Duration(2*time.Second)
			js := strings.Replace(string(s.JSON()), `"workload": {`, `"workload": {"retry": `+tc.retry+`,`, 1)
			if !strings.Contains(js, `"retry"`) {
				t.Fatal("the spec's JSON has no workload object to put retry in")
			}
			_, err := scenarios.Parse(strings.NewReader(js))
			if err == nil || !errors.Is(err, scenarios.ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: %v\nwant ErrBadSpec with %q", err, tc.want)
			}
		})
	}
}

// TestRetryWithoutRetryNothingMoves: a spec without retry reports none, and a
// retry of one attempt (nothing retried) runs the same trace as none.
func TestRetryWithoutRetryNothingMoves(t *testing.T) {
	base, _ := scenarios.Named("slow-leader")
	r := mustRun(t, base, scenarios.Options{Seed: 1}).Report
	if r.Retries != nil {
		t.Fatalf("a spec without retry reported %+v", *r.Retries)
	}
	one := base
	one.Workload.Retry = &scenarios.Retry{Attempts: 1}
	r1 := mustRun(t, one, scenarios.Options{Seed: 1}).Report
	if r1.TraceHash != r.TraceHash {
		t.Fatalf("one attempt per request ran trace %s, without retry %s", r1.TraceHash, r.TraceHash)
	}
	if q := checkRetries(t, r1); q.Requests != r.Calls.Total || q.Amplification != 1 {
		t.Fatalf("one attempt: %+v", q)
	}
}

// attempt returns the call id of a call record, and the call id of its request's
// first attempt when it is a retry ("" for a first attempt).
func attempt(rec sim.Record) (call, request string) {
	for _, a := range rec.Attrs {
		switch a.Key {
		case "call":
			call = a.Str
		case "request":
			request = a.Str
		}
	}
	return call, request
}
