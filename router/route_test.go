package router_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// refuser is a transport that refuses every message with err.
type refuser struct{ err error }

func (r refuser) Send(router.NodeID, *router.Message) error { return r.err }

// TestRefusedSends: a route message the transport refuses at the caller's node ends
// the call at once, and a reply it refuses at the leader's node is lost; both are
// counted. So with no tracer, with a tracer that takes every event but sends, and with
// one that takes them all: sendRoute and sendReply call the transport themselves and
// leave the rest of send to sent only when it has something to do (a refusal, or a
// traced send).
func TestRefusedSends(t *testing.T) {
	tracers := []struct {
		name string
		mk   func() router.Tracer
	}{
		{name: "no tracer", mk: func() router.Tracer { return nil }},
		{name: "no sends traced", mk: func() router.Tracer {
			only := map[router.EventKind]bool{}
			for k := router.EvCall; k <= router.EvReplyHere; k++ {
				only[k] = k != router.EvSend
			}
			return filteringTracer{&recordingTracer{only: only}}
		}},
		{name: "all traced", mk: func() router.Tracer { return &recordingTracer{} }},
	}
	leader := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		for _, refusal := range []error{router.ErrUnreachable, router.ErrOverloaded} {
			for _, tc := range tracers {
				t.Run(fmt.Sprintf("%s/%v/%s", sem, refusal, tc.name), func(t *testing.T) {
					node := func(id router.NodeID) *router.Node {
						n, err := router.New(router.Config{ID: id, Incarnation: 1, Semantics: sem, Tracer: tc.mk(),
							Clock: stillClock{}, Transport: refuser{refusal}, Rand: zeroRand{},
							Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
						if err != nil {
							t.Fatal(err)
						}
						return n
					}
					n1, n2 := node("n1"), node("n2")
					var got []error
					if _, err := n1.Call(router.ToEnsemble("e1"), []byte("x"), time.Second, func(r router.Result) { got = append(got, r.Err) }); err != nil {
						t.Fatal(err)
					}
					want := refusal
					if sem == router.Riak {
						want = router.ErrTimeout
					}
					if len(got) != 1 || !errors.Is(got[0], want) {
						t.Fatalf("the call ended with %v, want once with %v", got, want)
					}
					if s := n1.Stats(); s.Unreached != 1 || s.Completed[router.CodeOf(want)] != 1 {
						t.Fatalf("n1 counted %d refusals and %v completions, want 1 and one %v", s.Unreached, s.Completed, want)
					}

					answered := 0
					if err := n2.AddPeer(leader, router.PeerFunc(func(r *router.Request) { answered++; r.Reply([]byte("ok")) })); err != nil {
						t.Fatal(err)
					}
					m := router.Message{Kind: router.KindRoute, From: "n1", Call: router.CallID{Node: "n1", Incarnation: 1, Seq: 9},
						Ensemble: "e1", Event: []byte("y"), Budget: time.Second, Hops: 1}
					n2.Deliver(&m, 0)
					if s := n2.Stats(); answered != 1 || s.Unreached != 1 {
						t.Fatalf("n2's peer answered %d times and n2 counted %d refusals, want 1 and 1", answered, s.Unreached)
					}
				})
			}
		}
	}
}
