package scenarios

import (
	"strings"
	"testing"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// TestRelayTwiceIsCaught: a riak worker that relays the leader's answer to the caller
// twice breaks no other clause (the caller completes on the first and drops the
// second as late, counted), so late-discarded's relay-once clause is what finds it:
// over the network in leader-churn, and in place in colocatedRegression, where the
// worker's node is the caller's. Without the clause, the run is clean and its report
// only counts a late reply and a message after give-up more for every relay.
func TestRelayTwiceIsCaught(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		spec       func(t *testing.T) Spec
	}{
		{name: "relay over the network", spec: func(t *testing.T) Spec { return named(t, "leader-churn") }, want: "to the call a second time (as message "},
		{name: "relay in place", spec: colocatedRegression, want: "relayed the leader's answer (made there) to the call a second time (in place)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec(t)
			const seeds = 5
			for seed := uint64(1); seed <= seeds; seed++ {
				clean := mustRun(t, spec, Options{Seed: seed, Semantics: router.Riak}).Report
				if len(clean.Violations) > 0 {
					t.Fatalf("seed %d without the bug already fails: %+v", seed, clean.Violations[0])
				}
				broken := mustRun(t, spec, Options{Seed: seed, Semantics: router.Riak, Bugs: bugs.Of(bugs.RelayTwice)}).Report
				for _, v := range broken.Violations {
					if v.Invariant != InvLateDiscarded {
						t.Fatalf("seed %d: a double relay broke %s: %s", seed, v.Invariant, v.Detail)
					}
				}
				for _, v := range broken.Violations {
					if strings.Contains(v.Detail, tc.want) {
						t.Logf("caught at seed %d: %s (late replies %d without the bug, %d with it)", seed, v.Detail, clean.LateRepliesDiscarded, broken.LateRepliesDiscarded)
						return
					}
				}
			}
			t.Fatalf("a worker relaying the leader's answer twice went unreported in %d seeds", seeds)
		})
	}
}

// TestRelayRecorded: under riak, every leader's answer to a worker is traced as a
// worker-reply, and every relay of one as a relay record naming the answer and the
// reply it sent (or 0, with the call completed right after on the node); under
// default semantics there are neither.
func TestRelayRecorded(t *testing.T) {
	for _, sem := range []router.Semantics{router.Riak, router.Default} {
		res := mustRun(t, named(t, "leader-churn"), Options{Seed: 1, Semantics: sem, KeepTrace: true})
		recs := res.Trace
		sent := map[int64]string{} // message id -> msg_kind
		relays, inPlace := 0, 0
		for i, r := range recs {
			if r.Kind == "send" {
				sent[recInt(r.Attrs, "msg")] = recStr(r.Attrs, "msg_kind")
			}
			if r.Kind != "relay" {
				continue
			}
			relays++
			answer, relay := recInt(r.Attrs, "answer"), recInt(r.Attrs, "relay")
			if answer != 0 && sent[answer] != "worker-reply" {
				t.Fatalf("%v: relay %+v names answer %d, sent as %q", sem, r, answer, sent[answer])
			}
			switch {
			case relay != 0:
				if sent[relay] != "reply" || i == 0 || recs[i-1].Kind != "send" || recInt(recs[i-1].Attrs, "msg") != relay {
					t.Fatalf("%v: relay %+v does not follow the send of its reply %d", sem, r, relay)
				}
			default:
				inPlace++
				if i+1 >= len(recs) || recs[i+1].Kind != "complete" || recStr(recs[i+1].Attrs, "call") != recStr(r.Attrs, "call") {
					t.Fatalf("%v: relay %+v in place is not followed by its call's completion", sem, r)
				}
			}
		}
		workerReplies := 0
		for _, k := range sent {
			if k == "worker-reply" {
				workerReplies++
			}
		}
		if sem == router.Default {
			if relays+workerReplies > 0 {
				t.Fatalf("default: %d relays and %d worker-replies traced; there are no workers", relays, workerReplies)
			}
			continue
		}
		if relays == 0 || inPlace == 0 || relays == inPlace || workerReplies < relays-inPlace {
			t.Fatalf("riak: %d relays (%d in place) of %d worker-replies: want relays over the network and in place", relays, inPlace, workerReplies)
		}
		t.Logf("riak: %d relays (%d in place), %d worker-replies", relays, inPlace, workerReplies)
	}
}

