package driver

import (
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
)

type dropTransport struct{}

func (dropTransport) Send(router.NodeID, *router.Message) error { return nil }

// TestShardClockTimers: a call's deadline arms no timer (the caller's context is its
// timer); a worker timer that is stopped never fires and is forgotten at once; one
// that fires is forgotten then; ids are not reused, so a stale Stop is harmless.
func TestShardClockTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, err := New(Config{ID: "n1", Incarnation: 1, Transport: dropTransport{}, Semantics: router.Riak,
			Routers: 1, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		s := n.shards[0]
		c := clock{s}
		s.lock()
		if id := c.After(time.Second, router.Timer{Kind: router.TimerCall}); id != 0 {
			t.Errorf("a call deadline armed timer %d, want none", id)
		}
		stopped := c.After(time.Second, router.Timer{Kind: router.TimerWorker, Worker: 7})
		fires := c.After(2*time.Second, router.Timer{Kind: router.TimerWorker, Worker: 8})
		if stopped == 0 || fires == 0 || stopped == fires {
			t.Fatalf("worker timer ids %d and %d, want two distinct non-zero ids", stopped, fires)
		}
		c.Stop(stopped)
		if _, ok := s.timers[stopped]; ok || len(s.timers) != 1 {
			t.Errorf("after Stop: %d timers armed, want only the other one", len(s.timers))
		}
		s.unlock()
		time.Sleep(3 * time.Second)
		synctest.Wait()
		s.lock()
		defer s.unlock()
		if len(s.timers) != 0 {
			t.Errorf("after both were due: %d timers still armed, want 0", len(s.timers))
		}
		c.Stop(fires) // fired already: harmless
		c.Stop(stopped)
		if next := c.After(time.Second, router.Timer{Kind: router.TimerWorker, Worker: 9}); next == stopped || next == fires {
			t.Errorf("a new timer reused id %d", next)
		}
	})
}
