package driver

// A call's deadline, and its start, while its shard is busy: a turn holds the shard's
// lock, as a turn descheduled there holds it on a machine with far more runnable
// goroutines than cores, until the scheduler comes back to it (100,000 callers on one
// client node: seconds).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// sentTo is a transport that hands what its node sends to the test.
type sentTo chan router.Message

func (c sentTo) Send(_ router.NodeID, m *router.Message) error {
	c <- *m
	return nil
}

// busyBound is how long a test waits for a call that must end while its shard is
// busy: a call that waits for the shard never ends in that time, since the test holds
// the shard until it ends.
const busyBound = 10 * time.Second

// oneShardNode returns a node of one shard whose calls to ensemble e1 go to its
// leader on n2, and the channel of what it sends.
func oneShardNode(t *testing.T) (*Node, sentTo) {
	t.Helper()
	return oneShardNodeOf(t, router.Default)
}

// oneShardNodeOf is oneShardNode under semantics sem.
func oneShardNodeOf(t *testing.T, sem router.Semantics) (*Node, sentTo) {
	t.Helper()
	sent := make(sentTo, 16)
	n, err := New(Config{ID: "n1", Incarnation: 1, Semantics: sem, Transport: sent, Shards: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close() })
	n.Learn(router.Entry{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}, Version: 1})
	return n, sent
}

// TestDeadlineEndsCallWhileShardBusy: a call whose deadline passes (or whose context
// is cancelled) while a turn holds its shard ends at once with router.ErrTimeout (or
// context.Canceled), before that turn is over; the deadline used to wait for the
// shard's lock behind it. The turn held is the call's reply's, taken from the
// transport before the deadline: the core, which fires the deadline once the turn is
// over, completes the call with that reply first, and Stats counts it as its caller
// saw it, a timeout and a late reply. With no reply, the core fires the deadline when
// the turn ends, and no call is left pending.
func TestDeadlineEndsCallWhileShardBusy(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, tc := range []struct {
		name string
		call func(n *Node, cancel <-chan struct{}) error
		want error
	}{
		{"CallTimeout", func(n *Node, _ <-chan struct{}) error {
			_, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), timeout)
			return err
		}, router.ErrTimeout},
		{"Call, the context's deadline", func(n *Node, _ <-chan struct{}) error {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			_, err := n.Call(ctx, router.ToEnsemble("e1"), []byte("x"))
			return err
		}, router.ErrTimeout},
		{"Call, cancelled", func(n *Node, cancelled <-chan struct{}) error {
			return callCancelledOn(n, cancelled, "x")
		}, context.Canceled},
	} {
		for _, answered := range []bool{true, false} {
			name := tc.name + ", no reply"
			if answered {
				name = tc.name + ", a reply held in its turn"
			}
			t.Run(name, func(t *testing.T) {
				n, sent := oneShardNode(t)
				cancel := make(chan struct{})
				ended := make(chan error, 1)
				go func() { ended <- tc.call(n, cancel) }()
				route := <-sent // the call has started
				s := n.shards[0]
				arrived := n.now() // its reply comes, before the deadline...
				s.lock()           // ...and its turn holds the shard
				close(cancel)
				start := time.Now()
				select {
				case err := <-ended:
					if !errors.Is(err, tc.want) {
						s.unlock()
						t.Fatalf("the call ended with %v, want %v", err, tc.want)
					}
				case <-time.After(busyBound):
					s.unlock()
					t.Fatalf("the call did not end in %v while its shard was busy", time.Since(start))
				}
				if answered {
					reply := router.Message{Kind: router.KindReply, From: "n2", Call: route.Call, Code: router.CodeOK,
						Peer: router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}, Result: []byte("v"), Hops: 1}
					s.core.Deliver(&reply, arrived)
				}
				s.unlock()
				// Read without a turn's start, which fires what the last turn left.
				s.mu.Lock()
				k := len(s.core.Pending())
				s.mu.Unlock()
				if k != 0 {
					t.Errorf("%d calls pending once the turn is over, want 0", k)
				}
				st := n.Stats()
				wantLate := uint64(0)
				if answered {
					wantLate = 1
				}
				if st.Router.Completed[router.CodeTimeout] != 1 || st.Router.Completed[router.CodeOK] != 0 || st.Router.Late != wantLate {
					t.Errorf("completed %d timeout, %d ok, %d late replies; want 1, 0 and %d, as the caller saw it",
						st.Router.Completed[router.CodeTimeout], st.Router.Completed[router.CodeOK], st.Router.Late, wantLate)
				}
				wantCancelled := uint64(0)
				if tc.want == context.Canceled {
					wantCancelled = 1
				}
				if st.Cancelled != wantCancelled {
					t.Errorf("cancelled %d, want %d", st.Cancelled, wantCancelled)
				}
			})
		}
	}
}

