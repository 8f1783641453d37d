package netmodel_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

const ms = time.Millisecond

// reconnectConfig is a network with production's redial backoff, noticing a cut or a
// crash after 100ms and a pause after 100ms.
func reconnectConfig() netmodel.Config {
	cfg := config(1, time.Millisecond, 0)
	cfg.DetectAfter = 100 * ms
	cfg.PauseDetectAfter = 100 * ms
	cfg.BackoffMin, cfg.BackoffMax = netmodel.DefaultBackoffMin, netmodel.DefaultBackoffMax
	return cfg
}

// reconnectAt returns the "at" of the only "reconnect" record from from to to, or
// fails.
func reconnectAt(t *testing.T, w *sim.World, from, to string) time.Duration {
	t.Helper()
	var found []time.Duration
	for _, r := range w.Trace() {
		if r.Kind != "reconnect" || r.Node != from {
			continue
		}
		var rto string
		var at time.Duration
		for _, a := range r.Attrs {
			switch a.Key {
			case "to":
				rto = a.Str
			case "at":
				at = time.Duration(a.Int)
			}
		}
		if rto == to {
			found = append(found, at)
		}
	}
	if len(found) != 1 {
		t.Fatalf("reconnect %s->%s traced %d times, want once: %v", from, to, len(found), records(w, "reconnect"))
	}
	return found[0]
}

// firstSuccess sends from h to to every 100us from start on and returns when the first
// send succeeded; every earlier one must have failed with ErrUnreachable.
func firstSuccess(t *testing.T, w *sim.World, h *netmodel.Host, to router.NodeID, start, limit time.Duration) time.Duration {
	t.Helper()
	for now := start; now <= limit; now += 100 * time.Microsecond {
		w.RunUntil(now)
		err := h.Transport().Send(to, ptr(msg(router.KindReply, 1)))
		if err == nil {
			return now
		}
		if !errors.Is(err, router.ErrUnreachable) {
			t.Fatalf("Send %s->%s at %v = %v, want nil or ErrUnreachable", h.ID(), to, now, err)
		}
	}
	t.Fatalf("Send %s->%s failed until %v", h.ID(), to, limit)
	return 0
}

