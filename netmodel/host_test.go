package netmodel_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

const (
	lat = 10 * time.Millisecond // link latency in the host tests
	svc = time.Millisecond      // router-instance service time in the host tests
)

// send describes one message of a mailbox case: its kind, the router instance it names
// and its label.
type send struct {
	kind router.Kind
	inst int
	tag  uint64
}

// TestMailboxes: router-instance work (route, cast) waits its turn on its instance,
// one message per service time; other kinds are handed on arrival; arrived is always
// the arrival time, so the router can charge the mailbox wait to the budget.
func TestMailboxes(t *testing.T) {
	g := func(at time.Duration, k router.Kind, tag uint64) got {
		return got{At: at, Kind: k, Tag: tag, Arrived: lat}
	}
	cases := []struct {
		name  string
		sends []send
		want  []got
	}{
		{
			name:  "one route",
			sends: []send{{router.KindRoute, 0, 1}},
			want:  []got{g(lat+svc, router.KindRoute, 1)},
		},
		{
			name:  "k to one instance are served in turn",
			sends: []send{{router.KindRoute, 1, 1}, {router.KindCast, 1, 2}, {router.KindRoute, 1, 3}, {router.KindRoute, 1, 4}},
			want: []got{
				g(lat+1*svc, router.KindRoute, 1), g(lat+2*svc, router.KindCast, 2),
				g(lat+3*svc, router.KindRoute, 3), g(lat+4*svc, router.KindRoute, 4),
			},
		},
		{
			name:  "different instances in parallel",
			sends: []send{{router.KindRoute, 0, 1}, {router.KindRoute, 1, 2}, {router.KindCast, 2, 3}, {router.KindRoute, 0, 4}},
			want: []got{
				g(lat+svc, router.KindRoute, 1), g(lat+svc, router.KindRoute, 2), g(lat+svc, router.KindCast, 3),
				g(lat+2*svc, router.KindRoute, 4),
			},
		},
		{
			name:  "unqueued kinds on arrival",
			sends: []send{{router.KindReply, 0, 1}, {router.KindPeer, 0, 2}, {router.KindGossip, 0, 3}},
			want:  []got{g(lat, router.KindReply, 1), g(lat, router.KindPeer, 2), g(lat, router.KindGossip, 3)},
		},
		{
			name:  "a reply overtakes routing work",
			sends: []send{{router.KindRoute, 0, 1}, {router.KindRoute, 0, 2}, {router.KindReply, 0, 3}},
			want:  []got{g(lat, router.KindReply, 3), g(lat+svc, router.KindRoute, 1), g(lat+2*svc, router.KindRoute, 2)},
		},
		{
			name:  "instance out of range is lost",
			sends: []send{{router.KindRoute, 3, 1}, {router.KindCast, -1, 2}, {router.KindRoute, 2, 3}},
			want:  []got{g(lat+svc, router.KindRoute, 3)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, n := newNet(t, 1, config(3, lat, svc))
			a, _ := addHost(t, n, "a")
			b, rb := addHost(t, n, "b")
			for _, s := range tc.sends {
				m := msg(s.kind, s.tag)
				m.Instance = s.inst
				mustSend(t, a.Transport(), "b", m)
			}
			w.Run()
			if diff := cmp.Diff(tc.want, rb.got); diff != "" {
				t.Errorf("deliveries at b (-want +got):\n%s", diff)
			}
			st := n.Stats()
			if lost := uint64(len(tc.sends) - len(tc.want)); st.Lost != lost || st.Handed != uint64(len(tc.want)) {
				t.Errorf("Stats = %+v, want Lost %d, Handed %d", st, lost, len(tc.want))
			}
			if timers, queued := b.Busy(); timers != 0 || queued != 0 {
				t.Errorf("Busy after the run = (%d, %d), want (0, 0)", timers, queued)
			}
		})
	}
}

