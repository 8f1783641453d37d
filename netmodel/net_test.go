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
	"github.com/ensroute/ensroute/sim"
)

// TestNewBadConfig: New refuses a bad Config with ErrBadConfig, naming the field.
func TestNewBadConfig(t *testing.T) {
	good := config(2, time.Millisecond, 10*time.Microsecond)
	cases := []struct {
		name string
		edit func(c *netmodel.Config)
		want string // the whole message
	}{
		{name: "no routers", edit: func(c *netmodel.Config) { c.Routers = 0 }, want: "netmodel: bad config: routers: 0, want at least 1"},
		{name: "negative routers", edit: func(c *netmodel.Config) { c.Routers = -3 }, want: "netmodel: bad config: routers: -3, want at least 1"},
		{name: "bad link latency", edit: func(c *netmodel.Config) { c.Link.Latency.Min = dur(-time.Millisecond) }, want: "netmodel: bad config: link.latency.min: -1ms is negative"},
		{name: "bad link drop", edit: func(c *netmodel.Config) { c.Link.Drop = 2 }, want: "netmodel: bad config: link.drop: 2 is not a probability in [0, 1]"},
		{name: "no service", edit: func(c *netmodel.Config) { c.Service = netmodel.Dist{} }, want: `netmodel: bad config: service.dist: missing (the key is required): want constant, uniform, exponential or lognormal`},
		{name: "negative detect_after", edit: func(c *netmodel.Config) { c.DetectAfter = -time.Second }, want: "netmodel: bad config: detect_after: -1s is negative"},
		{name: "negative pause_detect_after", edit: func(c *netmodel.Config) { c.PauseDetectAfter = -time.Second }, want: "netmodel: bad config: pause_detect_after: -1s is negative"},
		{name: "negative mailbox_cap", edit: func(c *netmodel.Config) { c.MailboxCap = -1 }, want: "netmodel: bad config: mailbox_cap: -1 is negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			n, err := netmodel.New(sim.New(sim.Config{}), cfg)
			if err == nil {
				t.Fatalf("New = %v, nil error; want %q", n, tc.want)
			}
			if !errors.Is(err, netmodel.ErrBadConfig) {
				t.Errorf("New: %v does not match ErrBadConfig", err)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("New error (-want +got):\n%s", diff)
			}
			if verr := cfg.Validate(); verr == nil || verr.Error() != err.Error() {
				t.Errorf("Validate = %v, want the error New returned", verr)
			}
		})
	}
	if _, err := netmodel.New(sim.New(sim.Config{}), good); err != nil {
		t.Errorf("New(good config) = %v", err)
	}
}

// TestAddHost: hosts are kept in the order added; an empty or repeated id is refused.
func TestAddHost(t *testing.T) {
	_, n := newNet(t, 1, config(1, time.Millisecond, 0))
	for _, id := range []router.NodeID{"n2", "n1", "n3"} {
		if _, err := n.AddHost(id); err != nil {
			t.Fatalf("AddHost(%s): %v", id, err)
		}
	}
	var ids []router.NodeID
	for _, h := range n.Hosts() {
		ids = append(ids, h.ID())
		if !h.Up() || n.Host(h.ID()) != h {
			t.Errorf("host %s: up %v, Host() finds it %v", h.ID(), h.Up(), n.Host(h.ID()) == h)
		}
	}
	if diff := cmp.Diff([]router.NodeID{"n2", "n1", "n3"}, ids); diff != "" {
		t.Errorf("Hosts order (-want +got):\n%s", diff)
	}
	if n.Host("zz") != nil {
		t.Errorf("Host(zz) = %v, want nil", n.Host("zz"))
	}
	cases := []struct {
		name   string
		id     router.NodeID
		target error
		want   string
	}{
		{name: "duplicate", id: "n1", target: netmodel.ErrDuplicateHost, want: "netmodel: duplicate host: host n1 exists"},
		{name: "empty", id: "", target: netmodel.ErrBadConfig, want: "netmodel: bad config: host id is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := n.AddHost(tc.id)
			if h != nil || !errors.Is(err, tc.target) {
				t.Fatalf("AddHost(%q) = %v, %v; want nil, %v", tc.id, h, err, tc.target)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("AddHost error (-want +got):\n%s", diff)
			}
		})
	}
	if len(n.Hosts()) != 3 {
		t.Errorf("refused AddHosts changed the hosts: %d", len(n.Hosts()))
	}
}

