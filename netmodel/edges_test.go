package netmodel_test

// Edges of partitions, heals, holds, pauses and clocks: orders, boundaries and
// streams that the network model's documentation promises and no other test pins down
// (a golden trace hash would notice a change, but not say what it broke).

import (
	"errors"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// TestCutAgainOutlastsTheOldRedial: a link whose sender is still
// redialing from a noticed outage and is cut again is down at once and stays down
// while the new cut lasts, even past the attempt the old loop had planned and before
// the new cut is noticed on its own (DetectAfter). Its heal continues the dial loop:
// it does not come back at once.
func TestCutAgainOutlastsTheOldRedial(t *testing.T) {
	cfg := reconnectConfig()
	cfg.DetectAfter = 5 * time.Second // the second cut is not noticed on its own
	w, n := newTracedNet(t, 7, cfg)
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	cut := func() { n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop) }
	at(w, 10*ms, cut) // noticed at 5.01s
	at(w, 10*time.Second, n.Heal)
	w.RunUntil(10 * time.Second)
	first := reconnectAt(t, w, "a", "b")
	if first <= 10*time.Second {
		t.Fatalf("seed 7 reconnects at the heal itself (%v): the test wants one whose reconnect comes later", first)
	}
	w.RunUntil(10*time.Second + time.Microsecond)
	cut()
	// Past the attempt the old loop planned, still within the new cut.
	w.RunUntil(first + time.Microsecond)
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send past the old attempt (%v), under the second cut = %v, want ErrUnreachable", first, err)
	}
	w.RunUntil(first + 2*time.Microsecond)
	n.Heal()
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 2))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send right after the second heal = %v, want ErrUnreachable until the next attempt", err)
	}
}

// TestHealStallsBeforeHeldReplies: Heal delivers the messages stalled at
// a cut first, then sends the replies held for nodes that can be reached again
// (netmodel docs: "Messages stalled at a cut are delivered now ... and then the
// replies held ... are sent").
func TestHealStallsBeforeHeldReplies(t *testing.T) {
	cfg := config(1, ms, 0)
	cfg.DetectAfter = 10 * ms
	cfg.ReplyHold = time.Second
	w, n := newTracedNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	c, _ := addHost(t, n, "c")
	_, rd := addHost(t, n, "d")
	at(w, 0, func() { n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop) })
	at(w, 20*ms, func() { mustSend(t, a.Transport(), "b", msg(router.KindReply, 1)) }) // held: noticed
	at(w, 30*ms, func() {
		n.PartitionOneWay(ids("c"), ids("d"), netmodel.InFlightStall)
		mustSend(t, c.Transport(), "d", msg(router.KindReply, 2)) // stalls at 31ms
	})
	at(w, 35*ms, n.Heal) // c->d never noticed: its stalled message is delivered
	w.Run()
	got := records(w, "released", "reply-released")
	want := []string{
		"35ms - released msg=1 from=c to=d by=heal",
		"35ms a reply-released to=b call=a.1.1 by=heal held=15000000",
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("heal records\n got %q\nwant %q", got, want)
	}
	if len(rd.got) != 1 {
		t.Errorf("d got %v, want the stalled message", rd.tags())
	}
}

// TestReleaseAllLeavesStallsAlone: ReleaseAll ends holds only; a message
// stalled at a cut that still stands is not released (and re-stalled).
func TestReleaseAllLeavesStallsAlone(t *testing.T) {
	cfg := config(1, ms, 0)
	cfg.DetectAfter = time.Second
	w, n := newTracedNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	n.Partition(ids("a"), ids("b"), netmodel.InFlightStall)
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	w.RunUntil(5 * ms)
	n.ReleaseAll()
	if got := records(w, "released", "stalled"); len(got) != 1 {
		t.Errorf("records after ReleaseAll: %q, want only the first stall", got)
	}
	if s := n.Stats(); s.Held != 1 {
		t.Errorf("Stats.Held = %d, want 1", s.Held)
	}
}

// TestResumeDrawsOnlyWhenBothHaveWork: the "resume" stream is drawn from
// only when a resumed host has both due timers and parked arrivals; a timer that is
// armed but not due is no work, and a resume with it draws nothing.
func TestResumeDrawsOnlyWhenBothHaveWork(t *testing.T) {
	const seed = 3
	w, n := newNet(t, seed, config(1, ms, 0))
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	b.Clock().After(time.Second, timer(1)) // armed, not due at the resume
	b.Pause()
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1)) // parked
	w.RunUntil(10 * ms)
	b.Resume()
	fresh := sim.New(sim.Config{Seed: seed}).Stream("resume").Uint64()
	if got := w.Stream("resume").Uint64(); got != fresh {
		t.Errorf("the resume stream was drawn from by a resume with no timer due")
	}
}

