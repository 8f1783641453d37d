package netmodel_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestWorkerAnswerHoldIncarnation: under riak a leader's answer to a follower's
// forward goes to the worker that called the follower (Message.Worker), on the
// follower's node b, for a call of another node (here a, incarnation 1). b restarted
// at 5ms and runs incarnation 2 when its worker's forward is answered (at 20ms, held
// across a cut): the answer is for that incarnation of b, the one running at the
// heal, and must be released to it, whatever incarnation the call's own node runs.
func TestWorkerAnswerHoldIncarnation(t *testing.T) {
	ms := time.Millisecond
	cfg := config(1, ms, 0)
	cfg.DetectAfter, cfg.ReplyHold = 10*ms, 100*ms
	w, n := newTracedNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
	at(w, 4*ms, b.Crash)
	at(w, 5*ms, func() { b.Restart(); b.Attach(incarnated{rb, 2}) })
	answer := msg(router.KindReply, 7) // a call of a, incarnation 1
	answer.Worker = 3
	at(w, 20*ms, func() { mustSend(t, a.Transport(), "b", answer) })
	at(w, 50*ms, n.Heal)
	w.RunUntil(time.Second)
	want := []string{"20ms a reply-held to=b call=a.1.7", "50ms a reply-released to=b call=a.1.7 by=heal held=30000000"}
	if diff := cmp.Diff(want, records(w, "reply-held", "reply-released", "reply-dropped")); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	if len(rb.got) != 1 {
		t.Errorf("b was handed %d messages, want the answer to its worker", len(rb.got))
	}
}
