package driver_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestCallTimeoutDeadline: CallTimeout's own deadline ends a call that gets no answer
// exactly at the timeout, with ErrTimeout; the answer that comes later is late. The
// same caller's next calls (whose waiter may be the one that timed out) succeed.
func TestCallTimeoutDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, _ := c.leaderOnN2(driver.PeerFunc(func(r *driver.Request) {
			if string(r.Event()) == "slow" {
				time.AfterFunc(300*time.Millisecond, func() { r.Reply([]byte("late")) })
				return
			}
			r.Reply(r.Event())
		}))
		start := time.Now()
		res, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("slow"), 100*time.Millisecond)
		if !errors.Is(err, router.ErrTimeout) || res.Err != err {
			t.Fatalf("err = %v (result %v), want ErrTimeout", err, res.Err)
		}
		if took := time.Since(start); took != 100*time.Millisecond {
			t.Fatalf("returned after %v, want exactly the 100ms timeout", took)
		}
		for i := range 3 {
			ev := fmt.Sprint("fast ", i)
			res, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte(ev), time.Second)
			if err != nil || string(res.Value) != ev {
				t.Fatalf("call after a timeout: %q, %v; want %q", res.Value, err, ev)
			}
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if st := n1.Stats().Router; st.Late != 1 || st.Completed[router.CodeTimeout] != 1 || st.Completed[router.CodeOK] != 3 {
			t.Fatalf("late=%d timeouts=%d ok=%d, want 1, 1 and 3", st.Late, st.Completed[router.CodeTimeout], st.Completed[router.CodeOK])
		}
	})
}

// TestCallTimeoutContext: the context's deadline wins when it is earlier, and its
// cancellation ends the call with context.Canceled, counted in Stats.Cancelled.
func TestCallTimeoutContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", nil)
		_ = n1.AddPeer(ref("e1", "n1"), driver.PeerFunc(func(*driver.Request) {}))
		n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})

		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		_, err := n1.CallTimeout(ctx, router.ToEnsemble("e1"), []byte("x"), time.Second)
		cancel()
		if !errors.Is(err, router.ErrTimeout) || time.Since(start) != 50*time.Millisecond {
			t.Fatalf("err %v after %v, want ErrTimeout after the context's 50ms", err, time.Since(start))
		}

		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		start = time.Now()
		_, err = n1.CallTimeout(ctx, router.ToEnsemble("e1"), []byte("x"), time.Second)
		if !errors.Is(err, context.Canceled) || time.Since(start) != 10*time.Millisecond {
			t.Fatalf("err %v after %v, want context.Canceled after 10ms", err, time.Since(start))
		}
		// The core ended both as timeouts; the cancelled one is counted apart.
		if st := n1.Stats(); st.Router.Completed[router.CodeTimeout] != 2 || st.Cancelled != 1 {
			t.Fatalf("timeouts completed %d, cancelled %d; want 2 (one of them cancelled), 1", st.Router.Completed[router.CodeTimeout], st.Cancelled)
		}
	})
}

// TestCallTimeoutReuse: over loopback TCP, many callers make calls whose answers come
// just before or just after their timeouts, so that waiters are reused right after
// their timers fired or were stopped. Each call gets its own answer or ErrTimeout,
// never another call's answer, never a timeout before its deadline, and the node
// completes every call exactly once (run it with -race).
func TestCallTimeoutReuse(t *testing.T) {
	c := newCluster(t, true)
	n1, _ := c.leaderOnN2(driver.PeerFunc(func(r *driver.Request) {
		if rand.IntN(2) == 0 {
			r.Reply(r.Event())
			return
		}
		time.AfterFunc(time.Duration(rand.IntN(3000))*time.Microsecond, func() { r.Reply(r.Event()) })
	}))
	const workers, per, timeout = 16, 150, time.Millisecond
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				ev := fmt.Sprintf("%d/%d", w, i)
				start := time.Now()
				res, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte(ev), timeout)
				took := time.Since(start)
				switch {
				case errors.Is(err, router.ErrTimeout) && took < timeout:
					errs <- fmt.Errorf("call %s timed out after %v, before its %v deadline", ev, took, timeout)
					return
				case err == nil && string(res.Value) != ev:
					errs <- fmt.Errorf("call %s got the answer %q", ev, res.Value)
					return
				case err != nil && !errors.Is(err, router.ErrTimeout):
					errs <- fmt.Errorf("call %s: %w", ev, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// A call that waited out its deadline for a busy shard never started (Expired).
	all := n1.Stats()
	st := all.Router
	if done := st.Completed[router.CodeOK] + st.Completed[router.CodeTimeout]; done != st.Calls || st.Calls+all.Expired != workers*per {
		t.Fatalf("%d calls and %d expired before they started, %d completed (ok %d, timeout %d), want %d calls in all, each started one completed",
			st.Calls, all.Expired, done, st.Completed[router.CodeOK], st.Completed[router.CodeTimeout], workers*per)
	}
	if st.Completed[router.CodeTimeout] == 0 || st.Completed[router.CodeOK] == 0 {
		t.Fatalf("ok %d, timeout %d: the test needs both", st.Completed[router.CodeOK], st.Completed[router.CodeTimeout])
	}
}

// TestCallTimeoutAfterClose: a CallTimeout waiting with a context that is never done
// still ends at its timeout when the node is closed meanwhile (Close: calls still
// waiting end by their deadlines).
func TestCallTimeoutAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", nil)
		_ = n1.AddPeer(ref("e1", "n1"), driver.PeerFunc(func(*driver.Request) {})) // never answers
		n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
		time.AfterFunc(10*time.Millisecond, func() { _ = n1.Close() })
		start := time.Now()
		_, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), 100*time.Millisecond)
		if !errors.Is(err, router.ErrTimeout) || time.Since(start) != 100*time.Millisecond {
			t.Fatalf("err %v after %v, want ErrTimeout after the 100ms timeout", err, time.Since(start))
		}
	})
}

