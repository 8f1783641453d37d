package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestBenchPrintLowCallsPerSecond: the text report's calls/s is the JSON's to three
// significant figures, not rounded to a whole number: one call of a run of 2s at 0.5
// calls a second is 0.5 calls/s, where the text said 0 calls/s beside a call that
// succeeded (and --json 0.5). From 100 a second up it is a whole number, as before.
func TestBenchPrintLowCallsPerSecond(t *testing.T) {
	for _, tc := range []struct {
		calls   int64
		elapsed time.Duration
		want    string
	}{
		{1, 2 * time.Second, "(0.5 calls/s)"},
		{4, 30 * time.Second, "(0.133 calls/s)"},
		{1, 24 * time.Hour, "(0.0000116 calls/s)"},
		{3, time.Second, "(3 calls/s)"},
		{95, time.Second, "(95 calls/s)"},
		{1995, 20 * time.Second, "(99.8 calls/s)"},
		{2000, 20 * time.Second, "(100 calls/s)"},
		{94677, time.Second, "(94677 calls/s)"},
		{0, time.Second, "(0 calls/s)"},
	} {
		r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 1, Calls: tc.calls, OK: tc.calls,
			Errors: map[string]int64{}, CallsPerSec: float64(tc.calls) / tc.elapsed.Seconds(), DurationNS: int64(tc.elapsed)}
		if line := strings.Split(benchText(t, r), "\n")[1]; line != fmt.Sprintf("calls       %d %s", tc.calls, tc.want) {
			t.Errorf("%d calls in %v: %q; want %s (%v calls/s in the JSON)", tc.calls, tc.elapsed, line, tc.want, r.CallsPerSec)
		}
	}
}

// TestBenchPrintRateAsWritten: the header gives open loop's rate as --rate is written,
// without an exponent: --rate 100000000 printed "open loop at 1e+08 calls/s", and
// --rate 1234567 "1.234567e+06".
func TestBenchPrintRateAsWritten(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want string
	}{
		{1e8, "100000000"},
		{1234567, "1234567"},
		{45000, "45000"},
		{2.5e6, "2500000"},
		{0.5, "0.5"},
		{1.0 / 86400, "0.000011574074074074073"}, // the lowest rate a run of 24h takes
	} {
		r := &benchResult{Mode: "open", Ensemble: "e1", Via: "n1", Concurrency: 16, Rate: tc.rate, Calls: 1, OK: 1, Scheduled: 1,
			Errors: map[string]int64{}, CallsPerSec: 1, DurationNS: int64(time.Second)}
		text := benchText(t, r)
		want := "bench e1 via n1: open loop at " + tc.want + " calls/s, up to 16 in flight, 1s\n"
		if !strings.HasPrefix(text, want) {
			t.Errorf("--rate %v: header %q; want %q", tc.rate, strings.SplitAfter(text, "\n")[0], want)
		}
	}
}
