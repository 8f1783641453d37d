package driver_test

// Node.Stop, the graceful stop in one call: over loopback TCP with nettransport
// under a load of calls from another node it loses no request, as the four calls in
// the order of "Wiring and stopping" lose none, where the driver's Close before the
// goodbye loses some; it lets the peers answer what they hold; it keeps its bound;
// it runs once; and over a transport without Goodbye, Flush or Close it stops the
// driver alone.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// nettransport's Transport has the methods Stop looks for.
var _ interface {
	Goodbye(context.Context) error
	Flush(context.Context) error
	Close() error
} = (*nettransport.Transport)(nil)

// loadTimeout is the deadline of each call of the load: a call that takes half of it
// waited for an answer that never came.
const loadTimeout = 2 * time.Second

// loadOutcome counts the calls of a load by how they ended.
type loadOutcome struct {
	answered int // the leader's answer
	refused  int // failed at once: the leader's node had said goodbye, or was gone
	lost     []string
}

// stopUnderCallLoad runs callers on n1 calling e1, led on n2, until n2 has been
// stopped by stop and every call has ended. A call is lost when it was shed
// (ErrOverloaded) or waited out its deadline: a request that could have been served,
// or at least refused at once.
func stopUnderCallLoad(t *testing.T, sem router.Semantics, stop func(c *cluster, n2 *driver.Node)) loadOutcome {
	t.Helper()
	c := newCluster(t, true)
	edit := func(cfg *driver.Config) { cfg.Semantics = sem }
	n1, n2 := c.add("n1", edit), c.add("n2", edit)
	c.connect("n1", "n2")
	c.leads(ref("e1", "n2"), 1)
	const callers = 16
	var (
		mu     sync.Mutex
		out    loadOutcome
		wg     sync.WaitGroup
		halt   atomic.Bool
		served atomic.Int64
	)
	for range callers {
		wg.Go(func() {
			for !halt.Load() {
				start := time.Now()
				res, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), loadTimeout)
				took := time.Since(start)
				mu.Lock()
				switch {
				case err == nil && string(res.Value) == "x@p-n2":
					out.answered++
					served.Add(1)
				case errors.Is(err, router.ErrOverloaded) || took >= loadTimeout/2:
					out.lost = append(out.lost, fmt.Sprintf("%v after %v", err, took.Round(time.Millisecond)))
				case err != nil:
					out.refused++
				default:
					out.lost = append(out.lost, "a wrong answer: "+string(res.Value))
				}
				mu.Unlock()
			}
		})
	}
	// The load is flowing before the stop.
	deadline := time.Now().Add(10 * time.Second)
	for served.Load() < 300 {
		if time.Now().After(deadline) {
			halt.Store(true)
			wg.Wait()
			t.Fatalf("the load never got going: %d answered", served.Load())
		}
		time.Sleep(time.Millisecond)
	}
	stop(c, n2)
	halt.Store(true)
	wg.Wait()
	return out
}

// fourCalls is the stop of "Wiring and stopping" written out.
func fourCalls(c *cluster, n2 *driver.Node) {
	tr := c.trs["n2"]
	_ = tr.Goodbye(context.Background())
	_ = n2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = tr.Flush(ctx)
	_ = tr.Close()
}

// TestStopLosesNoRequestUnderLoad: n2 stops while n1's callers call its leader as
// fast as they can, over loopback TCP. Stop loses no call, as the four calls in order
// lose none; the driver's Close before the goodbye sheds the routes still on their
// way, so the count of lost calls does see a stop in the wrong order.
func TestStopLosesNoRequestUnderLoad(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		for _, tc := range []struct {
			name     string
			stop     func(c *cluster, n2 *driver.Node)
			wantLoss bool
		}{
			{name: "Stop", stop: func(c *cluster, n2 *driver.Node) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := n2.Stop(ctx, nil); err != nil {
					t.Errorf("Stop: %v", err)
				}
				if !c.trs["n2"].Closed() {
					t.Error("Stop left the transport open")
				}
			}},
			{name: "four calls in order", stop: fourCalls},
			{name: "driver Close before the goodbye", wantLoss: true, stop: func(c *cluster, n2 *driver.Node) {
				_ = n2.Close()
				// Routes on their way arrive at a closed driver until the goodbye.
				deadline := time.Now().Add(5 * time.Second)
				for n2.Stats().Shed == 0 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				tr := c.trs["n2"]
				_ = tr.Goodbye(context.Background())
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_ = tr.Flush(ctx)
				_ = tr.Close()
			}},
		} {
			t.Run(sem.String()+"/"+tc.name, func(t *testing.T) {
				out := stopUnderCallLoad(t, sem, tc.stop)
				t.Logf("%d answered, %d refused at once, %d lost", out.answered, out.refused, len(out.lost))
				switch {
				case tc.wantLoss && len(out.lost) == 0:
					t.Errorf("no call lost: the count of lost calls does not see a stop in the wrong order")
				case !tc.wantLoss && len(out.lost) > 0:
					t.Errorf("%d calls lost, e.g. %v", len(out.lost), out.lost[:min(3, len(out.lost))])
				}
			})
		}
	}
}

