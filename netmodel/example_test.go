package netmodel_test

import (
	"fmt"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// printer is a Receiver that prints what its host hands it.
type printer struct{ h *netmodel.Host }

func (p printer) Deliver(m *router.Message, arrived time.Duration) {
	fmt.Printf("%v %s got %q, arrived %v\n", p.h.Now(), p.h.ID(), m.String(), arrived)
}

func (p printer) Fire(t router.Timer) { fmt.Printf("%v %s timer %s\n", p.h.Now(), p.h.ID(), t) }

// Two hosts on a link with a constant 2ms latency: a sends b a reply, which is handed
// to b's receiver on arrival; a's own timer fires on a's clock. In a real world the
// receivers are router.Nodes built with each host's Clock, Transport and Rand.
func Example() {
	w := sim.New(sim.Config{Seed: 1})
	net, err := netmodel.New(w, netmodel.Config{
		Routers: 1,
		Service: netmodel.Const(100 * time.Microsecond),
		Link:    netmodel.Link{Latency: netmodel.Const(2 * time.Millisecond)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, _ := net.AddHost("a")
	b, _ := net.AddHost("b")
	a.Attach(printer{a})
	b.Attach(printer{b})

	call := router.CallID{Node: "b", Incarnation: 1, Seq: 1}
	err = a.Transport().Send("b", &router.Message{Kind: router.KindReply, From: "a", Call: call, Result: []byte("pong")})
	fmt.Println("send:", err)
	a.Clock().After(5*time.Millisecond, router.Timer{Kind: router.TimerCall, Call: call})

	w.Run()
	st := net.Stats()
	fmt.Printf("sent %d, handed %d, lost %d\n", st.Sent, st.Handed, st.Lost)
	// Output:
	// send: <nil>
	// 2ms b got "reply a ok \"pong\" call=b.1.1 hops=0", arrived 2ms
	// 5ms a timer deadline b.1.1
	// sent 1, handed 1, lost 0
}

// A partition goes unnoticed for DetectAfter: sends across it are lost silently, and
// after that they fail at once with router.ErrUnreachable.
func ExampleNet_Partition() {
	w := sim.New(sim.Config{})
	net, _ := netmodel.New(w, netmodel.Config{
		Routers:     1,
		Service:     netmodel.Const(0),
		Link:        netmodel.Link{Latency: netmodel.Const(time.Millisecond)},
		DetectAfter: 50 * time.Millisecond,
	})
	a, _ := net.AddHost("a")
	net.AddHost("b")
	gossip := router.Message{Kind: router.KindGossip, From: "a"}

	net.Partition([]router.NodeID{"a"}, []router.NodeID{"b"}, netmodel.InFlightDrop)
	fmt.Println("at once:", a.Transport().Send("b", &gossip))
	w.RunUntil(50 * time.Millisecond)
	fmt.Println("after 50ms:", a.Transport().Send("b", &gossip))
	net.Heal()
	fmt.Println("healed:", a.Transport().Send("b", &gossip))
	w.Run()
	st := net.Stats()
	fmt.Printf("sent %d, handed %d, lost %d, unreachable %d\n", st.Sent, st.Handed, st.Lost, st.Unreachable)
	// Output:
	// at once: <nil>
	// after 50ms: router: node unreachable
	// healed: <nil>
	// sent 2, handed 1, lost 1, unreachable 1
}

// A partition in stall mode holds the messages caught in flight at the cut, and Heal
// delivers them, in order, instead of losing them.
func ExampleInFlight() {
	w := sim.New(sim.Config{})
	net, _ := netmodel.New(w, netmodel.Config{
		Routers:     1,
		Service:     netmodel.Const(0),
		Link:        netmodel.Link{Latency: netmodel.Const(10 * time.Millisecond)},
		DetectAfter: time.Second,
	})
	a, _ := net.AddHost("a")
	b, _ := net.AddHost("b")
	b.Attach(printer{b})
	for _, ev := range []string{"one", "two"} {
		peer := router.PeerRef{Ensemble: "e", Name: "p1", Node: "b"}
		a.Transport().Send("b", &router.Message{Kind: router.KindPeer, From: "a", Peer: peer, Event: []byte(ev), Budget: time.Second})
	}
	w.RunUntil(5 * time.Millisecond)
	net.Partition([]router.NodeID{"a"}, []router.NodeID{"b"}, netmodel.InFlightStall)
	w.RunUntil(50 * time.Millisecond)
	fmt.Println("parked at the cut:", net.Parked())
	net.Heal()
	w.Run()
	// Output:
	// parked at the cut: 2
	// 50ms b got "peer a peer=e/p1@b ev=\"one\" budget=1s hops=0", arrived 50ms
	// 50ms b got "peer a peer=e/p1@b ev=\"two\" budget=1s hops=0", arrived 50ms
}

// Rules pick messages out by kind, ensemble, call or link and drop, delay or
// duplicate them. Here only the first reply after a gossip message is dropped.
func ExampleNet_AddRule() {
	w := sim.New(sim.Config{})
	net, _ := netmodel.New(w, netmodel.Config{
		Routers: 1,
		Service: netmodel.Const(0),
		Link:    netmodel.Link{Latency: netmodel.Const(time.Millisecond)},
	})
	a, _ := net.AddHost("a")
	b, _ := net.AddHost("b")
	b.Attach(printer{b})
	_, err := net.AddRule(netmodel.Rule{
		Name:   "lose the reply after gossip",
		Match:  netmodel.Match{Kind: router.KindReply},
		Action: netmodel.ActDrop,
		Count:  1,
		After:  &netmodel.Match{Kind: router.KindGossip},
	})
	fmt.Println("add:", err)
	for i, k := range []router.Kind{router.KindReply, router.KindGossip, router.KindReply, router.KindReply} {
		call := router.CallID{Node: "b", Incarnation: 1, Seq: uint64(i)}
		a.Transport().Send("b", &router.Message{Kind: k, From: "a", Call: call})
	}
	w.Run()
	fmt.Println("rules applied:", net.Stats().RulesApplied)
	// Output:
	// add: <nil>
	// 1ms b got "reply a ok \"\" call=b.1.0 hops=0", arrived 1ms
	// 1ms b got "gossip a", arrived 1ms
	// 1ms b got "reply a ok \"\" call=b.1.3 hops=0", arrived 1ms
	// rules applied: 1
}

// A paused host runs nothing: its timers wait and arrivals are parked. Resume fires
// the timers that came due, late, and hands over the arrivals; which go first is
// drawn from the world's seed (here the arrival).
func ExampleHost_Pause() {
	w := sim.New(sim.Config{})
	net, _ := netmodel.New(w, netmodel.Config{
		Routers: 1,
		Service: netmodel.Const(0),
		Link:    netmodel.Link{Latency: netmodel.Const(time.Millisecond)},
	})
	a, _ := net.AddHost("a")
	b, _ := net.AddHost("b")
	b.Attach(printer{b})
	b.Clock().After(3*time.Millisecond, router.Timer{Kind: router.TimerWorker})
	b.Pause()
	a.Transport().Send("b", &router.Message{Kind: router.KindGossip, From: "a"})
	w.RunUntil(10 * time.Millisecond)
	b.Resume()
	fmt.Println("paused for", b.PausedTotal())
	// Output:
	// 10ms b got "gossip a", arrived 1ms
	// 10ms b timer worker -
	// paused for 10ms
}

// Each host has its own clock: an offset, a constant drift and a periodic wander, and
// NTP-like steps. Timers run on it: this one, 10% fast, fires after 1s of its own time,
// 0.909s of virtual time, at the first nanosecond its clock reaches the deadline.
func ExampleHost_SetClock() {
	w := sim.New(sim.Config{})
	net, _ := netmodel.New(w, netmodel.Config{
		Routers: 1,
		Service: netmodel.Const(0),
		Link:    netmodel.Link{Latency: netmodel.Const(time.Millisecond)},
	})
	h, _ := net.AddHost("fast")
	h.SetClock(netmodel.ClockModel{Offset: netmodel.Duration(time.Hour), DriftPPM: 100000})
	h.Attach(printer{h})
	h.Clock().After(time.Second, router.Timer{Kind: router.TimerWorker})
	w.Run()
	fmt.Println("virtual time:", w.Now())
	h.StepClock(-time.Minute)
	fmt.Println("after a step back:", h.Now())
	// Output:
	// 1h0m1.000000001s fast timer worker -
	// virtual time: 909.09091ms
	// after a step back: 59m1.000000001s
}
