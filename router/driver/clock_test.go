package driver

import (
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

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

// sendLog records what a node sends.
type sendLog struct {
	mu   sync.Mutex
	sent []router.Message
}

func (l *sendLog) Send(_ router.NodeID, m *router.Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, *m)
	return nil
}

func (l *sendLog) kinds() []router.Kind {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []router.Kind
	for _, m := range l.sent {
		out = append(out, m.Kind)
	}
	return out
}

// TestClosedNodeFiresNoWorkerTimer: under riak semantics a route handed to a local
// peer arms its worker's timeout, which answers the caller "timeout" when it fires;
// once the node is closed its router instances are stopped, and a worker timer that
// comes due does nothing: a closed node sends nothing more of its own.
func TestClosedNodeFiresNoWorkerTimer(t *testing.T) {
	for _, closeFirst := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			tr := &sendLog{}
			n, err := New(Config{ID: "n1", Incarnation: 1, Transport: tr, Semantics: router.Riak,
				Routers: 1, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			leader := router.PeerRef{Ensemble: "e1", Name: "p", Node: "n1"}
			if err := n.AddPeer(leader, PeerFunc(func(*Request) {})); err != nil { // never answers
				t.Fatal(err)
			}
			n.Learn(router.Entry{Ensemble: "e1", Leader: leader, Version: 1})
			n.Receive(router.Message{Kind: router.KindRoute, From: "c1", Call: router.CallID{Node: "c1", Incarnation: 1, Seq: 1},
				Ensemble: "e1", Event: []byte("get"), Budget: time.Second})
			synctest.Wait()
			s := n.shards[0]
			s.lock()
			armed := len(s.timers)
			s.unlock()
			if armed != 1 {
				t.Fatalf("%d worker timers armed, want the route's", armed)
			}
			if closeFirst {
				_ = n.Close()
			}
			time.Sleep(2 * time.Second)
			synctest.Wait()
			var want []router.Kind
			if !closeFirst {
				want = []router.Kind{router.KindReply} // the worker's timeout
			}
			if diff := cmp.Diff(want, tr.kinds()); diff != "" {
				t.Errorf("closed %v: sent (-want +got):\n%s", closeFirst, diff)
			}
		})
	}
}

// TestCloseStopsWorkerTimers: Close stops the worker timers still armed, rather than
// leaving each to fire, up to a call timeout later, at a node that does nothing with
// it.
func TestCloseStopsWorkerTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, err := New(Config{ID: "n1", Incarnation: 1, Transport: dropTransport{}, Semantics: router.Riak,
			Routers: 2, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		var armed []*time.Timer
		for i, s := range n.shards {
			s.lock()
			id := clock{s}.After(time.Minute, router.Timer{Kind: router.TimerWorker, Worker: uint64(i + 1)})
			armed = append(armed, s.timers[id])
			s.unlock()
		}
		_ = n.Close()
		for i, s := range n.shards {
			if len(s.timers) != 0 {
				t.Errorf("shard %d: %d worker timers still armed after Close", i, len(s.timers))
			}
			if armed[i].Stop() {
				t.Errorf("shard %d: its worker timer was still running after Close", i)
			}
		}
	})
}
