package netmodel_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// TestReplyHold: a reply that a has noticed it cannot send to b is held for
// ReplyHold (100ms here) and sent once b can be reached, or dropped. The link takes
// 1ms, a cut or crash is noticed after 10ms, a pause after 10ms too; the reply is
// sent at 20ms, when each fault has been noticed.
func TestReplyHold(t *testing.T) {
	ms := time.Millisecond
	cut := func(n *netmodel.Net, a, b *netmodel.Host) {
		n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
	}
	cases := []struct {
		name  string
		fault func(n *netmodel.Net, a, b *netmodel.Host) // at 0
		later func(n *netmodel.Net, a, b *netmodel.Host) // at 50ms, if set
		last  func(n *netmodel.Net, a, b *netmodel.Host) // at 80ms, if set
		// got is when b was handed the reply, none if it never was.
		got   []time.Duration
		stats netmodel.Stats
		trace []string
	}{{
		name:  "released at heal",
		fault: cut,
		later: func(n *netmodel.Net, a, b *netmodel.Host) { n.Heal() },
		got:   []time.Duration{51 * ms},
		stats: netmodel.Stats{Sent: 1, Handed: 1, RepliesHeld: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"50ms a reply-released to=b call=a.1.7 by=heal held=30000000",
		},
	}, {
		name:  "expired",
		fault: cut,
		last:  func(n *netmodel.Net, a, b *netmodel.Host) {},
		stats: netmodel.Stats{RepliesHeld: 1, RepliesHeldDropped: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"120ms a reply-dropped to=b call=a.1.7 reason=expired held=100000000",
		},
	}, {
		name:  "heal after expiry sends nothing",
		fault: cut,
		later: func(n *netmodel.Net, a, b *netmodel.Host) {
			n.World().Schedule(150*ms, n.Heal)
		},
		stats: netmodel.Stats{RepliesHeld: 1, RepliesHeldDropped: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"120ms a reply-dropped to=b call=a.1.7 reason=expired held=100000000",
		},
	}, {
		name:  "released when the caller's node resumes",
		fault: func(n *netmodel.Net, a, b *netmodel.Host) { b.Pause() },
		later: func(n *netmodel.Net, a, b *netmodel.Host) { b.Resume() },
		got:   []time.Duration{51 * ms},
		stats: netmodel.Stats{Sent: 1, Handed: 1, RepliesHeld: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"50ms a reply-released to=b call=a.1.7 by=resume held=30000000",
		},
	}, {
		name:  "dropped when the caller's node restarts",
		fault: func(n *netmodel.Net, a, b *netmodel.Host) { b.Crash() },
		later: func(n *netmodel.Net, a, b *netmodel.Host) { b.Restart() },
		stats: netmodel.Stats{RepliesHeld: 1, RepliesHeldDropped: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"50ms a reply-dropped to=b call=a.1.7 reason=incarnation held=30000000",
		},
	}, {
		name:  "dropped when its sender crashes",
		fault: cut,
		later: func(n *netmodel.Net, a, b *netmodel.Host) { a.Crash() },
		last:  func(n *netmodel.Net, a, b *netmodel.Host) { a.Restart(); n.Heal() },
		stats: netmodel.Stats{RepliesHeld: 1, RepliesHeldDropped: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"50ms a reply-dropped to=b call=a.1.7 reason=crash held=30000000",
		},
	}, {
		name:  "a paused sender sends at its resume",
		fault: cut,
		later: func(n *netmodel.Net, a, b *netmodel.Host) { a.Pause(); n.Heal() },
		last:  func(n *netmodel.Net, a, b *netmodel.Host) { a.Resume() },
		got:   []time.Duration{81 * ms},
		stats: netmodel.Stats{Sent: 1, Handed: 1, RepliesHeld: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"80ms a reply-released to=b call=a.1.7 by=resume held=60000000",
		},
	}, {
		name:  "not sent to a caller's node that crashed, noticed or not",
		fault: cut,
		later: func(n *netmodel.Net, a, b *netmodel.Host) { b.Crash(); n.Heal() },
		last:  func(n *netmodel.Net, a, b *netmodel.Host) { b.Restart() },
		stats: netmodel.Stats{RepliesHeld: 1, RepliesHeldDropped: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"80ms a reply-dropped to=b call=a.1.7 reason=incarnation held=60000000",
		},
	}, {
		name:  "not sent to a crashed caller's node at another host's resume",
		fault: func(n *netmodel.Net, a, b *netmodel.Host) { b.Pause() },
		later: func(n *netmodel.Net, a, b *netmodel.Host) { b.Crash(); a.Pause(); a.Resume() },
		stats: netmodel.Stats{RepliesHeld: 1, RepliesHeldDropped: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"120ms a reply-dropped to=b call=a.1.7 reason=expired held=100000000",
		},
	}, {
		name: "held while any cause lasts",
		fault: func(n *netmodel.Net, a, b *netmodel.Host) {
			n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
			b.Pause()
		},
		later: func(n *netmodel.Net, a, b *netmodel.Host) { n.Heal() },
		last:  func(n *netmodel.Net, a, b *netmodel.Host) { b.Resume() },
		got:   []time.Duration{81 * ms},
		stats: netmodel.Stats{Sent: 1, Handed: 1, RepliesHeld: 1},
		trace: []string{
			"20ms a reply-held to=b call=a.1.7",
			"80ms a reply-released to=b call=a.1.7 by=resume held=60000000",
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(1, ms, 0)
			cfg.DetectAfter, cfg.PauseDetectAfter, cfg.ReplyHold = 10*ms, 10*ms, 100*ms
			w, n := newTracedNet(t, 1, cfg)
			a, _ := addHost(t, n, "a")
			b, rb := addHost(t, n, "b")
			tc.fault(n, a, b)
			var sendErr, routeErr error
			at(w, 20*ms, func() {
				sendErr = a.Transport().Send("b", ptr(msg(router.KindReply, 7)))
				routeErr = a.Transport().Send("b", ptr(msg(router.KindRoute, 8)))
				if n.HeldReplies() != 1 {
					t.Errorf("HeldReplies after the send = %d, want 1", n.HeldReplies())
				}
			})
			if tc.later != nil {
				at(w, 50*ms, func() { tc.later(n, a, b) })
			}
			if tc.last != nil {
				at(w, 80*ms, func() { tc.last(n, a, b) })
			} else {
				// A reply released or dropped takes its expiry with it: nothing is
				// left to keep the world busy.
				at(w, 60*ms, func() {
					if n.HeldReplies() == 0 && w.Pending() != 0 {
						t.Errorf("at 60ms, no reply held: %d events pending, want none", w.Pending())
					}
				})
			}
			w.RunUntil(time.Second)
			if sendErr != nil {
				t.Errorf("the reply's Send: %v, want nil (held)", sendErr)
			}
			if !errors.Is(routeErr, router.ErrUnreachable) {
				t.Errorf("a route's Send: %v, want ErrUnreachable: only replies are held", routeErr)
			}
			var got []time.Duration
			for _, g := range rb.got {
				got = append(got, g.At)
			}
			if diff := cmp.Diff(tc.got, got); diff != "" {
				t.Errorf("when b was handed the reply (-want +got):\n%s", diff)
			}
			want := tc.stats
			want.Unreachable = 1 // the route
			if diff := cmp.Diff(want, n.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.trace, records(w, "reply-held", "reply-released", "reply-dropped")); diff != "" {
				t.Errorf("trace (-want +got):\n%s", diff)
			}
			checkQuiet(t, w, n)
		})
	}
}

