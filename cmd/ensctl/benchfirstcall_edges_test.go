package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestBenchOpenLoopFirstCallLate: open loop makes the run's first call, due at the
// start, however late its generator reaches it, as long as its deadline has not
// passed: a machine loaded enough to run the generator 100ms late, past a 10ms
// --duration and its 50ms grace, still gets one call measured, and the rest of the
// schedule skipped. Open loop used to skip that call too, as one more than 1ms late
// after the run's end: the run made no call, and bench exited 1, "no call was made:
// nothing was measured". A first call reached after its deadline is still skipped:
// it could only time out.
func TestBenchOpenLoopFirstCallLate(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	for _, tc := range []struct {
		name    string
		timeout string
		conc    int
		calls   int64 // made, and successful
	}{
		{name: "in time, one worker", timeout: "1s", conc: 1, calls: 1},
		{name: "in time, two workers", timeout: "1s", conc: 2, calls: 1},
		{name: "past its deadline", timeout: "80ms", conc: 1, calls: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, c := flags("bench", io.Discard)
			if err := parseArgs(fs, c, []string{"--peers", "n1=" + n.addr, "--secret-file", n.secret, "--timeout", tc.timeout, "e1"}, 1, 1, "[flags] ENSEMBLE"); err != nil {
				t.Fatal(err)
			}
			cl, err := c.dial(context.Background(), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.close()
			rec, lag := newRecorder(c.timeout), newRecorder(c.timeout)
			sched := newSchedule(1e7, 10*time.Millisecond)
			// The generator reaches the first call 100ms after the run's start.
			start := time.Now().Add(-100 * time.Millisecond)
			behind, skipped := openLoop(context.Background(), cl, rec, lag, tc.conc, sched, start, cl.ensemble("e1"), []byte("get bench"))
			_, _, codes := rec.merge()
			var calls int64
			for _, k := range codes {
				calls += k
			}
			if calls != tc.calls || codes[router.CodeOK] != tc.calls || behind != tc.calls || calls+skipped != sched.calls {
				t.Fatalf("%d calls (outcomes %v), %d started late, %d of %d skipped; want %d call made, ok and late, the rest skipped",
					calls, codes, behind, skipped, sched.calls, tc.calls)
			}
		})
	}
}
