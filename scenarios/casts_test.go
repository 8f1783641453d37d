package scenarios

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

func TestCastOf(t *testing.T) {
	wd := checkWorld(t, router.Default)
	for range 12 {
		wd.chk.beginCast(wd.ensBy[0], -1)
	}
	for _, tc := range []struct {
		event string
		want  int // 1 + the index into casts, 0 for none
	}{
		{"s1", 1}, {"s12", 12}, {"s13", 0}, {"s0", 0}, {"s01", 0}, {"s", 0}, {"c1", 0},
		{"s1x", 0}, {"s-1", 0}, {"", 0}, {"s99999999999", 0},
	} {
		got := 0
		if cr := wd.chk.castOf([]byte(tc.event)); cr != nil {
			for i := range wd.chk.casts {
				if cr == &wd.chk.casts[i] {
					got = i + 1
				}
			}
		}
		if got != tc.want {
			t.Errorf("castOf(%q) is cast %d, want %d (0: none)", tc.event, got, tc.want)
		}
	}
}

// castPeer is member mi of ensemble ei of wd, as the checker sees a peer.
func castPeer(wd *world, ei, mi int) *simPeer {
	es := wd.ensBy[ei]
	return &simPeer{wd: wd, ref: es.members[mi], name: es.members[mi].String(), es: es, mi: mi}
}

// TestCheckerCastServedOnce: leaders may take a cast up once; a second time only when
// a message of it was duplicated. A follower handed it (to forward) does not count.
func TestCheckerCastServedOnce(t *testing.T) {
	t.Run("once, through a follower", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.castHandled(castPeer(wd, 0, 1), []byte("s1"), false)
		wd.chk.castHandled(castPeer(wd, 0, 0), []byte("s1"), true)
		wantViolations(t, wd, "", "")
		if got := wd.chk.finishCasts(); got == nil || got.Total != 1 || got.Served != 1 {
			t.Errorf("counts %+v, want 1 made, 1 served", got)
		}
	})
	t.Run("twice", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.castHandled(castPeer(wd, 0, 0), []byte("s1"), true)
		wd.chk.castHandled(castPeer(wd, 0, 0), []byte("s1"), true)
		wantViolations(t, wd, InvExactlyOnce, "cast s1 to e1 taken up by a leader 2 times")
	})
	t.Run("twice, duplicated", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.castHandled(castPeer(wd, 0, 0), []byte("s1"), true)
		m := &router.Message{Kind: router.KindCast, Ensemble: wd.eord[0], Event: []byte("s1"), Hops: 1}
		handed(wd, wd.order[0], 7, m)
		handed(wd, wd.order[0], 7, m) // the same message again: a copy
		wd.chk.castHandled(castPeer(wd, 0, 0), []byte("s1"), true)
		wantViolations(t, wd, "", "")
	})
	t.Run("another cast's copy", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.beginCast(wd.ensBy[0], -1)
		m := &router.Message{Kind: router.KindPeer, Peer: wd.ensBy[0].members[0], Event: []byte("s2"), Hops: 1}
		handed(wd, wd.order[0], 7, m)
		handed(wd, wd.order[0], 7, m)
		wd.chk.castHandled(castPeer(wd, 0, 0), []byte("s1"), true)
		wd.chk.castHandled(castPeer(wd, 0, 0), []byte("s1"), true)
		wantViolations(t, wd, InvExactlyOnce, "cast s1 to e1 taken up by a leader 2 times")
	})
}

// TestCheckerCastMisrouted: a cast handed to a peer of another ensemble, even one
// that does not take it up, is reported, once.
func TestCheckerCastMisrouted(t *testing.T) {
	wd := checkWorld(t, router.Default)
	wd.chk.beginCast(wd.ensBy[0], -1)
	wd.chk.castHandled(castPeer(wd, 1, 0), []byte("s1"), false)
	wd.chk.castHandled(castPeer(wd, 1, 1), []byte("s1"), true)
	wantViolations(t, wd, InvReplyMatchesCall, "cast s1 to e1 was handed to e2/p1@n2, a peer of another ensemble")
}

