package scenarios

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
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

// livenessWorld is a world of steady with a liveness phase from the start.
func livenessWorld(t *testing.T) *world {
	t.Helper()
	s := named(t, "steady")
	s.Liveness = &Liveness{}
	wd, err := newWorld(s, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// startCall begins a workload call from sn to the first ensemble with event, as the
// router would report it, and returns its id.
func startCall(wd *world, sn *simNode, event string) router.CallID {
	wd.chk.begin(sn, wd.ensBy[0], []byte(event), -1)
	id := router.CallID{Node: sn.id, Incarnation: sn.inc, Seq: uint64(len(sn.tr.recs) + 1)}
	sn.tr.Trace(&router.Event{Kind: router.EvCall, Call: id, Target: router.ToEnsemble(wd.eord[0])})
	return id
}

// deliveredCall starts a call to e1 on the first node of a checkWorld and delivers
// it to the ensemble's first member, which it returns with the call's id.
func deliveredCall(t *testing.T, sem router.Semantics) (*world, *simNode, router.CallID, router.PeerRef) {
	wd := checkWorld(t, sem)
	sn := wd.byIdx[0]
	id := startCall(wd, sn, "e1")
	peer := wd.ensBy[0].members[0]
	sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: peer, Budget: wd.spec.Workload.Timeout.D()})
	return wd, sn, id, peer
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
// deadline, no later; under default semantics it may not time out before it, and
// under riak only at the instant it started or with an answer.
func TestCheckerDeadlineEdges(t *testing.T) {
	timeout := named(t, "steady").Workload.Timeout.D()
	cases := []struct {
		name    string
		sem     router.Semantics
		at      time.Duration // the caller's clock at the completion
		err     error
		before  time.Duration // how long before the completion, in virtual time, the call started
		byReply bool          // the completion took an answer
		inv     string
		detail  string
	}{
		{name: "ok at the deadline plus the grain", at: timeout + clockGrain},
		{name: "ok a nanosecond later", at: timeout + clockGrain + 1, inv: InvDeadline, detail: "1ns after its deadline (1ns forgiven: the clock's grain)"},
		{name: "timeout at the deadline", at: timeout, err: router.ErrTimeout},
		{name: "timeout a nanosecond early", at: timeout - 1, err: router.ErrTimeout, inv: InvDeadline, detail: "before its deadline"},
		{name: "timeout a nanosecond early (riak), at the call", sem: router.Riak, at: timeout - 1, err: router.ErrTimeout},
		{name: "timeout a nanosecond early (riak), with an answer", sem: router.Riak, at: timeout - 1, err: router.ErrTimeout,
			before: time.Millisecond, byReply: true},
		{name: "timeout a nanosecond early (riak), no answer", sem: router.Riak, at: timeout - 1, err: router.ErrTimeout,
			before: time.Millisecond, inv: InvDeadline, detail: "with no answer that said so: its deadline timer fired early"},
		{name: "timeout at the deadline (riak), no answer", sem: router.Riak, at: timeout, err: router.ErrTimeout, before: time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wd, sn, id, peer := deliveredCall(t, tc.sem)
			// At virtual time 0 a clock model sets the reading outright: the jump is
			// neither a pause nor a clock step, so nothing of it is forgiven.
			sn.host.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(tc.at)})
			res := router.Result{Call: id, Err: tc.err, Peer: peer}
			if tc.err == nil {
				res.Value = []byte("e1|" + peer.String())
			}
			wd.chk.calls[len(wd.chk.calls)-1].startGlobal -= tc.before
			wd.chk.byReply = tc.byReply
			sn.tr.done(res)
			wantViolations(t, wd, tc.inv, tc.detail)
		})
	}
}

// TestCheckerDeadlinePausedStep: a forward clock step during a pause is forgiven
// once. The caller's clock is set, at virtual time 0, to read late by extra less the
// step; then the host pauses and its clock steps forward by the step: the call ends
// late by extra, of which the step and the grain are forgiven. Forgiving the step
// twice, as the pause's local time and as a clock step, would hide lateness up to the
// step's length.
func TestCheckerDeadlinePausedStep(t *testing.T) {
	timeout := named(t, "steady").Workload.Timeout.D()
	const step = 10 * time.Millisecond
	cases := []struct {
		name  string
		extra time.Duration // lateness at the completion, on the caller's clock
		inv   string
	}{
		{name: "late by the step and the grain", extra: step + clockGrain},
		{name: "a nanosecond later", extra: step + clockGrain + 1, inv: InvDeadline},
		{name: "late by half the step more", extra: step + step/2, inv: InvDeadline},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wd, sn, id, peer := deliveredCall(t, router.Default)
			sn.host.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(timeout + tc.extra - step)})
			sn.host.Pause()
			sn.host.StepClock(step)
			sn.host.Resume()
			sn.tr.done(router.Result{Call: id, Value: []byte("e1|" + peer.String()), Peer: peer})
			wantViolations(t, wd, tc.inv, "after its deadline ("+(step+clockGrain).String()+" forgiven: "+step.String()+" for pauses and clock steps after it, and the clock's grain)")
		})
	}
}

// TestCheckerPauseBeforeDeadline: a pause of the caller's node that ended before the
// deadline delayed nothing, and excuses no lateness: a call that completes 30ms late
// is a violation whether or not its node was paused for 30ms before. Paused as long
// across the deadline, it is excused.
func TestCheckerPauseBeforeDeadline(t *testing.T) {
	timeout := named(t, "steady").Workload.Timeout.D()
	const pause, late = 30 * time.Millisecond, 30 * time.Millisecond
	for _, tc := range []struct {
		name    string
		pauseAt time.Duration // local time the pause begins (the call starts at 0)
		inv     string
	}{
		{name: "no pause", pauseAt: -1, inv: InvDeadline},
		{name: "a pause that ended before the deadline", pauseAt: 0, inv: InvDeadline},
		{name: "a pause across the deadline", pauseAt: timeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd, sn, id, peer := deliveredCall(t, router.Default)
			if tc.pauseAt >= 0 {
				// Local time passes during the pause by a step within it.
				sn.host.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(tc.pauseAt)})
				sn.host.Pause()
				sn.host.StepClock(pause)
				sn.host.Resume()
			}
			// At virtual time 0 a clock model sets the reading outright: neither lost
			// to a pause nor a step.
			sn.host.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(timeout + late)})
			sn.tr.done(router.Result{Call: id, Value: []byte("e1|" + peer.String()), Peer: peer})
			wantViolations(t, wd, tc.inv, "after its deadline")
		})
	}
}

