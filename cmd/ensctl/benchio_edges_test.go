package main

import (
	"testing"
	"time"
)

// TestBenchIOSaysPingsAreCounted: the client's io counts the writes and reads of the
// heartbeat pings too, which at a low rate outnumber the calls' own, and the text
// report says so: a run at 2 calls a second for 1s, whose connection pings every
// 20ms, made 2 messages in 27 writes, and the report read "2 messages in 27
// writes (0.1 a write)", as if each message had taken 13 writes.
func TestBenchIOSaysPingsAreCounted(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	res, code := benchJSON(t, n, "--rate", "2", "--duration", "1s", "--heartbeat-interval", "20ms")
	if code != 0 || res.IO.Sent != 2 || res.IO.Writes <= res.IO.Sent {
		t.Fatalf("exit %d, io %+v; want exit 0, the 2 calls' messages, and more writes than that (the pings')", code, res.IO)
	}
	reportHas(t, &res, "; the writes and reads include heartbeat pings\n")
}

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
		{"queued, none written", 9962, 0, 0, 1, "client io   9962 messages in 0 writes (none written by the end of the run), 0 in 1 read (0.0 a read); the writes and reads include heartbeat pings"},
		{"no io at all", 0, 0, 0, 0, "client io   0 messages in 0 writes, 0 in 0 reads; the writes and reads include heartbeat pings"},
		{"written and read", 100, 10, 100, 4, "client io   100 messages in 10 writes (10.0 a write), 100 in 4 reads (25.0 a read); the writes and reads include heartbeat pings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &benchResult{Mode: "closed", Ensemble: "e1", Via: "n1", Concurrency: 16, Calls: int64(tc.sent),
				Errors: map[string]int64{"timeout": int64(tc.sent)}, DurationNS: int64(time.Second)}
			r.IO.Sent, r.IO.Writes, r.IO.Received, r.IO.Reads = tc.sent, tc.writes, tc.received, tc.reads
			reportHas(t, r, "\n"+tc.want+"\n")
		})
	}
}