// TestReconnectAfterNoticedOutage: once a sender has noticed a cut, a crash or a pause,
// the link stays down after the cause ends until the sender's next redial: sends fail
// fast until the traced reconnect time, which is the first attempt of a backoff of
// 50ms, 50ms, 100ms, ... up to 2s (±25%) counted from when the outage was noticed.
// The other direction (not cut, or sent by the restarted or resumed node) is back at
// once. A restarted node dials the others at once, and a connection carries both ways:
// the link to it from a node is back at once, from a client (which nobody dials) at
// the client's next redial.
func TestReconnectAfterNoticedOutage(t *testing.T) {
	cases := []struct {
		name string
		// fault starts the outage at 10ms (noticed at 110ms); end ends it at endAt.
		fault, end func(n *netmodel.Net, b *netmodel.Host)
		endAt      time.Duration
		// The reconnect of a->b falls in [lo, hi]; b->a is back at once.
		lo, hi time.Duration
		client bool // a is a client
		atOnce bool // a->b is back at once, with no reconnect of its own
		paired bool // b->a is back with a->b, not at once
	}{
		{
			name:  "heal just after notice: the first attempt, 50ms±25% after it",
			fault: func(n *netmodel.Net, _ *netmodel.Host) { n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop) },
			end:   func(n *netmodel.Net, _ *netmodel.Host) { n.Heal() },
			endAt: 111 * ms, lo: 110*ms + 37500*time.Microsecond, hi: 110*ms + 62500*time.Microsecond,
		},
		{
			name:  "long partition: within the capped backoff and its jitter",
			fault: func(n *netmodel.Net, _ *netmodel.Host) { n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop) },
			end:   func(n *netmodel.Net, _ *netmodel.Host) { n.Heal() },
			endAt: 10 * time.Second, lo: 10 * time.Second, hi: 10*time.Second + 2500*ms,
		},
		{
			name:  "crash and restart: the restarted node dials a",
			fault: func(_ *netmodel.Net, b *netmodel.Host) { b.Crash() },
			end:   func(_ *netmodel.Net, b *netmodel.Host) { b.Restart() },
			endAt: 5 * time.Second, atOnce: true,
		},
		{
			name:  "crash and restart: a client redials",
			fault: func(_ *netmodel.Net, b *netmodel.Host) { b.Crash() },
			end:   func(_ *netmodel.Net, b *netmodel.Host) { b.Restart() },
			endAt: 5 * time.Second, lo: 5 * time.Second, hi: 5*time.Second + 2500*ms, client: true,
		},
		{
			// b finds its connection closed and redials 50ms±25% after the resume, if
			// a has not by then: the pair is back together.
			name:  "pause and resume",
			fault: func(_ *netmodel.Net, b *netmodel.Host) { b.Pause() },
			end:   func(_ *netmodel.Net, b *netmodel.Host) { b.Resume() },
			endAt: 5 * time.Second, lo: 5 * time.Second, hi: 5*time.Second + 62500*time.Microsecond, paired: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, n := newTracedNet(t, 7, reconnectConfig())
			a, _ := addHost(t, n, "a")
			b, _ := addHost(t, n, "b")
			a.SetClient(tc.client)
			at(w, 10*ms, func() { tc.fault(n, b) })
			at(w, tc.endAt, func() { tc.end(n, b) })
			w.RunUntil(tc.endAt)
			if tc.atOnce {
				for _, l := range [][2]*netmodel.Host{{a, b}, {b, a}} {
					if err := l[0].Transport().Send(l[1].ID(), ptr(msg(router.KindReply, 1))); err != nil {
						t.Errorf("Send %s->%s at the end = %v, want nil: the restarted node dialed", l[0].ID(), l[1].ID(), err)
					}
				}
				if r := records(w, "reconnect"); len(r) != 0 {
					t.Errorf("reconnects traced %q, want none", r)
				}
				return
			}
			if tc.paired {
				ab, ba := reconnectAt(t, w, "a", "b"), reconnectAt(t, w, "b", "a")
				if ab != ba || ab < tc.lo || ab > tc.hi {
					t.Fatalf("a->b reconnects at %v, b->a at %v: want one time for the pair, in [%v, %v]", ab, ba, tc.lo, tc.hi)
				}
				// Both ways fail until the reconnect, and both succeed from it on.
				for now := tc.endAt; now <= ab+ms; now += 100 * time.Microsecond {
					w.RunUntil(now)
					for _, l := range [][2]*netmodel.Host{{a, b}, {b, a}} {
						err := l[0].Transport().Send(l[1].ID(), ptr(msg(router.KindReply, 1)))
						if up := now >= ab; up != (err == nil) {
							t.Fatalf("Send %s->%s at %v = %v; the pair reconnects at %v", l[0].ID(), l[1].ID(), now, err, ab)
						}
					}
				}
				return
			} else if !tc.client {
				if err := b.Transport().Send("a", ptr(msg(router.KindReply, 1))); err != nil {
					t.Errorf("Send b->a at the end = %v, want nil: its sender noticed nothing or starts afresh", err)
				}
			} else if err := b.Transport().Send("a", ptr(msg(router.KindReply, 1))); !errors.Is(err, router.ErrUnreachable) {
				t.Errorf("Send b->a at the end = %v, want ErrUnreachable: b reaches the client once it redials", err)
			}
			want := reconnectAt(t, w, "a", "b")
			if want < tc.lo || want > tc.hi {
				t.Errorf("reconnect at %v, want in [%v, %v]", want, tc.lo, tc.hi)
			}
			if got := firstSuccess(t, w, a, "b", tc.endAt, tc.hi+ms); got < want || got >= want+100*time.Microsecond {
				t.Errorf("first send a->b to succeed at %v, want the reconnect at %v", got, want)
			}
		})
	}
}

// TestReconnectUnnoticedSeamless: an outage shorter than its detection closed no
// connection: the link is back at once, and nothing is drawn or traced.
func TestReconnectUnnoticedSeamless(t *testing.T) {
	w, n := newTracedNet(t, 7, reconnectConfig())
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	c, _ := addHost(t, n, "c")
	at(w, 10*ms, func() { n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop) })
	at(w, 10*ms, c.Crash)
	at(w, 10*ms, b.Pause)
	at(w, 109*ms, func() { n.Heal(); c.Restart(); b.Resume() })
	w.RunUntil(109 * ms)
	for _, to := range ids("b", "c") {
		if err := a.Transport().Send(to, ptr(msg(router.KindReply, 1))); err != nil {
			t.Errorf("Send a->%s at the end = %v, want nil", to, err)
		}
	}
	if got := records(w, "reconnect"); len(got) != 0 {
		t.Errorf("reconnects traced: %v", got)
	}
}