// TestCheckerResultChecks: a successful result must start with the call's event and
// '|', come from a peer of the ensemble called that the event was delivered to, and
// carry that peer's own answer (a simulated peer answers "event|peer"). In the values,
// PEER stands for the answering peer's name.
func TestCheckerResultChecks(t *testing.T) {
	cases := []struct {
		name      string
		value     string
		delivered bool
		second    bool // delivered to another peer first
		otherEns  bool // the answering peer is of another ensemble
		follower  bool // the answering peer is a follower, not the leader
		copied    bool // the result names the peer with strings of its own, not the world's
		inv       string
		detail    string
	}{
		{name: "the call's answer", value: "e1|PEER", delivered: true},
		{name: "from the second peer given the event", value: "e1|PEER", delivered: true, second: true},
		{name: "no separator", value: "e1v", delivered: true, inv: InvReplyMatchesCall, detail: `event "e1" got the answer "e1v"`},
		{name: "the bare event", value: "e1", delivered: true, inv: InvReplyMatchesCall, detail: `got the answer "e1"`},
		{name: "another event", value: "e2|PEER", delivered: true, inv: InvReplyMatchesCall, detail: `got the answer "e2|`},
		{name: "from a peer never given the event", value: "e1|PEER", inv: InvResultFromPeer, detail: "never received the event"},
		{name: "another peer's answer", value: "e1|e1/p9@n9", delivered: true, inv: InvResultFromPeer, detail: "carries the answer of e1/p9@n9"},
		// The answer of the same member on a node whose name differs in its last
		// byte, and the peer's name written without its "@".
		{name: "the answer of the member on another node", value: "e1|ENS/NAME@OTHERNODE", delivered: true, inv: InvResultFromPeer, detail: "carries the answer of"},
		{name: "the peer's name without its @", value: "e1|ENS/NAME#NODE", delivered: true, inv: InvResultFromPeer, detail: "carries the answer of"},
		{name: "from a peer of another ensemble", value: "e1|PEER", delivered: true, otherEns: true, inv: InvReplyMatchesCall,
			detail: "a call to e1 was answered by e2/"},
		// The leader's name is compared as rendered once, the other members' too, and
		// a peer named by strings of its own byte by byte: each way finds a wrong one.
		{name: "a follower's answer", value: "e1|PEER", delivered: true, follower: true},
		{name: "a follower credited with the leader's answer", value: "e1|LEADER", delivered: true, follower: true, inv: InvResultFromPeer, detail: "carries the answer of"},
		{name: "the leader credited with a follower's answer", value: "e1|FOLLOWER", delivered: true, inv: InvResultFromPeer, detail: "carries the answer of"},
		{name: "the answer of a peer named by strings of its own", value: "e1|PEER", delivered: true, copied: true},
		{name: "a peer named by strings of its own credited with another's answer", value: "e1|FOLLOWER", delivered: true, copied: true, inv: InvResultFromPeer, detail: "carries the answer of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			sn := wd.byIdx[0]
			id := startCall(wd, sn, "e1")
			if wd.ensBy[0].leaderMI != 0 {
				t.Fatalf("e1's leader is member %d, want 0", wd.ensBy[0].leaderMI)
			}
			leader, follower := wd.ensBy[0].members[0], wd.ensBy[0].members[1]
			peer := leader
			switch {
			case tc.otherEns:
				peer = wd.ensBy[1].members[0]
			case tc.follower:
				peer = follower
			}
			named := peer
			if tc.copied {
				named = router.PeerRef{Ensemble: router.EnsembleID(strings.Clone(string(peer.Ensemble))), Name: strings.Clone(peer.Name), Node: router.NodeID(strings.Clone(string(peer.Node)))}
			}
			if tc.second {
				sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: wd.ensBy[0].members[1], Budget: wd.spec.Workload.Timeout.D()})
			}
			if tc.delivered {
				sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: peer, Budget: wd.spec.Workload.Timeout.D()})
			} else {
				sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: wd.ensBy[0].members[1], Budget: wd.spec.Workload.Timeout.D()})
			}
			node := string(peer.Node)
			other := node[:len(node)-1] + string(rune('x'+node[len(node)-1]%2)) // another last byte
			value := strings.NewReplacer("PEER", peer.String(), "LEADER", leader.String(), "FOLLOWER", follower.String(),
				"ENS", string(peer.Ensemble), "NAME", peer.Name, "OTHERNODE", other, "NODE", node).Replace(tc.value)
			sn.tr.done(router.Result{Call: id, Value: []byte(value), Peer: named})
			wantViolations(t, wd, tc.inv, tc.detail)
		})
	}
}

