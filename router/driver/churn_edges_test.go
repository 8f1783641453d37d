package driver_test

// Three nodes embedded as README's "Embedding the router in your own program" says,
// hammered from many goroutines at once while peers, leaders and credentials change
// and one node stops (gracefully and abruptly) and starts again as a new incarnation.
// In a synctest bubble over net.Pipe, so that time is exact: every call must end by
// its deadline, not by it and some slack.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

var (
	churnIDs       = []router.NodeID{"n1", "n2", "n3"}
	churnEnsembles = []router.EnsembleID{"e1", "e2", "e3"}
	churnSecrets   = [][]byte{[]byte("churn-secret-a"), []byte("churn-secret-b")}
)

// churnNode is one life of a node: its transport and driver.
type churnNode struct {
	tr *nettransport.Transport
	n  *driver.Node
}

// churnWorld is the cluster: the current life of each node, which Dial and the
// hammering goroutines look up.
type churnWorld struct {
	t       *testing.T
	sem     router.Semantics
	mu      sync.Mutex
	cur     map[router.NodeID]*churnNode
	version atomic.Uint64
	secret  atomic.Int32
	later   sync.WaitGroup // the goroutines of peers that answer later
	errs    chan string
	// outcomes counts the calls by outcome, and restarts the lives of n3 after its
	// first: what the run covered, for its log.
	outcomes sync.Map // string -> *atomic.Int64
	restarts atomic.Int64
}

