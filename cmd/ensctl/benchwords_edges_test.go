package main

import (
	"testing"
	"time"
)

// TestBenchPrintOneOfEach: the text report speaks of one caller, one message, one
// write and one read in the singular, and gives a run shorter than a millisecond (a
// closed loop of one call, --duration 1ns) to the microsecond: it said "closed loop,
// 1 callers, 0s" beside the 2,425 calls a second of its call, and "1 messages in 1
// writes".
func TestBenchPrintOneOfEach(t *testing.T) {
	r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 1, DurationNS: 412_345, Calls: 1, OK: 1,
		Errors: map[string]int64{}, CallsPerSec: 1 / (412345 * time.Nanosecond).Seconds(),
		LatencyNS: map[string]int64{"p50": 400_000, "p99": 400_000, "p999": 400_000, "max": 400_000}}
	r.IO.Sent, r.IO.Writes, r.IO.Received, r.IO.Reads = 1, 1, 1, 1
	reportHas(t, r,
		"bench e1 via n1: closed loop, 1 caller, 412µs\n",
		"\ncalls       1 (2425 calls/s)\n",
		"\nclient io   1 message in 1 write (1.0 a write), 1 in 1 read (1.0 a read); the writes and reads include heartbeat pings\n",
		"\nlatency     p50 400µs  p99 400µs  p99.9 400µs  max 400µs (the 1 successful call)\n",
	)
}

// TestBenchPrintOpenLoopLatencyFromSchedule: open loop's latency lines say that they
// count from each call's scheduled start, and so include the generator's delay (its
// start lag), where closed loop's count from when the caller made the call: the lines
// of the two read alike.
func TestBenchPrintOpenLoopLatencyFromSchedule(t *testing.T) {
	lat := map[string]int64{"p50": 700_000, "p99": 5_500_000, "p999": 13_000_000, "max": 14_000_000}
	for _, tc := range []struct {
		mode string
		want []string
	}{
		{"open", []string{" (the 90 successful calls, from their scheduled start)\n", " (how long the 10 failed calls took to fail, from their scheduled start)\n"}},
		{"closed", []string{" (the 90 successful calls)\n", " (how long the 10 failed calls took to fail)\n"}},
	} {
		r := &benchResult{Mode: tc.mode, Ensemble: "e1", Via: "n1", Concurrency: 16, Rate: 100, DurationNS: int64(time.Second),
			Calls: 100, OK: 90, Errors: map[string]int64{"timeout": 10}, CallsPerSec: 100, Scheduled: 100,
			StartLagNS: map[string]int64{"p50": 400_000, "p99": 2_800_000, "max": 11_000_000}, LatencyNS: lat, ErrorLatencyNS: lat}
		t.Run(tc.mode+" loop", func(t *testing.T) { reportHas(t, r, tc.want...) })
	}
}