// TestMailboxArrivedIsArrival: a message that waits in a mailbox is handed with the
// time it arrived, not the time its turn came; messages arriving later keep their own
// arrival time.
func TestMailboxArrivedIsArrival(t *testing.T) {
	w, n := newNet(t, 1, config(1, lat, 4*svc))
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	mustSend(t, a.Transport(), "b", msg(router.KindRoute, 1))
	mustSend(t, a.Transport(), "b", msg(router.KindRoute, 2))
	at(w, svc, func() { mustSend(t, a.Transport(), "b", msg(router.KindRoute, 3)) })
	w.Run()
	want := []got{
		{At: lat + 4*svc, Kind: router.KindRoute, Tag: 1, Arrived: lat},
		{At: lat + 8*svc, Kind: router.KindRoute, Tag: 2, Arrived: lat},
		{At: lat + 12*svc, Kind: router.KindRoute, Tag: 3, Arrived: lat + svc},
	}
	if diff := cmp.Diff(want, rb.got); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}

// TestBusy: Busy counts armed timers and queued messages (the one in service too), and
// drops back to (0, 0) as they fire, are cancelled or are handed; Backlog follows the
// longest mailbox (instance 0's three, not instance 1's one).
func TestBusy(t *testing.T) {
	w, n := newNet(t, 1, config(2, lat, svc))
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	clk := b.Clock()
	clk.After(5*time.Millisecond, router.Timer{Kind: router.TimerCall})
	late := clk.After(50*time.Millisecond, router.Timer{Kind: router.TimerWorker})
	for i := range 3 {
		mustSend(t, a.Transport(), "b", msg(router.KindRoute, uint64(i)))
	}
	other := msg(router.KindRoute, 9)
	other.Instance = 1
	mustSend(t, a.Transport(), "b", other)
	type busy struct{ Timers, Queued, Backlog int }
	var log []busy
	snap := func() {
		timers, queued := b.Busy()
		log = append(log, busy{timers, queued, b.Backlog()})
	}
	snap()                // 0: two timers, nothing arrived
	w.RunUntil(lat)       // the timer at 5ms fired, four arrived
	snap()                // 10ms
	w.RunUntil(lat + svc) // one of each instance handed
	snap()                // 11ms
	clk.Stop(late)        // the 50ms timer
	clk.Stop(late)        // twice is harmless
	snap()                // 11ms, cancelled
	w.Run()
	snap() // the end
	want := []busy{{2, 0, 0}, {1, 4, 3}, {1, 2, 2}, {0, 2, 2}, {0, 0, 0}}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("Busy over time (-want +got):\n%s", diff)
	}
}

// TestClockAfter: a timer is handed back with Fire at the virtual time it was armed
// for; a cancelled one never is; cancel after firing is harmless.
func TestClockAfter(t *testing.T) {
	w, n := newNet(t, 1, config(1, lat, svc))
	h, r := addHost(t, n, "a")
	call := func(seq uint64) router.Timer {
		return router.Timer{Kind: router.TimerCall, Call: router.CallID{Node: "a", Incarnation: 1, Seq: seq}}
	}
	clk := h.Clock()
	at(w, 2*time.Millisecond, func() {
		if got := clk.Now(); got != 2*time.Millisecond {
			t.Errorf("Clock.Now = %v, want 2ms", got)
		}
		clk.After(5*time.Millisecond, call(1))
		clk.After(3*time.Millisecond, call(2))
		clk.Stop(clk.After(4*time.Millisecond, call(3)))
		clk.After(0, router.Timer{Kind: router.TimerWorker, Worker: 9})
	})
	first := clk.After(time.Millisecond, call(4))
	w.Run()
	clk.Stop(first) // after it fired: harmless
	want := []fired{
		{At: time.Millisecond, Timer: call(4)},
		{At: 2 * time.Millisecond, Timer: router.Timer{Kind: router.TimerWorker, Worker: 9}},
		{At: 5 * time.Millisecond, Timer: call(2)},
		{At: 7 * time.Millisecond, Timer: call(1)},
	}
	if diff := cmp.Diff(want, r.fired); diff != "" {
		t.Errorf("timers fired (-want +got):\n%s", diff)
	}
	if timers, _ := h.Busy(); timers != 0 {
		t.Errorf("Busy timers = %d, want 0", timers)
	}
}

