package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/router"
)

// TestBenchPrintOrder: the text report lists the error outcomes sorted by name, the
// same way every time.
func TestBenchPrintOrder(t *testing.T) {
	r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 4, Calls: 6, OK: 1,
		Errors: map[string]int64{"unreachable": 1, "timeout": 2, "overloaded": 1, "hop-limit": 1}, LatencyNS: map[string]int64{}}
	for range 20 {
		var b bytes.Buffer
		if err := r.print(&b, false); err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, line := range strings.Split(b.String(), "\n") {
			if f := strings.Fields(line); len(f) == 2 && r.Errors[f[0]] > 0 {
				codes = append(codes, f[0])
			}
		}
		if got := strings.Join(codes, " "); got != "hop-limit overloaded timeout unreachable" {
			t.Fatalf("error lines in the order %q, want sorted:\n%s", got, b.String())
		}
	}
}

// TestBenchExitStatus: bench exits 0 when calls succeeded, and 1, saying why, when
// none did (here every call finds no leader: the node knows no ensemble e9), after
// printing its report all the same; bad usage stays exit 2 (TestBadUsage).
func TestBenchExitStatus(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	for _, tc := range []struct {
		name   string
		ens    string
		exit   int
		stderr string
	}{
		{name: "calls succeed", ens: "e1", exit: 0},
		{name: "every call fails", ens: "e9", exit: 1, stderr: "ensctl: bench e9: none of the "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"bench", "--peers", "n1=" + n.addr, "--secret-file", n.secret,
				"--concurrency", "2", "--duration", "100ms", "--json", tc.ens}, &out, &errb)
			var res benchResult
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("no report: %v\nstdout %q\nstderr %q", err, out.String(), errb.String())
			}
			if code != tc.exit || res.Calls == 0 || !strings.Contains(errb.String(), tc.stderr) {
				t.Fatalf("exit %d, %d calls, stderr %q; want exit %d, calls, and %q", code, res.Calls, errb.String(), tc.exit, tc.stderr)
			}
			if tc.exit == 1 {
				want := fmt.Sprintf("calls succeeded (%d no-leader): nothing was measured; router: no leader: the nodes know no leader of e9: it is not an ensemble of the cluster", res.Calls)
				if res.OK != 0 || !strings.Contains(errb.String(), want) {
					t.Fatalf("stderr %q, report %+v; want %q", errb.String(), res, want)
				}
			} else if res.OK == 0 {
				t.Fatalf("no call succeeded: %+v", res)
			}
		})
	}
}

// TestBenchInterrupted: a bench that a signal cuts short (main cancels the context)
// prints what it measured until then, marked interrupted, and exits 130 saying so;
// so does a call.
func TestBenchInterrupted(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	ctx, cancel := context.WithCancel(context.Background())
	tm := time.AfterFunc(300*time.Millisecond, cancel)
	defer tm.Stop()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"bench", "--peers", "n1=" + n.addr, "--secret-file", n.secret,
		"--concurrency", "2", "--duration", "1m", "--json", "e1"}, &out, &errb)
	var res benchResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("no report: %v\nstdout %q\nstderr %q", err, out.String(), errb.String())
	}
	if code != exitInterrupted || errb.String() != "ensctl: interrupted\n" || !res.Interrupted || res.OK == 0 ||
		time.Duration(res.DurationNS) >= time.Minute {
		t.Fatalf("exit %d, stderr %q, report %+v; want %d, interrupted, the calls made until then", code, errb.String(), res, exitInterrupted)
	}
	out.Reset()
	errb.Reset()
	code = run(ctx, []string{"call", "--peers", "n1=" + n.addr, "--secret-file", n.secret, "e1", "get", "k"}, &out, &errb)
	if code != exitInterrupted || !strings.HasSuffix(errb.String(), "ensctl: interrupted\n") {
		t.Fatalf("call after the signal: exit %d, stderr %q", code, errb.String())
	}
}

