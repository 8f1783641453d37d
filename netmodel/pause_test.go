package netmodel_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestPause: a paused host parks arrivals and due timers; Resume fires the timers,
// late, exactly at the resume time, and hands the arrivals in order with their
// arrival times. Which goes first is the seed's: over a few seeds, both orders come,
// and nothing else changes. The latency is 10ms; b pauses from 5ms to 20ms. A timer
// due at the resume itself is due then as much as one due during the pause.
func TestPause(t *testing.T) {
	timersFirst := []string{"20ms timer 1", "20ms msg 1", "20ms msg 2", "25ms timer 2"}
	arrivalsFirst := []string{"20ms msg 1", "20ms msg 2", "20ms timer 1", "25ms timer 2"}
	for _, due := range []time.Duration{12 * time.Millisecond, 20 * time.Millisecond} {
		seen := map[string]bool{}
		for seed := uint64(1); seed <= 16; seed++ {
			log := pauseRun(t, seed, due)
			switch {
			case cmp.Equal(log, timersFirst):
				seen["timers first"] = true
			case cmp.Equal(log, arrivalsFirst):
				seen["arrivals first"] = true
			default:
				t.Errorf("timer 1 due at %v, seed %d: b's log %q, want %q or %q", due, seed, log, timersFirst, arrivalsFirst)
			}
			// The same seed, the same order.
			if again := pauseRun(t, seed, due); !cmp.Equal(again, log) {
				t.Errorf("timer 1 due at %v, seed %d: b's log %q, then %q", due, seed, log, again)
			}
		}
		if len(seen) != 2 {
			t.Errorf("timer 1 due at %v: over 16 seeds only %v: want both orders", due, seen)
		}
	}
}

// pauseRun is TestPause's world under one seed, with b's first timer due at due
// (during the pause, or at its end); it checks what every seed must give and returns
// b's log.
func pauseRun(t *testing.T, seed uint64, due time.Duration) []string {
	ms := time.Millisecond
	w, n := newTracedNet(t, seed, config(1, 10*ms, 0))
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	b.Clock().After(due, timer(1))   // due during the pause, or at the resume
	b.Clock().After(25*ms, timer(2)) // due after it
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	at(w, 2*ms, func() { mustSend(t, a.Transport(), "b", msg(router.KindGossip, 2)) })
	at(w, 5*ms, b.Pause)
	at(w, 15*ms, func() {
		if !b.Paused() {
			t.Errorf("not Paused at 15ms")
		}
		if timers, queued := b.Busy(); timers != 2 || queued != 2 {
			t.Errorf("Busy while paused = (%d, %d), want (2, 2): the parked arrivals count", timers, queued)
		}
	})
	at(w, 20*ms, b.Resume)
	w.Run()
	wantGot := []got{
		{At: 20 * ms, Kind: router.KindReply, Tag: 1, Arrived: 10 * ms},
		{At: 20 * ms, Kind: router.KindGossip, Tag: 2, Arrived: 12 * ms},
	}
	if diff := cmp.Diff(wantGot, rb.got); diff != "" {
		t.Errorf("b got (-want +got):\n%s", diff)
	}
	if st := n.Stats(); st.Paused != 2 || st.Handed != 2 {
		t.Errorf("Stats = %+v, want Paused 2, Handed 2", st)
	}
	wantTrace := []string{
		"5ms b pause",
		"10ms b parked msg=1 msg_kind=reply",
		"12ms b parked msg=2 msg_kind=gossip",
		"20ms b resume paused=15000000 parked=2",
	}
	if diff := cmp.Diff(wantTrace, records(w, "pause", "parked", "resume")); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	if b.Paused() || b.PausedTotal() != 15*ms {
		t.Errorf("after Resume: Paused %v, PausedTotal %v; want false, 15ms", b.Paused(), b.PausedTotal())
	}
	return rb.log
}

// TestPauseMailbox: a pause stops the router instance in the middle of a service,
// which goes on with the time it had left; routes that arrive while paused join the
// mailbox at Resume, keeping their arrival time. Latency 10ms, service 4ms, pause from
// 12ms to 30ms: route 1 had 2ms of service left.
func TestPauseMailbox(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, 10*ms, 4*ms))
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	mustSend(t, a.Transport(), "b", msg(router.KindRoute, 1))
	at(w, 5*ms, func() { mustSend(t, a.Transport(), "b", msg(router.KindRoute, 2)) })
	at(w, 12*ms, b.Pause)
	at(w, 30*ms, b.Resume)
	w.Run()
	want := []got{
		{At: 32 * ms, Kind: router.KindRoute, Tag: 1, Arrived: 10 * ms},
		{At: 36 * ms, Kind: router.KindRoute, Tag: 2, Arrived: 15 * ms},
	}
	if diff := cmp.Diff(want, rb.got); diff != "" {
		t.Errorf("b got (-want +got):\n%s", diff)
	}
}