// TestCrash: what a crash does to the work a host has and to its old ports.
func TestCrash(t *testing.T) {
	t.Run("queued messages become orphans", func(t *testing.T) {
		w, n := newNet(t, 1, config(2, lat, svc))
		a, _ := addHost(t, n, "a")
		b, rb := addHost(t, n, "b")
		for i := range 3 {
			mustSend(t, a.Transport(), "b", msg(router.KindRoute, uint64(i)))
		}
		mustSend(t, a.Transport(), "b", router.Message{Kind: router.KindCast, Instance: 1})
		w.RunUntil(lat + svc) // message 0 and the cast handed; 1 in service, 2 waiting
		b.Crash()
		if b.Up() {
			t.Errorf("Up after Crash")
		}
		if timers, queued := b.Busy(); timers != 0 || queued != 0 {
			t.Errorf("Busy after Crash = (%d, %d), want (0, 0)", timers, queued)
		}
		w.Run()
		if diff := cmp.Diff([]uint64{0, 0}, rb.tags()); diff != "" {
			t.Errorf("handed (-want +got):\n%s", diff)
		}
		want := netmodel.Stats{Sent: 4, Handed: 2, Orphans: 2}
		if diff := cmp.Diff(want, n.Stats()); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}
	})
	t.Run("timers never fire", func(t *testing.T) {
		w, n := newNet(t, 1, config(1, lat, svc))
		h, r := addHost(t, n, "a")
		old := h.Clock()
		old.After(5*time.Millisecond, router.Timer{Kind: router.TimerCall})
		oldID := old.After(6*time.Millisecond, router.Timer{Kind: router.TimerWorker})
		at(w, time.Millisecond, h.Crash)
		at(w, 2*time.Millisecond, func() {
			h.Restart()
			h.Attach(r) // the same receiver, to see whether an old timer reaches it
			h.Clock().After(10*time.Millisecond, router.Timer{Kind: router.TimerWorker, Worker: 2})
			old.Stop(oldID) // the old incarnation's Stop must not touch the new count
			if timers, _ := h.Busy(); timers != 1 {
				t.Errorf("Busy timers after restart = %d, want 1 (the new one)", timers)
			}
		})
		w.Run()
		want := []fired{{At: 12 * time.Millisecond, Timer: router.Timer{Kind: router.TimerWorker, Worker: 2}}}
		if diff := cmp.Diff(want, r.fired); diff != "" {
			t.Errorf("timers fired (-want +got):\n%s", diff)
		}
	})
	t.Run("timers leave the event queue", func(t *testing.T) {
		// A dead incarnation's timers must not keep the world busy: a run that waits
		// for an empty queue would otherwise idle on to the last of them.
		// The same goes for the message in service.
		w, n := newNet(t, 1, config(1, lat, time.Hour))
		h, _ := addHost(t, n, "a")
		h.Clock().After(time.Hour, router.Timer{Kind: router.TimerCall})
		h.Clock().After(time.Minute, router.Timer{Kind: router.TimerWorker})
		mustSend(t, h.Transport(), "a", msg(router.KindRoute, 1))
		at(w, 2*lat, h.Crash)
		w.Run()
		if w.Now() != 2*lat || w.Pending() != 0 {
			t.Errorf("after a crash at %v the world ran to %v with %d events pending, want %v and 0", 2*lat, w.Now(), w.Pending(), 2*lat)
		}
		if st := n.Stats(); st.Orphans != 1 {
			t.Errorf("Stats = %+v, want the message in service orphaned", st)
		}
	})
	t.Run("old ports stay dead", func(t *testing.T) {
		w, n := newNet(t, 1, config(1, lat, svc))
		a, ra := addHost(t, n, "a")
		_, rb := addHost(t, n, "b")
		oldTr, oldClk := a.Transport(), a.Clock()
		a.Crash()
		if err := oldTr.Send("b", ptr(msg(router.KindReply, 1))); err != nil {
			t.Errorf("Send from a crashed host = %v, want nil (lost, as in a dead process)", err)
		}
		downTr, downClk := a.Transport(), a.Clock() // ports taken while down are dead too
		a.Restart()
		a.Attach(ra)
		if !a.Up() {
			t.Errorf("not Up after Restart")
		}
		for i, tr := range []router.Transport{oldTr, downTr} {
			if err := tr.Send("b", ptr(msg(router.KindReply, uint64(2+i)))); err != nil {
				t.Errorf("Send from a dead incarnation = %v, want nil", err)
			}
		}
		for _, clk := range []router.Clock{oldClk, downClk} {
			clk.After(time.Millisecond, router.Timer{Kind: router.TimerCall})
		}
		if timers, _ := a.Busy(); timers != 0 {
			t.Errorf("Busy timers = %d after arming on dead clocks, want 0", timers)
		}
		mustSend(t, a.Transport(), "b", msg(router.KindReply, 10))
		a.Clock().After(time.Millisecond, router.Timer{Kind: router.TimerWorker, Worker: 10})
		w.Run()
		if diff := cmp.Diff([]uint64{10}, rb.tags()); diff != "" {
			t.Errorf("b got (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]fired{{At: time.Millisecond, Timer: router.Timer{Kind: router.TimerWorker, Worker: 10}}}, ra.fired); diff != "" {
			t.Errorf("a's timers (-want +got):\n%s", diff)
		}
		want := netmodel.Stats{Sent: 1, Handed: 1, Orphans: 3}
		if diff := cmp.Diff(want, n.Stats()); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}
	})
	t.Run("arrivals while down are orphans", func(t *testing.T) {
		w, n := newNet(t, 1, config(1, lat, svc))
		a, _ := addHost(t, n, "a")
		b, rb := addHost(t, n, "b")
		mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
		mustSend(t, a.Transport(), "b", msg(router.KindRoute, 2))
		at(w, lat/2, b.Crash)
		at(w, 2*lat, func() {
			b.Restart()
			b.Attach(rb)
			mustSend(t, a.Transport(), "b", msg(router.KindReply, 3))
		})
		w.Run()
		if diff := cmp.Diff([]uint64{3}, rb.tags()); diff != "" {
			t.Errorf("b got (-want +got):\n%s", diff)
		}
		want := netmodel.Stats{Sent: 3, Handed: 1, Orphans: 2}
		if diff := cmp.Diff(want, n.Stats()); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}
	})
	t.Run("crash from inside a delivery", func(t *testing.T) {
		w, n := newTracedNet(t, 1, config(1, lat, svc))
		a, _ := addHost(t, n, "a")
		b, rb := addHost(t, n, "b")
		rb.onDeliver = func(router.Message) { b.Crash() }
		for i := range 3 {
			mustSend(t, a.Transport(), "b", msg(router.KindRoute, uint64(i)))
		}
		w.Run()
		if diff := cmp.Diff([]uint64{0}, rb.tags()); diff != "" {
			t.Errorf("b got (-want +got):\n%s", diff)
		}
		if st := n.Stats(); st.Orphans != 2 {
			t.Errorf("Stats = %+v, want Orphans 2", st)
		}
		// The two queued messages the crash killed are orphans in the trace too.
		if got := records(w, "orphan", "crash"); len(got) != 3 || !strings.Contains(got[0], "crash") ||
			!strings.Contains(got[1], "reason=crash") || !strings.Contains(got[2], "reason=crash") {
			t.Errorf("records %q; want the crash and 2 orphans, reason crash", got)
		}
	})
	t.Run("crash and restart are idempotent", func(t *testing.T) {
		w, n := newNet(t, 1, config(1, lat, svc))
		a, ra := addHost(t, n, "a")
		a.Restart() // up already: nothing
		tr := a.Transport()
		a.Crash()
		a.Crash()
		a.Restart()
		a.Restart()
		a.Attach(ra)
		mustSend(t, a.Transport(), "a", msg(router.KindReply, 1))
		if err := tr.Send("a", ptr(msg(router.KindReply, 2))); err != nil {
			t.Errorf("old Send = %v", err)
		}
		w.Run()
		if diff := cmp.Diff([]uint64{1}, ra.tags()); diff != "" {
			t.Errorf("a got (-want +got):\n%s", diff)
		}
	})
}

