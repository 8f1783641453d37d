package netmodel_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// tb is what the helpers need from a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// got is one message a recorder was handed.
type got struct {
	At      time.Duration // the host's clock when the message was handed
	Kind    router.Kind
	Tag     uint64        // the message's Call.Seq, which tests use as a label
	Arrived time.Duration // what the host passed as arrived
}

// fired is one timer a recorder was handed.
type fired struct {
	At    time.Duration
	Timer router.Timer
}

// recorder is a fake Receiver: it records what it is handed and when.
type recorder struct {
	h     *netmodel.Host
	got   []got
	fired []fired
	// log has one line per delivery ("msg 3") and timer ("timer 7") in the order they
	// came, for tests about the order between the two.
	log []string
	// onDeliver, if set, runs after a delivery is recorded; onFire after a timer is.
	onDeliver func(m router.Message)
	onFire    func()
}

func (r *recorder) Deliver(m *router.Message, arrived time.Duration) {
	r.got = append(r.got, got{At: r.h.Now(), Kind: m.Kind, Tag: m.Call.Seq, Arrived: arrived})
	r.log = append(r.log, fmt.Sprintf("%v msg %d", r.h.Now(), m.Call.Seq))
	if r.onDeliver != nil {
		r.onDeliver(*m)
	}
}

func (r *recorder) Fire(t router.Timer) {
	r.fired = append(r.fired, fired{At: r.h.Now(), Timer: t})
	r.log = append(r.log, fmt.Sprintf("%v timer %d", r.h.Now(), t.Worker))
	if r.onFire != nil {
		r.onFire()
	}
}

// tags returns the labels of the messages r got, in order.
func (r *recorder) tags() []uint64 {
	out := []uint64{}
	for _, g := range r.got {
		out = append(out, g.Tag)
	}
	return out
}

var _ netmodel.Receiver = (*recorder)(nil)

// config returns a network config with constant latency and service time.
func config(routers int, latency, service time.Duration) netmodel.Config {
	return netmodel.Config{
		Routers: routers,
		Service: netmodel.Const(service),
		Link:    netmodel.Link{Latency: netmodel.Const(latency)},
	}
}

// newNet builds a network on a fresh world with the given seed.
func newNet(t tb, seed uint64, cfg netmodel.Config) (*sim.World, *netmodel.Net) {
	t.Helper()
	w := sim.New(sim.Config{Seed: seed})
	n, err := netmodel.New(w, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w, n
}

// newTracedNet is newNet with the trace kept, for tests that read records.
func newTracedNet(t tb, seed uint64, cfg netmodel.Config) (*sim.World, *netmodel.Net) {
	t.Helper()
	w := sim.New(sim.Config{Seed: seed, KeepTrace: true})
	n, err := netmodel.New(w, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w, n
}

// records returns the trace records of the given kinds, each as its time.Duration and
// sim.Record.String without the time column, with runs of spaces folded to one.
func records(w *sim.World, kinds ...string) []string {
	out := []string{}
	for _, r := range w.Trace() {
		for _, k := range kinds {
			if r.Kind == k {
				out = append(out, fmt.Sprintf("%v %s", r.At, strings.Join(strings.Fields(r.String()[12:]), " ")))
				break
			}
		}
	}
	return out
}

// timer returns a worker timer labelled tag: recorders log the label.
func timer(tag uint64) router.Timer { return router.Timer{Kind: router.TimerWorker, Worker: tag} }

// ids is shorthand for a list of node ids.
func ids(s ...router.NodeID) []router.NodeID { return s }

// addHost adds a host with a recorder attached.
func addHost(t tb, n *netmodel.Net, id router.NodeID) (*netmodel.Host, *recorder) {
	t.Helper()
	h, err := n.AddHost(id)
	if err != nil {
		t.Fatalf("AddHost(%s): %v", id, err)
	}
	r := &recorder{h: h}
	h.Attach(r)
	return h, r
}

// msg returns a message of kind k labelled tag, for router instance 0.
func msg(k router.Kind, tag uint64) router.Message {
	return router.Message{Kind: k, From: "a", Call: router.CallID{Node: "a", Incarnation: 1, Seq: tag}}
}

// ptr returns a pointer to a copy of m, for Transport.Send.
func ptr(m router.Message) *router.Message { return &m }

// mustSend sends and fails the test on an error.
func mustSend(t tb, tr router.Transport, to router.NodeID, m router.Message) {
	t.Helper()
	if err := tr.Send(to, &m); err != nil {
		t.Fatalf("Send(%s, %s): %v", to, m, err)
	}
}

// at runs fn at virtual time d; tests use it to act in the middle of a run.
func at(w *sim.World, d time.Duration, fn func()) { w.Schedule(d, fn) }
