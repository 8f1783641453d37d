package netmodel_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/transporttest"
	"github.com/ensroute/ensroute/sim"
)

// TestTransportContract: the simulated network keeps the same transport contract as
// the TCP transport (router/transporttest).
func TestTransportContract(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) transporttest.Harness {
		w := sim.New(sim.Config{Seed: 1})
		n, err := netmodel.New(w, netmodel.Config{
			Routers: transporttest.Routers,
			Service: netmodel.Const(10 * time.Microsecond),
			Link:    netmodel.Link{Latency: netmodel.Const(200 * time.Microsecond)},
		})
		if err != nil {
			t.Fatal(err)
		}
		h := &simHarness{w: w, net: n}
		for i := range transporttest.Nodes {
			host, err := n.AddHost(router.NodeID([]string{"n1", "n2", "n3"}[i]))
			if err != nil {
				t.Fatal(err)
			}
			rec := &contractRecorder{}
			host.Attach(rec)
			h.hosts = append(h.hosts, host)
			h.recs = append(h.recs, rec)
		}
		return h
	})
}

type contractRecorder struct{ got []router.Message }

func (r *contractRecorder) Deliver(m *router.Message, _ time.Duration) { r.got = append(r.got, *m) }
func (r *contractRecorder) Fire(router.Timer)                          {}

type simHarness struct {
	w     *sim.World
	net   *netmodel.Net
	hosts []*netmodel.Host
	recs  []*contractRecorder
}

func (h *simHarness) ID(i int) router.NodeID           { return h.hosts[i].ID() }
func (h *simHarness) Transport(i int) router.Transport { return h.hosts[i].Transport() }
func (h *simHarness) Received(i int) []router.Message  { return h.recs[i].got }
func (h *simHarness) Connect(int, int)                 {}
func (h *simHarness) Rejoin(int)                       { h.net.Heal() }

// Isolate partitions node i from the others; DetectAfter is zero, so senders notice
// at once.
func (h *simHarness) Isolate(i int) {
	var others []router.NodeID
	for j, host := range h.hosts {
		if j != i {
			others = append(others, host.ID())
		}
	}
	h.net.Partition([]router.NodeID{h.hosts[i].ID()}, others, netmodel.InFlightDrop)
}

// Await runs the simulation one event at a time until cond holds or nothing is left
// to run.
func (h *simHarness) Await(cond func() bool) bool {
	for range 1_000_000 {
		if cond() {
			return true
		}
		if !h.w.Step() {
			return cond()
		}
	}
	return false
}
