package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestBenchPrintIONoWrites: the text report gives how many messages shared a write
// only when there were writes: the 9,962 calls of a closed loop with a --timeout of
// 1ns were all queued, and none written by the end of the run (all timed out at
// once), and the report said "9962 messages in 0 writes (9962.0 a write)", a
// coalescing nothing did, from a division by 0 writes taken as 1.
func TestBenchPrintIONoWrites(t *testing.T) {
	for _, tc := range []struct {
		name                          string
		sent, writes, received, reads uint64
		want                          string
	}{
		{"queued, none written", 9962, 0, 0, 1, "client io   9962 messages in 0 writes (none written by the end of the run), 0 in 1 reads (0.0 a read)"},
		{"no io at all", 0, 0, 0, 0, "client io   0 messages in 0 writes, 0 in 0 reads"},
		{"written and read", 100, 10, 100, 4, "client io   100 messages in 10 writes (10.0 a write), 100 in 4 reads (25.0 a read)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 16, Calls: int64(tc.sent),
				Errors: map[string]int64{"timeout": int64(tc.sent)}, DurationNS: int64(time.Second)}
			r.IO.Sent, r.IO.Writes, r.IO.Received, r.IO.Reads = tc.sent, tc.writes, tc.received, tc.reads
			var b bytes.Buffer
			if err := r.print(&b, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "\n"+tc.want+"\n") {
				t.Errorf("report lacks %q:\n%s", tc.want, b.String())
			}
		})
	}
}