// TestBenchInterruptedWhileConnecting: a bench that a signal cuts short while it
// waits for a member to connect (its process stopped) makes no call: it exits 130
// with no report, though --via is connected; a call and a cast write no outcome.
func TestBenchInterruptedWhileConnecting(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	stopped := holdingListener(t) // accepts, and never answers
	ctx, cancel := context.WithCancel(context.Background())
	tm := time.AfterFunc(300*time.Millisecond, cancel)
	defer tm.Stop()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"bench", "--peers", "n1=" + n.addr + ",n2=" + stopped, "--via", "n1", "--secret-file", n.secret,
		"--connect-timeout", "1m", "--duration", "1m", "--json", "e1"}, &out, &errb)
	if code != exitInterrupted || out.Len() != 0 || errb.String() != "ensctl: interrupted\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %d, no report, interrupted", code, out.String(), errb.String(), exitInterrupted)
	}
	// A call and a cast with --json, interrupted alike, write no outcome: the node
	// was not found unreachable.
	for _, cmd := range [][]string{{"call", "e1", "get", "k"}, {"cast", "e1", "put", "k", "v"}} {
		ctx, cancel := context.WithCancel(context.Background())
		tm := time.AfterFunc(300*time.Millisecond, cancel)
		out.Reset()
		errb.Reset()
		code := run(ctx, append([]string{cmd[0], "--peers", "n1=" + n.addr + ",n2=" + stopped, "--via", "n1", "--secret-file", n.secret,
			"--connect-timeout", "1m", "--json"}, cmd[1:]...), &out, &errb)
		tm.Stop()
		if code != exitInterrupted || out.Len() != 0 {
			t.Errorf("%s interrupted while connecting: exit %d, stdout %q; want %d and no outcome", cmd[0], code, out.String(), exitInterrupted)
		}
	}
}

// benchJSON runs ensctl bench --json against n with args, and returns its report and
// exit status.
func benchJSON(t *testing.T, n *testNode, args ...string) (benchResult, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append(append([]string{"bench", "--peers", "n1=" + n.addr, "--secret-file", n.secret, "--json"}, args...), "e1"), &out, &errb)
	var res benchResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("no report: %v\nstdout %q\nstderr %q", err, out.String(), errb.String())
	}
	return res, code
}

// TestBenchOpenLoopSchedule: open loop makes rate × duration calls, not one more: at
// 3 calls a second for 1s the calls are due at 0, 1/3 and 2/3 of a second (an
// interval of 333,333,333ns added up put a fourth at 999,999,999ns).
func TestBenchOpenLoopSchedule(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	res, code := benchJSON(t, n, "--rate", "3", "--duration", "1s")
	if code != 0 || res.Calls != 3 || res.OK != 3 {
		t.Fatalf("exit %d, %d calls (%d ok); want exit 0 and 3 calls: %+v", code, res.Calls, res.OK, res)
	}
	for _, tc := range []struct {
		rate  float64
		dur   time.Duration
		calls int64
	}{
		{3, time.Second, 3}, {1, time.Second, 1}, {1, 1500 * time.Millisecond, 2}, {1e8, 24 * time.Hour, 8_640_000_000_000},
		{7, 3 * time.Second, 21}, {0.5, 5 * time.Second, 3}, {1e6, 3 * time.Second, 3_000_000},
	} {
		s := newSchedule(tc.rate, tc.dur)
		if s.calls != tc.calls || s.at(s.calls-1) >= tc.dur || s.at(s.calls) < tc.dur {
			t.Errorf("rate %v for %v: %d calls, the last at %v, the next at %v; want %d", tc.rate, tc.dur, s.calls, s.at(s.calls-1), s.at(s.calls), tc.calls)
		}
	}
}