// TestSendUnknownNode: a send to a node the network does not have fails at once.
func TestSendUnknownNode(t *testing.T) {
	_, n := newNet(t, 1, config(1, time.Millisecond, 0))
	a, _ := addHost(t, n, "a")
	err := a.Transport().Send("zz", ptr(msg(router.KindReply, 1)))
	if !errors.Is(err, router.ErrUnreachable) || !strings.Contains(err.Error(), "no node zz") {
		t.Errorf("Send(zz) = %v, want router.ErrUnreachable naming zz", err)
	}
}

// TestPartition: what gets through while a partition stands, in each direction.
func TestPartition(t *testing.T) {
	cases := []struct {
		name    string
		cut     func(n *netmodel.Net)
		abOK    bool // a->b delivers
		baOK    bool // b->a delivers
		cOK     bool // a<->c and b<->c deliver
		wantCut [][2]router.NodeID
	}{
		{name: "none", cut: func(*netmodel.Net) {}, abOK: true, baOK: true, cOK: true},
		{name: "symmetric", cut: func(n *netmodel.Net) { n.Partition(ids("a"), ids("b"), netmodel.InFlightDrop) },
			cOK: true, wantCut: [][2]router.NodeID{{"a", "b"}, {"b", "a"}}},
		{name: "one way", cut: func(n *netmodel.Net) { n.PartitionOneWay(ids("a"), ids("b"), netmodel.InFlightDrop) },
			baOK: true, cOK: true, wantCut: [][2]router.NodeID{{"a", "b"}}},
		{name: "reverse one way", cut: func(n *netmodel.Net) { n.PartitionOneWay(ids("b"), ids("a"), netmodel.InFlightDrop) },
			abOK: true, cOK: true, wantCut: [][2]router.NodeID{{"b", "a"}}},
		{name: "groups", cut: func(n *netmodel.Net) { n.Partition(ids("a", "b"), ids("c"), netmodel.InFlightDrop) },
			abOK: true, baOK: true, wantCut: [][2]router.NodeID{{"a", "c"}, {"b", "c"}, {"c", "a"}, {"c", "b"}}},
	}
	ids := []router.NodeID{"a", "b", "c"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(1, time.Millisecond, 0)
			cfg.DetectAfter = time.Hour // sends across the cut are lost silently
			w, n := newNet(t, 1, cfg)
			hosts := map[router.NodeID]*netmodel.Host{}
			recs := map[router.NodeID]*recorder{}
			for _, id := range ids {
				hosts[id], recs[id] = addHost(t, n, id)
			}
			tc.cut(n)
			var cut [][2]router.NodeID
			for _, f := range ids {
				for _, to := range ids {
					if f == to {
						continue
					}
					if n.Partitioned(f, to) {
						cut = append(cut, [2]router.NodeID{f, to})
					}
					mustSend(t, hosts[f].Transport(), to, msg(router.KindReply, 1))
				}
			}
			if diff := cmp.Diff(tc.wantCut, cut); diff != "" {
				t.Errorf("Partitioned (-want +got):\n%s", diff)
			}
			w.Run()
			count := func(id router.NodeID) int { return len(recs[id].got) }
			b2i := func(ok bool) int {
				if ok {
					return 1
				}
				return 0
			}
			wantGot := map[router.NodeID]int{
				"a": b2i(tc.baOK) + b2i(tc.cOK),
				"b": b2i(tc.abOK) + b2i(tc.cOK),
				"c": 2 * b2i(tc.cOK),
			}
			gotGot := map[router.NodeID]int{"a": count("a"), "b": count("b"), "c": count("c")}
			if diff := cmp.Diff(wantGot, gotGot); diff != "" {
				t.Errorf("messages received per node (-want +got):\n%s", diff)
			}
			if st := n.Stats(); st.Lost != uint64(len(tc.wantCut)) || st.Sent != 6 {
				t.Errorf("Stats = %+v, want Sent 6, Lost %d", st, len(tc.wantCut))
			}
		})
	}
}

