package router_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// handClock reads what the test sets, and its timers never fire by themselves: a
// production driver, whose caller goroutine fires a call's deadline when it gets its
// turn, which a reply may beat.
type handClock struct{ now time.Duration }

func (c *handClock) Now() time.Duration                               { return c.now }
func (c *handClock) After(time.Duration, router.Timer) router.TimerID { return 1 }
func (c *handClock) Stop(router.TimerID)                              {}

// TestReplyAfterDeadline: a reply that reaches the caller's node after its call's
// deadline, while the deadline has not fired yet, times the call out and is counted
// and traced as late, under both semantics: no call completes ok after its deadline.
// A reply at the deadline itself, or before it, completes the call. This holds for a
// reply from another node (Deliver's arrival time) and for one a peer on the caller's
// node gives (the clock when it answers).
func TestReplyAfterDeadline(t *testing.T) {
	const timeout = time.Second
	remote := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	local := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		for _, tc := range []struct {
			name    string
			at      time.Duration // when the reply arrives (remote) or is given (local)
			local   bool
			wantErr error
			// clock, if set, is what the node's clock reads when the reply is handled
			// (else at): a reply parked during a pause keeps the time it came.
			clock time.Duration
			// timeout, if set, replaces the call's.
			timeout time.Duration
		}{
			{name: "remote before", at: timeout - 1},
			{name: "remote at the deadline", at: timeout},
			// Parked while the node was paused: it came at the deadline, in time.
			{name: "remote at the deadline, handled after it", at: timeout, clock: timeout + time.Millisecond},
			{name: "remote after", at: timeout + 1, wantErr: router.ErrTimeout},
			{name: "remote long after", at: 10 * timeout, wantErr: router.ErrTimeout},
			{name: "local at the deadline", at: timeout, local: true},
			{name: "local after", at: timeout + time.Millisecond, local: true, wantErr: router.ErrTimeout},
			{name: "remote after, handled when the clock, stepped back, reads before", at: timeout + 1, clock: timeout - 1},
			{name: "remote long after, the longest finite timeout", at: 100 * timeout, timeout: router.Infinity - 1},
		} {
			t.Run(fmt.Sprintf("%s/%s", sem, tc.name), func(t *testing.T) {
				leader := remote
				if tc.local {
					leader = local
				}
				clock := &handClock{}
				tr := &recTransport{}
				tracer := &lateTracer{}
				n, err := router.New(router.Config{ID: "n1", Incarnation: 1, Semantics: sem, Clock: clock, Transport: tr,
					Rand: zeroRand{}, Tracer: tracer, Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}})})
				if err != nil {
					t.Fatal(err)
				}
				var held *router.Request
				if err := n.AddPeer(local, router.PeerFunc(func(r *router.Request) { held = r })); err != nil {
					t.Fatal(err)
				}
				var got []router.Result
				to := timeout
				if tc.timeout != 0 {
					// A peer target: only it takes a timeout this long. The call starts
					// late on the clock, where the deadline would overflow.
					to, clock.now = tc.timeout, time.Second
				}
				target := router.ToEnsemble("e1")
				if tc.timeout != 0 {
					target = router.ToPeer(leader)
				}
				id, err := n.Call(target, []byte("get"), to, func(r router.Result) { got = append(got, r) })
				if err != nil {
					t.Fatal(err)
				}
				clock.now = tc.at
				if tc.clock != 0 {
					clock.now = tc.clock
				}
				if tc.local {
					if held == nil {
						t.Fatal("the local peer was not handed the request")
					}
					held.Reply([]byte("v"))
				} else {
					m := router.Message{Kind: router.KindReply, From: "n2", Call: id, Code: router.CodeOK, Result: []byte("v"), Peer: remote, Hops: 1}
					n.Deliver(&m, tc.at)
				}
				if len(got) != 1 {
					t.Fatalf("the call completed %d times, want once", len(got))
				}
				late := uint64(0)
				if tc.wantErr != nil {
					late = 1
					if !errors.Is(got[0].Err, tc.wantErr) || got[0].Value != nil {
						t.Fatalf("a reply %v after the start of a %v call gave %+v, want %v", tc.at, timeout, got[0], tc.wantErr)
					}
					if want := []string{"after-deadline"}; fmt.Sprint(tracer.reasons) != fmt.Sprint(want) {
						t.Fatalf("late replies traced %q, want %q", tracer.reasons, want)
					}
				} else if got[0].Err != nil || string(got[0].Value) != "v" {
					t.Fatalf("a reply %v after the start of a %v call gave %+v, want ok", tc.at, timeout, got[0])
				}
				if s := n.Stats(); s.Late != late || len(n.Pending()) != 0 {
					t.Fatalf("Late=%d with %d pending, want Late=%d and none", s.Late, len(n.Pending()), late)
				}
				// The deadline's timer, firing after all, finds nothing to do.
				n.Fire(router.Timer{Kind: router.TimerCall, Call: id})
				if len(got) != 1 {
					t.Fatalf("the deadline completed the call again: %+v", got)
				}
			})
		}
	}
}

// lateTracer keeps the reasons of the late replies traced.
type lateTracer struct{ reasons []string }

func (l *lateTracer) Trace(ev *router.Event) {
	if ev.Kind == router.EvLate {
		l.reasons = append(l.reasons, ev.Reason)
	}
}