// TestCheckerHopBound: a request may be passed between nodes HopLimit times, by its
// own count and by the checker's, not once more; a duplicated copy starts a second
// chain, so transfers then count only through the message's own hops; riak has no
// hop limit. (The transfers here are the caller's, each with a count of 1, as the
// caller's node sends a call again when it redirects.)
func TestCheckerHopBound(t *testing.T) {
	ones := func(n uint8) []uint8 { return bytes.Repeat([]uint8{1}, int(n)) }
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
		{name: "transfers at the limit", hops: ones},
		{name: "transfers over the limit", hops: func(l uint8) []uint8 { return ones(l + 1) }, want: true},
		{name: "transfers over the limit after a duplicate", hops: func(l uint8) []uint8 { return ones(l + 1) }, dup: true},
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
				handed(wd, to, msg, &m)
				if tc.dup && i == 0 {
					handed(wd, to, msg, &m) // the copy
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

// TestCheckerHopsCounted: under default semantics every transfer counts itself, even
// when duplicates make transfers no chain: it carries at least 1, and a node other
// than the caller's passes a request on with more than the least count it was handed
// it with. Riak counts nothing.
func TestCheckerHopsCounted(t *testing.T) {
	type send struct {
		from, to int // nodes, by index; 0 is the caller's
		hops     int
		dup      bool // handed twice
	}
	for _, tc := range []struct {
		name   string
		sem    router.Semantics
		sends  []send
		detail string // "" for no violation
	}{
		{name: "counted along a chain", sends: []send{{0, 1, 1, false}, {1, 2, 2, false}, {2, 1, 3, false}, {1, 3, 4, false}}},
		{name: "counted after a duplicate", sends: []send{{0, 1, 1, true}, {1, 2, 2, false}, {1, 2, 2, false}}},
		{name: "a caller's transfer without a count", sends: []send{{0, 1, 0, false}}, detail: "n1 passed the request on with hops=0: a transfer counts at least 1"},
		{name: "passed on uncounted", sends: []send{{0, 1, 1, false}, {1, 2, 1, false}},
			detail: "n2 passed the request on with hops=1, though it was handed it with hops=1 at least"},
		{name: "passed on uncounted after a duplicate", sends: []send{{0, 1, 1, true}, {1, 2, 2, false}, {1, 3, 1, false}},
			detail: "n2 passed the request on with hops=1, though it was handed it with hops=1 at least"},
		{name: "the caller redirects with a nack's count", sends: []send{{0, 1, 1, false}, {1, 0, 2, false}, {0, 2, 1, false}}},
		{name: "uncounted (riak)", sem: router.Riak, sends: []send{{0, 1, 0, false}, {1, 2, 0, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, tc.sem)
			id := startCall(wd, wd.byIdx[0], "e1")
			for i, sd := range tc.sends {
				m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: sd.hops}
				msg := uint64(10 + i)
				from, to := wd.byIdx[sd.from].id, wd.byIdx[sd.to].id
				wd.chk.Sent(from, to, msg, &m)
				handed(wd, to, msg, &m)
				if sd.dup {
					handed(wd, to, msg, &m)
				}
			}
			if tc.detail == "" {
				wantViolations(t, wd, "", "")
			} else {
				wantViolations(t, wd, InvHopBound, tc.detail)
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
			handed(wd, sn.id, 7, &reply)
			if settle != 0 {
				sn.tr.Trace(&router.Event{Kind: settle, Msg: &reply})
			}
			handed(wd, sn.id, 8, &router.Message{Kind: router.KindGossip})
			if settle == 0 {
				wantViolations(t, wd, InvLateDiscarded, "reply message 7 at "+string(sn.id)+" was neither delivered")
			} else {
				wantViolations(t, wd, "", "")
			}
		})
	}
	// The completion of a call of another incarnation, of the same number, does not
	// settle a reply to the first: a node restarted numbers its calls from 1 again.
	t.Run("completion of another incarnation's call", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		sn := wd.byIdx[0]
		reply := router.Message{Kind: router.KindReply, Call: router.CallID{Node: sn.id, Incarnation: sn.inc, Seq: 5}}
		handed(wd, sn.id, 7, &reply)
		sn.tr.Trace(&router.Event{Kind: router.EvComplete, Call: router.CallID{Node: sn.id, Incarnation: sn.inc + 1, Seq: 5}})
		handed(wd, sn.id, 8, &router.Message{Kind: router.KindGossip})
		wantViolations(t, wd, InvLateDiscarded, "reply message 7 at "+string(sn.id)+" was neither delivered")
	})
	// An answer handed in the turn its call times out did not complete the call: it
	// still awaits its late drop, which must follow in that turn.
	for _, late := range []bool{false, true} {
		t.Run(fmt.Sprintf("answer to a call completed by its timeout, dropped late %v", late), func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			sn := wd.byIdx[0]
			id := router.CallID{Node: sn.id, Incarnation: sn.inc, Seq: 5}
			reply := router.Message{Kind: router.KindReply, Call: id, Code: router.CodeOK}
			handed(wd, sn.id, 7, &reply)
			sn.tr.Trace(&router.Event{Kind: router.EvComplete, Call: id, Code: router.CodeTimeout})
			if late {
				sn.tr.Trace(&router.Event{Kind: router.EvLate, Call: id, Msg: &reply})
			}
			handed(wd, sn.id, 8, &router.Message{Kind: router.KindGossip})
			if late {
				wantViolations(t, wd, "", "")
			} else {
				wantViolations(t, wd, InvLateDiscarded, "reply message 7 at "+string(sn.id)+" was neither delivered")
			}
		})
	}
	// A crash after the reply's turn does not excuse a reply left unsettled in it.
	for _, settle := range []bool{false, true} {
		t.Run(fmt.Sprintf("crash after the turn, settled %v", settle), func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			sn := wd.byIdx[0]
			reply := router.Message{Kind: router.KindReply}
			handed(wd, sn.id, 7, &reply)
			if settle {
				sn.tr.Trace(&router.Event{Kind: router.EvLate, Msg: &reply})
			}
			wd.crash(sn)
			if settle {
				wantViolations(t, wd, "", "")
			} else {
				wantViolations(t, wd, InvLateDiscarded, "reply message 7 at "+string(sn.id)+" was neither delivered")
			}
		})
	}
	// A second completion breaks exactly-once; when a reply handed to the node made
	// it, late-discarded too.
	t.Run("second completion", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "e1")
		sn.tr.done(router.Result{Call: id, Err: router.ErrUnreachable})
		wantViolations(t, wd, "", "")
		sn.tr.done(router.Result{Call: id, Err: router.ErrUnreachable})
		wantViolations(t, wd, InvExactlyOnce, "completed again (completion 2")
	})
	t.Run("second completion by a reply", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "e1")
		sn.tr.done(router.Result{Call: id, Err: router.ErrUnreachable})
		reply := router.Message{Kind: router.KindReply, Call: id}
		handed(wd, sn.id, 7, &reply)
		sn.tr.Trace(&router.Event{Kind: router.EvComplete, Call: id})
		sn.tr.done(router.Result{Call: id, Err: router.ErrUnreachable})
		got := invariantsOf(wd)
		want := []string{"exactly-once: completed again (completion 2", "late-discarded: a reply reached the caller after the call had completed (completion 2"}
		if len(got) != len(want) {
			t.Fatalf("violations %q, want %q...", got, want)
		}
		for i := range want {
			if !strings.HasPrefix(got[i], want[i]) {
				t.Errorf("violation %d is %q, want %q...", i, got[i], want[i])
			}
		}
	})
	// A reply is settled only by an event of its own call: another call completing
	// on the node leaves it unsettled.
	t.Run("settled by another call", func(t *testing.T) {
		wd := checkWorld(t, router.Default)
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "e1")
		other := startCall(wd, sn, "e1")
		handed(wd, sn.id, 7, &router.Message{Kind: router.KindReply, Call: id})
		sn.tr.Trace(&router.Event{Kind: router.EvComplete, Call: other})
		sn.tr.done(router.Result{Call: other, Err: router.ErrUnreachable})
		handed(wd, sn.id, 8, &router.Message{Kind: router.KindGossip})
		wantViolations(t, wd, InvLateDiscarded, "reply message 7 at "+string(sn.id)+" was neither delivered")
	})
}