// TestReconnectOff: BackoffMax 0 reconnects at once, as the network did before it
// modelled redials.
func TestReconnectOff(t *testing.T) {
	cfg := reconnectConfig()
	cfg.BackoffMin, cfg.BackoffMax = 0, 0
	w, n := newTracedNet(t, 7, cfg)
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	at(w, 10*ms, func() { n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop) })
	at(w, time.Second, n.Heal)
	w.RunUntil(time.Second)
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); err != nil {
		t.Errorf("Send at the heal = %v, want nil", err)
	}
	if got := records(w, "reconnect"); len(got) != 0 {
		t.Errorf("reconnects traced: %v", got)
	}
}

// TestReconnectCutAgainWhileRedialing: a cut made again before the sender reconnected
// finds the link down at once (no connection to lose unnoticed), and its heal
// continues the same dial loop.
func TestReconnectCutAgainWhileRedialing(t *testing.T) {
	w, n := newTracedNet(t, 7, reconnectConfig())
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	cut := func() { n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop) }
	at(w, 10*ms, cut)
	at(w, 10*time.Second, n.Heal)
	w.RunUntil(10 * time.Second)
	first := reconnectAt(t, w, "a", "b")
	if first <= 10*time.Second {
		t.Skipf("seed reconnects at the heal itself (%v); the test needs a window", first)
	}
	w.RunUntil(10*time.Second + time.Microsecond)
	cut()
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send just after the second cut = %v, want ErrUnreachable", err)
	}
	w.RunUntil(10*time.Second + 2*time.Microsecond)
	n.Heal()
	recs := records(w, "reconnect")
	if len(recs) != 2 || !strings.HasSuffix(recs[1], fmt.Sprintf("at=%d", first)) {
		t.Errorf("reconnects %v, want the second at the same attempt, %v", recs, first)
	}
}

// TestReconnectReleasesHeldReplies: a reply held for a node cut off is sent when its
// sender reconnects, not at the heal.
func TestReconnectReleasesHeldReplies(t *testing.T) {
	cfg := reconnectConfig()
	cfg.ReplyHold = 10 * time.Second
	w, n := newTracedNet(t, 7, cfg)
	addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	at(w, 10*ms, func() { n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop) })
	at(w, 500*ms, func() { mustSend(t, b.Transport(), "a", msg(router.KindReply, 9)) })
	at(w, 5*time.Second, n.Heal)
	w.Run()
	re := reconnectAt(t, w, "b", "a")
	got := records(w, "reply-held", "reply-released")
	want := []string{
		"500ms b reply-held to=a call=a.1.9",
		fmt.Sprintf("%v b reply-released to=a call=a.1.9 by=reconnect held=%d", re, re-500*ms),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("held replies (-want +got):\n%s", diff)
	}
}

// TestReconnectConfig: the backoff is refused negative, half set, or with its
// minimum above its maximum.
func TestReconnectConfig(t *testing.T) {
	cases := []struct {
		name     string
		min, max time.Duration
		want     string
	}{
		{name: "negative min", min: -1, max: time.Second, want: "netmodel: bad config: backoff_min: -1ns is negative"},
		{name: "negative max", min: 0, max: -1, want: "netmodel: bad config: backoff_max: -1ns is negative"},
		{name: "max without min", min: 0, max: time.Second, want: "netmodel: bad config: backoff_min: 0 with backoff_max 1s: want more than 0"},
		{name: "min without max", min: time.Second, max: 0, want: "netmodel: bad config: backoff_min: 1s without backoff_max: set both, or neither to reconnect at once"},
		{name: "min above max", min: 2 * time.Second, max: time.Second, want: "netmodel: bad config: backoff_min: 2s is more than backoff_max 1s"},
		{name: "min under 1ms", min: time.Millisecond - 1, max: time.Second, want: "netmodel: bad config: backoff_min: 999.999µs is under 1ms: no dial loop is that fast"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := reconnectConfig()
			cfg.BackoffMin, cfg.BackoffMax = tc.min, tc.max
			err := cfg.Validate()
			if !errors.Is(err, netmodel.ErrBadConfig) || err.Error() != tc.want {
				t.Errorf("Validate = %v, want ErrBadConfig %q", err, tc.want)
			}
		})
	}
}