// recInt and recStr return the integer or string field key of a record's attrs (0 or
// "" for none).
func recInt(attrs []sim.Attr, key string) int64 {
	for _, a := range attrs {
		if a.Key == key {
			return a.Int
		}
	}
	return 0
}

func recStr(attrs []sim.Attr, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return a.Str
		}
	}
	return ""
}

// TestCheckerRelayOnce plays a riak worker's node to the checker: a leader's answer
// to a worker relayed once is clean; relayed a second time, over the network or in
// place, or a copy of it (the network duplicated the answer) relayed as well, breaks
// late-discarded; two answers, to two workers of the call, relayed once each, do
// not. (The checker here runs outside a simulation: every step is in one turn.)
func TestCheckerRelayOnce(t *testing.T) {
	type step struct {
		answer uint64 // hand the worker's node answer message answer (Worker set)
		relay  uint64 // the node sends the caller reply message relay
		here   bool   // the node relays in place (EvReplyHere), to a call of its own
	}
	for _, tc := range []struct {
		name, want string
		steps      []step
	}{
		{name: "once", steps: []step{{answer: 7}, {relay: 8}}},
		{name: "twice", steps: []step{{answer: 7}, {relay: 8}, {relay: 9}}, want: "relayed the leader's answer (message 7) to the call a second time (as message 9)"},
		{name: "twice in place", steps: []step{{answer: 7}, {here: true}, {here: true}}, want: "relayed the leader's answer (message 7) to the call a second time (in place)"},
		{name: "in place, then sent", steps: []step{{answer: 7}, {here: true}, {relay: 9}}, want: "relayed the leader's answer (message 7) to the call a second time (as message 9)"},
		{name: "a copy relayed", steps: []step{{answer: 7}, {relay: 8}, {answer: 7}, {relay: 9}}, want: "relayed a copy of the leader's answer (message 7)"},
		{name: "two answers, one relay each", steps: []step{{answer: 7}, {relay: 8}, {answer: 10}, {relay: 11}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := checkWorld(t, router.Riak)
			caller, worker := wd.byIdx[0], wd.byIdx[1]
			id := startCall(wd, caller, "e1")
			node := worker.id
			if tc.steps[1].here {
				node = caller.id // the worker is on the caller's node
			}
			completed := false
			for _, s := range tc.steps {
				switch {
				case s.answer != 0:
					handed(wd, node, s.answer, &router.Message{Kind: router.KindReply, Call: id, Worker: 3})
				case s.here:
					// The first completes the call, a second is late.
					tr := wd.nodes[node].tr
					tr.Trace(&router.Event{Kind: router.EvReplyHere, Call: id, Code: router.CodeTimeout})
					if completed {
						tr.Trace(&router.Event{Kind: router.EvLate, Call: id, Msg: &router.Message{Kind: router.KindReply, Call: id, Code: router.CodeTimeout}, Reason: "completed"})
						break
					}
					completed = true
					tr.Trace(&router.Event{Kind: router.EvComplete, Call: id, Code: router.CodeTimeout})
					tr.done(router.Result{Call: id, Err: router.ErrTimeout})
				default:
					wd.chk.Sent(node, caller.id, s.relay, &router.Message{Kind: router.KindReply, Call: id})
				}
			}
			if tc.want == "" {
				wantViolations(t, wd, "", "")
				return
			}
			wantViolations(t, wd, InvLateDiscarded, tc.want)
		})
	}
}