// TestCheckerLivenessBound: in the liveness phase a call must succeed within the
// bound (Liveness.Within, else the timeout); one that takes a nanosecond more breaks
// liveness even though it succeeded.
func TestCheckerLivenessBound(t *testing.T) {
	s := named(t, "steady")
	// The default bound, and one the spec sets (liveness.within), under the timeout.
	for _, lv := range []Liveness{{}, {Within: s.Workload.Timeout / 2}} {
		s.Liveness = &lv
		livenessBound(t, s)
	}
}

func livenessBound(t *testing.T, s Spec) {
	for _, over := range []time.Duration{0, 1} {
		wd, err := newWorld(s, Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		bound := wd.chk.within()
		if w := s.Liveness.Within.D(); w != 0 && bound != w {
			t.Fatalf("the bound is %v, want liveness.within's %v", bound, w)
		}
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "e1")
		if !wd.chk.calls[0].live {
			t.Fatal("a call at time 0 of a world with a leader and no faults is not in the liveness phase")
		}
		peer := wd.ensBy[0].members[0]
		sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: peer, Budget: wd.spec.Workload.Timeout.D()})
		sn.host.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(bound + over)})
		sn.tr.done(router.Result{Call: id, Value: []byte("e1|" + peer.String()), Peer: peer})
		if over == 0 {
			wantViolations(t, wd, "", "")
		} else {
			wantViolations(t, wd, InvLiveness, "in the liveness phase took")
		}
	}
}

// TestCheckerLivenessFailureSaysInFlight: a call of the liveness phase that timed out
// fails liveness, and the violation says when a request of it had not reached a
// router then (a message lost or slow on the way, or queued), not when it had.
func TestCheckerLivenessFailureSaysInFlight(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = &Liveness{}
	for _, inFlight := range []bool{false, true} {
		wd, err := newWorld(s, Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "e1")
		m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: "e1", Hops: 1}
		to := wd.byIdx[1].id
		wd.chk.Sent(sn.id, to, 10, &m)
		if !inFlight {
			handed(wd, to, 10, &m)
		}
		sn.host.SetClock(netmodel.ClockModel{Offset: s.Workload.Timeout})
		sn.tr.done(router.Result{Call: id, Err: router.ErrTimeout})
		wd.chk.viol = nil
		wd.chk.finish(true)
		var got []string
		for _, v := range wd.chk.viol {
			if v.Invariant == InvLiveness {
				got = append(got, v.Detail)
			}
		}
		hint := " (a request of it had not reached a router when it timed out: lost or slow on the way, or queued)"
		want := "call to e1 in the liveness phase failed: router: timeout"
		if inFlight {
			want += hint
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("in flight %v: liveness violations %q, want [%q]", inFlight, got, want)
		}
	}
}

// TestCheckerLivenessFailureSaysShed: a call of the liveness phase that failed
// ErrOverloaded says it was shed, as under more load than the routers serve, and
// what in the spec to change.
func TestCheckerLivenessFailureSaysShed(t *testing.T) {
	wd := livenessWorld(t)
	sn := wd.byIdx[0]
	id := startCall(wd, sn, "e1")
	sn.tr.done(router.Result{Call: id, Err: router.ErrOverloaded})
	wd.chk.viol = nil
	wd.chk.finish(true)
	want := "call to e1 in the liveness phase failed: router: overloaded (shed: a router's mailbox was full, as under a load more than the routers serve; if the spec means that load, raise routers or mailbox_cap, or lower the rate)"
	if got := invariantsOf(wd); len(got) != 1 || got[0] != InvLiveness+": "+want {
		t.Errorf("violations %q, want [%s: %s]", got, InvLiveness, want)
	}
}

// TestCheckerTaintSparesCompleted: an election of an ensemble exempts from liveness
// its calls under way, not one that has already completed (a failure the election
// did not cause).
func TestCheckerTaintSparesCompleted(t *testing.T) {
	wd := livenessWorld(t)
	sn := wd.byIdx[0]
	failed := startCall(wd, sn, "e1")
	startCall(wd, sn, "e1")
	if !wd.chk.calls[0].live || !wd.chk.calls[1].live {
		t.Fatal("calls at time 0 of a world with a leader and no faults are not in the liveness phase")
	}
	sn.tr.done(router.Result{Call: failed, Err: router.ErrTimeout})
	wd.chk.electionStarted("e1")
	if !wd.chk.calls[0].live || wd.chk.calls[1].live {
		t.Errorf("after the election began: the failed call live %v (want true), the call under way live %v (want false)",
			wd.chk.calls[0].live, wd.chk.calls[1].live)
	}
}

// TestOlder: a restart from a saved directory counts as a regression when the saved
// directory knows an ensemble at a lower version than the node had, or lacks one.
func TestOlder(t *testing.T) {
	e := func(ens string, v uint64) router.Entry {
		return router.Entry{Ensemble: router.EnsembleID(ens), Version: v}
	}
	last := []router.Entry{e("e1", 3), e("e2", 1)}
	cases := []struct {
		name  string
		saved []router.Entry
		want  bool
	}{
		{name: "the same", saved: []router.Entry{e("e1", 3), e("e2", 1)}},
		{name: "newer", saved: []router.Entry{e("e1", 4), e("e2", 1)}},
		{name: "an older version", saved: []router.Entry{e("e1", 2), e("e2", 1)}, want: true},
		{name: "an ensemble missing", saved: []router.Entry{e("e1", 3)}, want: true},
		{name: "empty", want: true},
	}
	for _, tc := range cases {
		if got := older(tc.saved, last); got != tc.want {
			t.Errorf("%s: older = %v, want %v", tc.name, got, tc.want)
		}
	}
	if older(nil, nil) {
		t.Errorf("older(nil, nil) = true, want false")
	}
}