// TestCheckerCastHops: under default semantics a cast may pass between nodes up to
// the hop limit, each transfer counting itself; riak has no limit.
func TestCheckerCastHops(t *testing.T) {
	send := func(wd *world, hops ...int) {
		for _, h := range hops {
			wd.chk.Sent(wd.order[0], wd.order[1], 1, &router.Message{Kind: router.KindCast, Ensemble: wd.eord[0], Event: []byte("s1"), Hops: h})
		}
	}
	limit := named(t, "steady").HopLimit
	hops := make([]int, limit)
	for i := range hops {
		hops[i] = i + 1
	}
	t.Run("at the limit", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		send(wd, hops...)
		wantViolations(t, wd, "", "")
	})
	t.Run("one more", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		send(wd, append(hops, limit+1)...)
		wantViolations(t, wd, InvHopBound, "cast s1 passed between nodes 5 times (message says hops=5), limit 4")
	})
	t.Run("one more transfer, duplicated", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		m := &router.Message{Kind: router.KindCast, Ensemble: wd.eord[0], Event: []byte("s1"), Hops: 1}
		handed(wd, wd.order[1], 3, m)
		handed(wd, wd.order[1], 3, m)
		send(wd, append(hops, limit)...)
		wantViolations(t, wd, "", "")
	})
	t.Run("a transfer not counted", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		send(wd, 1, 2, 2)
		wantViolations(t, wd, InvHopBound, "passed cast s1 on with hops=2 as its transfer 3: a transfer was not counted")
	})
	t.Run("a transfer not counted, duplicated", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		m := &router.Message{Kind: router.KindCast, Ensemble: wd.eord[0], Event: []byte("s1"), Hops: 1}
		handed(wd, wd.order[1], 3, m)
		handed(wd, wd.order[1], 3, m)
		send(wd, 1, 2, 2)
		wantViolations(t, wd, "", "")
	})
	t.Run("uncounted", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		send(wd, 0)
		wantViolations(t, wd, InvHopBound, "passed cast s1 on with hops=0")
	})
	t.Run("riak", func(t *testing.T) {
		wd := checkWorld(t, router.Riak)
		wd.chk.beginCast(wd.ensBy[0], -1)
		send(wd, append(hops, 0, limit+1)...)
		wantViolations(t, wd, "", "")
	})
}

// TestCheckerCastLiveness: a cast made in the liveness phase must reach its leader,
// unless an election began while it travelled; a cast straight to a member counts
// only when the member is the leader or believes in it.
func TestCheckerCastLiveness(t *testing.T) {
	liveWorld := func(t *testing.T) *world {
		wd := checkWorld(t, router.Default)
		wd.spec.Liveness = &Liveness{From: 0}
		return wd
	}
	t.Run("lost", func(t *testing.T) {
		wd := liveWorld(t)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.finishCasts()
		wantViolations(t, wd, InvLiveness, "cast s1 to e1, made at 0s in the liveness phase, never reached a leader")
	})
	t.Run("served", func(t *testing.T) {
		wd := liveWorld(t)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.castHandled(castPeer(wd, 0, 0), []byte("s1"), true)
		wd.chk.finishCasts()
		wantViolations(t, wd, "", "")
	})
	t.Run("election while it travelled", func(t *testing.T) {
		wd := liveWorld(t)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.beginCast(wd.ensBy[1], -1)
		wd.chk.electionStarted(wd.eord[0])
		wd.chk.finishCasts()
		wantViolations(t, wd, InvLiveness, "cast s2 to e2")
	})
	t.Run("lost after a member passed it on", func(t *testing.T) {
		wd := liveWorld(t)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.castHandled(castPeer(wd, 0, 1), []byte("s1"), false)
		wd.chk.finishCasts()
		wantViolations(t, wd, InvLiveness, "cast s1 to e1")
	})
	t.Run("refused by a member in an election", func(t *testing.T) {
		wd := liveWorld(t)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.casts[0].startGlobal = -time.Hour // made long before: no taint reaches it
		wd.chk.electionStarted(wd.eord[0])
		wd.chk.castHandled(castPeer(wd, 0, 1), []byte("s1"), false)
		wd.chk.finishCasts()
		wantViolations(t, wd, "", "")
	})
	t.Run("handed to a member that has not heard of the leader", func(t *testing.T) {
		wd := liveWorld(t)
		wd.chk.beginCast(wd.ensBy[0], -1)
		es := wd.ensBy[0]
		es.view[1].leader = es.members[2]
		wd.chk.castHandled(castPeer(wd, 0, 1), []byte("s1"), false)
		wd.chk.finishCasts()
		wantViolations(t, wd, "", "")
	})
	t.Run("before the liveness phase", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		wd.chk.finishCasts()
		wantViolations(t, wd, "", "")
	})
	t.Run("straight to a member", func(t *testing.T) {
		wd := liveWorld(t)
		es := wd.ensBy[0]
		if !wd.chk.liveNow(es, 1) || !wd.chk.liveNow(es, int32(es.leaderMI)) {
			t.Fatalf("a follower that believes in the leader, or the leader, is not live")
		}
		es.view[1].leader = es.members[2] // a stale belief
		if wd.chk.liveNow(es, 1) {
			t.Errorf("a follower that believes in another leader is live")
		}
		if !wd.chk.liveNow(es, -1) {
			t.Errorf("a routed call is not live: the follower's belief should not matter")
		}
	})
}