// TestCallWaitingOutBusyShardSendsNothing: a call whose deadline passes (or whose
// context is cancelled) while it waits for its shard to start ends when it gets the
// shard, with router.ErrTimeout (or context.Canceled), counted in Stats.Expired, and
// sends nothing: it used to send its request all the same, for an answer no caller
// would take (with 100,000 callers, most of the node's answers were late replies).
func TestCallWaitingOutBusyShardSendsNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(n *Node, ctx context.Context) error
		want error
	}{
		{"deadline", func(n *Node, ctx context.Context) error {
			_, err := n.CallTimeout(ctx, router.ToEnsemble("e1"), []byte("x"), 5*time.Millisecond)
			return err
		}, router.ErrTimeout},
		{"cancelled", func(n *Node, ctx context.Context) error {
			_, err := n.CallTimeout(ctx, router.ToEnsemble("e1"), []byte("x"), time.Minute)
			return err
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, sent := oneShardNode(t)
			waiting := make(chan struct{})
			waitsForShard = func() { close(waiting) }
			defer func() { waitsForShard = nil }()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := n.shards[0]
			s.lock() // a turn holds the shard
			ended := make(chan error, 1)
			go func() { ended <- tc.call(n, ctx) }()
			<-waiting
			if tc.want == context.Canceled {
				cancel()
			} else {
				time.Sleep(10 * time.Millisecond) // the call's 5ms pass while it waits
			}
			s.unlock()
			if err := <-ended; !errors.Is(err, tc.want) {
				t.Fatalf("the call ended with %v, want %v", err, tc.want)
			}
			if st := n.Stats(); st.Expired != 1 || st.Router.Calls != 0 || len(sent) != 0 {
				t.Fatalf("expired %d, calls started %d, messages sent %d; want 1, 0 and 0", st.Expired, st.Router.Calls, len(sent))
			}
		})
	}
}

// TestEndedCallsWaiterReachesNoLaterCall: a call that its deadline (or cancellation)
// ended while its shard was busy is still pending in its core, which completes it
// later (a reply, or the deadline fired at the next turn) through the call's waiter.
// That waiter must not serve another call meanwhile: the next call made on the
// caller's goroutine, which waits for the shard while the first call's reply is taken,
// gets its own answer, not the first call's.
func TestEndedCallsWaiterReachesNoLaterCall(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, tc := range []struct {
		name  string
		first func(n *Node, cancelled <-chan struct{}) error
	}{
		{"CallTimeout", func(n *Node, _ <-chan struct{}) error {
			_, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("first"), timeout)
			return err
		}},
		{"Call, cancelled", func(n *Node, cancelled <-chan struct{}) error {
			return callCancelledOn(n, cancelled, "first")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, sent := oneShardNode(t)
			s := n.shards[0]
			waiting := make(chan struct{}, 1)
			waitsForShard = func() { waiting <- struct{}{} }
			defer func() { waitsForShard = nil }()
			reply := func(call router.CallID, v string) router.Message {
				return router.Message{Kind: router.KindReply, From: "n2", Call: call, Code: router.CodeOK,
					Peer: router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}, Result: []byte(v), Hops: 1}
			}
			// A pooled waiter goes back to the pool of the processor its caller runs
			// on, and the next call on that goroutine takes it from there; the race
			// detector's pool drops a Put now and then: a few rounds.
			for round := range 8 {
				cancel := make(chan struct{})
				firstEnded := make(chan error, 1)
				second := make(chan router.Result, 1)
				go func() {
					firstEnded <- tc.first(n, cancel)
					ctx, stop := context.WithTimeout(context.Background(), busyBound)
					defer stop()
					res, _ := n.Call(ctx, router.ToEnsemble("e1"), []byte("second"))
					second <- res
				}()
				first := <-sent // the first call has started
				arrived := n.now()
				s.lock() // its reply's turn holds the shard
				close(cancel)
				if err := <-firstEnded; err == nil {
					s.unlock()
					t.Fatalf("round %d: the first call ended with no error, want a timeout or its context's", round)
				}
				<-waiting // the second call waits for the shard, its waiter taken
				m := reply(first.Call, "first")
				s.core.Deliver(&m, arrived)
				s.unlock()
				next := <-sent
				n.Receive(reply(next.Call, "second"))
				if res := <-second; res.Err != nil || string(res.Value) != "second" || res.Call != next.Call {
					t.Fatalf("round %d: the second call (%v) got %q from call %v, error %v; want its own answer",
						round, next.Call, res.Value, res.Call, res.Err)
				}
			}
		})
	}
}