// TestCheckerParkedIsALeak: a message still parked at a held link when the world is
// quiet is a leak.
func TestCheckerParkedIsALeak(t *testing.T) {
	for _, hold := range []bool{false, true} {
		wd := checkWorld(t, router.Default)
		a, b := wd.byIdx[0], wd.byIdx[1]
		if hold {
			wd.net.Hold([]router.NodeID{a.id}, []router.NodeID{b.id})
		}
		if err := a.host.Transport().Send(b.id, &router.Message{Kind: router.KindGossip}); err != nil {
			t.Fatal(err)
		}
		wd.w.RunUntil(time.Second)
		wd.chk.viol = nil
		wd.chk.finish(true)
		parked := 0
		for _, v := range wd.chk.viol {
			if v.Invariant == InvNoLeak && strings.Contains(v.Detail, "still parked") {
				parked++
				if want := "1 messages still parked at held or stalled links"; v.Detail != want {
					t.Errorf("hold %v: detail %q, want %q", hold, v.Detail, want)
				}
			}
		}
		if want := map[bool]int{false: 0, true: 1}[hold]; parked != want {
			t.Errorf("hold %v: %d parked leaks in %q, want %d", hold, parked, invariantsOf(wd), want)
		}
	}
}

// TestCheckerHeldReplyIsALeak: a reply still held by its sender (reply_hold) when the
// world is quiet is a leak: its expiry should have kept the world busy.
func TestCheckerHeldReplyIsALeak(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	s.ReplyHold = Duration(time.Second)
	wd, err := newWorld(s, Options{Seed: 1, Semantics: router.Default})
	if err != nil {
		t.Fatal(err)
	}
	a, b := wd.byIdx[0], wd.byIdx[1]
	wd.net.Partition([]router.NodeID{a.id}, []router.NodeID{b.id}, netmodel.InFlightDrop)
	wd.w.RunUntil(s.DetectAfter.D())
	if err := a.host.Transport().Send(b.id, &router.Message{Kind: router.KindReply}); err != nil {
		t.Fatal(err)
	}
	if wd.net.HeldReplies() != 1 {
		t.Fatalf("%d replies held, the case wants 1", wd.net.HeldReplies())
	}
	wd.chk.finish(true)
	wantViolations(t, wd, InvNoLeak, "1 replies still held by their senders (reply_hold)")
}

// TestCheckerQueuedIsALeak: a message waiting at a node when the world is quiet (here
// parked at a paused node, with no timer left) is a leak.
func TestCheckerQueuedIsALeak(t *testing.T) {
	for _, pause := range []bool{false, true} {
		wd := checkWorld(t, router.Default)
		a, b := wd.byIdx[0], wd.byIdx[1]
		if pause {
			b.host.Pause()
		}
		if err := a.host.Transport().Send(b.id, &router.Message{Kind: router.KindGossip}); err != nil {
			t.Fatal(err)
		}
		wd.w.RunUntil(time.Second)
		wd.chk.viol = nil
		wd.chk.finish(true)
		if !pause {
			wantViolations(t, wd, "", "")
			continue
		}
		if tm, q := b.host.Busy(); tm != 0 || q != 1 {
			t.Fatalf("paused %s has %d timers and %d queued messages; the case wants 0 and 1", b.id, tm, q)
		}
		wantViolations(t, wd, InvNoLeak, string(b.id)+" still has 0 timers and 1 queued messages")
	}
}

// TestCheckerRiakWorkerIsALeak: a call cut off while its leader's riak worker waits
// leaves, besides the call, the worker behind, and the checker names it.
func TestCheckerRiakWorkerIsALeak(t *testing.T) {
	wd := checkWorld(t, router.Riak)
	es := wd.ensBy[0]
	sn := wd.nodes[es.leader.Node]
	wd.call(sn, es, -1, []byte("e1"))
	if w := sn.node.Workers(); w != 1 {
		t.Fatalf("%s has %d riak workers after a call to its own leader, want 1", sn.id, w)
	}
	wd.chk.finish(true)
	want := "1 riak workers still waiting at " + string(sn.id)
	found := false
	for _, v := range wd.chk.viol {
		found = found || v.Invariant == InvNoLeak && v.Detail == want
	}
	if !found {
		t.Errorf("violations %q, want %s: %s among them", invariantsOf(wd), InvNoLeak, want)
	}
}

// TestCheckerBudgetBound: a peer may be handed a call's event with a budget up to the
// call's timeout (riak hands the timeout itself), not a nanosecond more, and down to a
// nanosecond, not none: a spent budget is dropped where it is found; no budget
// (Infinity) is for calls without a deadline, which the workload never makes.
func TestCheckerBudgetBound(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sem    router.Semantics
		budget func(timeout time.Duration) time.Duration
		inv    string
		want   string // the violation's detail, if not that of a budget over the timeout
	}{
		{name: "part of the timeout", budget: func(d time.Duration) time.Duration { return d / 2 }},
		{name: "the timeout", budget: func(d time.Duration) time.Duration { return d }},
		{name: "the timeout (riak)", sem: router.Riak, budget: func(d time.Duration) time.Duration { return d }},
		{name: "a nanosecond more", budget: func(d time.Duration) time.Duration { return d + 1 }, inv: InvDeadline},
		{name: "a nanosecond more (riak)", sem: router.Riak, budget: func(d time.Duration) time.Duration { return d + 1 }, inv: InvDeadline},
		{name: "a nanosecond left", budget: func(time.Duration) time.Duration { return 1 }},
		{name: "none left", budget: func(time.Duration) time.Duration { return 0 }, inv: InvDeadline, want: "with a spent budget of 0s"},
		{name: "less than none", budget: func(time.Duration) time.Duration { return -1 }, inv: InvDeadline, want: "with a spent budget of -1ns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, tc.sem)
			sn := wd.byIdx[0]
			id := startCall(wd, sn, "e1")
			peer := wd.ensBy[0].members[0]
			timeout := wd.spec.Workload.Timeout.D()
			sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: peer, Budget: tc.budget(timeout)})
			want := fmt.Sprintf("handed to %s with a budget of %v, more than the call's timeout %v", peer, timeout+1, timeout)
			if tc.want != "" {
				want = tc.want
			}
			wantViolations(t, wd, tc.inv, want)
		})
	}
}

