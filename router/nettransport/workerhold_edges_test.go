package nettransport

import (
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestWorkerAnswerHeldForTheWorkersNode: under riak a leader answers a follower's
// forward to the worker that called the follower (Message.Worker), on the follower's
// node, not on the caller's. Held while that node is not connected, the answer is for
// the worker's node as it was when the forward came; the call it answers is of
// another node, whose incarnation says nothing of the worker's node. Here the call is
// of n9, incarnation 1; the worker's node c1 runs incarnation 2 (it restarted once,
// long before) and connects again within ReplyHold: the answer must reach it.
func TestWorkerAnswerHeldForTheWorkersNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		answer := &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n9", Incarnation: 1, Seq: 7},
			Code: router.CodeOK, Result: []byte("v"), Worker: 3}
		if err := n1.Send("c1", answer); err != nil {
			t.Fatalf("an answer to a worker on c1, not connected: %v, want it held", err)
		}
		ev := pipeClientInc(t, "c1", 2, n1)
		if diff := cmp.Diff([]string{"reply 7"}, calls(ev.received())); diff != "" {
			t.Errorf("c1 (incarnation 2) received (-want +got):\n%s", diff)
		}
		if st := n1.Stats(); st.HeldExpired != 0 {
			t.Errorf("%d held replies dropped, want the answer to the worker released", st.HeldExpired)
		}
	})
}