// TestBenchOpenLoopBehind: open loop at a rate far past what one worker can do makes
// the calls it can and counts the rest as skipped; it neither counts a call it did
// not send (each call made sent a message) nor walks the rest of the schedule after
// --duration.
//
// What it asks of the clock is kept far from what a loaded machine does: each run
// makes its first call however late the generator reaches it within the timeout
// (TestBenchOpenLoopFirstCallLate), so a stall of the test process does not leave a
// run without a call; and the run that must end soon after --duration has a timeout
// of 5s, which a generator that walked the schedule would take at least, against the
// 150ms (--duration and its grace) it should.
func TestBenchOpenLoopBehind(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	res, code := benchJSON(t, n, "--rate", "10000000", "--concurrency", "1", "--duration", "100ms", "--timeout", "5s")
	if code != 0 || res.Scheduled != 1_000_000 || res.Skipped == 0 || res.Calls+res.Skipped != res.Scheduled {
		t.Fatalf("exit %d, %d scheduled, %d calls, %d skipped; want exit 0, 1000000 scheduled, some skipped, the rest made: %+v",
			code, res.Scheduled, res.Calls, res.Skipped, res)
	}
	if res.Calls > int64(res.IO.Sent) {
		t.Fatalf("%d calls but %d messages sent: calls counted that were never sent: %+v", res.Calls, res.IO.Sent, res)
	}
	// Every call but the first is late by then: a generator that went on past
	// --duration would skip none until its calls' deadlines, 5s after the start.
	if took := time.Duration(res.DurationNS); took >= 5*time.Second {
		t.Fatalf("the run took %v: the generator walked the schedule past --duration (100ms) until the calls' deadlines", took)
	}
	// A worker that far behind goes on with the calls due now, whose budget is
	// whole, not along the edge of the deadlines: most of the calls it makes succeed,
	// and it starts them from at once to the whole timeout late as it falls behind
	// again, so the median call starts well within its budget. Going on from the
	// calls due a timeout ago, every call it made had microseconds left (a start lag
	// of the whole 200ms); those a fast node answered in time succeeded, up to 45%
	// of them here, and a faster machine would make that most.
	res, code = benchJSON(t, n, "--rate", "10000000", "--concurrency", "2", "--timeout", "200ms", "--duration", "500ms")
	if code != 0 || res.Skipped == 0 || res.OK*2 < res.Calls || res.StartLagNS["p50"] >= int64(180*time.Millisecond) {
		t.Fatalf("exit %d, %d calls, %d ok, %d skipped, start lag %v; want most calls made to succeed, the median started with more than 20ms of its 200ms left",
			code, res.Calls, res.OK, res.Skipped, res.StartLagNS)
	}
	var out, errb bytes.Buffer
	code = run(context.Background(), []string{"bench", "--peers", "n1=" + n.addr, "--secret-file", n.secret,
		"--rate", "10000000", "--concurrency", "1", "--duration", "10ms", "e1"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "\nskipped     ") || !strings.Contains(out.String(), " of 100000 scheduled (generator behind") {
		t.Fatalf("exit %d, report:\n%s%s\nwant exit 0 and a line of the calls skipped", code, out.String(), errb.String())
	}
}

// TestBenchOpenLoopLowRate: calls/s is over the whole --duration, not the time until
// the last call ended: one call a second for a second is 1 call/s, not the 1,000 or
// so of one call that took a millisecond.
func TestBenchOpenLoopLowRate(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	res, code := benchJSON(t, n, "--rate", "1", "--duration", "1s")
	if code != 0 || res.Calls != 1 || res.CallsPerSec > 1 || res.DurationNS < int64(time.Second) {
		t.Fatalf("exit %d, %d calls, %v calls/s over %v; want exit 0, 1 call, 1 call/s over 1s: %+v",
			code, res.Calls, res.CallsPerSec, time.Duration(res.DurationNS), res)
	}
}

// TestBenchLatencyOfFailures: the latency percentiles are of the successful calls;
// the failed calls' latency is reported apart (here 90 fast failures, as when a node
// is down, would otherwise make p50 theirs), in the text and the JSON alike.
func TestBenchLatencyOfFailures(t *testing.T) {
	rec := newRecorder(time.Second)
	for i := range 100 {
		if i%10 == 0 {
			rec.record(i, 5*time.Millisecond, router.CodeOK)
		} else {
			rec.record(i, 100*time.Microsecond, router.CodeUnreachable)
		}
	}
	r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 4}
	r.latency, r.errLatency, r.outcomes = rec.merge()
	r.finish(time.Second)
	near := func(got int64, want time.Duration) bool {
		return math.Abs(float64(got)-float64(want)) < float64(want)/100
	}
	if r.Calls != 100 || r.OK != 10 || !near(r.LatencyNS["p50"], 5*time.Millisecond) || !near(r.LatencyNS["max"], 5*time.Millisecond) ||
		!near(r.ErrorLatencyNS["p50"], 100*time.Microsecond) || !near(r.ErrorLatencyNS["max"], 100*time.Microsecond) {
		t.Fatalf("calls %d, ok %d, latency %v, error latency %v; want 10 of 100 ok, latency 5ms, error latency 100µs", r.Calls, r.OK, r.LatencyNS, r.ErrorLatencyNS)
	}
	var b bytes.Buffer
	if err := r.print(&b, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nlatency     p50 5.001ms  p99 5.001ms  p99.9 5.001ms  max 5.001ms (the 10 successful calls)\n",
		"\nerror latency p50 100µs  p99 100µs  max 100µs (how long the 90 failed calls took to fail)\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report without %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := r.print(&b, true); err != nil {
		t.Fatal(err)
	}
	var back benchResult
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.LatencyNS["p50"] != r.LatencyNS["p50"] || back.ErrorLatencyNS["p50"] != r.ErrorLatencyNS["p50"] {
		t.Errorf("JSON %s (%v); want latency_ns and error_latency_ns as in the text", b.String(), err)
	}
}