// passedContext is a context whose deadline, an hour away when asked, has passed by
// the time its error is asked: the deadline passing between the two looks.
type passedContext struct{ context.Context }

func (passedContext) Deadline() (time.Time, bool) { return time.Now().Add(time.Hour), true }
func (passedContext) Err() error                  { return context.DeadlineExceeded }

// TestExpiredCalls: a call whose deadline has passed, or whose context is done, when
// it starts ends at once without reaching a router core: not in Router.Completed, but
// in Expired, so that every call is counted once. Its error is ErrTimeout whichever
// look at the context found the deadline passed, context.Canceled for a context
// cancelled before.
func TestExpiredCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1 := c.add("n1", nil)
		_ = n1.AddPeer(ref("e1", "n1"), driver.PeerFunc(func(r *driver.Request) { r.Reply(r.Event()) }))
		n1.Learn(router.Entry{Ensemble: "e1", Leader: ref("e1", "n1"), Version: 1})
		passed, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		time.Sleep(2 * time.Millisecond)
		cancelled, cancel2 := context.WithCancel(context.Background())
		cancel2()
		for i, tc := range []struct {
			name string
			call func() error
			want error
		}{
			{name: "deadline passed", call: func() error {
				_, err := n1.Call(passed, router.ToEnsemble("e1"), []byte("x"))
				return err
			}, want: router.ErrTimeout},
			{name: "deadline passed between the looks", call: func() error {
				_, err := n1.Call(passedContext{context.Background()}, router.ToEnsemble("e1"), []byte("x"))
				return err
			}, want: router.ErrTimeout},
			{name: "cancelled", call: func() error {
				_, err := n1.Call(cancelled, router.ToEnsemble("e1"), []byte("x"))
				return err
			}, want: context.Canceled},
		} {
			err := tc.call()
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
			}
			st := n1.Stats()
			var completed uint64
			for _, n := range st.Router.Completed {
				completed += n
			}
			if st.Expired != uint64(i+1) || completed != 0 {
				t.Fatalf("%s: expired %d, completed %d; want %d and 0", tc.name, st.Expired, completed, i+1)
			}
		}
		// A timeout that is not positive is a mistake, not an expiry: it is neither
		// counted as one nor reported as a timeout, whatever the target.
		for _, d := range []time.Duration{0, -time.Second} {
			for _, tg := range []router.Target{router.ToEnsemble("e1"), {}} {
				if _, err := n1.CallTimeout(context.Background(), tg, []byte("x"), d); !errors.Is(err, router.ErrBadTimeout) || errors.Is(err, router.ErrTimeout) {
					t.Fatalf("CallTimeout(%v, %v): %v, want router.ErrBadTimeout", tg, d, err)
				}
			}
		}
		if _, err := n1.Call(context.Background(), router.ToPeer(ref("e1", "n1")), []byte("y")); err != nil {
			t.Fatal(err)
		}
		if st := n1.Stats(); st.Expired != 3 || st.Router.Completed[router.CodeOK] != 1 {
			t.Fatalf("after a call that ran: expired %d, ok %d; want 3 and 1", st.Expired, st.Router.Completed[router.CodeOK])
		}
	})
}

// unwatchedContext has a deadline but is never done: the caller's goroutine never
// fires the deadline itself, as when a reply reaches the node in the moment between
// the deadline and that goroutine's turn.
type unwatchedContext struct {
	context.Context
	deadline time.Time
}

func (c unwatchedContext) Deadline() (time.Time, bool) { return c.deadline, true }