// incarnated is a recorder that says which incarnation of its node it is
// (netmodel.Incarnated), as a router.Node does.
type incarnated struct {
	*recorder
	inc router.Incarnation
}

func (r incarnated) Incarnation() router.Incarnation { return r.inc }

// TestReplyHoldIncarnation: b restarts at 5ms, before a holds a reply (at 20ms) to a
// call of b's first incarnation. At the heal the reply is dropped if b says it is
// another incarnation than the call's, and sent if it is the call's own (the same
// check as the production transport's when a node connects).
func TestReplyHoldIncarnation(t *testing.T) {
	ms := time.Millisecond
	for _, inc := range []router.Incarnation{1, 2} {
		cfg := config(1, ms, 0)
		cfg.DetectAfter, cfg.ReplyHold = 10*ms, 100*ms
		w, n := newTracedNet(t, 1, cfg)
		a, _ := addHost(t, n, "a")
		b, rb := addHost(t, n, "b")
		n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
		at(w, 4*ms, b.Crash)
		at(w, 5*ms, func() { b.Restart(); b.Attach(incarnated{rb, inc}) })
		at(w, 20*ms, func() { mustSend(t, a.Transport(), "b", msg(router.KindReply, 7)) }) // a call of incarnation 1
		at(w, 50*ms, n.Heal)
		w.RunUntil(time.Second)
		want := []string{"20ms a reply-held to=b call=a.1.7", "50ms a reply-released to=b call=a.1.7 by=heal held=30000000"}
		wantGot := 1
		if inc != 1 {
			want[1] = "50ms a reply-dropped to=b call=a.1.7 reason=incarnation held=30000000"
			wantGot = 0
		}
		if diff := cmp.Diff(want, records(w, "reply-held", "reply-released", "reply-dropped")); diff != "" {
			t.Errorf("b as incarnation %d: trace (-want +got):\n%s", inc, diff)
		}
		if len(rb.got) != wantGot {
			t.Errorf("b as incarnation %d was handed %d messages, want %d", inc, len(rb.got), wantGot)
		}
		checkQuiet(t, w, n)
	}
}