// TestBeginLiveMatchesLiveNow: begin writes out liveNow's test for a routed call; the
// two agree, with a leader and without, in an election and out of one.
func TestBeginLiveMatchesLiveNow(t *testing.T) {
	wd := checkWorld(t, router.Default)
	wd.spec.Liveness = &Liveness{From: 0}
	es := wd.ensBy[0]
	sn := wd.byIdx[0]
	check := func(state string, want bool) {
		t.Helper()
		wd.chk.begin(sn, es, []byte("c1"), -1)
		if got, now := wd.chk.calls[len(wd.chk.calls)-1].live, wd.chk.liveNow(es, -1); got != now || got != want {
			t.Errorf("%s: begin says live %v, liveNow %v, want %v", state, got, now, want)
		}
	}
	check("healthy", true)
	wd.chk.electionStarted(es.id)
	check("in an election", false)
	wd.chk.electionEnded(es.id)
	check("after it", true)
	leader := es.leader
	es.leader = router.PeerRef{}
	check("no leader", false)
	es.leader = leader
	check("the leader back", true)
}

// TestCheckerCastHopsAfterCopy: a node passes a cast on with more than the least count
// it was handed it with, copies or not. The chain rule (each transfer at least its
// place) catches a count reset on a cast never copied; once a copy of its first
// message is made, this one does.
func TestCheckerCastHopsAfterCopy(t *testing.T) {
	for _, copied := range []bool{false, true} {
		wd := checkWorld(t, router.Default)
		wd.chk.beginCast(wd.ensBy[0], -1)
		n := wd.order
		hop := func(from, to router.NodeID, id uint64, hops int) {
			m := &router.Message{Kind: router.KindCast, Ensemble: wd.eord[0], Event: []byte("s1"), Hops: hops}
			wd.chk.Sent(from, to, id, m)
			handed(wd, to, id, m)
			if copied && id == 1 {
				handed(wd, to, id, m) // a copy made by the network
			}
		}
		hop(n[0], n[1], 1, 1)
		hop(n[1], n[2], 2, 2)
		hop(n[2], n[3], 3, 2) // n3 was handed it with 2: a reset count
		if copied {
			wantViolations(t, wd, InvHopBound, "n3 passed cast s1 on with hops=2, though it was handed it with hops=2 at least")
		} else {
			wantViolations(t, wd, InvHopBound, "n3 passed cast s1 on with hops=2 as its transfer 3")
		}
	}
}