// TestStopHeldAnswersGoOut: a peer that holds requests to answer later answers them
// in Stop's held, which comes after the driver's Close (no request can be handed to
// a peer any more) and before the transport's Flush and Close: the callers on
// another node get the answers, not their deadlines.
func TestStopHeldAnswersGoOut(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			c := newCluster(t, true)
			edit := func(cfg *driver.Config) { cfg.Semantics = sem }
			n1, n2 := c.add("n1", edit), c.add("n2", edit)
			c.connect("n1", "n2")
			c.leads(ref("e1", "n2"), 1)
			const calls = 4
			held := make(chan *driver.Request, calls)
			if err := n2.AddPeer(ref("e1", "n2"), driver.PeerFunc(func(r *driver.Request) { held <- r })); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, calls)
			for range calls {
				go func() {
					res, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), 5*time.Second)
					if err == nil && string(res.Value) != "held answer" {
						err = errors.New("the answer " + string(res.Value))
					}
					done <- err
				}()
			}
			var holding []*driver.Request
			for range calls {
				holding = append(holding, <-held)
			}
			tr := c.trs["n2"]
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			hooked := 0
			err := n2.Stop(ctx, func(ctx context.Context) {
				hooked++
				if err := n2.AddPeer(ref("e2", "n2"), echo()); !errors.Is(err, driver.ErrClosed) {
					t.Errorf("AddPeer in held: %v; want ErrClosed (held before the driver's Close)", err)
				}
				if tr.Closed() {
					t.Error("the transport is closed in held: its answers would be lost")
				}
				for _, r := range holding {
					r.Reply([]byte("held answer"))
				}
			})
			if err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if hooked != 1 {
				t.Fatalf("held ran %d times, want once", hooked)
			}
			for range calls {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("a held call: %v; want the answer given in held", err)
					}
				case <-time.After(3 * time.Second):
					t.Fatal("a caller still waits 3s after Stop: the answer given in held was lost")
				}
			}
		})
	}
}

// TestStopBoundedByContext: a peer whose Handle never ends holds up the driver's
// Close; Stop gives up on it when ctx ends, says so (an error matching
// context.DeadlineExceeded), gives held the ended ctx, and still closes the
// transport. A later Close waits for the router instances as usual.
func TestStopBoundedByContext(t *testing.T) {
	c := newCluster(t, true)
	n1, n2 := c.add("n1", nil), c.add("n2", nil)
	c.connect("n1", "n2")
	c.leads(ref("e1", "n2"), 1)
	release := make(chan struct{})
	in := make(chan struct{}, 8)
	if err := n2.AddPeer(ref("e1", "n2"), driver.PeerFunc(func(r *driver.Request) {
		in <- struct{}{}
		<-release
		r.Reply(nil)
	})); err != nil {
		t.Fatal(err)
	}
	called := make(chan struct{})
	go func() {
		defer close(called)
		_, _ = n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), time.Second)
	}()
	<-in
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	var heldErr error
	err := n2.Stop(ctx, func(ctx context.Context) { heldErr = ctx.Err() })
	took := time.Since(start)
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop past its bound: %v; want an error matching context.DeadlineExceeded", err)
	}
	if heldErr == nil {
		t.Error("held was given a ctx not done, though Stop's bound had passed")
	}
	if !c.trs["n2"].Closed() {
		t.Error("the transport is open after a Stop that ran out of time")
	}
	// The bound, and the transport's own CloseLinger (1s), and some slack.
	if took > 3*time.Second {
		t.Errorf("Stop took %v past a 200ms bound", took)
	}
	if err := n2.Close(); err != nil {
		t.Fatal(err)
	}
	<-called
}

// TestStopOnce: a Stop while another runs does not run the stop again (held runs
// once); it waits for the first and returns its result, or its own ctx's error
// first, without waiting for the first any longer. A Stop after Close still stops the
// transport, and says the node was closed first (ErrClosed): the routes that arrived
// meanwhile were shed.
func TestStopOnce(t *testing.T) {
	c := newCluster(t, true)
	n1, n2 := c.add("n1", nil), c.add("n2", nil)
	c.connect("n1", "n2")
	var hooked atomic.Int32
	inHeld, release := make(chan struct{}), make(chan struct{})
	held := func(context.Context) {
		if hooked.Add(1) == 1 {
			close(inHeld)
			<-release
		}
	}
	first := make(chan error, 1)
	go func() { first <- n2.Stop(context.Background(), held) }()
	<-inHeld
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := n2.Stop(ctx, held); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a Stop whose ctx ends while the first runs: %v; want its ctx's error", err)
	}
	second := make(chan error, 1)
	go func() { second <- n2.Stop(context.Background(), held) }()
	close(release)
	if e1, e2 := <-first, <-second; e1 != nil || e2 != nil {
		t.Errorf("two Stops: %v, %v; want nil twice", e1, e2)
	}
	if got := hooked.Load(); got != 1 {
		t.Errorf("held ran %d times for three Stops, want once", got)
	}
	if !c.trs["n2"].Closed() {
		t.Error("the transport is open after Stop")
	}

	if err := n1.Close(); err != nil {
		t.Fatal(err)
	}
	err := n1.Stop(context.Background(), nil)
	if !errors.Is(err, driver.ErrClosed) {
		t.Errorf("Stop after Close: %v; want an error matching ErrClosed", err)
	}
	if !c.trs["n1"].Closed() {
		t.Error("Stop after Close left the transport open")
	}
}