// TestCrashOrphansTheOldIncarnation: a message for an incarnation that has crashed
// since it was sent, or sent while its destination was down, never reaches the
// incarnation after the restart, however it got there: still travelling, held at a
// link or stalled at a cut. It died with the connection it travelled on, or was
// refused by a node that was not there. What is sent after the restart is handed.
func TestCrashOrphansTheOldIncarnation(t *testing.T) {
	cases := []struct {
		name string
		// before runs at 0, before the sends; after at 5*lat, once the host is back.
		before, after func(n *netmodel.Net)
		// detect is DetectAfter if set, else lat.
		detect time.Duration
	}{
		{name: "in flight"},
		{name: "held at a link", before: func(n *netmodel.Net) { n.Hold(ids("a"), ids("b")) }, after: func(n *netmodel.Net) { n.ReleaseAll() }},
		// The cut, 5*lat long, goes unnoticed too: a noticed one closes its connection,
		// and what stalled at it is lost at the heal (TestPartitionStallNoticed).
		{name: "stalled at a cut", before: func(n *netmodel.Net) { n.Partition(ids("a"), ids("b"), netmodel.InFlightStall) }, after: func(n *netmodel.Net) { n.Heal() },
			detect: 10 * lat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := config(1, lat, svc)
			cfg.DetectAfter = lat // the crash goes unnoticed: sends to b while it is down are made
			if c.detect != 0 {
				cfg.DetectAfter = c.detect
			}
			w, n := newTracedNet(t, 1, cfg)
			a, _ := addHost(t, n, "a")
			b, rb := addHost(t, n, "b")
			if c.before != nil {
				c.before(n)
			}
			// Sent to the first incarnation, which crashes at lat/4 and is back at 3*lat/4:
			// the two arrive after the restart when they travel, later when they wait.
			mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
			mustSend(t, a.Transport(), "b", msg(router.KindRoute, 2))
			at(w, lat/4, b.Crash)
			// Sent while b is down, before the crash is noticed.
			at(w, lat/2, func() { mustSend(t, a.Transport(), "b", msg(router.KindReply, 3)) })
			at(w, 3*lat/4, func() {
				b.Restart()
				b.Attach(rb)
			})
			at(w, 5*lat, func() {
				if c.after != nil {
					c.after(n)
				}
				mustSend(t, a.Transport(), "b", msg(router.KindReply, 4))
			})
			w.Run()
			if diff := cmp.Diff([]uint64{4}, rb.tags()); diff != "" {
				t.Errorf("b got (-want +got):\n%s", diff)
			}
			if st := n.Stats(); st.Orphans != 3 || st.Handed != 1 {
				t.Errorf("Stats = %+v, want 3 orphans and 1 handed", st)
			}
			orphans := records(w, "orphan")
			if len(orphans) != 3 {
				t.Errorf("orphan records %q, want 3", orphans)
			}
			for _, r := range orphans {
				if !strings.Contains(r, "reason=restarted") {
					t.Errorf("orphan record %q, want reason restarted", r)
				}
			}
		})
	}
}

