package router_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// sizedTransport records what it is asked to send, and refuses with ErrTooLarge a
// result longer than limit bytes, as a transport refuses a frame past its limit.
type sizedTransport struct {
	limit int
	out   []sent
}

func (s *sizedTransport) Send(to router.NodeID, m *router.Message) error {
	if len(m.Result) > s.limit {
		return fmt.Errorf("%w: result of %d bytes", router.ErrTooLarge, len(m.Result))
	}
	s.out = append(s.out, sent{to, *m})
	return nil
}

// TestLeaderAnswerTooLargeForTheWorker: under riak a leader's answer to a forward goes
// to the worker that called the follower; one the transport refuses as too large goes
// as timeout instead, still to that worker (not to the caller's node), which relays it.
func TestLeaderAnswerTooLargeForTheWorker(t *testing.T) {
	leader := router.PeerRef{Ensemble: "e1", Name: "p3", Node: "n3"}
	tr := &sizedTransport{limit: 4}
	n3, err := router.New(router.Config{ID: "n3", Incarnation: 1, Semantics: router.Riak, Clock: stillClock{}, Transport: tr, Rand: zeroRand{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n3.AddPeer(leader, router.PeerFunc(func(r *router.Request) { r.Reply([]byte("far too large")) })); err != nil {
		t.Fatal(err)
	}
	call := router.CallID{Node: "n1", Incarnation: 1, Seq: 1}
	n3.Deliver(&router.Message{Kind: router.KindPeer, From: "n2", Call: call, Ensemble: "e1", Peer: leader,
		Forwarded: true, Event: []byte("get"), Budget: time.Second, Hops: 2, Worker: 4}, 0)
	if len(tr.out) != 1 {
		t.Fatalf("sent %+v, want one answer", tr.out)
	}
	if got := tr.out[0]; got.to != "n2" || got.m.Worker != 4 || got.m.Code != router.CodeTimeout || got.m.Call != call {
		t.Fatalf("sent to %s: %s, want timeout for worker 4 on n2", got.to, got.m)
	}

	// The worker's node relays it to the caller.
	tr2 := &recTransport{}
	n2 := riakFollowerNode(t, 0, 1, tr2)
	n2.Deliver(routeFromN1(1), 0)
	w := tr2.out[0].m.Worker
	answer := tr.out[0].m
	answer.Worker = w
	n2.Deliver(&answer, 0)
	if len(tr2.out) != 2 || tr2.out[1].to != "n1" || tr2.out[1].m.Code != router.CodeTimeout || tr2.out[1].m.Worker != 0 {
		t.Fatalf("the worker's node sent %+v, want the timeout relayed to n1", tr2.out[1:])
	}
	if n2.Workers() != 0 || n2.Stats().Late != 0 {
		t.Errorf("%d workers, %d late after the relay, want none", n2.Workers(), n2.Stats().Late)
	}
}