// TestAfterNegativeFiresAtOnce: a timer armed with a negative duration is
// due at once, as one of 0 (hostClock.After clamps d).
func TestAfterNegativeFiresAtOnce(t *testing.T) {
	w, n := newNet(t, 1, config(1, ms, 0))
	h, r := addHost(t, n, "a")
	w.RunUntil(5 * ms)
	h.Clock().After(0, timer(1))
	h.Clock().After(-time.Millisecond, timer(2))
	w.RunUntil(6 * ms)
	if len(r.fired) != 2 || r.fired[0].Timer.Worker != 1 || r.fired[1].Timer.Worker != 2 || r.fired[1].At != 5*ms {
		t.Errorf("fired %v, want timer 1 then timer 2, both at 5ms", r.fired)
	}
}

// TestStepKeepsTheRate: a clock step moves the reading only; the clock
// keeps its drift.
func TestStepKeepsTheRate(t *testing.T) {
	w, n := newNet(t, 1, config(1, ms, 0))
	h, _ := addHost(t, n, "a")
	h.SetClock(netmodel.ClockModel{DriftPPM: 100_000}) // 10% fast
	w.RunUntil(100 * ms)
	h.StepClock(5 * ms)
	before := h.Now()
	w.RunUntil(200 * ms)
	if got, want := h.Now()-before, 110*ms; got != want {
		t.Errorf("local time over 100ms after a step = %v, want %v (10%% fast)", got, want)
	}
}

// TestReconnectClientPairAtClientsAttempt: a pair of a client and a node
// cut both ways comes back at the client's own attempt (nobody dials a client), the
// one it would have made had only its own direction been cut.
func TestReconnectClientPairAtClientsAttempt(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		run := func(both bool) (ab, ba time.Duration) {
			w, n := newTracedNet(t, seed, reconnectConfig())
			a, _ := addHost(t, n, "a")
			addHost(t, n, "b")
			a.SetClient(true)
			at(w, 10*ms, func() {
				if both {
					n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
				} else {
					n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop)
				}
			})
			at(w, time.Second, n.Heal)
			w.RunUntil(time.Second)
			ab = reconnectAt(t, w, "a", "b")
			if both {
				ba = reconnectAt(t, w, "b", "a")
			}
			return ab, ba
		}
		own, _ := run(false)
		ab, ba := run(true)
		if ab != own || ba != own {
			t.Errorf("seed %d: pair reconnects a->b %v, b->a %v; want both at the client's own attempt %v", seed, ab, ba, own)
		}
	}
}

// TestResumeAtTheNoticeEdge: a pause noticed exactly at PauseDetectAfter
// is noticed (a send then is refused): the link to the node, resumed at that instant,
// comes back only at a redial, not at once.
func TestResumeAtTheNoticeEdge(t *testing.T) {
	w, n := newTracedNet(t, 1, reconnectConfig())
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	at(w, 10*ms, b.Pause)
	w.RunUntil(110 * ms) // PauseDetectAfter is 100ms
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); !errors.Is(err, router.ErrUnreachable) {
		t.Fatalf("Send a->b at the notice edge = %v, want ErrUnreachable", err)
	}
	b.Resume()
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 2))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send a->b at the resume = %v, want ErrUnreachable until a redial", err)
	}
}

// TestParkedArrivalOnTheHostClock: an arrival parked at a paused host
// keeps the time it arrived, read on the host's own clock, as any arrival does.
func TestParkedArrivalOnTheHostClock(t *testing.T) {
	w, n := newNet(t, 1, config(1, ms, 0))
	a, _ := addHost(t, n, "a")
	b, r := addHost(t, n, "b")
	b.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(time.Hour)})
	b.Pause()
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1)) // arrives at 1ms, parked
	w.RunUntil(5 * ms)
	b.Resume()
	if len(r.got) != 1 || r.got[0].Arrived != time.Hour+ms {
		t.Errorf("got %+v, want one message arrived at 1h0m0.001s on b's clock", r.got)
	}
}