// TestPauseFromInsideDelivery: a receiver that pauses its own host while being handed
// a route stops its instance before the next route; Resume serves the rest.
func TestPauseFromInsideDelivery(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, 10*ms, ms))
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	rb.onDeliver = func(m router.Message) {
		if m.Call.Seq == 1 {
			b.Pause()
		}
	}
	for i := range 3 {
		mustSend(t, a.Transport(), "b", msg(router.KindRoute, uint64(i+1)))
	}
	at(w, 50*ms, b.Resume)
	w.Run()
	want := []string{"11ms msg 1", "51ms msg 2", "52ms msg 3"}
	if diff := cmp.Diff(want, rb.log); diff != "" {
		t.Errorf("b's log (-want +got):\n%s", diff)
	}
}

// TestPausedTotal: PausedTotal sums the pauses, counting one still going on up to now;
// a repeated Pause or Resume changes nothing.
func TestPausedTotal(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, ms, 0))
	h, _ := addHost(t, n, "a")
	var got []time.Duration
	snap := func() { got = append(got, h.PausedTotal()) }
	at(w, 5*ms, h.Pause)
	at(w, 7*ms, h.Pause) // already paused
	at(w, 10*ms, snap)
	at(w, 20*ms, h.Resume)
	at(w, 21*ms, h.Resume) // not paused
	at(w, 25*ms, snap)
	at(w, 30*ms, h.Pause)
	at(w, 35*ms, h.Crash) // a crash ends the pause
	at(w, 40*ms, snap)
	at(w, 41*ms, h.Pause) // down: nothing
	at(w, 45*ms, snap)
	w.Run()
	want := []time.Duration{5 * ms, 15 * ms, 20 * ms, 20 * ms}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PausedTotal over time (-want +got):\n%s", diff)
	}
	if h.Paused() {
		t.Errorf("Paused after a crash")
	}
}

// TestDefer: Defer runs at once on a running host; on a paused one it waits for
// Resume, in order with the arrivals parked meanwhile.
func TestDefer(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, 10*ms, 0))
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	note := func(s string) func() {
		return func() { rb.log = append(rb.log, b.Now().String()+" "+s) }
	}
	b.Defer(note("now"))
	at(w, 5*ms, b.Pause)
	at(w, 6*ms, func() { b.Defer(note("first")) })
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1)) // parked at 10ms
	at(w, 15*ms, func() { b.Defer(note("second")) })
	at(w, 20*ms, b.Resume)
	at(w, 25*ms, func() { b.Defer(note("after")) })
	w.Run()
	want := []string{"0s now", "20ms first", "20ms msg 1", "20ms second", "25ms after"}
	if diff := cmp.Diff(want, rb.log); diff != "" {
		t.Errorf("b's log (-want +got):\n%s", diff)
	}
}

// TestCrashWhilePaused: a crash ends the pause and loses everything parked: arrivals
// become orphans, deferred functions never run, timers are withdrawn.
func TestCrashWhilePaused(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, 10*ms, 0))
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	b.Clock().After(12*ms, timer(1))
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	mustSend(t, a.Transport(), "b", msg(router.KindRoute, 2))
	at(w, 5*ms, b.Pause)
	at(w, 6*ms, func() { b.Defer(func() { t.Errorf("a deferred function ran after the crash") }) })
	at(w, 20*ms, func() {
		b.Crash()
		if timers, queued := b.Busy(); timers != 0 || queued != 0 {
			t.Errorf("Busy after the crash = (%d, %d), want (0, 0)", timers, queued)
		}
	})
	at(w, 30*ms, func() {
		b.Restart()
		b.Attach(rb)
		b.Resume() // not paused any more: nothing
	})
	w.Run()
	if len(rb.log) != 0 {
		t.Errorf("b's log = %v, want nothing", rb.log)
	}
	want := netmodel.Stats{Sent: 2, Orphans: 2, Paused: 2}
	if diff := cmp.Diff(want, n.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if w.Now() != 30*ms {
		t.Errorf("the run ended at %v, want 30ms: nothing should be left queued", w.Now())
	}
}

// TestPauseTimersAfterResume: timers armed while paused (by code deferred to the pause,
// or through the port by anything else) and timers not yet due at Resume fire on time.
func TestPauseTimersAfterResume(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, ms, 0))
	h, r := addHost(t, n, "a")
	nine := h.Clock().After(8*ms, timer(9))
	at(w, 2*ms, h.Pause)
	at(w, 3*ms, func() { h.Clock().After(2*ms, timer(1)) }) // due at 5ms, during the pause
	at(w, 4*ms, func() { h.Clock().Stop(nine) })            // stopped while paused: never fires
	at(w, 6*ms, h.Resume)
	at(w, 6*ms, func() { h.Clock().After(time.Millisecond, timer(2)) })
	w.Run()
	want := []string{"6ms timer 1", "7ms timer 2"}
	if diff := cmp.Diff(want, r.log); diff != "" {
		t.Errorf("timers (-want +got):\n%s", diff)
	}
}