// TestReplyHoldOff: without ReplyHold a reply that cannot be sent is refused, and a
// negative ReplyHold is a bad config.
func TestReplyHoldOff(t *testing.T) {
	cfg := config(1, time.Millisecond, 0)
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
	sendsAt(t, w, []timedSend{{name: "reply", at: time.Millisecond, from: a, to: "b", unreach: true}})
	if st := n.Stats(); st.RepliesHeld != 0 || st.Unreachable != 1 {
		t.Errorf("Stats = %+v, want no reply held, one send refused", st)
	}
	cfg.ReplyHold = -1
	if err := cfg.Validate(); !errors.Is(err, netmodel.ErrBadConfig) {
		t.Errorf("a negative ReplyHold: %v, want ErrBadConfig", err)
	}
}

// TestReplyHoldOrder: replies held by several senders are sent at the heal in the
// order they were held; and a heal while their node is down sends none of them, which
// its restart then drops.
func TestReplyHoldOrder(t *testing.T) {
	ms := time.Millisecond
	cfg := config(1, ms, 0)
	cfg.ReplyHold = 100 * ms
	run := func(crash bool) (*sim.World, *netmodel.Net, *recorder) {
		w, n := newTracedNet(t, 1, cfg)
		addHost(t, n, "a")
		addHost(t, n, "c")
		b, rb := addHost(t, n, "b")
		n.Partition(ids("a", "c"), ids("b"), netmodel.InFlightDrop)
		for _, s := range []struct {
			at   time.Duration
			from router.NodeID
			tag  uint64
		}{{10 * ms, "c", 1}, {20 * ms, "a", 2}, {30 * ms, "c", 3}} {
			at(w, s.at, func() { mustSend(t, n.Host(s.from).Transport(), "b", msg(router.KindReply, s.tag)) })
		}
		if crash {
			at(w, 35*ms, b.Crash)
			at(w, 60*ms, b.Restart)
		}
		at(w, 40*ms, n.Heal)
		w.RunUntil(time.Second)
		checkQuiet(t, w, n)
		return w, n, rb
	}

	_, _, rb := run(false)
	if diff := cmp.Diff([]uint64{1, 2, 3}, rb.tags()); diff != "" {
		t.Errorf("b was handed (-want +got):\n%s", diff)
	}

	w, _, rb := run(true)
	if len(rb.got) != 0 {
		t.Errorf("b was handed %v, want nothing: its replies were for the incarnation that crashed", rb.got)
	}
	want := []string{
		"10ms c reply-held to=b call=a.1.1",
		"20ms a reply-held to=b call=a.1.2",
		"30ms c reply-held to=b call=a.1.3",
		"60ms c reply-dropped to=b call=a.1.1 reason=incarnation held=50000000",
		"60ms a reply-dropped to=b call=a.1.2 reason=incarnation held=40000000",
		"60ms c reply-dropped to=b call=a.1.3 reason=incarnation held=30000000",
	}
	if diff := cmp.Diff(want, records(w, "reply-held", "reply-released", "reply-dropped")); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// checkQuiet fails the test if anything is held or scheduled.
func checkQuiet(t *testing.T, w *sim.World, n *netmodel.Net) {
	t.Helper()
	if n.HeldReplies() != 0 || w.Pending() != 0 {
		t.Errorf("at the end: %d replies held, %d events pending; want none", n.HeldReplies(), w.Pending())
	}
}
