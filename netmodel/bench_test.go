package netmodel_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// countingObserver sees every message and only counts, so that it allocates nothing.
type countingObserver struct{ sent, handed int }

func (o *countingObserver) Sent(_, _ router.NodeID, _ uint64, _ *router.Message)         { o.sent++ }
func (o *countingObserver) Handed(router.NodeID, uint64, *router.Message, time.Duration) { o.handed++ }

// BenchmarkMessagePath measures the network model's per-message path as a call uses
// it: a route (queued at a router instance, served, handed over) and a reply (handed
// over at once), each sent, traced, observed and drawn a lognormal latency for, and a
// deadline timer armed on the caller's clock and stopped when the reply is in. One
// iteration is one such call: two messages. ns/msg divides by the messages handed.
func BenchmarkMessagePath(b *testing.B) {
	cfg := netmodel.Config{
		Routers: 7,
		Service: netmodel.Dist{Kind: "exponential", Min: netmodel.Duration(5 * time.Microsecond), Mean: netmodel.Duration(15 * time.Microsecond)},
		Link: netmodel.Link{Latency: netmodel.Dist{Kind: "lognormal", Min: netmodel.Duration(100 * time.Microsecond),
			Mean: netmodel.Duration(250 * time.Microsecond), Sigma: 0.6}},
		DetectAfter: 200 * time.Millisecond,
	}
	obs := &countingObserver{}
	cfg.Observer = obs
	w := sim.New(sim.Config{Seed: 1})
	n, err := netmodel.New(w, cfg)
	if err != nil {
		b.Fatal(err)
	}
	a, err := n.AddHost("n1")
	if err != nil {
		b.Fatal(err)
	}
	bh, err := n.AddHost("n2")
	if err != nil {
		b.Fatal(err)
	}
	ca, cb := &counter{}, &counter{}
	a.Attach(ca)
	bh.Attach(cb)
	ta, tb, clk := a.Transport(), bh.Transport(), a.Clock()
	route := router.Message{Kind: router.KindRoute, From: "n1", Instance: 3, Ensemble: "e1", Event: []byte("c1"), Budget: time.Second, Hops: 1}
	reply := router.Message{Kind: router.KindReply, From: "n2", Peer: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}, Result: []byte("ok"), Hops: 1}
	var seq uint64
	b.ReportAllocs()
	for b.Loop() {
		seq++
		id := router.CallID{Node: "n1", Incarnation: 1, Seq: seq}
		route.Call, reply.Call = id, id
		timer := clk.After(time.Second, router.Timer{Kind: router.TimerCall, Call: id})
		if err := ta.Send("n2", &route); err != nil {
			b.Fatal(err)
		}
		for cb.delivered < int(seq) && w.Step() {
		}
		if err := tb.Send("n1", &reply); err != nil {
			b.Fatal(err)
		}
		for ca.delivered < int(seq) && w.Step() {
		}
		clk.Stop(timer)
	}
	if ca.delivered != b.N || cb.delivered != b.N || obs.handed != 2*b.N || ca.fired != 0 {
		b.Fatalf("%d and %d delivered, %d observed, %d timers fired, want %d, %d, %d, 0",
			ca.delivered, cb.delivered, obs.handed, ca.fired, b.N, b.N, 2*b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/msg")
}