// TestStopNilContext: a nil ctx is refused, and the node still runs.
func TestStopNilContext(t *testing.T) {
	n, err := driver.New(driver.Config{ID: "n1", Transport: alone{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	//lint:ignore SA1012 a nil context on purpose
	if err := n.Stop(nil, nil); !errors.Is(err, driver.ErrNilContext) {
		t.Fatalf("Stop(nil): %v, want ErrNilContext", err)
	}
	if err := n.AddPeer(router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}, echo()); err != nil {
		t.Fatalf("AddPeer after a refused Stop: %v; the node should still run", err)
	}
}

// closingLink is a channel transport with a Close (and no Goodbye or Flush) that
// notes when it is called.
type closingLink struct {
	*chanNode
	closedAt *[]string
}

func (l closingLink) Close() error {
	*l.closedAt = append(*l.closedAt, "transport closed")
	l.close()
	return nil
}

// TestStopOwnTransport: over a transport of the program's own with no Goodbye or
// Flush, Stop closes the driver, lets held answer what the peer holds (its caller on
// the other node gets the answer), and closes the transport if it has a Close, after
// held; with no Close, the transport is the program's to close.
func TestStopOwnTransport(t *testing.T) {
	for _, withClose := range []bool{false, true} {
		name := "no methods"
		if withClose {
			name = "Close only"
		}
		t.Run(name, func(t *testing.T) {
			net := newChanNet()
			var steps []string
			var nodes []*driver.Node
			var links []*chanNode
			for _, id := range []router.NodeID{"n1", "n2"} {
				var node *driver.Node
				ready := make(chan struct{})
				link := net.add(id, func(m router.Message) { <-ready; node.Receive(m) })
				var tr router.Transport = link
				if withClose && id == "n2" {
					tr = closingLink{link, &steps}
				}
				n, err := driver.New(driver.Config{ID: id, Transport: tr, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				node = n
				t.Cleanup(func() { _ = n.Close(); link.close() })
				close(ready)
				nodes, links = append(nodes, n), append(links, link)
			}
			leader := router.PeerRef{Ensemble: "e", Name: "p2", Node: "n2"}
			held := make(chan *driver.Request, 1)
			if err := nodes[1].AddPeer(leader, driver.PeerFunc(func(r *driver.Request) { held <- r })); err != nil {
				t.Fatal(err)
			}
			for _, n := range nodes {
				n.Learn(router.Entry{Ensemble: "e", Leader: leader, Version: 1})
			}
			done := make(chan error, 1)
			go func() {
				res, err := nodes[0].CallTimeout(context.Background(), router.ToEnsemble("e"), []byte("x"), 5*time.Second)
				if err == nil && string(res.Value) != "held answer" {
					err = errors.New("the answer " + string(res.Value))
				}
				done <- err
			}()
			r := <-held
			err := nodes[1].Stop(context.Background(), func(context.Context) {
				if err := nodes[1].AddPeer(leader, echo()); !errors.Is(err, driver.ErrClosed) {
					t.Errorf("AddPeer in held: %v; want ErrClosed (held after the driver's Close)", err)
				}
				steps = append(steps, "held")
				r.Reply([]byte("held answer"))
				// The answer is queued; the channel transport delivers it while open.
				select {
				case err := <-done:
					done <- err
				case <-time.After(5 * time.Second):
				}
			})
			if err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if err := <-done; err != nil {
				t.Fatalf("the held call: %v; want the answer given in held", err)
			}
			want := []string{"held"}
			if withClose {
				want = append(want, "transport closed")
			}
			if !slices.Equal(steps, want) {
				t.Errorf("steps %v, want %v", steps, want)
			}
			sendErr := links[1].Send("n1", &router.Message{Kind: router.KindGossip, From: "n2"})
			if withClose && sendErr != router.ErrUnreachable {
				t.Errorf("a send after Stop closed the transport: %v, want ErrUnreachable", sendErr)
			}
			if !withClose && sendErr != nil {
				t.Errorf("a send after Stop over a transport with no Close: %v; Stop closed what it could not", sendErr)
			}
		})
	}
}
