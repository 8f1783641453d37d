package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// The tests in this file drive the checker by hand, one clause at a time, at the
// edges of what each clause allows. TestBugsAreCaught shows that each invariant
// catches the router bug it exists for; these show the clauses no injected bug
// reaches (an early timeout, a reply without its separator, a hop over the limit by
// one, a reply left unsettled, a leak of each kind) and where each bound lies, so that
// a checker loosened by a nanosecond or a hop fails a test.

// checkWorld is steady without its liveness phase, built but not run: the test plays
// the router's part.
func checkWorld(t *testing.T, sem router.Semantics) *world {
	t.Helper()
	s := named(t, "steady")
	s.Liveness = nil
	wd, err := newWorld(s, Options{Seed: 1, Semantics: sem})
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// startCall begins a workload call from sn to the first ensemble with event, as the
// router would report it, and returns its id.
func startCall(wd *world, sn *simNode, event string) router.CallID {
	wd.chk.begin(sn, wd.ensBy[0], []byte(event))
	id := router.CallID{Node: sn.id, Incarnation: sn.inc, Seq: uint64(len(sn.tr.recs) + 1)}
	sn.tr.Trace(&router.Event{Kind: router.EvCall, Call: id, Target: router.ToEnsemble(wd.eord[0])})
	return id
}

// invariantsOf lists the invariants of the violations found so far.
func invariantsOf(wd *world) []string {
	out := []string{}
	for _, v := range wd.chk.viol {
		out = append(out, v.Invariant+": "+v.Detail)
	}
	return out
}

// wantViolations fails unless the violations found are exactly one of inv whose
// detail holds detail, or none when inv is "".
func wantViolations(t *testing.T, wd *world, inv, detail string) {
	t.Helper()
	got := invariantsOf(wd)
	if inv == "" {
		if len(got) != 0 {
			t.Errorf("violations %q, want none", got)
		}
		return
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], inv+": ") || !strings.Contains(got[0], detail) {
		t.Errorf("violations %q, want one %s: ...%s...", got, inv, detail)
	}
}

// TestCheckerDeadlineEdges: a call may complete up to the clock's grain (1ns) past its
// deadline, no later; under default semantics it may not time out before it.
func TestCheckerDeadlineEdges(t *testing.T) {
	timeout := named(t, "steady").Workload.Timeout.D()
	cases := []struct {
		name   string
		sem    router.Semantics
		at     time.Duration // the caller's clock at the completion
		err    error
		inv    string
		detail string
	}{
		{name: "ok at the deadline plus the grain", at: timeout + clockGrain},
		{name: "ok a nanosecond later", at: timeout + clockGrain + 1, inv: InvDeadline, detail: "after its deadline"},
		{name: "timeout at the deadline", at: timeout, err: router.ErrTimeout},
		{name: "timeout a nanosecond early", at: timeout - 1, err: router.ErrTimeout, inv: InvDeadline, detail: "before its deadline"},
		{name: "timeout a nanosecond early (riak)", sem: router.Riak, at: timeout - 1, err: router.ErrTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, tc.sem)
			sn := wd.byIdx[0]
			id := startCall(wd, sn, "e1")
			peer := wd.ensBy[0].members[0]
			sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: peer})
			// At virtual time 0 a clock model sets the reading outright: the jump is
			// neither a pause nor a clock step, so nothing of it is forgiven.
			sn.host.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(tc.at)})
			res := router.Result{Call: id, Err: tc.err, Peer: peer}
			if tc.err == nil {
				res.Value = []byte("e1|v")
			}
			sn.tr.done(res)
			wantViolations(t, wd, tc.inv, tc.detail)
		})
	}
}