// TestEndedCallFiredWhenShardIsFreeAlready: a call ended while its shard was busy
// whose turn ended before the call was queued for its core (fireLater) is fired in a
// turn of its own at once: the turn that held the shard found nothing queued, and no
// later turn may come while the node sits idle.
func TestEndedCallFiredWhenShardIsFreeAlready(t *testing.T) {
	n, sent := oneShardNode(t)
	ended := make(chan error, 1)
	go func() {
		_, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), busyBound)
		ended <- err
	}()
	route := <-sent
	s := n.shards[0]
	// Read without a turn's start, which would fire what is queued.
	pending := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.core.Pending())
	}
	if k := pending(); k != 1 { // and the call's turn, which sent its route, is over
		t.Fatalf("%d calls pending once the call has started, want 1", k)
	}
	s.fireLater(route.Call) // as its waiter's end does, the shard free
	if k := pending(); k != 0 {
		t.Errorf("%d calls pending once queued with the shard free, want 0", k)
	}
	if err := <-ended; !errors.Is(err, router.ErrTimeout) {
		t.Fatalf("the call ended with %v, want the timeout its core fired", err)
	}
}

// callAfterHeld makes call on a goroutine while a turn holds n's only shard, which
// it frees held after the call began to wait for it, and returns the message the
// call then sent and the channel of its result.
func callAfterHeld(t *testing.T, n *Node, sent sentTo, held time.Duration, call func() router.Result) (router.Message, <-chan router.Result) {
	t.Helper()
	waiting := make(chan struct{})
	waitsForShard = func() { close(waiting) }
	defer func() { waitsForShard = nil }()
	s := n.shards[0]
	s.lock() // a turn holds the shard
	ended := make(chan router.Result, 1)
	go func() { ended <- call() }()
	<-waiting
	time.Sleep(held)
	s.unlock()
	select {
	case route := <-sent:
		return route, ended
	case res := <-ended:
		t.Fatalf("the call ended with %q, error %v, sending nothing", res.Value, res.Err)
	}
	panic("unreachable")
}

// callCancelledOn calls e1 on n with event, under a context cancelled when cancelled
// closes (its deadline a minute away), and returns the call's error.
func callCancelledOn(n *Node, cancelled <-chan struct{}, event string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		<-cancelled
		cancel()
	}()
	_, err := n.Call(ctx, router.ToEnsemble("e1"), []byte(event))
	return err
}

