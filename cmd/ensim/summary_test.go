package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

func TestSummaryLines(t *testing.T) {
	code, stdout, stderr := ensim(t, "run", "--scenario", "slow-leader")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var labels []string
	for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if label := strings.TrimSpace(l[:min(len(l), 13)]); label != "" {
			labels = append(labels, label)
		}
	}
	want := []string{"scenario", "seed", "semantics", "cluster", "calls", "late replies", "orphans", "latency",
		"error latency", "after give-up", "events", "time", "probes", "violations", "trace hash"}
	if diff := cmp.Diff(want, labels); diff != "" {
		t.Errorf("summary labels (-want +got):\n%s\n%s", diff, stdout)
	}
	for _, w := range []string{
		"scenario      slow-leader\n", "seed          1\n", "semantics     default\n",
		"cluster       5 nodes, 1 client, 7 routers per node\n",
		" ok, ", " timeout, ", " no-leader, ", " not-leader, ", " unreachable, ", " hop-limit, ", " overloaded, ", " other\n",
		"late-reply-dropped", "simulated/wall", "violations    none\n",
		"error latency p50 50ms, p99 50ms, max 50ms (how long the ", " failed calls took to fail)\n",
		"after give-up ", " messages sent, 0 events handed to peers, 0.6% of peer work (", " of ", "s), for calls already over\n",
		"events        ", "/s\n", " simulated/wall\n",
	} {
		if !strings.Contains(stdout, w) {
			t.Errorf("summary lacks %q:\n%s", w, stdout)
		}
	}
}

func TestSummaryViolationsAndProbes(t *testing.T) {
	r := scenarios.Report{Scenario: "x", Probes: map[string]uint64{"zeta": 1, "alpha": 22}}
	for i := range 12 {
		r.Violations = append(r.Violations, scenarios.Violation{Invariant: "deadline", Call: fmt.Sprintf("n1.1.%d", i), Detail: "late"})
	}
	r.Violations = append(r.Violations, scenarios.Violation{Invariant: "no-leak", Detail: "not quiet"})
	got := summary(r)
	for _, w := range []string{
		"probes        alpha 22\n              zeta  1\n",
		"violations    13\n              deadline: call n1.1.0: late\n",
		"              and 3 more (see --json)\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("summary lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "n1.1.10") {
		t.Errorf("summary lists more than %d violations:\n%s", maxViolations, got)
	}
}

func TestHumanNS(t *testing.T) {
	tests := []struct {
		name string
		ns   int64
		want string
	}{
		{name: "zero", ns: 0, want: "0s"},
		{name: "nanoseconds", ns: 999, want: "999ns"},
		{name: "microseconds", ns: 520_123, want: "520.1µs"},
		{name: "milliseconds", ns: 50_001_234, want: "50ms"},
		{name: "milliseconds kept", ns: 50_012_345, want: "50.01ms"},
		{name: "four digits at a power of ten", ns: 10_000_999, want: "10ms"},
		{name: "seconds", ns: 2_050_000_000, want: "2.05s"},
		{name: "minutes", ns: 125_000_000_000, want: "2m5s"},
		{name: "negative", ns: -1_500_000, want: "-1.5ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := humanNS(tc.ns); got != tc.want {
				t.Errorf("humanNS(%d) = %q, want %q", tc.ns, got, tc.want)
			}
		})
	}
}

func TestSI(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want string
	}{
		{name: "small", v: 7, want: "7.00"},
		{name: "hundreds", v: 512.4, want: "512"},
		{name: "thousands", v: 240_123, want: "240k"},
		{name: "millions", v: 1_523_000, want: "1.52M"},
		{name: "billions", v: 3.2e12, want: "3200G"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := si(tc.v); got != tc.want {
				t.Errorf("si(%v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

func TestSummaryExpectedUnderRiak(t *testing.T) {
	spec := failingSpec(t)
	spec.RiakBreaks = []string{scenarios.InvLiveness}
	path := writeFile(t, "spec.json", spec.JSON())
	const expected = "expected under riak (the original does not keep these): "
	tests := []struct {
		name         string
		semantics    string
		wantCode     int
		wantExpected bool
	}{
		{name: "riak", semantics: "riak", wantCode: exitOK, wantExpected: true},
		{name: "default", semantics: "default", wantCode: exitFail, wantExpected: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // a failure writes its repro here
			code, stdout, stderr := ensim(t, "run", "--spec", path, "--semantics", tc.semantics)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, stdout, stderr)
			}
			if got := strings.Contains(stdout, expected); got != tc.wantExpected {
				t.Errorf("summary shows expected violations: %v, want %v\n%s", got, tc.wantExpected, stdout)
			}
			if tc.wantExpected {
				if !strings.Contains(stdout, "violations    none\n"+expected) || !strings.Contains(stdout, "\n              liveness: call ") {
					t.Errorf("summary lacks the expected violations and their list:\n%s", stdout)
				}
				if stderr != "" {
					t.Errorf("stderr = %q, want nothing for expected violations", stderr)
				}
			}
		})
	}
}

func TestSummaryNoFailedCalls(t *testing.T) {
	got := summary(scenarios.Report{Calls: scenarios.Calls{Total: 3, OK: 3}})
	if !strings.Contains(got, "error latency none: no call failed\n") {
		t.Errorf("summary lacks the no-failure line:\n%s", got)
	}
}

// TestSummaryBacklog: a run that went on while its routers served a backlog says so on
// a line of its own, and whether the world went quiet; a run without one has no such
// line (TestSummaryLines).
func TestSummaryBacklog(t *testing.T) {
	for _, tc := range []struct {
		b    scenarios.Backlog
		want string
	}{
		{scenarios.Backlog{Messages: 792, AtNS: 4_350_000_000, QuietNS: 12_830_000_000},
			"backlog       792 messages queued at the busiest router at 4.35s, when the world was to be quiet (arrivals faster than the routers serve): the run went on while they were served; quiet at 12.83s\n"},
		{scenarios.Backlog{Messages: 1, AtNS: 2_000_000_000, QuietNS: -1},
			"backlog       1 message queued at the busiest router at 2s, when the world was to be quiet (arrivals faster than the routers serve): the run went on while they were served; it did not go quiet (see no-leak)\n"},
	} {
		r := scenarios.Report{Scenario: "x", Backlog: &tc.b}
		if got := summary(r); !strings.Contains(got, tc.want) {
			t.Errorf("summary lacks %q:\n%s", tc.want, got)
		}
	}
}
