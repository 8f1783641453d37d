package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/scenarios"
)

// tableRow returns the riak and default cells of the row of a compare table whose
// label is label, or nil when there is none.
func tableRow(table, label string) []string {
	for _, line := range strings.Split(table, "\n") {
		if rest, ok := strings.CutPrefix(line, label+"  "); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}

// TestCompareRowsFromReports: compare's rows of hop-limit hits and lost casts are
// what the reports say: the hits are the routers' hop-limit refusals (the probe),
// which a cast or a refusal its caller no longer waited for makes without a call
// ending hop-limit; the casts lost are those made that reached no leader.
func TestCompareRowsFromReports(t *testing.T) {
	report := func(hits, hopCalls, casts, served uint64) *scenarios.Result {
		return &scenarios.Result{Report: scenarios.Report{
			Calls:  scenarios.Calls{Total: 10, OK: 10 - hopCalls, HopLimit: hopCalls},
			Probes: map[string]uint64{"hop-limit": hits},
			Casts:  &scenarios.Casts{Total: casts, Served: served},
		}}
	}
	c := comparison{Scenario: "x", Seeds: 1, From: 1}
	c.Riak.add(1, report(0, 0, 4, 4))
	c.Default.add(1, report(5, 2, 10, 7))
	c.Riak.finish()
	c.Default.finish()
	if c.Default.HopLimitHits != 5 {
		t.Errorf("default: %d hop-limit hits, want the probe's 5", c.Default.HopLimitHits)
	}
	table := compareTable(c)
	for label, want := range map[string][]string{
		"hop-limit hits": {"0", "5"},
		"hop-limit":      {"0", "(0.0%)", "2", "(20.0%)"},
		"casts":          {"4", "10"},
		"casts lost":     {"0", "3"},
	} {
		if diff := cmp.Diff(want, tableRow(table, label)); diff != "" {
			t.Errorf("row %q (-want +got):\n%s\n%s", label, diff, table)
		}
	}
}

// TestPctString: a percentage is printed with one decimal, rounded; only one that
// would round to 0.0% but is not zero reads "<0.1%".
func TestPctString(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want string
	}{
		{0, "0.0%"},
		{0.01, "<0.1%"},
		{0.049, "<0.1%"},
		{0.07, "0.1%"},
		{0.09, "0.1%"},
		{12.34, "12.3%"},
		{100, "100.0%"},
	} {
		if got := pctString(tc.p); got != tc.want {
			t.Errorf("pctString(%v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}
