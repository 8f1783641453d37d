package scenarios

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// TestSlowNowLatestInForce: of a member's slow and hang episodes, the one begun last
// and not yet over acts; once it is over, an earlier one still in force acts again,
// up to its own until.
func TestSlowNowLatestInForce(t *testing.T) {
	slow := netmodel.Dist{Kind: "constant", Min: ms(80)}.Prepare()
	es := &ensState{slow: map[string][]slowness{"p1": {
		{service: &slow, until: ms(2000).D()}, // begun first, ends last
		{until: ms(1300).D()},                 // a hang begun inside it
	}}}
	for _, tc := range []struct {
		now      Duration
		want     bool
		wantHang bool
	}{
		{ms(1200), true, true},
		{ms(1300) - 1, true, true},
		{ms(1300), true, false},
		{ms(2000) - 1, true, false},
		{ms(2000), false, false},
	} {
		s, ok := es.slowNow("p1", tc.now.D())
		if ok != tc.want || (ok && (s.service == nil) != tc.wantHang) {
			t.Errorf("at %v: in force %v, hang %v; want %v, hang %v", tc.now.D(), ok, s.service == nil, tc.want, tc.wantHang)
		}
	}
	if _, ok := es.slowNow("p2", 0); ok {
		t.Error("p2 has no episode, yet one is in force")
	}
}

// TestSlowOutlastsHangInsideIt: a leader slowed past the timeout from 500ms to
// 1.5s, and hung from 700ms to 800ms within that, is still slow after the hang: every
// call to its ensemble made between 850ms and 1.4s times out under both semantics
// (the hang's end used to end the slowness too, and those calls succeeded).
func TestSlowOutlastsHangInsideIt(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	slow := netmodel.Dist{Kind: "constant", Min: ms(80)}
	s.Faults = []Fault{
		{At: ms(500), Action: "slow", Peer: "e1/p1", Service: &slow, Until: ms(1500)},
		{At: ms(700), Action: "hang", Peer: "e1/p1", Until: ms(800)},
	}
	for _, sem := range semantics {
		res := mustRun(t, s, Options{Seed: 1, Semantics: sem})
		n, ok := 0, 0
		for _, o := range res.Outcomes() {
			if o.Ensemble != "e1" || o.Start < 850*time.Millisecond || o.Start >= 1400*time.Millisecond {
				continue
			}
			n++
			if o.Code == "ok" {
				ok++
			}
		}
		if n < 10 {
			t.Fatalf("%v: only %d calls to e1 between 850ms and 1.4s", sem, n)
		}
		if ok > 0 {
			t.Errorf("%v: %d of the %d calls to e1 between 850ms and 1.4s succeeded, while its leader took 80ms, past their 50ms timeout", sem, ok, n)
		}
	}
}