// TestBenchSubMicrosecondFailures: failures answered in under a microsecond (a node
// down, refused at once) print in nanoseconds, not as 0s.
func TestBenchSubMicrosecondFailures(t *testing.T) {
	rec := newRecorder(time.Second)
	for i := range 10 {
		rec.record(i, 500*time.Nanosecond, router.CodeUnreachable)
	}
	r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 4}
	r.latency, r.errLatency, r.outcomes = rec.merge()
	r.finish(time.Second)
	var b bytes.Buffer
	if err := r.print(&b, false); err != nil {
		t.Fatal(err)
	}
	if want := "\nerror latency p50 500ns  p99 500ns  max 500ns (how long the 10 failed calls took to fail)\n"; !strings.Contains(b.String(), want) {
		t.Errorf("report without %q:\n%s", want, b.String())
	}
}

// TestBenchNoCalls: a run that made no call (one a signal ended before any started)
// prints no percentiles of the empty histograms, in the text or the JSON.
func TestBenchNoCalls(t *testing.T) {
	for _, mode := range []string{"closed", "open"} {
		r := &benchResult{Mode: mode, Ensemble: "e1", Via: "n1", Concurrency: 4}
		r.latency, r.errLatency, r.outcomes = newRecorder(time.Second).merge()
		if mode == "open" {
			h, _, _ := newRecorder(time.Second).merge()
			r.StartLagNS = percentiles(h, false)
		}
		r.finish(time.Second)
		var text, js bytes.Buffer
		if err := r.print(&text, false); err != nil {
			t.Fatal(err)
		}
		if err := r.print(&js, true); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text.String(), "p50") || !strings.Contains(text.String(), "\nlatency     none: no call succeeded\n") ||
			strings.Contains(js.String(), "p50") || strings.Contains(js.String(), "latency_ns") {
			t.Errorf("%s loop, no calls: report\n%s%s\nwant no percentiles, and latency none", mode, text.String(), js.String())
		}
		if mode == "open" && !strings.Contains(text.String(), "start lag none: no call started\n") {
			t.Errorf("open loop, no calls: report\n%s\nwant start lag none", text.String())
		}
	}
}

