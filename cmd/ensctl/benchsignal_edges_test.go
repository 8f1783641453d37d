package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"
)

// benchSignalled runs ensctl bench --json against n with args, with a signal (main
// cancels the context) after 300ms, and returns its report and exit status.
func benchSignalled(t *testing.T, n *testNode, args ...string) (benchResult, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tm := time.AfterFunc(300*time.Millisecond, cancel)
	defer tm.Stop()
	var out, errb bytes.Buffer
	code := run(ctx, append(append([]string{"bench", "--peers", "n1=" + n.addr, "--secret-file", n.secret, "--json"}, args...), "e1"), &out, &errb)
	var res benchResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("no report: %v\nstdout %q\nstderr %q", err, out.String(), errb.String())
	}
	return res, code
}

// TestBenchOpenLoopSignalWhileAsleep: an open loop that a signal ends while its
// workers sleep until their next calls are due makes no call after it, and ends at
// once: at one call every 10s dealt to 4 workers, a signal 300ms in leaves the call
// due at the start the run's only one. The workers slept on until their calls were
// due, and made them: the run went on for 40s after the signal (the first worker's
// next call was due then), and counted the 4 calls it made meanwhile as the run's.
func TestBenchOpenLoopSignalWhileAsleep(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	res, code := benchSignalled(t, n, "--rate", "0.1", "--concurrency", "4", "--duration", "1m")
	if took := time.Duration(res.DurationNS); code != exitInterrupted || !res.Interrupted || res.Calls != 1 || res.OK != 1 || took >= 10*time.Second {
		t.Fatalf("exit %d, interrupted %v, %d calls (%d ok) in %v; want exit %d, interrupted, the one call due before the signal, and an end well before the next was due (10s)",
			code, res.Interrupted, res.Calls, res.OK, took, exitInterrupted)
	}
}
