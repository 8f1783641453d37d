package nettransport_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
	"github.com/ensroute/ensroute/router/transporttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var secret = []byte("test-cluster-secret")

// recorder is a Receiver that keeps what it was handed and wakes waiters.
type recorder struct {
	mu   sync.Mutex
	got  []router.Message
	up   map[router.NodeID]router.Incarnation
	note chan struct{}
	// stalled, while not nil, holds Receive until it is closed (stall).
	stalled chan struct{}
}

func newRecorder() *recorder {
	return &recorder{up: map[router.NodeID]router.Incarnation{}, note: make(chan struct{}, 1)}
}

func (r *recorder) Receive(m router.Message) {
	r.mu.Lock()
	stalled := r.stalled
	r.mu.Unlock()
	if stalled != nil {
		<-stalled
	}
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
	r.poke()
}

// stall holds every Receive until release is called: the connection's reader waits
// in it, and reads nothing more meanwhile.
func (r *recorder) stall() (release func()) {
	ch := make(chan struct{})
	r.mu.Lock()
	r.stalled = ch
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			r.stalled = nil
			r.mu.Unlock()
			close(ch)
		})
	}
}

func (r *recorder) PeerUp(id router.NodeID, inc router.Incarnation) {
	r.mu.Lock()
	r.up[id] = inc
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) PeerDown(id router.NodeID) {
	r.mu.Lock()
	delete(r.up, id)
	r.mu.Unlock()
	r.poke()
}

// isUp reports whether id was announced up and not down since.
func (r *recorder) isUp(id router.NodeID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, up := r.up[id]
	return up
}

func (r *recorder) poke() {
	select {
	case r.note <- struct{}{}:
	default:
	}
}

func (r *recorder) messages() []router.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]router.Message(nil), r.got...)
}

// syncBuffer is a log sink tests can read while transports write to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// await waits until cond holds, polling on every recorder note and every 5ms, for at
// most 10s of real time.
func await(cond func() bool, recs ...*recorder) bool {
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		var note chan struct{}
		if len(recs) > 0 {
			note = recs[0].note
		}
		select {
		case <-tick.C:
		case <-note:
		}
	}
	return true
}

// tcpHarness runs transporttest's contract over real TCP on loopback.
type tcpHarness struct {
	t     *testing.T
	ids   []router.NodeID
	addrs map[router.NodeID]string
	trs   []*nettransport.Transport
	recs  []*recorder
	inc   router.Incarnation
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newTCPHarness(t *testing.T) *tcpHarness {
	h := &tcpHarness{t: t, addrs: map[router.NodeID]string{}}
	var ls []net.Listener
	for i := range transporttest.Nodes {
		id := router.NodeID([]string{"n1", "n2", "n3"}[i])
		l := listen(t)
		h.ids = append(h.ids, id)
		h.addrs[id] = l.Addr().String()
		ls = append(ls, l)
	}
	for i := range h.ids {
		h.trs = append(h.trs, nil)
		h.recs = append(h.recs, nil)
		h.start(i, ls[i])
	}
	t.Cleanup(func() {
		for _, tr := range h.trs {
			_ = tr.Close()
		}
	})
	return h
}

func (h *tcpHarness) start(i int, l net.Listener) {
	h.inc++
	tr, err := nettransport.New(nettransport.Config{
		ID: h.ids[i], Incarnation: h.inc, Cluster: "test", Secret: secret, Peers: h.addrs,
		Logger: slog.New(slog.DiscardHandler), BackoffMin: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		// A writer blocked on a stalled node (Stall) gives up on it after this: long
		// enough for the contract to fill its queue on a loaded machine.
		HeartbeatTimeout: 30 * time.Second,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	rec := newRecorder()
	tr.Attach(rec)
	go func() { _ = tr.Serve(l) }()
	h.trs[i], h.recs[i] = tr, rec
}

func (h *tcpHarness) ID(i int) router.NodeID           { return h.ids[i] }
func (h *tcpHarness) Transport(i int) router.Transport { return h.trs[i] }
func (h *tcpHarness) Received(i int) []router.Message  { return h.recs[i].messages() }

func (h *tcpHarness) Connect(i, j int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.trs[i].Connect(ctx, h.ids[j]); err != nil {
		h.t.Fatal(err)
	}
}

func (h *tcpHarness) Await(cond func() bool) bool { return await(cond, h.recs...) }

// Isolate crashes node i: its transport closes, and with it its connections.
func (h *tcpHarness) Isolate(i int) { _ = h.trs[i].Close() }

// Close closes node i's transport (transporttest.Closer).
func (h *tcpHarness) Close(i int) { _ = h.trs[i].Close() }

// Stall holds node i's receiver (transporttest.Overloader): its readers stop reading,
// the sockets fill, and then its senders' queues. The release is also the test's
// cleanup, before the transports close: Close waits for the readers.
func (h *tcpHarness) Stall(i int) (release func()) {
	release = h.recs[i].stall()
	h.t.Cleanup(release)
	return release
}

// Rejoin restarts node i at the same address, as a new incarnation.
func (h *tcpHarness) Rejoin(i int) {
	l, err := net.Listen("tcp", h.addrs[h.ids[i]])
	if err != nil {
		h.t.Fatal(err)
	}
	h.start(i, l)
}

func TestContract(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) transporttest.Harness { return newTCPHarness(t) })
}
