package main

import (
	"bytes"
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
		var b bytes.Buffer
		if err := r.print(&b, false); err != nil {
			t.Fatal(err)
		}
		if line := strings.Split(b.String(), "\n")[1]; line != fmt.Sprintf("calls       %d %s", tc.calls, tc.want) {
			t.Errorf("%d calls in %v: %q; want %s (%v calls/s in the JSON)", tc.calls, tc.elapsed, line, tc.want, r.CallsPerSec)
		}
	}
}