// TestPausedLocal: the pause measured on a clock running 5% fast is 5% longer than in
// virtual time.
func TestPausedLocal(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	h, _ := addHost(t, n, "a")
	h.SetClock(netmodel.ClockModel{DriftPPM: 50000})
	w.RunUntil(10 * time.Millisecond)
	h.Pause()
	w.RunUntil(110 * time.Millisecond)
	if got, want := h.PausedLocal(), 105*time.Millisecond; got != want {
		t.Fatalf("during the pause: PausedLocal %v, want %v", got, want)
	}
	h.Resume()
	w.RunUntil(200 * time.Millisecond)
	if got, want := h.PausedLocal(), 105*time.Millisecond; got != want {
		t.Fatalf("after it: PausedLocal %v, want %v", got, want)
	}
	if got := h.PausedTotal(); got != 100*time.Millisecond {
		t.Fatalf("PausedTotal %v, want 100ms", got)
	}
}

// TestLostAfter: the local time lost to pauses and forward clock steps after a given
// local time: only the parts of the spans after it count, the pause going on counts up
// to now, a step during a pause is counted once (in the pause), and a backward step
// loses nothing.
func TestLostAfter(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, ms, 0))
	h, _ := addHost(t, n, "a")
	check := func(when string, cases ...[2]time.Duration) {
		t.Helper()
		for _, c := range cases {
			if got := h.LostAfter(c[0], 0); got != c[1] {
				t.Errorf("%s: LostAfter(%v) = %v, want %v", when, c[0], got, c[1])
			}
		}
	}
	w.RunUntil(10 * ms)
	h.Pause() // local 10ms
	w.RunUntil(15 * ms)
	check("during a pause", [2]time.Duration{0, 5 * ms}, [2]time.Duration{12 * ms, 3 * ms}, [2]time.Duration{15 * ms, 0})
	h.StepClock(20 * ms) // local 15ms -> 35ms, within the pause
	w.RunUntil(20 * ms)
	h.Resume() // local 40ms: the pause spans 10ms..40ms
	check("after the pause", [2]time.Duration{0, 30 * ms}, [2]time.Duration{30 * ms, 10 * ms}, [2]time.Duration{40 * ms, 0})
	w.RunUntil(30 * ms) // local 50ms
	h.StepClock(5 * ms) // 50ms -> 55ms
	h.StepClock(-3 * ms)
	check("after the steps", [2]time.Duration{0, 35 * ms}, [2]time.Duration{52 * ms, 3 * ms}, [2]time.Duration{45 * ms, 5 * ms})
	// Spans that ended before a call began delayed nothing of it, wherever a clock
	// stepped back since places them: the pause ended at virtual 20ms, the step at 30ms.
	for _, c := range []struct{ since, want time.Duration }{{20 * ms, 35 * ms}, {21 * ms, 5 * ms}, {31 * ms, 0}} {
		if got := h.LostAfter(0, c.since); got != c.want {
			t.Errorf("LostAfter(0, since %v) = %v, want %v", c.since, got, c.want)
		}
	}
}

// TestPauseDuringResume: a receiver that pauses its host while Resume hands it the
// arrivals parked during the pause stops the hand-over there; the rest wait, parked,
// for the next Resume.
func TestPauseDuringResume(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, 10*ms, 0))
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	rb.onDeliver = func(m router.Message) {
		if m.Call.Seq == 1 {
			b.Pause()
		}
	}
	b.Pause()
	for i := range 3 {
		mustSend(t, a.Transport(), "b", msg(router.KindReply, uint64(i+1)))
	}
	at(w, 50*ms, b.Resume)
	at(w, 60*ms, func() {
		if !b.Paused() {
			t.Errorf("b not paused after its receiver paused it")
		}
	})
	at(w, 80*ms, b.Resume)
	w.Run()
	want := []string{"50ms msg 1", "80ms msg 2", "80ms msg 3"}
	if diff := cmp.Diff(want, rb.log); diff != "" {
		t.Errorf("b's log (-want +got):\n%s", diff)
	}
}

