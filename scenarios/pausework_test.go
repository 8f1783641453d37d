package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/sim"
)

// TestPauseStopsLeaderWork: a leader's work stops while its node is paused and goes
// on for what it had left at the resume. With a 10ms service, a request taken up at t
// shortly before a 20ms pause that begins at 500ms is answered at t+30ms; before, the
// work ran on through the pause and the answer went out at the resume.
func TestPauseStopsLeaderWork(t *testing.T) {
	ms := time.Millisecond
	s := named(t, "steady")
	s.Liveness = nil
	s.Workload.Duration = Duration(time.Second)
	s.Workload.Timeout = Duration(100 * ms)
	s.Peer.Service = netmodel.Dist{Kind: "constant", Min: Duration(10 * ms)}
	s.Faults = []Fault{{At: Duration(500 * ms), Action: "pause", Node: "n1"}, {At: Duration(520 * ms), Action: "resume", Node: "n1"}}
	res := mustRun(t, s, Options{Seed: 1, KeepTrace: true})
	str := func(attrs []sim.Attr, key string) string {
		for _, a := range attrs {
			if a.Key == key {
				return a.Str
			}
		}
		return ""
	}
	taken := map[string]time.Duration{} // calls n1's leaders took up in the 10ms before the pause
	checked := 0
	for _, r := range res.Trace {
		if r.Node != "n1" {
			continue
		}
		switch call := str(r.Attrs, "call"); {
		case r.Kind == "deliver" && strings.HasSuffix(str(r.Attrs, "peer"), "@n1") && r.At > 490*ms && r.At < 500*ms:
			taken[call] = r.At
		case r.Kind == "send" && str(r.Attrs, "msg_kind") == "reply":
			if at, ok := taken[call]; ok {
				checked++
				if got := r.At - at; got != 30*ms {
					t.Errorf("call %s taken up at %v was answered %v later, want 30ms (10ms of work and the 20ms pause)", call, at, got)
				}
			}
		}
	}
	if checked == 0 || checked != len(taken) {
		t.Fatalf("%d calls taken up before the pause, %d answers checked: want some, all answered", len(taken), checked)
	}
}

// TestCrashWhilePausedCountsWork: the calls and casts due while a node is paused wait
// for it to resume; a crash first drops them, never made, and they count as skipped,
// as those due while it is down do: every planned call and cast is in one count.
// They were in none.
func TestCrashWhilePausedCountsWork(t *testing.T) {
	for _, casts := range []float64{0, 0.3} {
		s := named(t, "steady")
		s.Liveness = nil
		s.Workload.CastShare, s.Workload.PeerShare = casts, 0.1
		planned := mustRun(t, s, Options{Seed: 1}).Report
		s.Faults = []Fault{
			{At: ms(100), Action: "pause", Node: "n1"},
			{At: ms(200), Action: "crash", Node: "n1"},
			{At: ms(300), Action: "restart", Node: "n1"},
		}
		got := mustRun(t, s, Options{Seed: 1}).Report
		if v := got.Violations; len(v) > 0 {
			t.Fatalf("cast_share %v: %d violations, first %+v", casts, len(v), v[0])
		}
		if got.SkippedCalls == 0 || got.Calls.Total+got.SkippedCalls != planned.Calls.Total {
			t.Errorf("cast_share %v: %d calls made and %d skipped, want the %d planned in all, some skipped",
				casts, got.Calls.Total, got.SkippedCalls, planned.Calls.Total)
		}
		if casts > 0 && (got.Casts == nil || planned.Casts == nil || got.Casts.Skipped == 0 || got.Casts.Total+got.Casts.Skipped != planned.Casts.Total) {
			t.Errorf("cast_share %v: casts %+v, want the %+v planned in all, some skipped", casts, got.Casts, planned.Casts)
		}
	}
}
