package router_test

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// benchNet is the thinnest driver that can run a call between nodes: sends are
// queued, and the benchmark hands each queued message to its node at once. Time
// stands still and timers never fire (After returns the zero TimerID), so the driver
// itself allocates nothing per message.
type benchNet struct {
	nodes map[router.NodeID]*router.Node
	q     []benchMsg
	sent  uint64
}

type benchMsg struct {
	to router.NodeID
	m  router.Message
}

type benchClock struct{}

func (benchClock) Now() time.Duration                               { return 0 }
func (benchClock) After(time.Duration, router.Timer) router.TimerID { return 0 }
func (benchClock) Stop(router.TimerID)                              {}

type benchTransport struct{ net *benchNet }

func (t benchTransport) Send(to router.NodeID, m *router.Message) error {
	t.net.q = append(t.net.q, benchMsg{to, *m})
	t.net.sent++
	return nil
}

// drain hands every queued message to its node, including those sent meanwhile.
func (n *benchNet) drain() {
	for i := 0; i < len(n.q); i++ {
		bm := n.q[i]
		n.q[i] = benchMsg{}
		n.nodes[bm.to].Deliver(&bm.m, 0)
	}
	n.q = n.q[:0]
}

// newBenchNet builds nodes n1 (the caller) and n2, where e1's leader p1 lives and
// answers every event at once.
func newBenchNet(b testing.TB, sem router.Semantics) (*benchNet, *router.Node) {
	net := &benchNet{nodes: map[router.NodeID]*router.Node{}, q: make([]benchMsg, 0, 16)}
	leader := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}
	for i, id := range []router.NodeID{"n1", "n2"} {
		n, err := router.New(router.Config{
			ID: id, Incarnation: 1, Semantics: sem, Routers: 7,
			Clock: benchClock{}, Transport: benchTransport{net}, Rand: rand.New(rand.NewPCG(1, uint64(i))),
			Directory: router.NewDirectory([]router.Entry{{Ensemble: "e1", Leader: leader, Version: 1}}),
		})
		if err != nil {
			b.Fatal(err)
		}
		net.nodes[id] = n
	}
	answer := []byte("ok")
	if err := net.nodes["n2"].AddPeer(leader, router.PeerFunc(func(r *router.Request) { r.Reply(answer) })); err != nil {
		b.Fatal(err)
	}
	return net, net.nodes["n1"]
}

// BenchmarkRemoteCall measures the router core's per-message path: a call from n1
// to ensemble e1, whose leader lives on n2, routed there (one route message), handed
// to the leader's peer, and answered (one reply message) back to the waiting call.
// One iteration is one call: two messages between nodes. ns/msg and allocs/msg
// divide by the messages actually sent.
func BenchmarkRemoteCall(b *testing.B) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		b.Run(sem.String(), func(b *testing.B) {
			net, n1 := newBenchNet(b, sem)
			event := []byte("c1")
			var ok uint64
			done := func(res router.Result) {
				if res.Err == nil {
					ok++
				}
			}
			target := router.ToEnsemble("e1")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			m0 := ms.Mallocs
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n1.Call(target, event, time.Second, done); err != nil {
					b.Fatal(err)
				}
				net.drain()
			}
			runtime.ReadMemStats(&ms)
			if ok != uint64(b.N) || net.sent != 2*uint64(b.N) {
				b.Fatalf("%d calls ok of %d, %d messages sent, want 2 per call", ok, b.N, net.sent)
			}
			msgs := float64(net.sent)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/msgs, "ns/msg")
			b.ReportMetric(float64(ms.Mallocs-m0)/msgs, "allocs/msg")
			b.ReportMetric(msgs/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
