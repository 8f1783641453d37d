package nettransport

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestWorkerAnswerPutBackForTheWorkersNode: an answer to a riak worker on c3, held and
// released to a connection that closed meanwhile, is put back; a connection to c3 is up
// again. The answer is for c3 whatever its incarnation (release passes it on to any):
// its heldReply's inc is the call's node's (n9, incarnation 1), which says nothing of
// c3's (2). It must be written to c3, as release would, not dropped.
func TestWorkerAnswerPutBackForTheWorkersNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n1, _ := pipeNode(t, "n1", nil)
		ev := pipeClientInc(t, "c3", 2, n1)
		answer := &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n9", Incarnation: 1, Seq: 7},
			Code: router.CodeOK, Result: []byte("v"), Worker: 3}
		f, err := n1.appendFrame(nil, answer)
		if err != nil {
			t.Fatal(err)
		}
		if err := n1.hold(heldReply{to: "c3", inc: answer.Call.Incarnation, any: true, at: time.Now(), frame: f}, true); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if diff := cmp.Diff([]string{"reply 7"}, calls(ev.received())); diff != "" {
			t.Errorf("c3 (incarnation 2) received (-want +got):\n%s", diff)
		}
		if st := n1.Stats(); st.HeldExpired != 0 {
			t.Errorf("%d held replies dropped, want the answer to the worker written", st.HeldExpired)
		}
	})
}