// TestRestartBindsNewPorts: a router.Node built on the new incarnation's ports works
// after a restart (what scenarios relies on), while a node still holding the old
// incarnation's ports is cut off: its sends go nowhere and its deadline never fires.
func TestRestartBindsNewPorts(t *testing.T) {
	w, n := newNet(t, 1, config(1, lat, svc))
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	boot := func(inc router.Incarnation) *router.Node {
		node, err := router.New(router.Config{ID: "a", Incarnation: inc, Routers: 1, Clock: a.Clock(), Transport: a.Transport(), Rand: a.Rand()})
		if err != nil {
			t.Fatalf("router.New: %v", err)
		}
		a.Attach(node)
		return node
	}
	old := boot(1)
	a.Crash()
	a.Restart()
	fresh := boot(2)
	peer := router.PeerRef{Ensemble: "e", Name: "p", Node: "b"}
	type outcome struct {
		At  time.Duration
		Err error
	}
	results := map[string][]outcome{}
	for _, c := range []struct {
		name string
		node *router.Node
	}{{"old", old}, {"new", fresh}} {
		if _, err := c.node.Call(router.ToPeer(peer), []byte("x"), 5*time.Millisecond, func(r router.Result) {
			results[c.name] = append(results[c.name], outcome{a.Now(), r.Err})
		}); err != nil {
			t.Fatalf("%s Call: %v", c.name, err)
		}
	}
	w.Run()
	if len(rb.got) != 1 || rb.got[0].Kind != router.KindPeer {
		t.Errorf("b got %+v, want one peer message, from the new node", rb.got)
	}
	if got := results["new"]; len(got) != 1 || !errors.Is(got[0].Err, router.ErrTimeout) || got[0].At != 5*time.Millisecond {
		t.Errorf("new node's call ended with %v, want one ErrTimeout at 5ms", got)
	}
	if got := results["old"]; len(got) != 0 {
		t.Errorf("old node's call completed with %v: its clock should be dead", got)
	}
	if st := n.Stats(); st.Orphans != 1 || st.Sent != 1 {
		t.Errorf("Stats = %+v, want Sent 1 (new) and Orphans 1 (old)", st)
	}
}