// TestCheckerCompletedKeptIsALeak: a node whose table of pending calls still holds
// completed calls leaks, from the first one on: one call made and completed under
// bugs.KeepCompleted is reported as one, and none without the bug.
func TestCheckerCompletedKeptIsALeak(t *testing.T) {
	for _, keep := range []bool{false, true} {
		s := named(t, "steady")
		s.Liveness = nil
		opt := Options{Seed: 1}
		if keep {
			opt.Bugs = bugs.Of(bugs.KeepCompleted)
		}
		wd, err := newWorld(s, opt)
		if err != nil {
			t.Fatal(err)
		}
		es := wd.ensBy[0]
		sn := wd.nodes[es.leader.Node]
		wd.call(sn, es, -1, []byte("e1"))
		wd.w.RunUntil(time.Second)
		if got := sn.node.Registered(); got != map[bool]int{false: 0, true: 1}[keep] || len(sn.node.Pending()) != 0 {
			t.Fatalf("keep %v: %s holds %d calls, %d pending, after one call", keep, sn.id, got, len(sn.node.Pending()))
		}
		wd.chk.viol = nil
		wd.chk.finish(true)
		if !keep {
			wantViolations(t, wd, "", "")
			continue
		}
		wantViolations(t, wd, InvNoLeak, "1 completed calls still held in the table of pending calls at "+string(sn.id))
	}
}

// TestCheckerRedirectCountsHops: under default semantics, the request a caller's node
// redirects after a nack must carry more hops than the nack came with (the router
// passes the nack's count on and counts the new transfer); with as many, the hops
// before the nack were dropped, and a redirect could go round the hop limit. Only the
// redirect is held to it, and riak redirects nothing.
func TestCheckerRedirectCountsHops(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sem       router.Semantics
		nackHops  int
		sent      []int // the hops of the requests the caller's node sends after the nack
		later     bool  // sent in a later turn than the nack's (its redirect went to a local leader)
		violation bool
	}{
		{name: "counted", nackHops: 2, sent: []int{3}},
		{name: "not counted", nackHops: 2, sent: []int{2}, violation: true},
		{name: "reset", nackHops: 2, sent: []int{1}, violation: true},
		{name: "an older copy passed on after the redirect", nackHops: 2, sent: []int{3, 1}},
		{name: "riak", sem: router.Riak, nackHops: 2, sent: []int{1}},
		{name: "an older copy passed on after a local redirect", nackHops: 2, sent: []int{2}, later: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, tc.sem)
			sn, far := wd.byIdx[0], wd.byIdx[1].id
			id := startCall(wd, sn, "e1")
			req := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: 1}
			wd.chk.Sent(sn.id, far, 10, &req)
			handed(wd, far, 10, &req)
			nack := router.Message{Kind: router.KindReply, Call: id, Code: router.CodeNack, Hops: tc.nackHops}
			wd.chk.Sent(far, sn.id, 11, &nack)
			handed(wd, sn.id, 11, &nack)
			send := func() {
				for i, h := range tc.sent {
					m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: h}
					wd.chk.Sent(sn.id, far, uint64(12+i), &m)
				}
			}
			if tc.later {
				wd.w.After(time.Millisecond, send)
				wd.w.RunUntil(wd.w.Now() + time.Millisecond)
			} else {
				send()
			}
			var hop []string
			for _, v := range wd.chk.viol {
				if v.Invariant == InvHopBound {
					hop = append(hop, v.Detail)
				}
			}
			if got := len(hop) > 0; got != tc.violation {
				t.Errorf("hop-bound violations %q, want some: %v", hop, tc.violation)
			}
			if tc.violation && !strings.Contains(hop[0], "the hops before the nack were not counted") {
				t.Errorf("violation %q does not say what was wrong", hop[0])
			}
		})
	}
}

// TestCheckerRedirectOnce: under default semantics the caller's node redirects a call
// at most once; a second redirect is a hop-bound violation. Riak redirects nothing,
// and hop-bound does not hold it. (bugs.RedirectTwice shows it in a run.)
func TestCheckerRedirectOnce(t *testing.T) {
	for _, tc := range []struct {
		sem       router.Semantics
		redirects int
		violation bool
	}{
		{router.Default, 1, false},
		{router.Default, 2, true},
		{router.Riak, 2, false},
	} {
		wd := checkWorld(t, tc.sem)
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "e1")
		for range tc.redirects {
			sn.tr.Trace(&router.Event{Kind: router.EvRedirect, Call: id, Peer: wd.ensBy[0].members[1]})
		}
		if tc.violation {
			wantViolations(t, wd, InvHopBound, "redirected a second time")
		} else {
			wantViolations(t, wd, "", "")
		}
	}
}

// TestCheckerLateRepliesCounted: every late reply a router drops is counted in its
// Stats.Late, which the report gives as late_replies_discarded: a drop the counters
// miss, by one, is a late-discarded violation.
func TestCheckerLateRepliesCounted(t *testing.T) {
	for _, missed := range []uint64{0, 1} {
		wd := checkWorld(t, router.Default)
		wd.chk.probes.lateTraced = missed // dropped (EvLate) with no Stats.Late behind it
		wd.chk.finish(true)
		if missed == 0 {
			wantViolations(t, wd, "", "")
			continue
		}
		wantViolations(t, wd, InvLateDiscarded, "the routers dropped 1 late replies and counted 0")
	}
}