// TestReconnectPairTogether: a connection carries both ways, so a pair cut both ways
// comes back at once in both directions: at the first attempt of either node, or of
// the client if one is (no node dials a client). Over a few seeds the two nodes'
// own attempts differ, and the pair still reconnects together.
func TestReconnectPairTogether(t *testing.T) {
	for _, client := range []bool{false, true} {
		for seed := uint64(1); seed <= 8; seed++ {
			w, n := newTracedNet(t, seed, reconnectConfig())
			a, _ := addHost(t, n, "a")
			b, _ := addHost(t, n, "b")
			a.SetClient(client)
			at(w, 10*ms, func() { n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop) })
			at(w, time.Second, n.Heal)
			w.RunUntil(time.Second)
			ab, ba := reconnectAt(t, w, "a", "b"), reconnectAt(t, w, "b", "a")
			if ab != ba {
				t.Fatalf("client %v, seed %d: a->b reconnects at %v, b->a at %v: want one time for the pair", client, seed, ab, ba)
			}
			// Both ways fail until the reconnect, and both succeed from it on.
			for now := time.Second; now <= ab+ms; now += 100 * time.Microsecond {
				w.RunUntil(now)
				for _, l := range [][2]*netmodel.Host{{a, b}, {b, a}} {
					err := l[0].Transport().Send(l[1].ID(), ptr(msg(router.KindReply, 1)))
					if up := now >= ab; up != (err == nil) {
						t.Fatalf("client %v, seed %d: Send %s->%s at %v = %v; the pair reconnects at %v", client, seed, l[0].ID(), l[1].ID(), now, err, ab)
					}
				}
			}
		}
	}
}

// TestReconnectTracedTimeHolds: each direction of a pair is back exactly when its
// traced reconnect says, when a resume and a heal end the outages of the two
// directions apart: a heal pairs only the directions it restores itself.
func TestReconnectTracedTimeHolds(t *testing.T) {
	world := func(seed uint64) (*sim.World, map[string]*netmodel.Host) {
		w, n := newTracedNet(t, seed, reconnectConfig())
		a, _ := addHost(t, n, "a")
		b, _ := addHost(t, n, "b")
		at(w, 10*ms, a.Pause)
		at(w, 10*ms, func() { n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop) })
		at(w, 5*time.Second, a.Resume)
		at(w, 5*time.Second+time.Microsecond, n.Heal)
		w.RunUntil(5*time.Second + time.Microsecond)
		return w, map[string]*netmodel.Host{"a": a, "b": b}
	}
	for seed := uint64(1); seed <= 6; seed++ {
		for _, dir := range [][2]string{{"a", "b"}, {"b", "a"}} {
			w, h := world(seed) // a world of its own for each direction
			want := reconnectAt(t, w, dir[0], dir[1])
			if got := firstSuccess(t, w, h[dir[0]], h[dir[1]].ID(), 5*time.Second+time.Microsecond, want+ms); got < want || got >= want+100*time.Microsecond {
				t.Errorf("seed %d: first send %s->%s at %v, want its traced reconnect at %v", seed, dir[0], dir[1], got, want)
			}
		}
	}
}

// TestRestartDialBlocked: a restarted node dials the others at once, but a dial it
// cannot get through (its link to the other still cut) brings nothing back: the
// other's sends to it still fail fast.
func TestRestartDialBlocked(t *testing.T) {
	w, n := newTracedNet(t, 1, reconnectConfig())
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	at(w, 10*ms, b.Crash)
	at(w, 20*ms, func() { n.PartitionOneWay(ids("b"), ids("a"), netmodel.InFlightDrop) })
	at(w, 5*time.Second, b.Restart)
	w.RunUntil(5 * time.Second)
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send a->b after the restart = %v, want ErrUnreachable: b's dial to a is cut", err)
	}
}

