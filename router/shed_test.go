package router_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// TestShedPeerCall: a peer-target call a driver sheds (its mailbox full) is answered
// overloaded at once under default semantics, as a shed route is; under riak its
// caller waits out its deadline, as in the original.
func TestShedPeerCall(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			tr := &recTransport{}
			n, err := router.New(router.Config{ID: "n2", Incarnation: 1, Semantics: sem, Clock: &handClock{}, Transport: tr, Rand: zeroRand{}})
			if err != nil {
				t.Fatal(err)
			}
			call := router.CallID{Node: "n1", Incarnation: 1, Seq: 1}
			n.Shed(router.Message{Kind: router.KindPeer, From: "n1", Call: call, Ensemble: "e1", Peer: router.PeerRef{Ensemble: "e1", Name: "p", Node: "n2"},
				Event: []byte("x"), Budget: time.Second, Hops: 1})
			want := 1
			if sem == router.Riak {
				want = 0
			}
			if len(tr.out) != want || want == 1 && (tr.out[0].to != "n1" || tr.out[0].m.Code != router.CodeOverloaded) {
				t.Fatalf("sent %+v; want %d overloaded reply to n1", tr.out, want)
			}
		})
	}
}

// tooLargeTransport refuses, as too large, a message with a result of more than max
// bytes, and records every message it takes or refuses.
type tooLargeTransport struct {
	max  int
	sent []router.Message
}

func (t *tooLargeTransport) Send(_ router.NodeID, m *router.Message) error {
	t.sent = append(t.sent, *m)
	if len(m.Result) > t.max {
		return router.ErrTooLarge
	}
	return nil
}

// TestReplyTooLargeAtCore: an answer the transport refuses as too large is replaced,
// at once, by a timeout without the result, so that the caller learns that no answer
// will come (its event ran) rather than waiting out its deadline.
func TestReplyTooLargeAtCore(t *testing.T) {
	leader := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	tr := &tooLargeTransport{max: 10}
	n, err := router.New(router.Config{ID: "n2", Incarnation: 1, Clock: &handClock{}, Transport: tr, Rand: zeroRand{},
		Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.AddPeer(leader, router.PeerFunc(func(r *router.Request) { r.Reply(make([]byte, 100)) })); err != nil {
		t.Fatal(err)
	}
	call := router.CallID{Node: "n1", Incarnation: 1, Seq: 1}
	n.Deliver(&router.Message{Kind: router.KindRoute, From: "n1", Call: call, Ensemble: "e1", Event: []byte("get"), Budget: time.Second, Hops: 1}, 0)
	if len(tr.sent) != 2 || len(tr.sent[0].Result) != 100 || tr.sent[1].Code != router.CodeTimeout || tr.sent[1].Result != nil {
		var got []string
		for _, m := range tr.sent {
			got = append(got, fmt.Sprintf("%v with %d result bytes", m.Code, len(m.Result)))
		}
		t.Fatalf("sent %q; want the answer refused, then a timeout without the result", got)
	}
}