// TestPartitionInFlight: a message already on its way when the link is cut is lost
// when it arrives; one sent after the heal gets through.
func TestPartitionInFlight(t *testing.T) {
	w, n := newNet(t, 1, config(1, 10*time.Millisecond, 0))
	a, _ := addHost(t, n, "a")
	_, rb := addHost(t, n, "b")
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	at(w, 5*time.Millisecond, func() { n.PartitionOneWay([]router.NodeID{"a"}, []router.NodeID{"b"}, netmodel.InFlightDrop) })
	w.RunUntil(20 * time.Millisecond)
	if len(rb.got) != 0 || n.Stats().Lost != 1 {
		t.Fatalf("after the cut: b got %v, Stats %+v; want nothing and Lost 1", rb.got, n.Stats())
	}
	n.Heal()
	if n.Partitioned("a", "b") {
		t.Errorf("Partitioned(a, b) after Heal")
	}
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 2))
	w.Run()
	want := []got{{At: 30 * time.Millisecond, Kind: router.KindReply, Tag: 2, Arrived: 30 * time.Millisecond}}
	if diff := cmp.Diff(want, rb.got); diff != "" {
		t.Errorf("after Heal (-want +got):\n%s", diff)
	}
}

// TestPartitionDetect: until DetectAfter has passed, sends across a cut are lost
// silently; from then on they fail at once with router.ErrUnreachable, and nothing is
// sent. Heal restores delivery.
func TestPartitionDetect(t *testing.T) {
	const detect = 100 * time.Millisecond
	cfg := config(1, time.Millisecond, 0)
	cfg.DetectAfter = detect
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	_, rc := addHost(t, n, "c")
	at(w, 10*time.Millisecond, func() { n.Partition([]router.NodeID{"a"}, []router.NodeID{"b"}, netmodel.InFlightDrop) })
	sendsAt(t, w, []timedSend{
		{name: "at the cut", at: 10 * time.Millisecond, from: a, to: "b"},
		{name: "just before detection", at: 10*time.Millisecond + detect - 1, from: b, to: "a"},
		{name: "at detection", at: 10*time.Millisecond + detect, from: a, to: "b", unreach: true},
		{name: "reverse after detection", at: 200 * time.Millisecond, from: b, to: "a", unreach: true},
		{name: "other link unaffected", at: 200 * time.Millisecond, from: a, to: "c"},
	})
	want := netmodel.Stats{Sent: 3, Handed: 1, Lost: 2, Unreachable: 2}
	if diff := cmp.Diff(want, n.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if len(rc.got) != 1 {
		t.Errorf("c got %d messages, want 1", len(rc.got))
	}
	n.Heal()
	for _, tr := range []router.Transport{a.Transport(), b.Transport()} {
		if err := tr.Send("a", ptr(msg(router.KindReply, 2))); err != nil {
			t.Errorf("Send after Heal = %v", err)
		}
	}
	w.Run()
	if st := n.Stats(); st.Handed != 3 || st.Lost != 2 {
		t.Errorf("after Heal: Stats %+v, want Handed 3, Lost 2", st)
	}
}

// TestPartitionAgainRestartsDetection: a fresh partition after a heal is unnoticed for
// DetectAfter again, counted from the new cut, not the old one.
func TestPartitionAgainRestartsDetection(t *testing.T) {
	cfg := config(1, time.Millisecond, 0)
	cfg.DetectAfter = 50 * time.Millisecond
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	ab := func() { n.Partition([]router.NodeID{"a"}, []router.NodeID{"b"}, netmodel.InFlightDrop) }
	ab()
	w.RunUntil(100 * time.Millisecond)
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); !errors.Is(err, router.ErrUnreachable) {
		t.Fatalf("Send 100ms into the cut = %v, want ErrUnreachable", err)
	}
	n.Heal()
	ab()
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 2))); err != nil {
		t.Errorf("Send right after a new cut = %v, want nil (not yet noticed)", err)
	}
}

