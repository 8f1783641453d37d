package main

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// decodeComparison decodes ensim compare --json.
func decodeComparison(t *testing.T, stdout string) comparison {
	t.Helper()
	var c comparison
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("stdout is not a JSON comparison: %v\n%s", err, stdout)
	}
	return c
}

func TestCompareJSONHasEveryField(t *testing.T) {
	code, stdout, stderr := ensim(t, "compare", "--scenario", "steady", "--seeds", "2", "--json")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	want := map[string]any{"scenario": "steady", "seeds": 2.0, "from": 1.0, "routers": 7.0}
	got := map[string]any{"scenario": m["scenario"], "seeds": m["seeds"], "from": m["from"], "routers": m["routers"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	fields := []string{"runs", "calls", "ok", "success_rate_pct", "errors", "lost_with_caller", "open_calls", "skipped_calls", "time_to_error_ns", "latency_ns",
		"late_replies_discarded", "after_give_up", "orphan_messages", "hop_limit_hits", "violations",
		"violations_total", "expected_riak_violations", "expected_riak_violations_total", "events_per_sec"}
	kinds := []string{"timeout", "no_leader", "not_leader", "unreachable", "hop_limit", "overloaded", "other"}
	for _, sem := range []string{"riak", "default"} {
		side, ok := m[sem].(map[string]any)
		if !ok {
			t.Fatalf("no %q object in:\n%s", sem, stdout)
		}
		for _, f := range fields {
			if _, ok := side[f]; !ok {
				t.Errorf("%s: no field %q", sem, f)
			}
		}
		errs, _ := side["errors"].(map[string]any)
		for _, k := range kinds {
			e, _ := errs[k].(map[string]any)
			if _, ok := e["count"]; !ok {
				t.Errorf("%s.errors: no %q count", sem, k)
			}
			if _, ok := e["pct"]; !ok {
				t.Errorf("%s.errors: no %q pct", sem, k)
			}
		}
	}
	c := decodeComparison(t, stdout)
	for sem, s := range map[string]sideStats{"riak": c.Riak, "default": c.Default} {
		if s.Runs != 2 || s.Calls == 0 || s.OK != s.Calls || s.SuccessRatePct != 100 || s.Latency.P50 <= 0 || s.EventsPerSec <= 0 {
			t.Errorf("%s: runs %d, calls %d, ok %d, success %v%%, latency %+v, %v events/s; want 2 runs of a healthy cluster",
				sem, s.Runs, s.Calls, s.OK, s.SuccessRatePct, s.Latency, s.EventsPerSec)
		}
	}
}

// TestCompareNoLeader: riak makes a remote caller wait out its timeout where default
// answers no-leader at once. In the named scenario most callers sit on member nodes
// and learn locally that there is no leader, under both semantics, so the p50 of
// both is 0 and only the tail shows the difference; with every call coming from the
// client, the median does too.
func TestCompareNoLeader(t *testing.T) {
	remote, _ := scenarios.Named("no-leader")
	remote.Name = "no-leader-remote"
	remote.Workload.ClientShare = 1
	remotePath := writeFile(t, "remote.json", remote.JSON())
	tests := []struct {
		name string
		args []string
		// pick selects the percentile of time to error that must differ.
		pick func(percentiles) int64
	}{
		{name: "named scenario, p99", args: []string{"--scenario", "no-leader"}, pick: func(p percentiles) int64 { return p.P99 }},
		{name: "remote callers only, p50", args: []string{"--spec", remotePath}, pick: func(p percentiles) int64 { return p.P50 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, append([]string{"compare", "--seeds", "2", "--json"}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			c := decodeComparison(t, stdout)
			if n := c.Riak.Errors["timeout"].Count; n == 0 {
				t.Errorf("riak timeouts = 0, want some")
			}
			if n := c.Default.Errors["no_leader"].Count; n == 0 {
				t.Errorf("default no-leader = 0, want some")
			}
			riak, def := time.Duration(tc.pick(c.Riak.TimeToError)), time.Duration(tc.pick(c.Default.TimeToError))
			if riak < remote.Workload.Timeout.D() || def*10 > riak {
				t.Errorf("time to error: riak %v, default %v; want riak a whole timeout (%v) and default far smaller",
					riak, def, remote.Workload.Timeout.D())
			}
		})
	}
}

// TestComparePeerWorkShare: the peer work done after give-up is shown as a count and
// a share of all peer work, in the table and in the JSON.
func TestComparePeerWorkShare(t *testing.T) {
	code, stdout, stderr := ensim(t, "compare", "--scenario", "overload", "--seeds", "1")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var row string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "peer work after give-up ") {
			row = l
		}
	}
	f := strings.Fields(strings.TrimPrefix(row, "peer work after give-up"))
	if len(f) != 2 || !strings.HasSuffix(f[0], "%") || f[0] == "0.0%" || f[1] != "0.0%" {
		t.Fatalf("row %q: want riak's share, then default's 0.0%%", row)
	}
	code, stdout, _ = ensim(t, "compare", "--scenario", "overload", "--seeds", "1", "--json")
	if code != exitOK {
		t.Fatalf("--json exit %d", code)
	}
	var c struct {
		Riak struct {
			AfterGiveUp struct {
				PeerWorkNS      int64 `json:"peer_work_ns"`
				PeerWorkTotalNS int64 `json:"peer_work_total_ns"`
			} `json:"after_give_up"`
			Pct float64 `json:"peer_work_after_give_up_pct"`
		} `json:"riak"`
	}
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatal(err)
	}
	g := c.Riak.AfterGiveUp
	if g.PeerWorkTotalNS == 0 || c.Riak.Pct <= 0 || math.Abs(c.Riak.Pct-100*float64(g.PeerWorkNS)/float64(g.PeerWorkTotalNS)) > 1e-9 {
		t.Fatalf("riak: %dns of %dns, pct %v", g.PeerWorkNS, g.PeerWorkTotalNS, c.Riak.Pct)
	}
}