// TestBenchLongLatency: latencies past a minute are measured, not cut to a minute,
// when --timeout allows them; a --timeout past what the histograms are sized for
// is refused (TestBadUsage).
func TestBenchLongLatency(t *testing.T) {
	rec := newRecorder(5 * time.Minute)
	rec.record(0, 90*time.Second, router.CodeOK)
	rec.record(1, 4*time.Minute, router.CodeTimeout)
	ok, failed, _ := rec.merge()
	if got := time.Duration(ok.Max()); got < 90*time.Second || got > 91*time.Second {
		t.Errorf("a 90s call recorded as %v", got)
	}
	if got := time.Duration(failed.Max()); got < 4*time.Minute || got > 4*time.Minute+time.Second {
		t.Errorf("a 4m call recorded as %v", got)
	}
}

// TestBenchShortLatency: a latency under a microsecond (a call that fails inside
// the client, its --via gone) is recorded as it was, not as a microsecond.
func TestBenchShortLatency(t *testing.T) {
	rec := newRecorder(time.Second)
	rec.record(0, 300*time.Nanosecond, router.CodeUnreachable)
	rec.record(0, 0, router.CodeUnreachable)
	_, failed, _ := rec.merge()
	if got := failed.ValueAtQuantile(100); got != 300 {
		t.Errorf("a 300ns failure recorded as %dns", got)
	}
	if got := failed.Min(); got != 1 {
		t.Errorf("a failure in no time recorded as %dns, want 1ns, the least", got)
	}
}

// TestBenchOpenLoopCatchUp: a worker whose call is past its deadline skips straight
// to the first call of its share still in time, counting the ones it skips; walking
// the schedule a call at a time, it would fall further behind at a high rate and
// skip every call until --duration.
func TestBenchOpenLoopCatchUp(t *testing.T) {
	s := newSchedule(1e8, 10*time.Second) // a call every 10ns, 1e9 in all
	for _, tc := range []struct {
		n       int64
		conc    int
		since   time.Duration
		next    int64
		skipped int64
	}{
		{n: 0, conc: 1, since: 5 * time.Second, next: 499_999_999, skipped: 499_999_999},
		{n: 3, conc: 4, since: 5 * time.Second, next: 499_999_999, skipped: 124_999_999},
		{n: 7, conc: 4, since: 50 * time.Nanosecond, next: 11, skipped: 1}, // nothing more to skip: the next call
		{n: 999_999_999, conc: 1, since: 10 * time.Second, next: 1_000_000_000, skipped: 1},
		{n: 3, conc: 4, since: 20 * time.Second, next: 1_999_999_999, skipped: 250_000_000}, // past the end: the rest of its share
	} {
		next, skipped := s.catchUp(tc.n, tc.conc, tc.since)
		if next != tc.next || skipped != tc.skipped || (next-tc.n)%int64(tc.conc) != 0 || (next-int64(tc.conc) > tc.n && s.at(next-int64(tc.conc)) >= tc.since) {
			t.Errorf("call %d of %d workers, in time after %v: next %d, %d skipped; want %d, %d", tc.n, tc.conc, tc.since, next, skipped, tc.next, tc.skipped)
		}
	}
}

// TestBenchLatencyOneCall: the latency lines count one call as one call.
func TestBenchLatencyOneCall(t *testing.T) {
	rec := newRecorder(time.Second)
	rec.record(0, time.Millisecond, router.CodeOK)
	rec.record(1, time.Millisecond, router.CodeUnreachable)
	r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 2}
	r.latency, r.errLatency, r.outcomes = rec.merge()
	r.finish(time.Second)
	var b bytes.Buffer
	if err := r.print(&b, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "(the 1 successful call)\n") || !strings.Contains(b.String(), "(how long the 1 failed call took to fail)\n") {
		t.Errorf("report\n%s\nwant the 1 successful call, the 1 failed call", b.String())
	}
}