// shedder is a recorder that also hears about shed messages.
type shedder struct {
	recorder
	shed []uint64
}

func (s *shedder) Shed(m router.Message) { s.shed = append(s.shed, m.Call.Seq) }

var _ netmodel.Shedder = (*shedder)(nil)

// TestMailboxCap: a route or cast that finds its instance's mailbox full (the message
// in service counts) is shed: not queued, counted, traced, and the receiver is told
// if it is a Shedder. Other kinds and other instances are not bounded.
func TestMailboxCap(t *testing.T) {
	cases := []struct {
		name      string
		cap       int
		shedder   bool
		sends     []send
		wantGot   []uint64
		wantShed  []uint64
		wantStats netmodel.Stats
	}{
		{
			name: "unbounded", cap: 0, shedder: true,
			sends:     []send{{router.KindRoute, 0, 1}, {router.KindRoute, 0, 2}, {router.KindRoute, 0, 3}},
			wantGot:   []uint64{1, 2, 3},
			wantStats: netmodel.Stats{Sent: 3, Handed: 3},
		},
		{
			name: "cap 2 sheds the third and fourth", cap: 2, shedder: true,
			sends:     []send{{router.KindRoute, 0, 1}, {router.KindCast, 0, 2}, {router.KindRoute, 0, 3}, {router.KindCast, 0, 4}},
			wantGot:   []uint64{1, 2},
			wantShed:  []uint64{3, 4},
			wantStats: netmodel.Stats{Sent: 4, Handed: 2, Shed: 2},
		},
		{
			name: "the cap is per instance, and replies are not bounded", cap: 1, shedder: true,
			sends:     []send{{router.KindRoute, 0, 1}, {router.KindRoute, 1, 2}, {router.KindReply, 0, 3}, {router.KindRoute, 1, 4}},
			wantGot:   []uint64{3, 1, 2},
			wantShed:  []uint64{4},
			wantStats: netmodel.Stats{Sent: 4, Handed: 3, Shed: 1},
		},
		{
			name: "a receiver that is no Shedder is not told", cap: 1, shedder: false,
			sends:     []send{{router.KindRoute, 0, 1}, {router.KindRoute, 0, 2}},
			wantGot:   []uint64{1},
			wantStats: netmodel.Stats{Sent: 2, Handed: 1, Shed: 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(2, lat, svc)
			cfg.MailboxCap = tc.cap
			w, n := newTracedNet(t, 1, cfg)
			a, _ := addHost(t, n, "a")
			b, rb := addHost(t, n, "b")
			s := &shedder{recorder: recorder{h: b}}
			if tc.shedder {
				b.Attach(s)
				rb = &s.recorder
			}
			for _, sd := range tc.sends {
				m := msg(sd.kind, sd.tag)
				m.Instance = sd.inst
				mustSend(t, a.Transport(), "b", m)
			}
			w.Run()
			if diff := cmp.Diff(tc.wantGot, rb.tags()); diff != "" {
				t.Errorf("handed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantShed, s.shed); diff != "" {
				t.Errorf("shed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStats, n.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
			if got := len(records(w, "shed")); got != int(tc.wantStats.Shed) {
				t.Errorf("%d shed records, want %d", got, tc.wantStats.Shed)
			}
		})
	}
}

// TestMailboxCapFrees: once the mailbox drains, it takes messages again.
func TestMailboxCapFrees(t *testing.T) {
	cfg := config(1, lat, svc)
	cfg.MailboxCap = 1
	w, n := newTracedNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	mustSend(t, a.Transport(), "b", msg(router.KindRoute, 1))
	mustSend(t, a.Transport(), "b", msg(router.KindRoute, 2))
	at(w, 2*svc, func() { mustSend(t, a.Transport(), "b", msg(router.KindRoute, 3)) }) // arrives at 12ms, after 1 left at 11ms
	w.Run()
	if diff := cmp.Diff([]uint64{1, 3}, rb.tags()); diff != "" {
		t.Errorf("handed (-want +got):\n%s", diff)
	}
	want := []string{"10ms b shed msg=2 inst=0 depth=1"}
	if diff := cmp.Diff(want, records(w, "shed")); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// TestMailboxCapOverloaded: a router.Node told of a shed route answers the caller with
// router.ErrOverloaded under default semantics, at once.
func TestMailboxCapOverloaded(t *testing.T) {
	cfg := config(1, lat, svc)
	cfg.MailboxCap = 1
	w, n := newNet(t, 1, cfg)
	hosts := map[router.NodeID]*netmodel.Host{}
	nodes := map[router.NodeID]*router.Node{}
	for _, id := range []router.NodeID{"a", "b"} {
		h, err := n.AddHost(id)
		if err != nil {
			t.Fatal(err)
		}
		node, err := router.New(router.Config{ID: id, Incarnation: 1, Routers: 1, Clock: h.Clock(), Transport: h.Transport(), Rand: h.Rand()})
		if err != nil {
			t.Fatal(err)
		}
		h.Attach(node)
		hosts[id], nodes[id] = h, node
	}
	// a knows the leader of e is on b, which knows nothing about e: the first route
	// occupies b's one instance from 10 to 11ms, then fails there with no leader.
	leader := router.PeerRef{Ensemble: "e", Name: "p", Node: "b"}
	nodes["a"].Learn(router.Entry{Ensemble: "e", Leader: leader, Version: 1})
	var results []string
	for range 2 {
		if _, err := nodes["a"].Call(router.ToEnsemble("e"), []byte("x"), time.Second, func(r router.Result) {
			results = append(results, fmt.Sprintf("%v %v", hosts["a"].Now(), r.Err))
		}); err != nil {
			t.Fatal(err)
		}
	}
	w.Run()
	// The second route reaches b at 10ms, finds the first in service and is shed: its
	// ErrOverloaded is back at 20ms, before the first call's no-leader at 21ms.
	want := []string{"20ms " + router.ErrOverloaded.Error(), "21ms " + router.ErrNoLeader.Error()}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if n.Stats().Shed != 1 {
		t.Errorf("Stats = %+v, want Shed 1", n.Stats())
	}
}

// TestCrashTracesItsOrphans: the messages a crash kills parked at the paused node
// are orphans in the trace as in the counts, one record each with reason crash (the
// crash-from-inside-a-delivery case of TestCrash shows the same of queued ones).
func TestCrashTracesItsOrphans(t *testing.T) {
	const lat, svc = time.Millisecond, time.Millisecond
	t.Run("parked at a pause", func(t *testing.T) {
		w, n := newTracedNet(t, 1, config(1, lat, svc))
		a, _ := addHost(t, n, "a")
		b, _ := addHost(t, n, "b")
		b.Pause()
		mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
		mustSend(t, a.Transport(), "b", msg(router.KindRoute, 2))
		at(w, 5*lat, b.Crash)
		w.Run()
		got := records(w, "orphan")
		if len(got) != 2 || n.Stats().Orphans != 2 || !strings.Contains(got[0], "reason=crash") || !strings.Contains(got[1], "reason=crash") {
			t.Errorf("orphan records %q, %d orphans counted; want 2, reason crash", got, n.Stats().Orphans)
		}
	})
}