func TestCompareTable(t *testing.T) {
	code, stdout, stderr := ensim(t, "compare", "--scenario", "steady", "--seeds", "2", "--from", "3")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if want := "steady, seeds 3..4 (2 runs per semantics), 7 routers per node"; lines[0] != want {
		t.Errorf("first line = %q, want %q", lines[0], want)
	}
	var labels []string
	for _, l := range lines[3:] {
		labels = append(labels, strings.TrimSpace(l[:strings.Index(l, "  ")]))
	}
	want := []string{"calls", "success rate", "timeout", "no-leader", "not-leader", "unreachable", "hop-limit",
		"overloaded", "other", "lost with caller", "skipped (node down)", "time to error p50", "time to error p99", "latency p50", "latency p99",
		"late replies discarded", "messages after give-up", "peer work after give-up", "orphan messages",
		"hop-limit hits", "violations", "events/s"}
	if diff := cmp.Diff(want, labels); diff != "" {
		t.Errorf("row labels (-want +got):\n%s\n%s", diff, stdout)
	}
	if f := strings.Fields(lines[2]); !cmp.Equal(f, []string{"riak", "default"}) {
		t.Errorf("column header = %q, want riak and default", lines[2])
	}
	for _, w := range []string{"\nsuccess rate ", " 100.0%  ", "0 (0.0%)", "\ntime to error p50 ", " -  ", "\nviolations "} {
		if !strings.Contains(stdout, w) {
			t.Errorf("table lacks %q:\n%s", w, stdout)
		}
	}
	// The columns are right-aligned: every row has the same width.
	width := -1
	for _, l := range lines[2:] {
		if n := len([]rune(l)); width < 0 {
			width = n
		} else if n != width {
			t.Errorf("row %q is %d runes wide, want %d", l, n, width)
		}
	}
}

func TestCompareViolations(t *testing.T) {
	spec := failingSpec(t)
	expected := spec
	expected.Name = "timed-out-known"
	expected.RiakBreaks = []string{scenarios.InvLiveness}
	tests := []struct {
		name     string
		spec     scenarios.Spec
		wantCode int
		// failing are the semantics whose replay command compare must print.
		failing []string
		// wantOut must appear in the table's output.
		wantOut []string
	}{
		{name: "both fail", spec: spec, wantCode: exitFail, failing: []string{"riak", "default"},
			wantOut: []string{"violations under riak: ", "violations under default: ", "  seed 1: liveness: call "}},
		{name: "riak's break is expected", spec: expected, wantCode: exitFail, failing: []string{"default"},
			wantOut: []string{"expected (riak_breaks)", "expected under riak (riak_breaks: the original does not keep these): ", "violations under default: "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "spec.json", tc.spec.JSON())
			code, stdout, stderr := ensim(t, "compare", "--spec", path, "--seeds", "1", "--routers", "3")
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, tc.wantCode, stderr)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, sem := range []string{"riak", "default"} {
				hint := "  ensim run --spec " + shellQuote(path) + " --seed 1 --semantics " + sem + " --routers 3\n"
				want := false
				for _, f := range tc.failing {
					want = want || f == sem
				}
				if got := strings.Contains(stderr, hint); got != want {
					t.Errorf("stderr has the %s replay hint: %v, want %v\n%s", sem, got, want, stderr)
				}
			}
		})
	}
}