// TestBenchOpenLoopTimesFromSchedule: open loop measures each call from when it was
// due, not from when the generator got to it, and its deadline counts from then too:
// a leader that takes 500ms over each request, called 10 times a second by one worker
// with a 400ms timeout, times every call out, each exactly 400ms after it was due
// (timed from its actual start, the calls behind their schedule would show only what
// was left of their budget, hiding the queueing: coordinated omission), and none
// later than that (given the whole timeout from its actual start, a call 300ms
// behind would fail 700ms after it was due).
func TestBenchOpenLoopTimesFromSchedule(t *testing.T) {
	const timeout = 400 * time.Millisecond
	n := startServingNode(t, "n1", kv.NewSlow(2, false), "e1")
	res, code := benchJSON(t, n, "--rate", "10", "--concurrency", "1", "--timeout", timeout.String(), "--duration", "1s")
	if code != 1 || res.Calls < 2 || res.Errors["timeout"] != res.Calls {
		t.Fatalf("exit %d, %d calls, errors %v; want exit 1 and every call timed out: %+v", code, res.Calls, res.Errors, res)
	}
	if lag := time.Duration(res.StartLagNS["max"]); lag < timeout/2 {
		t.Fatalf("start lag up to %v: the worker was not behind its schedule, nothing to tell apart: %+v", lag, res)
	}
	// The histograms keep 3 significant digits; a CI machine may be slow to wake a
	// caller at its deadline, by far less than the 300ms a budget given whole adds.
	if p50, max := time.Duration(res.ErrorLatencyNS["p50"]), time.Duration(res.ErrorLatencyNS["max"]); p50 < timeout*999/1000 || max > timeout*3/2 {
		t.Fatalf("timed-out calls took %v (p50) to %v (max) from when they were due; want each the %v timeout", p50, max, timeout)
	}
}

// TestBenchPercentiles: the report's p50, p99, p99.9 and max are those quantiles of
// the successful calls' latencies (1ms to 1000ms here, one call each), to the
// histogram's three significant digits; calls/s counts every call made, failed ones
// too, over the run's duration.
func TestBenchPercentiles(t *testing.T) {
	rec := newRecorder(2 * time.Second)
	for i := 1; i <= 1000; i++ {
		rec.record(i, time.Duration(i)*time.Millisecond, router.CodeOK)
		if i%2 == 0 {
			rec.record(i, time.Millisecond, router.CodeTimeout)
		}
	}
	r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 4}
	r.latency, r.errLatency, r.outcomes = rec.merge()
	r.finish(10 * time.Second)
	ms := func(v int64) float64 { return float64(v) / float64(time.Millisecond) }
	for q, want := range map[string]float64{"p50": 500, "p99": 990, "p999": 999, "max": 1000} {
		if got := ms(r.LatencyNS[q]); math.Abs(got-want) > want/1000 {
			t.Errorf("%s: %.3fms, want %vms", q, got, want)
		}
	}
	if r.Calls != 1500 || r.OK != 1000 || r.CallsPerSec != 150 {
		t.Errorf("%d calls (%d ok), %v calls/s over 10s; want 1500 (1000 ok), 150 calls/s", r.Calls, r.OK, r.CallsPerSec)
	}
}

// benchText is r's text report, as bench prints it.
func benchText(t *testing.T, r *benchResult) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.print(&b, false); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// reportHas fails t for each of want that r's text report lacks.
func reportHas(t *testing.T, r *benchResult, want ...string) {
	t.Helper()
	text := benchText(t, r)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("report lacks %q:\n%s", w, text)
		}
	}
}