// TestCheckerTaintOpenCall: an election exempts from liveness every call under way to
// its ensemble, however long ago it began: one begun three quarters of a timeout
// before, and one begun more than a timeout before on a caller whose clock runs 10%
// slow, so that its deadline is still ahead (the checker looked back one timeout of
// virtual time only, and blamed the router for the second's failure).
func TestCheckerTaintOpenCall(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = &Liveness{}
	timeout := s.Workload.Timeout.D()
	for _, at := range []time.Duration{timeout * 3 / 4, timeout * 21 / 20} {
		wd, err := newWorld(s, Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		sn := wd.byIdx[0]
		sn.host.SetClock(netmodel.ClockModel{DriftPPM: -100000})
		id := startCall(wd, sn, "e1")
		if !wd.chk.calls[0].live {
			t.Fatal("a call at time 0 of a world with a leader and no faults is not in the liveness phase")
		}
		fired := false
		wd.w.Schedule(at, func() { fired = true; wd.chk.electionStarted("e1") })
		for !fired && wd.w.Step() {
		}
		if local := sn.host.Now(); !fired || local >= wd.chk.calls[0].deadline {
			t.Fatalf("at %v: the election fired %v, the caller's clock at %v, its deadline %v: want it ahead", at, fired, local, wd.chk.calls[0].deadline)
		}
		if wd.chk.calls[0].live {
			t.Errorf("an election at %v, the call begun at 0 still open: the call is still live", at)
		}
		sn.tr.done(router.Result{Call: id, Err: router.ErrNotLeader})
		wd.chk.electionEnded("e1")
		wd.chk.viol = nil
		wd.chk.finish(true)
		for _, v := range wd.chk.viol {
			if v.Invariant == InvLiveness {
				t.Errorf("election at %v: %s", at, v.Detail)
			}
		}
	}
}

// TestCheckerLivenessFailureSaysItsError: a call of the liveness phase that failed
// with an error of its own, more than its code's (a transport's reason wrapped
// around ErrUnreachable), is reported with that error, not the code's.
func TestCheckerLivenessFailureSaysItsError(t *testing.T) {
	wd := livenessWorld(t)
	sn := wd.byIdx[0]
	id := startCall(wd, sn, "e1")
	own := fmt.Errorf("%w: the link to n2 is down", router.ErrUnreachable)
	sn.tr.done(router.Result{Call: id, Err: own})
	wd.chk.viol = nil
	wd.chk.finish(true)
	want := "call to e1 in the liveness phase failed: " + own.Error()
	var got []string
	for _, v := range wd.chk.viol {
		if v.Invariant == InvLiveness {
			got = append(got, v.Detail)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("liveness violations %q, want one saying %q", got, want)
	}
}

// remoteCall makes a real workload call from a member node that does not host e1's
// leader, so that its request leaves the node; the world is not run.
func remoteCall(t *testing.T, wd *world) (*simNode, router.CallID) {
	t.Helper()
	es := wd.ensBy[0]
	var sn *simNode
	for _, cand := range wd.byIdx {
		if cand.member && cand.id != es.leader.Node {
			sn = cand
			break
		}
	}
	wd.call(sn, es, -1, wd.events.copy([]byte("c1")))
	r := &wd.chk.calls[len(wd.chk.calls)-1]
	if !r.named || r.completions != 0 {
		t.Fatalf("the call was not made, or completed at once: %+v", *r)
	}
	return sn, wd.chk.callID(r)
}

// TestLateReplyNotSettledByTimeout: an answer handed after its call's deadline (the
// caller's clock stepped past it, the deadline timer not yet fired) completes the call
// with ErrTimeout and must then be dropped as late and counted, as the router's
// after-deadline path does. The completion alone does not settle it: a router that
// completes the call by its deadline and drops the answer uncounted (here the
// deadline's own path, run in the answer's turn) breaks late-discarded.
func TestLateReplyNotSettledByTimeout(t *testing.T) {
	for _, drop := range []string{"counted", "uncounted"} {
		t.Run(drop, func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			sn, id := remoteCall(t, wd)
			leader := wd.ensBy[0].leader
			sn.host.StepClock(wd.spec.Workload.Timeout.D() + time.Millisecond) // forgiven: a forward step
			reply := router.Message{Kind: router.KindReply, From: leader.Node, Call: id, Code: router.CodeOK, Result: []byte("c1|" + leader.String()), Peer: leader, Hops: 1}
			handed(wd, sn.id, 1000, &reply)
			if drop == "counted" {
				sn.node.Deliver(&reply, sn.host.Now())
			}
			// The deadline timer, due since the step, fires (for "uncounted", the answer
			// was never delivered).
			wd.w.RunUntil(wd.w.Now())
			if p := sn.node.Pending(); len(p) > 0 {
				t.Fatalf("the call is still pending after its deadline timer was due: %v", p)
			}
			handed(wd, sn.id, 1001, &router.Message{Kind: router.KindGossip})
			wd.chk.finish(true)
			if drop == "counted" {
				if st := wd.routerStats(); st.Late != 1 {
					t.Errorf("Stats.Late = %d, want 1", st.Late)
				}
				wantViolations(t, wd, "", "")
				return
			}
			wantViolations(t, wd, InvLateDiscarded, "neither delivered to its call nor counted as late")
		})
	}
}

// TestHopsCountedAfterCompletion: a request still travelling after its call completed
// (its caller timed out) must still count each transfer; with the call's open record
// gone, a transfer that carries 0 is caught, even after a copy of the first request
// switched off the count of transfers. One that carries 1 or more is fine.
func TestHopsCountedAfterCompletion(t *testing.T) {
	for _, hops := range []int{0, 2} {
		wd := checkWorld(t, router.Default)
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "c1")
		first := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: 1}
		wd.chk.Sent(sn.id, wd.byIdx[1].id, 10, &first)
		handed(wd, wd.byIdx[1].id, 10, &first)
		handed(wd, wd.byIdx[1].id, 10, &first) // a copy made by the network
		sn.host.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(wd.spec.Workload.Timeout.D())})
		sn.tr.done(router.Result{Call: id, Err: router.ErrTimeout})
		m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: hops}
		wd.chk.Sent(wd.byIdx[1].id, wd.byIdx[2].id, 11, &m)
		if hops == 0 {
			wantViolations(t, wd, InvHopBound, "passed the request on with hops=0 after the call completed")
		} else {
			wantViolations(t, wd, "", "")
		}
	}
}

// TestInfiniteBudgetIsOverTheTimeout: every workload call has a timeout, so a peer
// handed one of them with no deadline at all (router.Infinity: a budget lost on the
// way) is handed more than the call's timeout, as one a nanosecond over it is.
func TestInfiniteBudgetIsOverTheTimeout(t *testing.T) {
	for _, budget := range []time.Duration{named(t, "steady").Workload.Timeout.D() + 1, router.Infinity} {
		wd := checkWorld(t, router.Default)
		sn := wd.byIdx[0]
		id := startCall(wd, sn, "c1")
		peer := wd.ensBy[0].members[0]
		sn.tr.Trace(&router.Event{Kind: router.EvDeliver, Call: id, Peer: peer, Budget: budget})
		wantViolations(t, wd, InvDeadline, "more than the call's timeout")
	}
}