func TestRoutersOverride(t *testing.T) {
	tests := []struct {
		name string
		args []string
		// routers reads the routers per node from stdout.
		routers func(t *testing.T, stdout string) int
	}{
		{name: "run", args: []string{"run", "--scenario", "steady", "--routers", "3", "--json"},
			routers: func(t *testing.T, stdout string) int { return decodeReport(t, stdout).RoutersPerNode }},
		{name: "run swarm", args: []string{"run", "--scenario", "swarm", "--seed", "2", "--routers", "3", "--json"},
			routers: func(t *testing.T, stdout string) int { return decodeReport(t, stdout).RoutersPerNode }},
		{name: "compare", args: []string{"compare", "--scenario", "swarm", "--seeds", "2", "--routers", "3", "--json"},
			routers: func(t *testing.T, stdout string) int {
				c := decodeComparison(t, stdout)
				if c.Routers == nil {
					return 0
				}
				return *c.Routers
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, tc.args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if got := tc.routers(t, stdout); got != 3 {
				t.Errorf("routers per node = %d, want 3", got)
			}
		})
	}
	// Without --routers, swarm draws a count per seed and compare says so.
	_, stdout, _ := ensim(t, "compare", "--scenario", "swarm", "--seeds", "2", "--json")
	if c := decodeComparison(t, stdout); c.Routers != nil {
		t.Errorf("swarm routers = %d, want null (drawn per seed)", *c.Routers)
	}
}

func TestNearestRank(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		var out []time.Duration
		for _, v := range vs {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name string
		in   []time.Duration
		want percentiles
	}{
		{name: "none", in: nil, want: percentiles{}},
		{name: "one", in: ms(7), want: percentiles{P50: 7e6, P99: 7e6}},
		{name: "two", in: ms(2, 1), want: percentiles{P50: 1e6, P99: 2e6}},
		{name: "unsorted ten", in: ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), want: percentiles{P50: 5e6, P99: 10e6}},
		{name: "hundred and one", in: ms(seq(101)...), want: percentiles{P50: 51e6, P99: 100e6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, nearestRank(tc.in)); diff != "" {
				t.Errorf("nearestRank (-want +got):\n%s", diff)
			}
		})
	}
}