// TestReplyAfterDeadlineTimesOut: a reply that reaches the caller's node after the
// call's deadline, before the caller's goroutine has fired it, times the call out
// (router.ErrTimeout) and is counted late; one that comes before the deadline completes
// the call. The node reads the clock as a reply comes, over a real transport.
func TestReplyAfterDeadlineTimesOut(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration // when the leader answers, from the call's start
		want  error
	}{
		{name: "before", after: 99 * time.Millisecond},
		{name: "after", after: 101 * time.Millisecond, want: router.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCluster(t, false)
				n1 := c.add("n1", nil)
				n2 := c.add("n2", nil)
				c.connect("n1", "n2")
				leader := ref("e1", "n2")
				_ = n2.AddPeer(leader, driver.PeerFunc(func(r *driver.Request) {
					time.AfterFunc(tc.after, func() { r.Reply([]byte("v")) })
				}))
				for _, n := range []*driver.Node{n1, n2} {
					n.Learn(router.Entry{Ensemble: "e1", Leader: leader, Version: 1})
				}
				ctx := unwatchedContext{context.Background(), time.Now().Add(100 * time.Millisecond)}
				res, err := n1.Call(ctx, router.ToEnsemble("e1"), []byte("x"))
				if tc.want == nil && (err != nil || string(res.Value) != "v") {
					t.Fatalf("got %+v, %v; want the value", res, err)
				}
				if tc.want != nil && (!errors.Is(err, tc.want) || res.Value != nil) {
					t.Fatalf("got %+v, %v; want %v", res, err, tc.want)
				}
				late := uint64(0)
				if tc.want != nil {
					late = 1
				}
				if got := n1.Stats().Router.Late; got != late {
					t.Fatalf("%d late replies, want %d", got, late)
				}
			})
		})
	}
}

// TestCallTimeoutSpentAtOnce: calls whose timeout has passed by the time their timer
// is armed (1ns), to a peer that never answers, each end with ErrTimeout, many at
// once and one after another, so that waiters are reused with their timers just
// fired. A waiter must name its call before its timer can fire: one whose timer fired
// the call it served before would leave the new call waiting for ever, its context
// never done (the check is that every call returns at all; the bound is generous).
// Reordering the two in waiter.arm fails it in every run seen, at 160,000 calls.
func TestCallTimeoutSpentAtOnce(t *testing.T) {
	c := newCluster(t, false)
	n1 := c.add("n1", nil)
	c.leads(ref("e1", "n1"), 1)
	_ = n1.AddPeer(ref("e1", "n1"), driver.PeerFunc(func(*driver.Request) {})) // never answers
	const workers, per = 8, 20000
	done := make(chan error, workers)
	for range workers {
		go func() {
			for range per {
				if _, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), time.Nanosecond); !errors.Is(err, router.ErrTimeout) {
					done <- fmt.Errorf("a call with a spent timeout: %v, want ErrTimeout", err)
					return
				}
			}
			done <- nil
		}()
	}
	bound := time.After(30 * time.Second)
	for range workers {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-bound:
			t.Fatal("calls with a spent timeout still waiting after 30s: a waiter's timer fired another call than its own")
		}
	}
}

// TestCallDeadlineIsTheContexts: a call's deadline is its context's, however long
// passes between the call's read of the clock and its read of the deadline (a
// goroutine descheduled there). The core's deadline used to be taken from two
// readings, and came early by the time between them: here 30ms of a 50ms deadline,
// and an answer at 40ms ended the call with ErrTimeout.
func TestCallDeadlineIsTheContexts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, _ := c.leaderOnN2(driver.PeerFunc(func(r *driver.Request) {
			time.AfterFunc(10*time.Millisecond, func() { r.Reply(r.Event()) })
		}))
		defer driver.SetAfterClockRead(func() { time.Sleep(30 * time.Millisecond) })()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := n1.Call(ctx, router.ToEnsemble("e1"), []byte("x"))
		if err != nil || string(res.Value) != "x" {
			t.Fatalf("after %v: %q, %v; want the answer, 40ms into the 50ms deadline", time.Since(start), res.Value, err)
		}
	})
}

// TestCallFarDeadline: a context deadline further off than a Duration holds (about
// 292 years) is the longest deadline, not none: an ensemble call under it is made
// and answered, not refused ErrNoDeadline.
func TestCallFarDeadline(t *testing.T) {
	c := newCluster(t, false)
	n1, _ := c.leaderOnN2(driver.PeerFunc(func(r *driver.Request) { r.Reply(r.Event()) }))
	for _, years := range []int{100, 300, 1000} {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().AddDate(years, 0, 0))
		res, err := n1.Call(ctx, router.ToEnsemble("e1"), []byte("x"))
		cancel()
		if err != nil || string(res.Value) != "x" {
			t.Errorf("a deadline %d years away: %q, %v; want the answer", years, res.Value, err)
		}
	}
}