func (w *churnWorld) count(err error) {
	key := "ok"
	if err != nil {
		key = err.Error()
	}
	c, _ := w.outcomes.LoadOrStore(key, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
}

func (w *churnWorld) node(id router.NodeID) *churnNode {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur[id]
}

func (w *churnWorld) fail(format string, args ...any) {
	select {
	case w.errs <- fmt.Sprintf(format, args...):
	default:
	}
}

// peer answers by the event's first byte: r at once, l later from a goroutine of its
// own, n with a nack, s never, f by forwarding to the leader its node knows. Its
// answer names it, so that a caller can tell who answered.
func (w *churnWorld) peer(id router.NodeID) driver.Peer {
	return driver.PeerFunc(func(r *driver.Request) {
		answer := []byte(r.Peer().String())
		switch r.Event()[0] {
		case 'l':
			w.later.Add(1)
			d := time.Duration(rand.IntN(20)) * time.Millisecond
			go func() {
				defer w.later.Done()
				time.Sleep(d)
				r.Reply(answer)
			}()
		case 'n':
			r.Nack()
		case 's':
		case 'f':
			if e, ok := w.node(id).n.Lookup(r.Peer().Ensemble); ok && !e.Leader.IsZero() {
				r.Forward(e.Leader)
			} else {
				r.Nack()
			}
		default:
			r.Reply(answer)
		}
	})
}

// pipeLatency is what a write over the bubble's pipes takes. Without it a message
// costs no time, and a riak request passed back and forth for ever between two nodes
// that name each other leader (riak has no hop limit) froze the bubble's clock: no
// deadline fired, no gossip came to settle the leader, and the test hung until go
// test's limit. On a network the loop costs time, and the gossip ends it.
const pipeLatency = 50 * time.Microsecond

// latentConn is one end of a pipe whose writes take pipeLatency.
type latentConn struct{ net.Conn }

func (c latentConn) Write(b []byte) (int, error) {
	time.Sleep(pipeLatency)
	return c.Conn.Write(b)
}

// start starts a new life of node id, as README's embedding section does: a
// transport and a driver that take their incarnation from the clock, its peers, and
// a connection to every other member.
func (w *churnWorld) start(id router.NodeID) *churnNode {
	peers := map[router.NodeID]string{}
	for _, m := range churnIDs {
		peers[m] = string(m) // the whole cluster's map: the node's own entry is skipped
	}
	s := w.secret.Load()
	tr, err := nettransport.New(nettransport.Config{ID: id, Cluster: "churn", Secret: churnSecrets[s],
		AcceptSecrets: [][]byte{churnSecrets[1-s]}, Peers: peers, Logger: quiet,
		Dial: func(_ context.Context, addr string) (net.Conn, error) {
			to := w.node(router.NodeID(addr))
			if to == nil {
				return nil, fmt.Errorf("no node at %s", addr)
			}
			c1, c2 := net.Pipe()
			to.tr.Accept(latentConn{c2})
			return latentConn{c1}, nil
		}})
	if err != nil {
		panic(fmt.Sprintf("starting %s: %v", id, err)) // also on the restarting goroutine, where t.Fatal must not be called
	}
	n, err := driver.New(driver.Config{ID: id, Transport: tr, Semantics: w.sem, Members: churnIDs,
		Routers: 2, Shards: 2, GossipInterval: 50 * time.Millisecond, Logger: quiet})
	if err != nil {
		panic(fmt.Sprintf("starting %s: %v", id, err)) // also on the restarting goroutine, where t.Fatal must not be called
	}
	tr.Attach(n)
	for _, e := range churnEnsembles {
		if err := n.AddPeer(router.PeerRef{Ensemble: e, Name: "p", Node: id}, w.peer(id)); err != nil {
			panic(fmt.Sprintf("starting %s: %v", id, err)) // also on the restarting goroutine, where t.Fatal must not be called
		}
	}
	life := &churnNode{tr: tr, n: n}
	w.mu.Lock()
	w.cur[id] = life
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for _, m := range churnIDs {
		if m != id {
			_ = tr.Connect(ctx, m) // the dial loop keeps trying if this fails
		}
	}
	return life
}

// stop ends a life: README's graceful sequence, or abruptly.
func (w *churnWorld) stop(life *churnNode, graceful bool) {
	if !graceful {
		_ = life.tr.Close()
		_ = life.n.Close()
		return
	}
	_ = life.tr.Goodbye(context.Background())
	_ = life.n.Close()
	time.Sleep(30 * time.Millisecond) // the peers that answer later do so now
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = life.tr.Flush(ctx)
	_ = life.tr.Close()
}

// churnErrors are the outcomes documented for a call, besides its answer.
var churnErrors = []error{router.ErrTimeout, router.ErrNoLeader, router.ErrNotLeader, router.ErrUnreachable,
	router.ErrHopLimit, router.ErrOverloaded, driver.ErrClosed, context.Canceled}

func documented(err error) bool {
	for _, e := range churnErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return err == nil
}

// call makes one call or cast from a random node, to a random ensemble or peer, with
// a short or a long deadline, and checks its outcome and when it came.
func (w *churnWorld) call() {
	from := w.node(churnIDs[rand.IntN(len(churnIDs))]).n
	e := churnEnsembles[rand.IntN(len(churnEnsembles))]
	target := router.ToEnsemble(e)
	if rand.IntN(2) == 0 {
		target = router.ToPeer(router.PeerRef{Ensemble: e, Name: "p", Node: churnIDs[rand.IntN(len(churnIDs))]})
	}
	event := []byte{"rrrlllnsff"[rand.IntN(10)]}
	d := time.Duration(1+rand.IntN(20)) * time.Millisecond
	if rand.IntN(3) == 0 {
		d = time.Duration(100+rand.IntN(400)) * time.Millisecond
	}
	start := time.Now()
	var res router.Result
	var err error
	switch rand.IntN(4) {
	case 0:
		if err := from.Cast(target, event); !documented(err) {
			w.fail("a cast to %v: %v, not a documented error", target, err)
		}
		return
	case 1:
		res, err = from.CallTimeout(context.Background(), target, event, d)
	case 2:
		ctx, cancel := context.WithTimeout(context.Background(), d)
		res, err = from.Call(ctx, target, event)
		cancel()
	case 3:
		ctx, cancel := context.WithTimeout(context.Background(), d)
		ctx, cancelNow := context.WithCancel(ctx)
		stop := time.AfterFunc(d/2, cancelNow)
		res, err = from.Call(ctx, target, event)
		stop.Stop()
		cancelNow()
		cancel()
	}
	w.count(err)
	if took := time.Since(start); took > d {
		w.fail("a call to %v (%q) with a deadline of %v took %v: %v", target, event, d, took, err)
	}
	if !documented(err) || err != res.Err {
		w.fail("a call to %v (%q): %v (Result.Err %v), not a documented error", target, event, err, res.Err)
	}
	if err != nil {
		return
	}
	switch by := string(res.Value); {
	case event[0] == 's':
		w.fail("a call to %v answered %q by a peer that never answers", target, by)
	case !target.Peer.IsZero() && by != target.Peer.String():
		w.fail("a call to %v answered by %s", target, by)
	case target.Peer.IsZero() && !strings.HasPrefix(by, string(e)+"/"):
		w.fail("a call to ensemble %s answered by %s", e, by)
	}
}

// TestChurnUnderLoad: calls and casts from many goroutines, while others replace and
// remove peers, announce leaders, change credentials, and stop and restart n3, end
// each by its deadline with its answer or a documented error; and once every node has
// stopped, nothing they started still runs (synctest.Test waits for every goroutine
// of the bubble, and reports those that never end).
func TestChurnUnderLoad(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			// A bubble kept busy for ever never moves its clock, so churn's own
			// minute never comes: a clock outside the bubble ends such a run with
			// every goroutine's stack, not at go test's limit.
			watchdog := time.AfterFunc(churnWatchdog, func() {
				panic(fmt.Sprintf("TestChurnUnderLoad/%v: still running after %v of real time (a run takes well under a second): the bubble is kept busy without end, its clock stopped", sem, churnWatchdog))
			})
			defer watchdog.Stop()
			synctest.Test(t, func(t *testing.T) { churn(t, sem) })
		})
	}
}