// TestReconnectFollowsTheDialLoop: a noticed cut's link comes back at the attempt
// the documented dial loop makes: its first wait BackoffMin from the notice, the
// next another, then doubling up to BackoffMax, each with ±25% jitter drawn from the
// "reconnect" stream (whole periods at the cap skipped without a draw), the first
// attempt at or after the heal. The loop is replayed here from a stream of the same
// seed and name, for heals early, mid-way and long after, over seeds: a loop that
// never doubles, starts from the heal, or draws its jitter over another range
// reconnects elsewhere.
func TestReconnectFollowsTheDialLoop(t *testing.T) {
	const bmin, bmax = int64(netmodel.DefaultBackoffMin), int64(netmodel.DefaultBackoffMax)
	for seed := uint64(1); seed <= 8; seed++ {
		for _, heal := range []time.Duration{111 * ms, 300 * ms, time.Second, 10 * time.Second} {
			for _, both := range []bool{false, true} {
				w, n := newTracedNet(t, seed, reconnectConfig())
				addHost(t, n, "a")
				addHost(t, n, "b")
				at(w, 10*ms, func() {
					if both {
						n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
					} else {
						n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop)
					}
				})
				at(w, heal, n.Heal)
				w.RunUntil(heal)
				got := reconnectAt(t, w, "a", "b")
				rs := sim.New(sim.Config{Seed: seed}).Stream("reconnect")
				jitter := func(d int64) int64 { return d + rs.Int64N(d/2+1) - d/4 }
				// loop is a link's attempt at or after the heal, its waits drawn in turn.
				loop := func() int64 {
					now := int64(heal)
					next, b := int64(110*ms)+jitter(bmin), bmin // noticed at 10ms + DetectAfter
					for next < now {
						if b == bmax && now-next > 2*b {
							next += (now - next - b) / b * b
						}
						next += jitter(b)
						b = min(2*b, bmax)
					}
					return next
				}
				want := loop() // a->b's, drawn first (links by sender and receiver)
				if both {
					want = min(want, loop()) // the pair is back at the first of either end
				}
				if time.Duration(want) != got {
					t.Errorf("seed %d, heal at %v, both ways %v: reconnect at %v, the dial loop's attempt is at %v", seed, heal, both, got, time.Duration(want))
				}
			}
		}
	}
}

// TestRestartAtTheNoticeEdge: a crash noticed exactly at DetectAfter is noticed (a send
// then is refused): a client's link to the node, restarted at that instant, comes back
// only at the client's redial, not at once.
func TestRestartAtTheNoticeEdge(t *testing.T) {
	w, n := newTracedNet(t, 1, reconnectConfig())
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	a.SetClient(true)
	at(w, 10*ms, b.Crash)
	at(w, 110*ms, b.Restart) // DetectAfter is 100ms
	w.RunUntil(110 * ms)
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send a->b at the restart = %v, want ErrUnreachable until the client redials", err)
	}
}

// TestUnnoticedPauseLeavesLinksAlone: a pause nobody noticed closed no connection.
// With a link to the paused host still redialing from an earlier, noticed cut, its
// resume must neither bring the other way down (b->a was never cut) nor move a->b's
// next attempt: the same as without the pause.
func TestUnnoticedPauseLeavesLinksAlone(t *testing.T) {
	run := func(pause bool) ([]string, error) {
		cfg := config(1, time.Millisecond, 0)
		cfg.DetectAfter = 10 * ms
		cfg.BackoffMin, cfg.BackoffMax = netmodel.DefaultBackoffMin, netmodel.DefaultBackoffMax
		w, n := newTracedNet(t, 1, cfg)
		a, _ := addHost(t, n, "a")
		b, _ := addHost(t, n, "b")
		mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
		mustSend(t, b.Transport(), "a", msg(router.KindReply, 1))
		w.RunUntil(5 * ms)
		n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop)
		w.RunUntil(2000 * ms) // noticed long ago: a's dial loop is at its cap
		n.Heal()
		if pause {
			b.Pause()
			w.RunUntil(2001 * ms)
			b.Resume()
		} else {
			w.RunUntil(2001 * ms)
		}
		err := b.Transport().Send("a", ptr(msg(router.KindReply, 2)))
		// Which link reconnects when, once each: the pause took a->b, still
		// redialing, down while it lasted, so the resume announces its attempt again.
		var at []string
		for _, r := range records(w, "reconnect") {
			_, what, _ := strings.Cut(r, " ")
			if !slices.Contains(at, what) {
				at = append(at, what)
			}
		}
		return at, err
	}
	wantReconnects, wantErr := run(false)
	if wantErr != nil {
		t.Fatalf("without the pause, b->a (never cut) fails: %v", wantErr)
	}
	reconnects, err := run(true)
	if err != nil {
		t.Errorf("after b's unnoticed pause, b->a (never cut) fails: %v", err)
	}
	if diff := cmp.Diff(wantReconnects, reconnects); diff != "" {
		t.Errorf("b's unnoticed pause changed the reconnects (-without +with):\n%s", diff)
	}
}
