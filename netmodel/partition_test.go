package netmodel_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestParseInFlight: the modes read back what String writes; "" is drop.
func TestParseInFlight(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want netmodel.InFlight
		err  string
	}{
		{name: "empty", in: "", want: netmodel.InFlightDrop},
		{name: "drop", in: "drop", want: netmodel.InFlightDrop},
		{name: "stall", in: "stall", want: netmodel.InFlightStall},
		{name: "unknown", in: "Stall", err: `in_flight: "Stall" is unknown: want drop or stall`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := netmodel.ParseInFlight(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, netmodel.ErrBadConfig) {
					t.Fatalf("ParseInFlight(%q) = %v, %v; want ErrBadConfig %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseInFlight(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if tc.in != "" && got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

// TestPartitionInFlightModes: what a partition does to messages already travelling
// and to those sent before it is noticed. Latency is 10ms; messages 1 and 2 leave at
// 0 and 1ms, the link is cut at 5ms, messages 3 and 4 leave at 6 and 25ms (the cut is
// not noticed), and the heal comes at 30ms, before 4 would arrive.
func TestPartitionInFlightModes(t *testing.T) {
	ms := time.Millisecond
	g := func(at, arrived time.Duration, tag uint64) got {
		return got{At: at, Kind: router.KindReply, Tag: tag, Arrived: arrived}
	}
	cases := []struct {
		name      string
		mode      netmodel.InFlight
		want      []got
		wantStats netmodel.Stats
		wantTrace []string
	}{
		{
			name: "drop",
			mode: netmodel.InFlightDrop,
			// Everything is lost: 3 and 4 at once, as they are sent across the cut.
			want:      nil,
			wantStats: netmodel.Stats{Sent: 4, Lost: 4},
			wantTrace: []string{
				"5ms - partition from=a to=b",
				"6ms - lost msg=3 reason=partition",
				"10ms - lost msg=1 reason=partition",
				"11ms - lost msg=2 reason=partition",
				"25ms - lost msg=4 reason=partition",
				"30ms - heal",
			},
		},
		{
			name: "stall",
			mode: netmodel.InFlightStall,
			// Stalled messages come out at the heal, in the order they reached the cut.
			want:      []got{g(30*ms, 30*ms, 1), g(30*ms, 30*ms, 2), g(30*ms, 30*ms, 3), g(35*ms, 35*ms, 4)},
			wantStats: netmodel.Stats{Sent: 4, Handed: 4, Held: 3},
			wantTrace: []string{
				"5ms - partition from=a to=b in_flight=stall",
				"10ms - stalled msg=1 from=a to=b",
				"11ms - stalled msg=2 from=a to=b",
				"16ms - stalled msg=3 from=a to=b",
				"30ms - heal",
				"30ms - released msg=1 from=a to=b by=heal",
				"30ms - released msg=2 from=a to=b by=heal",
				"30ms - released msg=3 from=a to=b by=heal",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(1, 10*ms, 0)
			cfg.DetectAfter = time.Hour
			w, n := newTracedNet(t, 1, cfg)
			a, _ := addHost(t, n, "a")
			_, rb := addHost(t, n, "b")
			send := func(tag uint64) func() { return func() { mustSend(t, a.Transport(), "b", msg(router.KindReply, tag)) } }
			at(w, 0, send(1))
			at(w, ms, send(2))
			at(w, 5*ms, func() { n.PartitionOneWay(ids("a"), ids("b"), tc.mode) })
			at(w, 6*ms, send(3))
			at(w, 25*ms, send(4))
			at(w, 29*ms, func() {
				if got := n.Parked(); got != int(tc.wantStats.Held) {
					t.Errorf("Parked before the heal = %d, want %d", got, tc.wantStats.Held)
				}
			})
			at(w, 30*ms, n.Heal)
			w.Run()
			if diff := cmp.Diff(tc.want, rb.got); diff != "" {
				t.Errorf("deliveries (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStats, n.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantTrace, records(w, "partition", "heal", "lost", "stalled", "released")); diff != "" {
				t.Errorf("trace (-want +got):\n%s", diff)
			}
			if n.Parked() != 0 {
				t.Errorf("Parked after the heal = %d", n.Parked())
			}
		})
	}
}

// TestPartitionStallNoticed: a stalling partition is noticed like any other: after
// DetectAfter sends fail fast; the connection closed then, so what stalled before it
// is lost at the heal, not delivered.
func TestPartitionStallNoticed(t *testing.T) {
	cfg := config(1, time.Millisecond, 0)
	cfg.DetectAfter = 10 * time.Millisecond
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	n.Partition(ids("a"), ids("b"), netmodel.InFlightStall)
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	w.RunUntil(20 * time.Millisecond)
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 2))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send after DetectAfter = %v, want ErrUnreachable", err)
	}
	n.Heal()
	w.Run()
	if len(rb.got) != 0 {
		t.Errorf("deliveries %+v, want none: the connection that held them closed", rb.got)
	}
	if st := n.Stats(); st.Lost != 1 || n.Parked() != 0 {
		t.Errorf("Stats %+v with %d parked, want Lost 1 and none parked", st, n.Parked())
	}
}

// TestHold: Hold parks what arrives over the held links; Release delivers it at once,
// in arrival order, and lifts the hold; other links and directions are untouched.
func TestHold(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name    string
		release func(n *netmodel.Net)
		wantB   []uint64 // tags b got from a, in order
		wantAt  []time.Duration
		parked  int    // left parked at the end
		held    uint64 // Stats.Held
	}{
		{name: "release the link", release: func(n *netmodel.Net) { n.Release(ids("a"), ids("b")) },
			wantB: []uint64{1, 2, 3, 4}, wantAt: []time.Duration{20 * ms, 20 * ms, 20 * ms, 35 * ms}, held: 3},
		{name: "release all", release: func(n *netmodel.Net) { n.ReleaseAll() },
			wantB: []uint64{1, 2, 3, 4}, wantAt: []time.Duration{20 * ms, 20 * ms, 20 * ms, 35 * ms}, held: 3},
		{name: "release another link", release: func(n *netmodel.Net) { n.Release(ids("b"), ids("a")) },
			wantB: []uint64{}, wantAt: []time.Duration{}, parked: 4, held: 4},
		{name: "heal does not release", release: func(n *netmodel.Net) { n.Heal() },
			wantB: []uint64{}, wantAt: []time.Duration{}, parked: 4, held: 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, n := newTracedNet(t, 1, config(1, 10*ms, 0))
			a, ra := addHost(t, n, "a")
			b, rb := addHost(t, n, "b")
			n.Hold(ids("a"), ids("b"))
			for i := range 3 {
				at(w, time.Duration(i)*ms, func() { mustSend(t, a.Transport(), "b", msg(router.KindReply, uint64(i+1))) })
			}
			mustSend(t, b.Transport(), "a", msg(router.KindReply, 9)) // the other direction flows
			at(w, 20*ms, func() { tc.release(n) })
			at(w, 25*ms, func() { mustSend(t, a.Transport(), "b", msg(router.KindReply, 4)) })
			w.Run()
			gotAt := []time.Duration{}
			for _, g := range rb.got {
				gotAt = append(gotAt, g.At)
			}
			if diff := cmp.Diff(tc.wantB, rb.tags()); diff != "" {
				t.Errorf("b got (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantAt, gotAt); diff != "" {
				t.Errorf("b got at (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]uint64{9}, ra.tags()); diff != "" {
				t.Errorf("a got (-want +got):\n%s", diff)
			}
			if n.Parked() != tc.parked {
				t.Errorf("Parked = %d, want %d", n.Parked(), tc.parked)
			}
			if st := n.Stats(); st.Held != tc.held || st.Lost != 0 {
				t.Errorf("Stats = %+v, want Held %d, Lost 0", st, tc.held)
			}
		})
	}
}

// TestHoldTrace: each held message and its release are in the trace.
func TestHoldTrace(t *testing.T) {
	w, n := newTracedNet(t, 1, config(1, time.Millisecond, 0))
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	n.Hold(ids("a"), ids("b"))
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	at(w, 5*time.Millisecond, func() { n.Release(ids("a"), ids("b")) })
	w.Run()
	want := []string{
		"0s - hold from=a to=b",
		"1ms - held msg=1 from=a to=b",
		"5ms - release from=a to=b",
		"5ms - released msg=1 from=a to=b by=release",
		"5ms b handed msg=1 msg_kind=reply call=a.1.1",
	}
	if diff := cmp.Diff(want, records(w, "hold", "held", "release", "released", "handed")); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// TestHoldThenCrash: a held message released to a host that crashed meanwhile is an
// orphan; one released into a partition meets the partition.
func TestHoldThenCrash(t *testing.T) {
	cfg := config(1, time.Millisecond, 0)
	cfg.DetectAfter = time.Hour
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	_, rc := addHost(t, n, "c")
	n.Hold(ids("a"), ids("b", "c"))
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	mustSend(t, a.Transport(), "c", msg(router.KindReply, 2))
	w.RunUntil(5 * time.Millisecond)
	b.Crash()
	n.PartitionOneWay(ids("a"), ids("c"), netmodel.InFlightDrop)
	n.Release(ids("a"), ids("b", "c"))
	w.Run()
	if len(rb.got)+len(rc.got) != 0 {
		t.Errorf("b got %v, c got %v; want nothing", rb.got, rc.got)
	}
	want := netmodel.Stats{Sent: 2, Lost: 1, Orphans: 1, Held: 2}
	if diff := cmp.Diff(want, n.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

// TestPartitionBeforeHold: a message that arrives at a link both cut (drop) and held is
// judged by the partition: lost, not parked, and a later Release hands nothing over.
func TestPartitionBeforeHold(t *testing.T) {
	ms := time.Millisecond
	cfg := config(1, 10*ms, 0)
	cfg.DetectAfter = time.Hour
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1)) // arrives at 10ms
	at(w, 5*ms, func() {
		n.Hold(ids("a"), ids("b"))
		n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop)
	})
	w.RunUntil(20 * ms)
	if p := n.Parked(); p != 0 {
		t.Errorf("Parked = %d, want 0: the partition loses the message", p)
	}
	n.Heal()
	n.Release(ids("a"), ids("b"))
	w.Run()
	if len(rb.got) != 0 {
		t.Errorf("b got %v, want nothing", rb.got)
	}
	want := netmodel.Stats{Sent: 1, Lost: 1}
	if diff := cmp.Diff(want, n.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

// TestHoldIntoStallKeepsOrder: a message held at a link, released into a partition
// that stalls the link, keeps its place ahead of messages stalled there after it was
// sent: the heal delivers them in the order they were sent.
func TestHoldIntoStallKeepsOrder(t *testing.T) {
	ms := time.Millisecond
	cfg := config(1, 10*ms, 0)
	cfg.DetectAfter = time.Hour // sends across the cut are not refused
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	n.Hold(ids("a"), ids("b"))
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1)) // held at 10ms
	at(w, 15*ms, func() { n.Partition(ids("a"), ids("b"), netmodel.InFlightStall) })
	at(w, 16*ms, func() { mustSend(t, a.Transport(), "b", msg(router.KindReply, 2)) }) // stalled at 26ms
	at(w, 30*ms, func() { n.Release(ids("a"), ids("b")) })                             // 1 meets the cut
	at(w, 40*ms, func() { n.Heal() })
	w.Run()
	if diff := cmp.Diff([]uint64{1, 2}, rb.tags()); diff != "" {
		t.Errorf("b got (-want +got):\n%s", diff)
	}
}

// TestOneWayStallNoticedAtTheEdge: a one-way cut that stalls what crosses it, noticed
// (a send refused) exactly at DetectAfter or later, closed the connection: a heal
// then loses what it stalled (Lost) rather than deliver it, and the link is back only
// at a redial, not at once. Noticed is one rule, at the edge too (a send at
// DetectAfter is refused, so the heal counts the cut as noticed), and for a one-way cut
// the closed connection is the cut direction's.
func TestOneWayStallNoticedAtTheEdge(t *testing.T) {
	for _, healAt := range []time.Duration{10 * time.Millisecond, 20 * time.Millisecond} {
		cfg := config(1, time.Millisecond, 0)
		cfg.DetectAfter = 10 * time.Millisecond
		cfg.BackoffMin, cfg.BackoffMax = 5*time.Millisecond, 40*time.Millisecond
		w, n := newNet(t, 1, cfg)
		a, _ := addHost(t, n, "a")
		_, rb := addHost(t, n, "b")
		n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightStall)
		mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
		w.RunUntil(healAt)
		if err := a.Transport().Send("b", ptr(msg(router.KindReply, 2))); !errors.Is(err, router.ErrUnreachable) {
			t.Errorf("heal at %v: Send at %v = %v, want ErrUnreachable (noticed)", healAt, healAt, err)
		}
		n.Heal()
		if err := a.Transport().Send("b", ptr(msg(router.KindReply, 3))); !errors.Is(err, router.ErrUnreachable) {
			t.Errorf("heal at %v: Send right after the heal = %v, want ErrUnreachable until a redial", healAt, err)
		}
		w.Run()
		if len(rb.got) != 0 {
			t.Errorf("heal at %v: deliveries %+v, want none: the connection that stalled them closed", healAt, rb.got)
		}
		if st := n.Stats(); st.Lost != 1 || n.Parked() != 0 {
			t.Errorf("heal at %v: Stats %+v with %d parked, want Lost 1 and none parked", healAt, st, n.Parked())
		}
	}
}

// TestHealCutNeverNoticed: with the largest DetectAfter no cut is ever noticed, and a
// heal, like a send, must say so: what stalled at the cut is delivered, nothing is
// lost as closed, and no link goes down for a redial. Heal once added DetectAfter to
// the cut's start, which overflowed and took the cut for noticed.
func TestHealCutNeverNoticed(t *testing.T) {
	for _, da := range []time.Duration{time.Hour, math.MaxInt64} {
		cfg := config(1, time.Millisecond, 0)
		cfg.DetectAfter = da
		cfg.BackoffMin, cfg.BackoffMax = netmodel.DefaultBackoffMin, netmodel.DefaultBackoffMax
		w, n := newTracedNet(t, 1, cfg)
		a, _ := addHost(t, n, "a")
		_, rb := addHost(t, n, "b")
		w.RunUntil(time.Second)
		n.Partition(ids("a"), ids("b"), netmodel.InFlightStall)
		w.RunUntil(1500 * time.Millisecond)
		if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); err != nil { // stalls at the cut
			t.Fatalf("DetectAfter %v: send across the cut: %v", da, err)
		}
		w.RunUntil(2 * time.Second)
		n.Heal()
		if err := a.Transport().Send("b", ptr(msg(router.KindReply, 2))); err != nil {
			t.Errorf("DetectAfter %v: send right after the heal: %v", da, err)
		}
		w.Run()
		if got := rb.tags(); !slices.Equal(got, []uint64{1, 2}) {
			t.Errorf("DetectAfter %v: b got %v, want [1 2]", da, got)
		}
		if lost, recs := n.Stats().Lost, records(w, "lost", "reconnect"); lost != 0 || len(recs) != 0 {
			t.Errorf("DetectAfter %v: %d lost, records %v; want none", da, lost, recs)
		}
	}
}

// TestHealLinkToLaterHost: a link may name a node that is not a host yet; healed
// after a noticed cut, it is not left down for a redial nothing would end: once the
// host is added, sends to it go through.
func TestHealLinkToLaterHost(t *testing.T) {
	cfg := config(1, time.Millisecond, 0)
	cfg.DetectAfter = 10 * time.Millisecond
	cfg.BackoffMin, cfg.BackoffMax = netmodel.DefaultBackoffMin, netmodel.DefaultBackoffMax
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	n.Partition(ids("a"), ids("z"), netmodel.InFlightDrop)
	w.RunUntil(100 * time.Millisecond)
	n.Heal()
	_, rz := addHost(t, n, "z")
	w.RunUntil(w.Now() + 10*time.Second)
	if err := a.Transport().Send("z", ptr(msg(router.KindReply, 1))); err != nil {
		t.Fatalf("send to z 10s after the heal and its addition: %v", err)
	}
	w.Run()
	if got := rz.tags(); !slices.Equal(got, []uint64{1}) {
		t.Errorf("z got %v, want [1]", got)
	}
}
