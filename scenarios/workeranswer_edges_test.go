package scenarios

import (
	"testing"

	"github.com/ensroute/ensroute/router"
)

// TestCheckerWorkerAnswerSettled: under riak a leader's answer to a follower's forward
// is handed to the worker that called the follower, on the follower's node. Like any
// reply handed over the network, it must be settled in the node's turn: relayed to
// the caller (a reply for its call sent from the node, or refused by the network) or
// dropped as late (worker-gone). One the node neither relays nor counts is an answer
// lost without a trace, and breaks late-discarded.
func TestCheckerWorkerAnswerSettled(t *testing.T) {
	for _, settle := range []string{"unsettled", "late", "relayed", "refused"} {
		t.Run(settle, func(t *testing.T) {
			wd := checkWorld(t, router.Riak)
			caller, worker := wd.byIdx[0], wd.byIdx[1]
			id := startCall(wd, caller, "e1")
			answer := router.Message{Kind: router.KindReply, From: wd.byIdx[2].id, Call: id, Code: router.CodeOK,
				Result: []byte("e1|x"), Worker: 3}
			handed(wd, worker.id, 7, &answer)
			switch settle {
			case "late":
				worker.tr.Trace(&router.Event{Kind: router.EvLate, Call: id, Msg: &answer, Reason: "worker-gone"})
			case "relayed":
				relay := answer
				relay.From, relay.Worker = worker.id, 0
				wd.chk.Sent(worker.id, caller.id, 8, &relay)
			case "refused":
				relay := answer
				relay.From, relay.Worker = worker.id, 0
				worker.tr.Trace(&router.Event{Kind: router.EvSendFail, Call: id, Msg: &relay, To: caller.id, Err: router.ErrUnreachable})
			}
			handed(wd, worker.id, 9, &router.Message{Kind: router.KindGossip})
			if settle == "unsettled" {
				wantViolations(t, wd, InvLateDiscarded, "a leader's answer (message 7) to a riak worker at "+string(worker.id)+" was neither relayed")
			} else {
				wantViolations(t, wd, "", "")
			}
		})
	}
}