// observer records what a netmodel.Observer sees.
type observer struct{ log []string }

func (o *observer) Sent(from, to router.NodeID, id uint64, m *router.Message) {
	o.log = append(o.log, fmt.Sprintf("sent %s->%s %s %d", from, to, m.Kind, id))
}

func (o *observer) Handed(to router.NodeID, id uint64, m *router.Message, _ time.Duration) {
	o.log = append(o.log, fmt.Sprintf("handed %s %s %d", to, m.Kind, id))
}

// TestObserver: the observer sees each send with a network-wide id and each hand-over
// with the same id, lost messages only as sent.
func TestObserver(t *testing.T) {
	o := &observer{}
	cfg := config(1, time.Millisecond, 0)
	cfg.Observer = o
	cfg.DetectAfter = time.Hour
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	mustSend(t, a.Transport(), "b", msg(router.KindReply, 1))
	n.PartitionOneWay([]router.NodeID{"b"}, []router.NodeID{"a"}, netmodel.InFlightDrop)
	mustSend(t, b.Transport(), "a", msg(router.KindGossip, 2))
	r := msg(router.KindRoute, 3)
	mustSend(t, b.Transport(), "b", r)
	w.Run()
	want := []string{"sent a->b reply 1", "sent b->a gossip 2", "sent b->b route 3", "handed b reply 1", "handed b route 3"}
	if diff := cmp.Diff(want, o.log); diff != "" {
		t.Errorf("observer log (-want +got):\n%s", diff)
	}
}

// TestDeterminism: the same seed and the same sends give the same trace hash and the
// same arrival times; another seed draws other latencies.
func TestDeterminism(t *testing.T) {
	run := func(seed uint64) (string, []got) {
		cfg := netmodel.Config{
			Routers: 3,
			Service: netmodel.Dist{Kind: "exponential", Min: dur(5 * time.Microsecond), Mean: dur(20 * time.Microsecond)},
			Link: netmodel.Link{
				Latency: netmodel.Dist{Kind: "lognormal", Min: dur(100 * time.Microsecond), Mean: dur(time.Millisecond), Sigma: 1},
				Drop:    0.1, Unordered: true,
			},
		}
		w, n := newNet(t, seed, cfg)
		a, _ := addHost(t, n, "a")
		b, rb := addHost(t, n, "b")
		_, rc := addHost(t, n, "c")
		for i := range 30 {
			m := msg(router.Kind(1+i%5), uint64(i))
			m.Instance = i % 3
			at(w, time.Duration(i)*100*time.Microsecond, func() {
				mustSend(t, a.Transport(), "b", m)
				mustSend(t, b.Transport(), "c", m)
			})
		}
		at(w, time.Millisecond, func() { n.Partition([]router.NodeID{"a"}, []router.NodeID{"c"}, netmodel.InFlightDrop) })
		w.Run()
		return w.TraceHash(), append(rb.got, rc.got...)
	}
	h1, g1 := run(42)
	h2, g2 := run(42)
	if h1 != h2 {
		t.Errorf("same seed, different trace hashes: %s vs %s", h1, h2)
	}
	if diff := cmp.Diff(g1, g2); diff != "" {
		t.Errorf("same seed, different deliveries (-first +second):\n%s", diff)
	}
	h3, g3 := run(43)
	if h3 == h1 {
		t.Errorf("seeds 42 and 43 gave the same trace hash %s", h1)
	}
	if cmp.Equal(g1, g3) {
		t.Errorf("seeds 42 and 43 gave the same deliveries at the same times")
	}
}

