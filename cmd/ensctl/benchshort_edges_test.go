package main

import "testing"

// TestBenchClosedLoopShortDuration: a closed loop whose --duration ends before its
// callers start (1ns) still makes each caller's first call, as open loop makes its
// first, due at the start, however short the run: it measures them and exits 0. It
// used to make no call, or some, as the scheduler had it, and exit 1 ("no call was
// made"), where open loop refuses a run too short for one call, exit 2.
func TestBenchClosedLoopShortDuration(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	res, code := benchJSON(t, n, "--concurrency", "4", "--duration", "1ns")
	if code != 0 || res.Mode != "closed" || res.Calls < 4 || res.OK < 4 || res.LatencyNS == nil {
		t.Fatalf("exit %d, %+v; want exit 0 and a call of each of the 4 callers measured", code, res)
	}
}
