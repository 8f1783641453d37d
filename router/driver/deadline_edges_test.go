package driver_test

// A call's one reading of the clock, at its edges: the core's deadline and
// CallTimeout's timer both count from it, however long passes before they are set.

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestCallTimeoutCountsFromTheClockRead: CallTimeout's timer counts from the
// call's one reading of the clock, however long passes before the timer is armed (a
// goroutine descheduled there): a call with a 100ms timeout to a leader that never
// answers returns at 100ms, not 100ms after the timer was armed.
func TestCallTimeoutCountsFromTheClockRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, _ := c.leaderOnN2(driver.PeerFunc(func(*driver.Request) {})) // never answers
		defer driver.SetAfterClockRead(func() { time.Sleep(30 * time.Millisecond) })()
		start := time.Now()
		_, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), 100*time.Millisecond)
		if !errors.Is(err, router.ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if took := time.Since(start); took != 100*time.Millisecond {
			t.Fatalf("returned after %v, want exactly the 100ms timeout", took)
		}
	})
}

// TestCoreDeadlineIsTheClockRead: the core's deadline counts from the call's
// one reading of the clock (the turn's clock is pinned to it): a reply that comes after
// the context's deadline, before the caller fires it, times the call out even when
// time passed between the clock read and the call's turn.
func TestCoreDeadlineIsTheClockRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, _ := c.leaderOnN2(driver.PeerFunc(func(r *driver.Request) {
			time.AfterFunc(80*time.Millisecond, func() { r.Reply([]byte("v")) }) // at 30+80 = 110ms
		}))
		defer driver.SetAfterClockRead(func() { time.Sleep(30 * time.Millisecond) })()
		ctx := unwatchedContext{context.Background(), time.Now().Add(100 * time.Millisecond)}
		res, err := n1.Call(ctx, router.ToEnsemble("e1"), []byte("x"))
		if !errors.Is(err, router.ErrTimeout) || res.Value != nil {
			t.Fatalf("a reply 110ms into a 100ms deadline: %q, %v; want ErrTimeout", res.Value, err)
		}
	})
}

// TestDeadlineAtTheClockRead: a deadline that is exactly the call's clock
// reading has passed: the call times out (router.ErrTimeout, counted as expired), it
// is not a bad timeout.
func TestDeadlineAtTheClockRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, false)
		n1, _ := c.leaderOnN2(driver.PeerFunc(func(r *driver.Request) { r.Reply(r.Event()) }))
		ctx := unwatchedContext{context.Background(), time.Now()} // the bubble's clock stands still
		_, err := n1.Call(ctx, router.ToEnsemble("e1"), []byte("x"))
		if !errors.Is(err, router.ErrTimeout) {
			t.Fatalf("a call whose deadline is now: %v, want ErrTimeout", err)
		}
		if got := n1.Stats().Expired; got != 1 {
			t.Fatalf("Expired = %d, want 1", got)
		}
	})
}