// TestCheckerResultChecks: a successful result must start with the call's event and
// '|', and come from a peer the event was delivered to.
func TestCheckerResultChecks(t *testing.T) {
	cases := []struct {
		name      string
		value     string
		delivered bool
		inv       string
		detail    string
	}{
		{name: "the call's answer", value: "e1|v", delivered: true},
		{name: "no separator", value: "e1v", delivered: true, inv: InvReplyMatchesCall, detail: `event "e1" got the answer "e1v"`},
		{name: "the bare event", value: "e1", delivered: true, inv: InvReplyMatchesCall, detail: `got the answer "e1"`},
		{name: "another event", value: "e2|v", delivered: true, inv: InvReplyMatchesCall, detail: `got the answer "e2|v"`},
		{name: "from a peer never given the event", value: "e1|v", inv: InvResultFromPeer, detail: "never received the event"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			sn := wd.byIdx[0]
			id := startCall(wd, sn, "e1")
			peer := wd.ensBy[0].members[0]
			if tc.delivered {
				sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: peer})
			} else {
				sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: wd.ensBy[0].members[1]})
			}
			sn.tr.done(router.Result{Call: id, Value: []byte(tc.value), Peer: peer})
			wantViolations(t, wd, tc.inv, tc.detail)
		})
	}
}

// TestCheckerHopBound: a request may be passed between nodes HopLimit times, by its
// own count and by the checker's, not once more; a duplicated copy starts a second
// chain, so transfers then count only through the message's own hops; riak has no
// hop limit.
func TestCheckerHopBound(t *testing.T) {
	cases := []struct {
		name string
		sem  router.Semantics
		// hops are the hop counts of the transfers sent, in order, given the limit; dup
		// hands the first transfer twice (a duplicated copy) before the rest are sent.
		hops func(limit uint8) []uint8
		dup  bool
		want bool
	}{
		{name: "hops at the limit", hops: func(l uint8) []uint8 { return []uint8{l} }},
		{name: "hops over the limit", hops: func(l uint8) []uint8 { return []uint8{l + 1} }, want: true},
		{name: "transfers at the limit", hops: func(l uint8) []uint8 { return make([]uint8, l) }},
		{name: "transfers over the limit", hops: func(l uint8) []uint8 { return make([]uint8, l+1) }, want: true},
		{name: "transfers over the limit after a duplicate", hops: func(l uint8) []uint8 { return make([]uint8, l+1) }, dup: true},
		{name: "hops over the limit (riak)", sem: router.Riak, hops: func(l uint8) []uint8 { return append([]uint8{l + 1}, make([]uint8, l+1)...) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, tc.sem)
			limit := wd.spec.HopLimit
			if limit < 1 || limit > 100 {
				t.Fatalf("steady's hop limit is %d", limit)
			}
			sn := wd.byIdx[0]
			id := startCall(wd, sn, "e1")
			to := wd.byIdx[1].id
			for i, hops := range tc.hops(uint8(limit)) {
				m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: int(hops)}
				msg := uint64(10 + i)
				wd.chk.Sent(sn.id, to, msg, &m)
				wd.chk.Handed(to, msg, &m)
				if tc.dup && i == 0 {
					wd.chk.Handed(to, msg, &m) // the copy
				}
			}
			if tc.want {
				wantViolations(t, wd, InvHopBound, "passed between nodes")
			} else {
				wantViolations(t, wd, "", "")
			}
		})
	}
}

// TestCheckerRepliesSettled: a reply handed to a node must be completed, counted late
// or redirected before the node gets its next message; a call completes once.
func TestCheckerRepliesSettled(t *testing.T) {
	for _, settle := range []router.EventKind{0, router.EvComplete, router.EvLate, router.EvRedirect} {
		name := "unsettled"
		if settle != 0 {
			name = settle.String()
		}
		t.Run(name, func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			sn := wd.byIdx[0]
			reply := router.Message{Kind: router.KindReply}
			wd.chk.Handed(sn.id, 7, &reply)
			if settle != 0 {
				sn.tr.Trace(&router.Event{Kind: settle, Msg: &reply})
			}
			wd.chk.Handed(sn.id, 8, &router.Message{Kind: router.KindGossip})
			if settle == 0 {
				wantViolations(t, wd, InvLateDiscarded, "reply message 7 at "+string(sn.id)+" was neither delivered")
			} else {
				wantViolations(t, wd, "", "")
			}
		})
	}
	t.Run("second completion", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "e1")
		sn.tr.done(router.Result{Call: id, Err: router.ErrUnreachable})
		wantViolations(t, wd, "", "")
		sn.tr.done(router.Result{Call: id, Err: router.ErrUnreachable})
		wantViolations(t, wd, InvLateDiscarded, "completion 2")
	})
}
