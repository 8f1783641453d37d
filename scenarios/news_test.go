package scenarios

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestNewsWaitsForTheCut: a member cut off from an ensemble's leader hears of a new
// leader only once the cut heals: neither anti-entropy's truth nor the leader's
// heartbeat crosses a partition. Before, the minority side learned the new leader
// one gossip interval after the election, as if the partition were not there.
func TestNewsWaitsForTheCut(t *testing.T) {
	const heal = 1500 * time.Millisecond
	s := named(t, "steady")
	s.Liveness = nil
	s.Faults = []Fault{
		{At: Duration(300 * time.Millisecond), Action: "partition", A: []string{"n3"}, B: []string{"n1", "n2", "n4", "n5", "c1"}},
		{At: Duration(heal), Action: "heal"},
	}
	s.Elections = []Election{{At: Duration(400 * time.Millisecond), Ensemble: "e1", Duration: Duration(20 * time.Millisecond), Leader: "p2"}}
	wd, err := newWorld(s, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	es := wd.ens["e1"]
	p3, n3 := -1, wd.nodes["n3"]
	for i, m := range es.members {
		if m.Node == "n3" {
			p3 = i
		}
	}
	if p3 < 0 || n3 == nil {
		t.Fatal("steady's e1 has no member on n3")
	}
	news := func() (dir, belief uint64) {
		e, _ := n3.node.Directory().Lookup("e1")
		return e.Version, es.view[p3].version
	}
	wd.schedule()
	wd.w.RunUntil(heal - time.Millisecond)
	if es.version != 2 || es.leader.Name != "p2" {
		t.Fatalf("e1 is at version %d led by %v, want version 2 led by p2", es.version, es.leader)
	}
	if dir, belief := news(); dir != 1 || belief != 1 {
		t.Fatalf("before the heal, n3's directory holds e1 version %d and p3 believes version %d; want 1 and 1 (the news cannot cross the cut)", dir, belief)
	}
	// Other members learned it long before.
	if e, _ := wd.nodes["n1"].node.Directory().Lookup("e1"); e.Version != 2 {
		t.Fatalf("n1's directory holds e1 version %d before the heal, want 2", e.Version)
	}
	wd.w.RunUntil(heal + s.Gossip.Interval.D() + time.Millisecond)
	if dir, belief := news(); dir != 2 || belief != 2 {
		t.Fatalf("a gossip interval after the heal, n3's directory holds e1 version %d and p3 believes version %d; want 2 and 2", dir, belief)
	}
}

// TestHeartbeatOwnStream: a leader's heartbeat draws its latencies from its own
// stream, so an election does not shift the leaders' service times that follow it
// (the two shared the "peers" stream).
func TestHeartbeatOwnStream(t *testing.T) {
	next := func(beat bool) int64 {
		wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if beat {
			es := wd.ens["e1"]
			wd.heartbeat(es, es.leader, es.version+1)
		}
		return int64(wd.peerService.Sample(wd.peerRand))
	}
	if with, without := next(true), next(false); with != without {
		t.Errorf("the first service time after a heartbeat is %v, without one %v: the heartbeat drew from the leaders' stream", time.Duration(with), time.Duration(without))
	}
}

// TestFailedElectionUnderRiak: an election that ends without a leader is announced as
// "no leader" under default, so callers fail at once (no-leader); under riak nothing
// is announced, as the original's manager learns leaders only: every directory keeps
// the last leader and its version, whose peer refuses (nack, a timeout), and the
// world counts the directories converged on that, not on "no leader".
func TestFailedElectionUnderRiak(t *testing.T) {
	const at, dur = 400 * time.Millisecond, 20 * time.Millisecond
	for _, sem := range semantics {
		s := named(t, "steady")
		s.Liveness = nil
		s.Elections = []Election{{At: Duration(at), Ensemble: "e1", Duration: Duration(dur)}}
		wd, err := newWorld(s, Options{Seed: 1, Semantics: sem})
		if err != nil {
			t.Fatal(err)
		}
		es := wd.ens["e1"]
		was := es.leader
		wd.schedule()
		wd.w.RunUntil(at + dur + 2*s.Gossip.Interval.D())
		want := router.Entry{Ensemble: "e1", Version: 2} // default: no leader, announced
		if sem == router.Riak {
			want = router.Entry{Ensemble: "e1", Leader: was, Version: 1}
		}
		for _, sn := range wd.members() {
			if got, _ := sn.node.Directory().Lookup("e1"); got != want {
				t.Errorf("%s: %s's directory holds %v, want %v", sem, sn.id, got, want)
			}
		}
		if !es.leader.IsZero() || !wd.converged("e1") {
			t.Errorf("%s: e1 led by %v, converged %v; want no leader, converged", sem, es.leader, wd.converged("e1"))
		}
	}
}
