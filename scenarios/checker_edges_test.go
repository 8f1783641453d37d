package scenarios

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestBeginLiveWithSlowLeader: a routed call begun while its ensemble's leader is
// slow or hanging (a slow or hang fault still in force) is exempt from liveness, as
// liveNow says; once the fault's until has passed the call is live again. begin
// writes liveNow's test out, and the two must agree on the leader's impairment too.
func TestBeginLiveWithSlowLeader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		until time.Duration // the slowness's until, past virtual time 0 (0: no fault)
		want  bool
	}{
		{name: "healthy leader", want: true},
		{name: "slow leader", until: time.Hour, want: false},
		{name: "slowness over", until: -time.Nanosecond, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			wd.spec.Liveness = &Liveness{From: 0}
			es := wd.ensBy[0]
			if tc.until != 0 {
				es.slow = map[string][]slowness{es.leader.Name: {{until: wd.w.Now() + tc.until}}}
			}
			wd.chk.begin(wd.byIdx[0], es, []byte("c1"), -1)
			got := wd.chk.calls[len(wd.chk.calls)-1].live
			if now := wd.chk.liveNow(es, -1); got != now || got != tc.want {
				t.Errorf("begin says live %v, liveNow %v, want %v", got, now, tc.want)
			}
		})
	}
}

// TestDirectCallToLeaderIsLive: a call or cast straight to the leader is live in the
// liveness phase even before the leader's own heartbeat has reached it (an election
// installs the leader, and its view of itself follows in a later event at the same
// instant): the leader serves the event whatever it believes. A follower is live
// only when it believes in the leader.
func TestDirectCallToLeaderIsLive(t *testing.T) {
	for _, tc := range []struct {
		name     string
		leader   bool // to the leader, else to a follower
		stale    bool // the member's belief about the leader is not the truth yet
		wantLive bool
	}{
		{name: "leader that knows it leads", leader: true, wantLive: true},
		{name: "leader before its own heartbeat", leader: true, stale: true, wantLive: true},
		{name: "follower that believes in the leader", wantLive: true},
		{name: "follower with a stale belief", stale: true, wantLive: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			wd.spec.Liveness = &Liveness{From: 0}
			es := wd.ensBy[0]
			mi := es.leaderMI
			if !tc.leader {
				mi = (es.leaderMI + 1) % len(es.members)
			}
			if tc.stale {
				es.view[mi].leader = router.PeerRef{}
			}
			if got := wd.chk.liveNow(es, int32(mi)); got != tc.wantLive {
				t.Errorf("liveNow = %v, want %v", got, tc.wantLive)
			}
			wd.chk.begin(wd.byIdx[0], es, []byte("c1"), int32(mi))
			if got := wd.chk.calls[len(wd.chk.calls)-1].live; got != tc.wantLive {
				t.Errorf("call begun live %v, want %v", got, tc.wantLive)
			}
			wd.chk.beginCast(es, int32(mi))
			if got := wd.chk.casts[len(wd.chk.casts)-1].live; got != tc.wantLive {
				t.Errorf("cast begun live %v, want %v", got, tc.wantLive)
			}
		})
	}
}

// TestCheckerRedirectReportedOnce: a call redirected more than once breaks hop-bound
// once, however many redirects follow the second: one violation for the call, not
// one per redirect.
func TestCheckerRedirectReportedOnce(t *testing.T) {
	for _, redirects := range []int{2, 3, 5} {
		wd := checkWorld(t, router.Default)
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "e1")
		for range redirects {
			sn.tr.Trace(&router.Event{Kind: router.EvRedirect, Call: id, Peer: wd.ensBy[0].members[1]})
		}
		want := []string{InvHopBound + ": redirected a second time: a call is redirected at most once"}
		if diff := cmp.Diff(want, invariantsOf(wd)); diff != "" {
			t.Errorf("%d redirects: violations (-want +got):\n%s", redirects, diff)
		}
	}
}

// TestHopTableKeepsTheLeast: a node's entry holds the least hop count it was handed
// a request with, whatever came after it, for the first nodes (held in place) and
// for those past them alike.
func TestHopTableKeepsTheLeast(t *testing.T) {
	type handedWith struct {
		node router.NodeID
		hops int
	}
	for _, tc := range []struct {
		name   string
		handed []handedWith
		want   map[router.NodeID]int
	}{
		{name: "a longer chain's copy after the first",
			handed: []handedWith{{"n1", 1}, {"n1", 3}},
			want:   map[router.NodeID]int{"n1": 1}},
		{name: "a shorter chain's copy after the first",
			handed: []handedWith{{"n1", 3}, {"n1", 1}, {"n1", 2}},
			want:   map[router.NodeID]int{"n1": 1}},
		{name: "past the nodes held in place",
			handed: []handedWith{{"n1", 1}, {"n2", 2}, {"n3", 3}, {"n4", 4}, {"n5", 2}, {"n5", 6}, {"n1", 5}},
			want:   map[router.NodeID]int{"n1": 1, "n2": 2, "n3": 3, "n4": 4, "n5": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ht hopTable
			for _, h := range tc.handed {
				ht.saw(h.node, h.hops)
			}
			got := map[router.NodeID]int{}
			for node := range tc.want {
				if least, ok := ht.least(node); ok {
					got[node] = least
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("least hop counts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckerHopsAfterALongerCopy: a node handed a request again with a higher count
// (a copy that came round a longer chain) may still pass it on with one more than
// the least count it was handed: the later, higher count does not raise the bar.
func TestCheckerHopsAfterALongerCopy(t *testing.T) {
	wd := checkWorld(t, router.Default)
	id := startCall(wd, wd.byIdx[0], "e1")
	n := func(i int) router.NodeID { return wd.byIdx[i].id }
	for i, sd := range []struct {
		from, to router.NodeID
		hops     int
	}{
		{n(0), n(1), 1},
		{n(1), n(2), 2},
		{n(2), n(1), 3}, // the second node is handed it again, with 3
		{n(1), n(3), 2}, // and passes on what it was first handed, with 1
	} {
		m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: sd.hops}
		msg := uint64(10 + i)
		wd.chk.Sent(sd.from, sd.to, msg, &m)
		handed(wd, sd.to, msg, &m)
	}
	wantViolations(t, wd, "", "")
}