// TestHopsCountedPastFourNodes: the least count each node was handed a request with
// is kept for every node a call's requests reach, not only the first four: on a chain
// of five transfers (hop limit 6) made no chain by a copy of its first request, the
// fifth node handed it, passing it on without counting the transfer, is caught.
func TestHopsCountedPastFourNodes(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	s.Nodes = append(s.Nodes, "n6", "n7")
	s.HopLimit = 6
	wd, err := newWorld(s, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	caller := wd.nodes["n1"]
	id := startCall(wd, caller, "c1")
	chain := []router.NodeID{"n1", "n2", "n3", "n4", "n5", "n6"}
	for i := 1; i < len(chain); i++ {
		m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: i}
		msg := uint64(10 + i)
		wd.chk.Sent(chain[i-1], chain[i], msg, &m)
		handed(wd, chain[i], msg, &m)
		if i == 1 {
			handed(wd, chain[i], msg, &m) // a copy made by the network
		}
	}
	wantViolations(t, wd, "", "")
	m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: 5}
	wd.chk.Sent("n6", "n7", 20, &m)
	wantViolations(t, wd, InvHopBound, "n6 passed the request on with hops=5, though it was handed it with hops=5 at least")
}

// handed shows the checker message id handed to node to, which it reached just now
// (no wait in a mailbox).
func handed(wd *world, to router.NodeID, id uint64, m *router.Message) {
	var now time.Duration
	if sn := wd.nodes[to]; sn != nil {
		now = sn.host.Now()
	}
	wd.chk.Handed(to, id, m, now)
}

// TestCheckerBudgetCharged: under default semantics, what a node passes on of a
// request handed to it, in that same event (to a peer, or to another node), must
// have the request's wait there charged: at most its budget less the time from its
// arrival to now on the node's clock, a nanosecond more is a deadline violation. A
// clock stepped back since the arrival charges nothing. Riak hands the timeout on at
// every hop and is not checked.
func TestCheckerBudgetCharged(t *testing.T) {
	const budget, wait = 40 * time.Millisecond, 15 * time.Millisecond // steady's timeout is 50ms
	for _, tc := range []struct {
		name   string
		sem    router.Semantics
		wait   time.Duration // from the arrival to now; negative: the clock stepped back
		give   time.Duration // the budget passed on
		viol   bool
		onward bool // passed on to another node, not handed to a peer
	}{
		{name: "charged", wait: wait, give: budget - wait},
		{name: "a nanosecond over", wait: wait, give: budget - wait + 1, viol: true},
		{name: "not charged", wait: wait, give: budget, viol: true},
		{name: "passed on, charged", wait: wait, give: budget - wait, onward: true},
		{name: "passed on, a nanosecond over", wait: wait, give: budget - wait + 1, viol: true, onward: true},
		{name: "clock stepped back", wait: -wait, give: budget},
		{name: "clock stepped back, read as time gained", wait: -wait, give: budget + 1, viol: true},
		{name: "riak", sem: router.Riak, wait: wait, give: budget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, tc.sem)
			caller, at, next := wd.byIdx[0], wd.byIdx[1], wd.byIdx[2]
			id := startCall(wd, caller, "e1")
			m := router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: 1, Budget: budget}
			wd.chk.Sent(caller.id, at.id, 10, &m)
			wd.chk.Handed(at.id, 10, &m, at.host.Now()-tc.wait)
			if tc.onward {
				wd.chk.Sent(at.id, next.id, 11, &router.Message{Kind: router.KindPeer, Call: id, Ensemble: wd.eord[0], Hops: 2, Budget: tc.give})
			} else {
				at.tr.Trace(&router.Event{Kind: router.EvDeliver, Node: at.id, Call: id, Peer: wd.ensBy[0].members[0], Budget: tc.give})
			}
			if !tc.viol {
				wantViolations(t, wd, "", "")
				return
			}
			want := fmt.Sprintf("came with %v and waited %v there: the wait was not charged", budget, tc.wait)
			if tc.give > budget {
				want = fmt.Sprintf("more than the %v the request came with: its wait there, %v by the node's clock, was taken for time gained", budget, tc.wait)
			}
			wantViolations(t, wd, InvDeadline, want)
		})
	}
}

// TestCheckerRedirectBudget: under default semantics what a caller's node redirects
// after a nack, to another node or to a peer of its own, carries at most what the
// call has left before its deadline on that node's clock, and never more than its
// timeout (a clock stepped back since the call started is no time gained).
func TestCheckerRedirectBudget(t *testing.T) {
	timeout := named(t, "steady").Workload.Timeout.D()
	const elapsed = 30 * time.Millisecond
	for _, tc := range []struct {
		name  string
		clock time.Duration // the caller's clock at the redirect; the call started at 0
		give  time.Duration
		local bool // redirected to a peer on the caller's node
		viol  string
	}{
		{name: "what is left", clock: elapsed, give: timeout - elapsed},
		{name: "a nanosecond more", clock: elapsed, give: timeout - elapsed + 1, viol: "redirected the call to n2 with a budget of 20.000001ms, though it had 20ms left"},
		{name: "the whole timeout", clock: elapsed, give: timeout, viol: "with a budget of 50ms, though it had 20ms left"},
		{name: "to a peer there, what is left", clock: elapsed, give: timeout - elapsed, local: true},
		{name: "to a peer there, a nanosecond more", clock: elapsed, give: timeout - elapsed + 1, local: true, viol: "redirected the call to a peer there"},
		{name: "clock stepped back", clock: -elapsed, give: timeout},
		{name: "clock stepped back, read as time gained", clock: -elapsed, give: timeout + 1, viol: "though it had 50ms left"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, router.Default)
			caller, to := wd.byIdx[0], wd.byIdx[1]
			id := startCall(wd, caller, "e1")
			caller.host.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(tc.clock)})
			leader := wd.ensBy[0].members[1]
			caller.tr.Trace(&router.Event{Kind: router.EvRedirect, Node: caller.id, Call: id, Peer: leader})
			if tc.local {
				caller.tr.Trace(&router.Event{Kind: router.EvDeliver, Node: caller.id, Call: id, Peer: wd.ensBy[0].members[0], Budget: tc.give})
			} else {
				wd.chk.Sent(caller.id, to.id, 11, &router.Message{Kind: router.KindRoute, Call: id, Ensemble: wd.eord[0], Hops: 2, Budget: tc.give})
			}
			if tc.viol == "" {
				wantViolations(t, wd, "", "")
				return
			}
			wantViolations(t, wd, InvDeadline, tc.viol)
		})
	}
}