// churnWatchdog is how long a run of churn may take in real time.
const churnWatchdog = 2 * time.Minute

func churn(t *testing.T, sem router.Semantics) {
	w := &churnWorld{t: t, sem: sem, cur: map[router.NodeID]*churnNode{}, errs: make(chan string, 20)}
	for _, id := range churnIDs {
		w.start(id)
	}
	for _, e := range churnEnsembles {
		entry := router.Entry{Ensemble: e, Leader: router.PeerRef{Ensemble: e, Name: "p", Node: "n1"}, Version: w.version.Add(1)}
		for _, id := range churnIDs {
			w.node(id).n.Learn(entry)
		}
	}
	done := make(chan struct{})
	var callers, churners sync.WaitGroup
	for range 8 {
		callers.Go(func() {
			for range 150 {
				w.call()
			}
		})
	}
	churners.Go(func() { // peers added, replaced and removed
		for {
			select {
			case <-done:
				return
			case <-time.After(3 * time.Millisecond):
			}
			id := churnIDs[rand.IntN(len(churnIDs))]
			n := w.node(id).n
			ref := router.PeerRef{Ensemble: churnEnsembles[rand.IntN(len(churnEnsembles))], Name: "p", Node: id}
			if rand.IntN(2) == 0 {
				n.RemovePeer(ref)
			}
			if err := n.AddPeer(ref, w.peer(id)); err != nil && !errors.Is(err, driver.ErrClosed) {
				w.fail("AddPeer(%v): %v", ref, err)
			}
		}
	})
	churners.Go(func() { // leaders announced on one node, or learned by all
		for {
			select {
			case <-done:
				return
			case <-time.After(7 * time.Millisecond):
			}
			e := churnEnsembles[rand.IntN(len(churnEnsembles))]
			entry := router.Entry{Ensemble: e, Leader: router.PeerRef{Ensemble: e, Name: "p", Node: churnIDs[rand.IntN(len(churnIDs))]}, Version: w.version.Add(1)}
			if rand.IntN(2) == 0 {
				w.node(churnIDs[rand.IntN(len(churnIDs))]).n.Announce(entry)
				continue
			}
			for _, id := range churnIDs {
				w.node(id).n.Learn(entry)
			}
		}
	})
	churners.Go(func() { // the secret proved with, changed on every node in turn
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			s := 1 - w.secret.Load()
			w.secret.Store(s)
			for _, id := range churnIDs {
				c := nettransport.Credentials{Secret: churnSecrets[s], AcceptSecrets: [][]byte{churnSecrets[1-s]}}
				if err := w.node(id).tr.SetCredentials(c); err != nil {
					w.fail("SetCredentials: %v", err)
				}
			}
		}
	})
	churners.Go(func() { // n3 stops and starts again, gracefully and abruptly in turn
		for k := 0; ; k++ {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(20+rand.IntN(60)) * time.Millisecond):
			}
			w.stop(w.node("n3"), k%2 == 0)
			w.start("n3")
			w.restarts.Add(1)
		}
	})
	finished := make(chan struct{})
	go func() {
		callers.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(time.Minute):
		// The heartbeats keep the bubble's clock going: a call that never returns
		// would hang the test, not deadlock it. Stopped, the nodes leave it blocked
		// alone, and synctest.Test reports it with its stack.
		t.Error("calls still waiting a minute after they began, all with deadlines under a second")
	}
	close(done)
	churners.Wait()
	for _, id := range churnIDs {
		w.stop(w.node(id), true)
	}
	w.later.Wait()
	var seen []string
	w.outcomes.Range(func(k, v any) bool {
		seen = append(seen, fmt.Sprintf("%s: %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	slices.Sort(seen)
	t.Logf("n3 restarted %d times; calls by outcome: %s", w.restarts.Load(), strings.Join(seen, ", "))
	close(w.errs)
	for msg := range w.errs {
		t.Error(msg)
	}
}