// TestCallThatWaitedForShardSendsWhatIsLeft: a call that waited for its busy shard
// starts with what is left of its timeout: the budget it sends its leader is the time
// its caller will still wait (it sent the whole timeout, and the leader worked on for
// as long as the call had waited after its caller gave up), and its deadline is where
// it was, its timeout after it began: a reply then is late. A call with no deadline
// sends none after its wait either. Under riak the budget is the whole timeout, as the
// original's leader hop restarts the clock: it sent what was left (700ms of a 1s
// timeout held 300ms), where the semantics, and the core, which charges no wait under
// riak, give the leader hop the caller's timeout.
func TestCallThatWaitedForShardSendsWhatIsLeft(t *testing.T) {
	const timeout, held = time.Second, 300 * time.Millisecond
	callTimeout := func(n *Node) router.Result {
		res, _ := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), timeout)
		return res
	}
	for _, tc := range []struct {
		name       string
		sem        router.Semantics
		call       func(n *Node) router.Result
		wantBudget func(router.Message) bool
		want       string
		deadline   bool // the call has one: a reply past it times the call out
	}{
		{"CallTimeout", router.Default, callTimeout,
			func(m router.Message) bool { return m.Budget > 0 && m.Budget <= timeout-held },
			"a budget in (0, " + (timeout - held).String() + "]", true},
		{"CallTimeout, riak", router.Riak, callTimeout,
			func(m router.Message) bool { return m.Budget == timeout },
			"the whole timeout, " + timeout.String() + ", as the original's leader hop restarts the clock", true},
		{"Call, no deadline", router.Default, func(n *Node) router.Result {
			// A call with no deadline targets a peer: an ensemble call needs one.
			res, _ := n.Call(context.Background(), router.ToPeer(router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}), []byte("x"))
			return res
		}, func(m router.Message) bool { return m.Budget == router.Infinity }, "no budget (Infinity)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, sent := oneShardNodeOf(t, tc.sem)
			var began time.Duration
			afterClockRead = func() { began = n.now() } // no earlier than the call's start
			defer func() { afterClockRead = nil }()
			s := n.shards[0]
			route, ended := callAfterHeld(t, n, sent, held, func() router.Result { return tc.call(n) })
			if !tc.wantBudget(route) {
				t.Errorf("the call that waited %v or more sent a budget of %v, want %s", held, route.Budget, tc.want)
			}
			if !tc.deadline {
				n.Receive(router.Message{Kind: router.KindReply, From: "n2", Call: route.Call, Code: router.CodeOK,
					Peer: router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}, Result: []byte("v"), Hops: 1})
				if res := <-ended; res.Err != nil {
					t.Fatalf("the call with no deadline ended with %v, want its answer", res.Err)
				}
				return
			}
			reply := router.Message{Kind: router.KindReply, From: "n2", Call: route.Call, Code: router.CodeOK,
				Peer: router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}, Result: []byte("v"), Hops: 1}
			past := began + timeout + 1 // past the deadline, start+timeout, by 1ns or more
			s.lock()
			s.pin(past) // the core's clock too has passed it
			s.core.Deliver(&reply, past)
			s.unpin()
			s.unlock()
			if res := <-ended; !errors.Is(res.Err, router.ErrTimeout) {
				t.Fatalf("a reply at the call's timeout after it began gave %q, error %v; want a timeout: the deadline moved", res.Value, res.Err)
			}
		})
	}
}