// TestDeterminismAllFaults: with every fault on at once — lossy, duplicating,
// reordering links, rules, holds, stalling and dropping partitions, pauses, drifting
// and stepped clocks, bounded mailboxes — the same seed gives the same trace, and
// another seed another. The run must also show each fault at work, or the test would
// compare two quiet runs.
func TestDeterminismAllFaults(t *testing.T) {
	run := func(seed uint64) (string, []string, map[string]int) {
		ms := time.Millisecond
		cfg := netmodel.Config{
			Routers:    2,
			Service:    netmodel.Dist{Kind: "exponential", Min: dur(100 * time.Microsecond), Mean: dur(300 * time.Microsecond)},
			MailboxCap: 2,
			Link: netmodel.Link{
				Latency: netmodel.Dist{Kind: "lognormal", Min: dur(100 * time.Microsecond), Mean: dur(ms), Sigma: 1},
				Drop:    0.05, Dup: 0.1, Reorder: 0.2,
			},
			DetectAfter: 2 * ms,
		}
		w := sim.New(sim.Config{Seed: seed, KeepTrace: true})
		n, err := netmodel.New(w, cfg)
		if err != nil {
			t.Fatal(err)
		}
		nodes := []router.NodeID{"a", "b", "c", "d"}
		hosts := map[router.NodeID]*netmodel.Host{}
		var log []string
		work := w.Stream("workload")
		for _, id := range nodes {
			h, r := addHost(t, n, id)
			hosts[id] = h
			r.onDeliver = func(m router.Message) {
				log = append(log, fmt.Sprintf("%v %v %s got %d", w.Now(), h.Now(), h.ID(), m.Call.Seq))
				h.Clock().After(time.Duration(work.Int64N(int64(2*ms))), timer(m.Call.Seq))
				if m.Kind != router.KindReply {
					to := m.From
					h.Defer(func() {
						reply := msg(router.KindReply, m.Call.Seq)
						reply.From = h.ID()
						h.Transport().Send(to, &reply)
					})
				}
			}
			r.onFire = func() { log = append(log, fmt.Sprintf("%v %v %s timer", w.Now(), h.Now(), h.ID())) }
		}
		if err := n.SetLink("a", "c", netmodel.Link{Latency: cfg.Link.Latency, Unordered: true, Dup: 0.5}); err != nil {
			t.Fatal(err)
		}
		hosts["a"].SetClock(netmodel.ClockModel{Offset: dur(time.Second), DriftPPM: 500})
		hosts["b"].SetClock(netmodel.ClockModel{DriftPPM: -20000, PeriodicPPM: 50000, Period: dur(7 * ms)})
		hosts["d"].SetClock(netmodel.ClockModel{PeriodicPPM: 90000, Period: dur(3 * ms)})
		for _, r := range []netmodel.Rule{
			{Name: "slow gossip", Match: netmodel.Match{Kind: router.KindGossip, From: "c"}, Action: netmodel.ActDelay, Delay: ms},
			{Name: "dup peer", Match: netmodel.Match{Kind: router.KindPeer}, Action: netmodel.ActDuplicate, Delay: 300 * time.Microsecond, After: &netmodel.Match{To: "d"}},
			{Name: "drop 3 replies", Match: netmodel.Match{Kind: router.KindReply}, Action: netmodel.ActDrop, Count: 3},
		} {
			if _, err := n.AddRule(r); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 300 {
			from := nodes[work.IntN(len(nodes))]
			to := nodes[work.IntN(len(nodes))]
			m := msg(router.Kind(1+work.IntN(5)), uint64(i))
			m.From, m.Instance = from, work.IntN(2)
			at(w, time.Duration(work.Int64N(int64(20*ms))), func() { hosts[from].Transport().Send(to, &m) })
		}
		at(w, 2*ms, hosts["b"].Pause)
		at(w, 3*ms, func() { n.Partition(ids("a"), ids("b", "c"), netmodel.InFlightStall) })
		at(w, 4*ms, func() { n.Hold(ids("a", "c"), ids("d")) })
		at(w, 5*ms, func() { hosts["c"].StepClock(3 * ms) })
		at(w, 6*ms, func() { hosts["d"].StepClock(-2 * ms) })
		at(w, 7*ms, hosts["b"].Resume)
		at(w, 8*ms, n.Heal)
		at(w, 9*ms, func() { n.Release(ids("a"), ids("d")) })
		at(w, 10*ms, func() { n.PartitionOneWay(ids("d"), ids("a"), netmodel.InFlightDrop) })
		at(w, 11*ms, func() { hosts["c"].Pause() })
		at(w, 12*ms, n.Heal)
		at(w, 13*ms, n.ReleaseAll)
		at(w, 14*ms, func() { hosts["c"].Crash() })
		at(w, 15*ms, func() { hosts["c"].Restart() })
		w.Run()
		kinds := map[string]int{}
		for _, r := range w.Trace() {
			kinds[r.Kind]++
		}
		return w.TraceHash(), log, kinds
	}
	h1, l1, kinds := run(42)
	h2, l2, _ := run(42)
	if h1 != h2 {
		t.Errorf("same seed, different trace hashes: %s vs %s", h1, h2)
	}
	if diff := cmp.Diff(l1, l2); diff != "" {
		t.Errorf("same seed, different runs (-first +second):\n%s", diff)
	}
	for _, k := range []string{"dup", "held", "released", "stalled", "pause", "resume", "parked", "clock-step", "clock-set", "rule", "rule-armed", "shed", "lost", "unreachable", "orphan"} {
		if kinds[k] == 0 {
			t.Errorf("no %q record in the run: the test does not exercise it (kinds: %v)", k, kinds)
		}
	}
	if h3, _, _ := run(43); h3 == h1 {
		t.Errorf("seeds 42 and 43 gave the same trace hash %s", h1)
	}
}

// TestPartitionOverlapKeepsDetection: cutting a link that is cut already keeps the
// time of the first cut, so a partition laid over another one does not make senders
// forget what they noticed; the links it newly cuts count from now.
func TestPartitionOverlapKeepsDetection(t *testing.T) {
	cfg := config(1, time.Millisecond, 0)
	cfg.DetectAfter = 50 * time.Millisecond
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	addHost(t, n, "b")
	addHost(t, n, "c")
	n.Partition([]router.NodeID{"a"}, []router.NodeID{"b"}, netmodel.InFlightDrop)
	w.RunUntil(40 * time.Millisecond)
	n.Partition([]router.NodeID{"a"}, []router.NodeID{"b", "c"}, netmodel.InFlightStall)
	w.RunUntil(60 * time.Millisecond)
	if err := a.Transport().Send("b", ptr(msg(router.KindReply, 1))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send a->b 60ms after its first cut = %v, want ErrUnreachable", err)
	}
	if err := a.Transport().Send("c", ptr(msg(router.KindReply, 2))); err != nil {
		t.Errorf("Send a->c 20ms after its cut = %v, want nil (not yet noticed)", err)
	}
	w.RunUntil(90 * time.Millisecond)
	if err := a.Transport().Send("c", ptr(msg(router.KindReply, 3))); !errors.Is(err, router.ErrUnreachable) {
		t.Errorf("Send a->c 50ms after its cut = %v, want ErrUnreachable", err)
	}
}

// TestCrashDetect: until a crashed host has been down for DetectAfter, sends to it are
// lost silently (orphans); from then on they fail at once with router.ErrUnreachable,
// and nothing is sent. A restart makes it reachable again, and a second crash is
// unnoticed for DetectAfter again, counted from the new crash. A paused host is never
// noticed.
func TestCrashDetect(t *testing.T) {
	const detect = 100 * time.Millisecond
	cfg := config(1, time.Millisecond, 0)
	cfg.DetectAfter = detect
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	b, _ := addHost(t, n, "b")
	c, rc := addHost(t, n, "c")
	at(w, 10*time.Millisecond, b.Crash)
	at(w, 300*time.Millisecond, b.Restart)
	at(w, 400*time.Millisecond, b.Crash)
	at(w, 10*time.Millisecond, c.Pause)
	sendsAt(t, w, []timedSend{
		{name: "at the crash", at: 10 * time.Millisecond, from: a, to: "b"},
		{name: "just before detection", at: 10*time.Millisecond + detect - 1, from: a, to: "b"},
		{name: "at detection", at: 10*time.Millisecond + detect, from: a, to: "b", unreach: true},
		{name: "later", at: 250 * time.Millisecond, from: a, to: "b", unreach: true},
		{name: "restarted", at: 350 * time.Millisecond, from: a, to: "b"},
		{name: "crashed again", at: 450 * time.Millisecond, from: a, to: "b"},
		{name: "crashed again, noticed", at: 500 * time.Millisecond, from: a, to: "b", unreach: true},
		{name: "paused long", at: 500 * time.Millisecond, from: a, to: "c"},
	})
	// Sent: the two before detection and the one after the second crash (orphans on
	// arrival), the one to the restarted host (handed) and the one to the paused host
	// (parked).
	want := netmodel.Stats{Sent: 5, Handed: 1, Orphans: 3, Unreachable: 3, Paused: 1}
	if diff := cmp.Diff(want, n.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if len(rc.got) != 0 {
		t.Errorf("the paused host was handed %d messages", len(rc.got))
	}
}

// TestPauseDetect: a host paused for PauseDetectAfter is noticed: sends to it fail fast
// from then until it resumes. What reached it before stays parked, and is handed to it
// when it resumes; after the resume, sends reach it again. A paused host that another
// host's pause notices nothing of (PauseDetectAfter 0) is TestCrashDetect's "paused
// long".
func TestPauseDetect(t *testing.T) {
	const detect = 100 * time.Millisecond
	cfg := config(1, time.Millisecond, 0)
	cfg.PauseDetectAfter = detect
	w, n := newNet(t, 1, cfg)
	a, _ := addHost(t, n, "a")
	b, rb := addHost(t, n, "b")
	at(w, 10*time.Millisecond, b.Pause)
	at(w, 300*time.Millisecond, b.Resume)
	sendsAt(t, w, []timedSend{
		{name: "at the pause", at: 10 * time.Millisecond, from: a, to: "b"},
		{name: "just before detection", at: 10*time.Millisecond + detect - 1, from: a, to: "b"},
		{name: "at detection", at: 10*time.Millisecond + detect, from: a, to: "b", unreach: true},
		{name: "later", at: 250 * time.Millisecond, from: a, to: "b", unreach: true},
		{name: "resumed", at: 300 * time.Millisecond, from: a, to: "b"},
	})
	want := netmodel.Stats{Sent: 3, Handed: 3, Unreachable: 2, Paused: 2}
	if diff := cmp.Diff(want, n.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if len(rb.got) != 3 {
		t.Errorf("b was handed %d messages, want the 2 parked and the 1 after its resume", len(rb.got))
	}
	if err := (netmodel.Config{Routers: 1, PauseDetectAfter: -1}).Validate(); !errors.Is(err, netmodel.ErrBadConfig) {
		t.Errorf("a negative PauseDetectAfter: %v, want ErrBadConfig", err)
	}
}

// timedSend is a send made at a virtual time, and whether it must fail as
// unreachable (else succeed).
type timedSend struct {
	name    string
	at      time.Duration
	from    *netmodel.Host
	to      router.NodeID
	unreach bool
}

// sendsAt makes each send at its time, runs w for a second, and checks each outcome.
func sendsAt(t *testing.T, w *sim.World, sends []timedSend) {
	t.Helper()
	errs := map[string]error{}
	for _, s := range sends {
		at(w, s.at, func() { errs[s.name] = s.from.Transport().Send(s.to, ptr(msg(router.KindReply, 1))) })
	}
	w.RunUntil(time.Second)
	for _, s := range sends {
		t.Run(s.name, func(t *testing.T) {
			err := errs[s.name]
			if s.unreach != errors.Is(err, router.ErrUnreachable) || (!s.unreach && err != nil) {
				t.Errorf("Send at %v = %v, want unreachable %v", s.at, err, s.unreach)
			}
		})
	}
}
