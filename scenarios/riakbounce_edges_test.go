package scenarios

import (
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestRiakBounceEndsWhenRepaired pins what DESIGN.md says keeps the original's
// forwarding finite: nothing but the directory. In directory-regression n1 restarts
// with an old saved directory that names n3 as e1's leader while n3 names n1, and
// under riak a request caught between them bounces, past any hop limit, until gossip
// repairs n1's directory; then the next hop reaches the leader and the call ends
// with the leader's answer, not with an error of the router's. A call whose deadline
// passed first ends with timeout at its own deadline, as the original's proxy does,
// and its request still reaches the leader once the bounce ends: the leader's answer
// is dropped as late. (The original has no hop limit to answer from: a router that
// gave up on a bouncing request would show here as a late timeout, or as none.)
func TestRiakBounceEndsWhenRepaired(t *testing.T) {
	spec := named(t, "directory-regression")
	res := mustRun(t, spec, Options{Seed: 1, Semantics: router.Riak, KeepTrace: true})
	if res.Report.ViolationsTotal != 0 {
		t.Fatalf("violations: %v", res.Report.Violations)
	}
	maxHops := map[string]int64{}
	code := map[string]string{}
	late := map[string]bool{}
	for _, rec := range res.Trace {
		var call, c string
		var hops int64
		for _, a := range rec.Attrs {
			switch a.Key {
			case "call":
				call = a.Str
			case "hops":
				hops = a.Int
			case "code":
				c = a.Str
			}
		}
		switch rec.Kind {
		case "send":
			maxHops[call] = max(maxHops[call], hops)
		case "complete":
			code[call] = c
		case "late":
			late[call] = late[call] || c == "ok"
		}
	}
	var bounced, ok, timedOut int
	for call, h := range maxHops {
		if h <= int64(spec.HopLimit) {
			continue
		}
		bounced++
		switch code[call] {
		case "ok":
			ok++
		case "timeout":
			timedOut++
			if !late[call] {
				t.Errorf("call %s bounced (hops up to %d) and timed out, and no answer of the leader's came back late: its request was abandoned before the directory was repaired", call, h)
			}
		default:
			t.Errorf("call %s bounced (hops up to %d) and ended %q, want ok or timeout", call, h, code[call])
		}
	}
	if bounced == 0 || ok == 0 || timedOut == 0 {
		t.Fatalf("calls past the hop limit %d: %d, of which ok %d, timeout %d: want some of each", spec.HopLimit, bounced, ok, timedOut)
	}
	t.Logf("bounced %d: ok %d, timeout %d; late replies %d", bounced, ok, timedOut, res.Report.LateRepliesDiscarded)
}