// TestCallThatWaitedForShardKeepsItsDeadline: a call that waited for its busy shard
// keeps the deadline its caller gave it, not an earlier one: a reply that comes by
// then is its answer, and CallTimeout's timer fires no sooner, under either semantics.
// Its core's clock, pinned at the start of its turn, and its timer both count what is
// left of its timeout from the end of the wait; counted from the call's start, either
// brought the deadline forward by as long as the call had waited (nothing else
// showed it: TestCallThatWaitedForShardSendsWhatIsLeft's reply comes after the
// deadline, which a deadline too early times out as well).
func TestCallThatWaitedForShardKeepsItsDeadline(t *testing.T) {
	const held = 100 * time.Millisecond
	// Each kind of call sets *dl to an instant no later than its deadline, on the
	// node's clock, before it calls.
	kinds := []struct {
		name string
		call func(n *Node, timeout time.Duration, dl *time.Duration) router.Result
	}{
		{"CallTimeout", func(n *Node, timeout time.Duration, dl *time.Duration) router.Result {
			*dl = n.now() + timeout // the call starts later, and its deadline with it
			res, _ := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), timeout)
			return res
		}},
		{"Call, the context's deadline", func(n *Node, timeout time.Duration, dl *time.Duration) router.Result {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			d, _ := ctx.Deadline()
			*dl = d.Sub(n.epoch)
			res, _ := n.Call(ctx, router.ToEnsemble("e1"), []byte("x"))
			return res
		}},
		{"CallTimeout, the context's deadline first", func(n *Node, timeout time.Duration, dl *time.Duration) router.Result {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			d, _ := ctx.Deadline()
			*dl = d.Sub(n.epoch)
			res, _ := n.CallTimeout(ctx, router.ToEnsemble("e1"), []byte("x"), 2*timeout)
			return res
		}},
	}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		for _, kind := range kinds {
			for _, answered := range []bool{true, false} {
				name := kind.name + ", " + sem.String() + ", no reply"
				// A reply comes at the deadline: the call waits that long only when
				// none comes.
				timeout := 400 * time.Millisecond
				if answered {
					name = kind.name + ", " + sem.String() + ", a reply at the deadline"
					timeout = time.Minute
				}
				t.Run(name, func(t *testing.T) {
					n, sent := oneShardNodeOf(t, sem)
					s := n.shards[0]
					var dl time.Duration
					route, ended := callAfterHeld(t, n, sent, held, func() router.Result { return kind.call(n, timeout, &dl) })
					if !answered {
						res := <-ended
						now := n.now()
						if !errors.Is(res.Err, router.ErrTimeout) {
							t.Fatalf("with no reply, the call ended with %q, error %v; want router.ErrTimeout", res.Value, res.Err)
						}
						if now < dl {
							t.Fatalf("with no reply, the call timed out %v before its deadline: the deadline came early", dl-now)
						}
						return
					}
					reply := router.Message{Kind: router.KindReply, From: "n2", Call: route.Call, Code: router.CodeOK,
						Peer: router.PeerRef{Ensemble: "e1", Name: "p2", Node: "n2"}, Result: []byte("v"), Hops: 1}
					s.lock()
					s.pin(dl) // the core's clock reads the deadline too
					s.core.Deliver(&reply, dl)
					s.unpin()
					s.unlock()
					if res := <-ended; res.Err != nil || string(res.Value) != "v" {
						t.Fatalf("a reply by the call's deadline gave %q, error %v; want its answer: the deadline came early", res.Value, res.Err)
					}
				})
			}
		}
	}
}

// TestBusyShardLeavesCallsToTheOthers: a call or cast whose shard is busy starts on
// another that is free: it used to wait for the busy one, as long as the turn holding
// it kept it (a turn descheduled with the lock held: seconds with 100,000 callers),
// while the other shards sat idle.
func TestBusyShardLeavesCallsToTheOthers(t *testing.T) {
	n, err := New(Config{ID: "n1", Incarnation: 1, Transport: make(sentTo, 1), Shards: 4, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	waited := make(chan struct{}, 1)
	waitsForShard = func() {
		select {
		case waited <- struct{}{}:
		default:
		}
	}
	defer func() { waitsForShard = nil }()
	busy := n.shards[0]
	busy.lock() // a turn holds one shard; the other three are free
	held := true
	defer func() {
		if held {
			busy.unlock()
		}
	}()
	done := make(chan error, 1)
	go func() {
		// 64 each: the shard a call picks is drawn at random, and all 64 missing the
		// busy one is a chance of (3/4)^64, about 1e-8.
		for range 64 {
			// No leader is known: a call ends in its own turn.
			if _, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), time.Minute); !errors.Is(err, router.ErrNoLeader) {
				done <- fmt.Errorf("a call ended with %v, want %v", err, router.ErrNoLeader)
				return
			}
			if err := n.Cast(router.ToEnsemble("e1"), []byte("x")); err != nil {
				done <- fmt.Errorf("a cast returned %v, want nil", err)
				return
			}
		}
		done <- nil
	}()
	select {
	case err = <-done:
	case <-waited:
		t.Errorf("a call waited for the busy shard while three others were free")
	case <-time.After(busyBound):
		t.Errorf("the calls and casts did not end in %v while one shard of four was busy", busyBound)
	}
	busy.unlock()
	held = false
	if t.Failed() {
		err = <-done // the rest of them, the shard free
	}
	if err != nil {
		t.Fatal(err)
	}
	st := n.Stats()
	if st.Router.Calls != 64 {
		t.Errorf("%d calls started, want 64", st.Router.Calls)
	}
}
