package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// violations returns n liveness violations of calls n1.1.0, n1.1.1, ...
func violations(n int) []scenarios.Violation {
	var vs []scenarios.Violation
	for i := range n {
		vs = append(vs, scenarios.Violation{Invariant: scenarios.InvLiveness, Call: fmt.Sprintf("n1.1.%d", i), Detail: "timed out"})
	}
	return vs
}

// TestSummaryCalls pins the summary's lines of calls: the latency of every call as
// p50, p99 and max in that order; an error latency only for calls that failed, not
// for those lost with their crashed caller or open when the run ended, which did
// not fail (the report's latencies leave both out); and a line for the calls not
// started, even for a single one.
func TestSummaryCalls(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    scenarios.Report
		want []string
		not  []string
	}{
		{name: "every call ok",
			r: scenarios.Report{Calls: scenarios.Calls{Total: 3, OK: 3},
				Latency: scenarios.Latency{P50: int64(time.Millisecond), P99: int64(2 * time.Millisecond), Max: int64(5 * time.Millisecond)}},
			want: []string{"latency       p50 1ms, p99 2ms, max 5ms\n", "error latency none: no call failed\n"}},
		{name: "ok and lost with their caller",
			r:    scenarios.Report{Calls: scenarios.Calls{Total: 4, OK: 3, Lost: 1}},
			want: []string{"latency       p50 0s, p99 0s, max 0s\n", "error latency none: no call failed\n", ", 1 lost with their caller\n"},
			not:  []string{"failed ones too", "how long the"}},
		{name: "failed and lost",
			r:    scenarios.Report{Calls: scenarios.Calls{Total: 5, OK: 2, Timeout: 2, Lost: 1}, ErrorLatency: scenarios.Latency{P50: 1e6, P99: 1e6, Max: 1e6}},
			want: []string{"latency       p50 0s, p99 0s, max 0s (every call, the failed ones too)\n", "(how long the 2 failed calls took to fail)\n"}},
		{name: "ok and open when the run ended",
			r:    scenarios.Report{Calls: scenarios.Calls{Total: 63, OK: 61, Open: 2}},
			want: []string{"latency       p50 0s, p99 0s, max 0s\n", "error latency none: no call failed\n", ", 2 open when the run ended\n"},
			not:  []string{"failed ones too", "how long the"}},
		{name: "failed and open",
			r:    scenarios.Report{Calls: scenarios.Calls{Total: 6, OK: 2, Timeout: 3, Open: 1}, ErrorLatency: scenarios.Latency{P50: 1e6, P99: 1e6, Max: 1e6}},
			want: []string{"(every call, the failed ones too)\n", "(how long the 3 failed calls took to fail)\n"}},
		{name: "one call not started",
			r:    scenarios.Report{Calls: scenarios.Calls{Total: 1, OK: 1}, SkippedCalls: 1},
			want: []string{"\n              1 more not started: their caller was down\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := summary(tc.r)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("summary has %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestViolationListsCountTheRest: the summary and the failure's stderr list the first
// maxViolations violations and say how many more there are; with exactly
// maxViolations there is no line of more ("and 0 more").
func TestViolationListsCountTheRest(t *testing.T) {
	for _, n := range []int{2, maxViolations, maxViolations + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := scenarios.Report{Violations: violations(n), ViolationsTotal: uint64(n), ViolationCounts: map[string]uint64{scenarios.InvLiveness: uint64(n)}}
			var stderr strings.Builder
			printViolations(&stderr, &r)
			for what, text := range map[string]string{"summary": summary(r), "stderr": stderr.String()} {
				more := regexp.MustCompile(`and (\d+) more`).FindStringSubmatch(text)
				switch {
				case n <= maxViolations && more != nil:
					t.Errorf("%s says %q of %d violations, all listed:\n%s", what, more[0], n, text)
				case n > maxViolations && (more == nil || more[1] != fmt.Sprint(n-maxViolations)):
					t.Errorf("%s says %q of %d violations, want and %d more:\n%s", what, more, n, n-maxViolations, text)
				}
				if got := strings.Count(text, "liveness: call n1.1."); got != min(n, maxViolations) {
					t.Errorf("%s lists %d violations, want %d", what, got, min(n, maxViolations))
				}
			}
		})
	}
}

// TestHumanNSFourDigits: humanNS keeps four significant digits also where a value
// has five once rounded to a multiple of ten, and si switches to k at 1000.
func TestHumanNSFourDigits(t *testing.T) {
	for ns, want := range map[int64]string{
		10_000:      "10µs",
		100_005:     "100µs",
		1_000_049:   "1ms",
		123_456_789: "123.5ms",
	} {
		if got := humanNS(ns); got != want {
			t.Errorf("humanNS(%d) = %q, want %q", ns, got, want)
		}
	}
	for v, want := range map[float64]string{999: "999", 1000: "1.00k", 999_999: "1000k", 1_000_000: "1.00M"} {
		if got := si(v); got != want {
			t.Errorf("si(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestConfigHeaderKeepsSpecOrder: faults at the same time are listed in the spec's
// order (the order in which they apply), however many the spec has.
func TestConfigHeaderKeepsSpecOrder(t *testing.T) {
	s := scenarios.Swarm(1)
	s.Faults = nil
	var want []string
	for i := range 20 {
		s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(time.Duration(i%3) * time.Second), Action: "crash", Node: fmt.Sprintf("x%02d", i)})
	}
	for at := range 3 {
		for i := at; i < 20; i += 3 {
			want = append(want, fmt.Sprintf("x%02d", i))
		}
	}
	var got []string
	for _, m := range regexp.MustCompile(`crash (x\d\d)`).FindAllStringSubmatch(configHeader(s, 1), -1) {
		got = append(got, m[1])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("faults in the header (-want +got):\n%s", diff)
	}
}