// seq returns 1..n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// TestCompareCountsEveryViolation: compare counts every violation of every run, not
// only those the runs' reports kept.
func TestCompareCountsEveryViolation(t *testing.T) {
	spec := failingSpec(t)
	spec.Routers = 3
	path := writeFile(t, "spec.json", spec.JSON())
	code, stdout, stderr := ensim(t, "compare", "--spec", path, "--seeds", "2", "--json")
	if code != exitFail {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", code, exitFail, stderr)
	}
	c := decodeComparison(t, stdout)
	_, table, _ := ensim(t, "compare", "--spec", path, "--seeds", "2")
	for k, side := range []sideStats{c.Riak, c.Default} {
		sem := compareSemantics[k]
		var total uint64
		kept := 0
		for seed := uint64(1); seed <= 2; seed++ {
			res, err := simulate(spec, scenarios.Options{Seed: seed, Semantics: sem})
			if err != nil {
				t.Fatal(err)
			}
			total += res.Report.ViolationsTotal
			kept += len(res.Report.Violations)
		}
		if total <= uint64(kept) {
			t.Fatalf("%s: %d violations, all kept: the spec must break more than the reports keep", sem, total)
		}
		if side.ViolationsTotal != total || len(side.Violations) != kept {
			t.Errorf("%s: %d violations, %d listed; want %d, %d listed", sem, side.ViolationsTotal, len(side.Violations), total, kept)
		}
		for _, w := range []string{
			fmt.Sprintf("violations under %s: %d\n", sem, total),
			fmt.Sprintf("  and %d more (--json lists %d: the first %d of each invariant in each run)\n", total-maxViolations, kept, scenarios.MaxViolationsKept),
		} {
			if !strings.Contains(table, w) {
				t.Errorf("the table lacks %q:\n%s", w, table)
			}
		}
		if w := fmt.Sprintf("ensim: %d invariant violations under %s, in 2 seeds", total, sem); !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}

// TestCompareAddsUp: each side's calls are its successes, its failures of every kind
// and the calls lost with their caller, and its skipped calls are those the runs
// report. The table used to leave the lost ones out, so its rows did not add up.
func TestCompareAddsUp(t *testing.T) {
	code, stdout, stderr := ensim(t, "compare", "--scenario", "crash-restart", "--seeds", "2", "--json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	c := decodeComparison(t, stdout)
	for sem, s := range map[string]sideStats{"riak": c.Riak, "default": c.Default} {
		sum := s.OK + s.LostWithCaller
		for _, e := range s.Errors {
			sum += e.Count
		}
		if sum != s.Calls || s.LostWithCaller == 0 {
			t.Errorf("%s: ok %d + errors + lost with caller %d = %d, want calls %d (and some lost: crash-restart crashes a caller)",
				sem, s.OK, s.LostWithCaller, sum, s.Calls)
		}
		var lost, skipped uint64
		for seed := range uint64(2) {
			sem := map[string]string{"riak": "riak", "default": "default"}[sem]
			_, out, _ := ensim(t, "run", "--scenario", "crash-restart", "--seed", fmt.Sprint(seed+1), "--semantics", sem, "--json")
			var r struct {
				Skipped uint64 `json:"skipped_calls"`
				Calls   struct {
					Lost uint64 `json:"lost_with_caller"`
				} `json:"calls"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			lost, skipped = lost+r.Calls.Lost, skipped+r.Skipped
		}
		if lost != s.LostWithCaller || skipped != s.SkippedCalls {
			t.Errorf("%s: lost %d, skipped %d; the runs report %d and %d", sem, s.LostWithCaller, s.SkippedCalls, lost, skipped)
		}
	}
	if _, table, _ := ensim(t, "compare", "--scenario", "crash-restart", "--seeds", "2"); !strings.Contains(table, "lost with caller") || !strings.Contains(table, "skipped (node down)") {
		t.Errorf("the table has no lost or skipped row:\n%s", table)
	}
}

// runsCasts sums the casts that ensim run reports for seeds 1..n of scenario under
// semantics sem, each run on its own.
func runsCasts(t *testing.T, scenario string, n uint64, sem string) scenarios.Casts {
	t.Helper()
	var sum scenarios.Casts
	for seed := range n {
		_, out, _ := ensim(t, "run", "--scenario", scenario, "--seed", fmt.Sprint(seed+1), "--semantics", sem, "--json")
		var r scenarios.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Casts == nil {
			t.Fatalf("run of seed %d: %v, casts %v", seed+1, err, r.Casts)
		}
		sum.Total, sum.Served, sum.Skipped = sum.Total+r.Casts.Total, sum.Served+r.Casts.Served, sum.Skipped+r.Casts.Skipped
	}
	return sum
}

// TestCompareCasts: compare sums the runs' casts and shows them in the table, those
// skipped with their node down too (the JSON had them, the table not); a workload
// without casts has neither.
func TestCompareCasts(t *testing.T) {
	code, stdout, stderr := ensim(t, "compare", "--scenario", "direct", "--seeds", "2", "--json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	c := decodeComparison(t, stdout)
	for sem, s := range map[string]sideStats{"riak": c.Riak, "default": c.Default} {
		want := runsCasts(t, "direct", 2, sem)
		if s.Casts == nil || *s.Casts != want || want.Total == 0 {
			t.Errorf("%s: casts %+v, the runs made %+v", sem, s.Casts, want)
		}
	}
	_, table, _ := ensim(t, "compare", "--scenario", "direct", "--seeds", "2")
	if !strings.Contains(table, "\ncasts ") || !strings.Contains(table, "\ncasts lost ") {
		t.Errorf("the table has no casts rows:\n%s", table)
	}
	// Casts not made, their node down when they were due, as the calls' row has them.
	if c.Riak.Casts.Skipped == 0 {
		t.Fatal("direct skipped no cast: the row below shows nothing")
	}
	if !regexp.MustCompile(fmt.Sprintf(`\ncasts skipped \(node down\) +%d +%d\n`, c.Riak.Casts.Skipped, c.Default.Casts.Skipped)).MatchString(table) {
		t.Errorf("the table has no row of casts skipped, %d and %d:\n%s", c.Riak.Casts.Skipped, c.Default.Casts.Skipped, table)
	}
	if _, table, _ := ensim(t, "compare", "--scenario", "steady", "--seeds", "1"); strings.Contains(table, "casts") {
		t.Errorf("a workload without casts has casts rows:\n%s", table)
	}
}

// compare prints the ensim run command of every failing seed, as README says: not
// the first ten and a count of the rest.
func TestCompareNamesEveryFailingSeed(t *testing.T) {
	path := writeFile(t, "spec.json", failingSpec(t).JSON())
	const seeds = 13
	code, _, stderr := ensim(t, "compare", "--spec", path, "--seeds", strconv.Itoa(seeds))
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitFail, stderr)
	}
	for _, sem := range []string{"riak", "default"} {
		if want := fmt.Sprintf(" under %s, in %d seeds; run each alone (which writes its repro) with:\n", sem, seeds); !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
		for seed := 1; seed <= seeds; seed++ {
			if want := fmt.Sprintf("  ensim run --spec %s --seed %d --semantics %s\n", shellQuote(path), seed, sem); !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
	}
	if strings.Contains(stderr, "more seeds") {
		t.Errorf("stderr leaves seeds out:\n%s", stderr)
	}
}