// TestPausedLocalBackwardStep: a pause across which the clock was stepped back by
// more than the pause lasted counts as no pause, not as a negative one that would
// take forgiveness from the other pauses and forward steps (a deadline check made on
// the clock then flagged a call that ended exactly at its deadline). During the pause
// too.
func TestPausedLocalBackwardStep(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	h, _ := addHost(t, n, "a")
	w.RunUntil(10 * time.Millisecond)
	h.Pause()
	w.RunUntil(20 * time.Millisecond)
	h.Resume() // 10ms
	w.RunUntil(30 * time.Millisecond)
	h.Pause()
	h.StepClock(-15 * time.Millisecond)
	w.RunUntil(40 * time.Millisecond)
	if got, want := h.PausedLocal(), 10*time.Millisecond; got != want {
		t.Fatalf("during the pause the clock went back across: PausedLocal %v, want %v", got, want)
	}
	h.Resume()
	if got, want := h.PausedLocal(), 10*time.Millisecond; got != want {
		t.Fatalf("after it: PausedLocal %v, want %v", got, want)
	}
	if got := h.PausedTotal(); got != 20*time.Millisecond {
		t.Fatalf("PausedTotal %v, want 20ms", got)
	}
}

// TestPausedStepCountedOnce: a forward step during a pause is local time of the pause,
// in PausedLocal, and is not in ClockSteps too: a deadline check that forgives both
// would forgive the step twice. A step outside a pause is in ClockSteps only.
func TestPausedStepCountedOnce(t *testing.T) {
	ms := time.Millisecond
	w, n := newNet(t, 1, config(1, ms, 0))
	h, _ := addHost(t, n, "a")
	w.RunUntil(10 * ms)
	h.StepClock(3 * ms)
	h.Pause()
	w.RunUntil(20 * ms)
	h.StepClock(50 * ms)
	w.RunUntil(30 * ms)
	check := func(when string) {
		t.Helper()
		if got, want := h.PausedLocal(), 70*ms; got != want {
			t.Errorf("%s: PausedLocal %v, want %v (20ms paused and the 50ms step)", when, got, want)
		}
		if got, want := h.ClockSteps(), 3*ms; got != want {
			t.Errorf("%s: ClockSteps %v, want %v (the step before the pause)", when, got, want)
		}
	}
	check("during the pause")
	h.Resume()
	w.RunUntil(40 * ms)
	check("after it")
	if got, want := h.Now(), 40*ms+53*ms; got != want {
		t.Errorf("clock %v, want %v", got, want)
	}
}

// TestPauseLeavesNoTimerEvent: a paused host's timers wait for its resume, and leave
// the event queue meanwhile, as a crashed host's do: a run that waits for an empty
// queue would otherwise idle on to a timer that does nothing.
func TestPauseLeavesNoTimerEvent(t *testing.T) {
	w, n := newNet(t, 1, config(1, time.Millisecond, 0))
	h, _ := addHost(t, n, "a")
	h.Clock().After(50*time.Millisecond, timer(1))
	at(w, 10*time.Millisecond, h.Pause)
	w.RunUntil(20 * time.Millisecond)
	if w.Pending() != 0 {
		t.Errorf("%d events pending while the only host is paused, want 0", w.Pending())
	}
}

// TestCrashDuringResume: a host that crashes while Resume works off what its pause
// held back (a receiver crashes it at an arrival, or a timer that came due does)
// loses the rest with the crash, each an orphan as at a crash during the pause: none
// vanishes uncounted. The resume stream picks timers or arrivals first by seed.
func TestCrashDuringResume(t *testing.T) {
	for _, from := range []string{"arrival", "timer"} {
		for seed := uint64(1); seed <= 4; seed++ {
			w, n := newTracedNet(t, seed, config(1, time.Millisecond, 0))
			a, _ := addHost(t, n, "a")
			b, rb := addHost(t, n, "b")
			if from == "arrival" {
				rb.onDeliver = func(m router.Message) {
					if m.Call.Seq == 1 {
						b.Crash()
					}
				}
			} else {
				rb.onFire = func() { b.Crash() }
				b.Clock().After(5*time.Millisecond, timer(1))
			}
			b.Pause()
			for i := range 3 {
				mustSend(t, a.Transport(), "b", msg(router.KindReply, uint64(i+1)))
			}
			at(w, 50*time.Millisecond, b.Resume)
			w.Run()
			s := n.Stats()
			if s.Sent != s.Handed+s.Lost+s.Orphans {
				t.Errorf("crash from %s, seed %d: sent %d, handed %d + lost %d + orphans %d: %d vanished",
					from, seed, s.Sent, s.Handed, s.Lost, s.Orphans, s.Sent-s.Handed-s.Lost-s.Orphans)
			}
			if got := len(records(w, "orphan")); uint64(got) != s.Orphans {
				t.Errorf("crash from %s, seed %d: %d orphan records for %d orphans", from, seed, got, s.Orphans)
			}
		}
	}
}
