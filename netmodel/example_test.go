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

func (p printer) Deliver(m router.Message, arrived time.Duration) {
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
	err = a.Transport().Send("b", router.Message{Kind: router.KindReply, From: "a", Call: call, Result: []byte("pong")})
	fmt.Println("send:", err)
	a.Clock().After(5*time.Millisecond, router.Timer{Kind: router.TimerCall, Call: call})

	w.Run()
	fmt.Printf("%+v\n", net.Stats())
	// Output:
	// send: <nil>
	// 2ms b got "reply a ok \"pong\" call=b.1.1 hops=0", arrived 2ms
	// 5ms a timer deadline b.1.1
	// {Sent:1 Handed:1 Lost:0 Orphans:0 Unreachable:0}
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

	net.Partition([]router.NodeID{"a"}, []router.NodeID{"b"})
	fmt.Println("at once:", a.Transport().Send("b", gossip))
	w.RunUntil(50 * time.Millisecond)
	fmt.Println("after 50ms:", a.Transport().Send("b", gossip))
	net.Heal()
	fmt.Println("healed:", a.Transport().Send("b", gossip))
	w.Run()
	fmt.Printf("%+v\n", net.Stats())
	// Output:
	// at once: <nil>
	// after 50ms: router: node unreachable
	// healed: <nil>
	// {Sent:2 Handed:1 Lost:1 Orphans:0 Unreachable:1}
}
