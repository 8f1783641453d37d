package main

import (
	"testing"
	"time"
)

// TestBenchStartLagLeavesOutSetUp: open loop's start lag is how late the generator
// started each call after the run's start, not the time bench took to set the run up
// before it: with each of its recorders taking a second to make (their histograms
// took 0.5-4.6ms on a loaded machine), the one call of a run at one call a second
// still starts well within a second of when it was due. Made after the start, the
// start-lag recorder delayed the first calls by its making, and their start lag
// counted it: here a second.
func TestBenchStartLagLeavesOutSetUp(t *testing.T) {
	n := startTestNode(t, "n1", "e1")
	const setUp = time.Second
	recorderMade = func() { time.Sleep(setUp) } // a slow set-up, not a wait for anything
	t.Cleanup(func() { recorderMade = nil })
	res, code := benchJSON(t, n, "--rate", "1", "--duration", "1s", "--timeout", "10s")
	if lag := time.Duration(res.StartLagNS["max"]); code != 0 || res.Calls != 1 || lag >= setUp/2 {
		t.Fatalf("exit %d, %d calls, start lag %v; want exit 0 and the one call started within %v of its due time, the set-up (%v a recorder) left out",
			code, res.Calls, lag, setUp/2, setUp)
	}
}
