package kv

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// slowRun: twenty callers with a 45ms deadline call at once a peer served at 100
// requests a second (10ms each), in virtual time, and it returns what the server did
// and how many calls succeeded.
func slowRun(t *testing.T, skip bool) (SlowStats, int) {
	n, slow := slowLeader(t, 100, skip)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 20 {
		wg.Go(func() {
			_, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("get k"), 45*time.Millisecond)
			if err != nil && !errors.Is(err, router.ErrTimeout) {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			}
		})
	}
	wg.Wait()
	time.Sleep(time.Second) // the server works through its queue
	synctest.Wait()
	return slow.Stats(), ok
}

// TestSlowServer: a leader that serves one request per 10ms, called by twenty callers
// who give up after 45ms, serves four in time. Skipping the requests whose budget
// cannot cover the work drops the other sixteen unserved (the fifth has 5ms left when
// its turn comes), while a server that ignores budgets serves them all, late, for
// callers who gave up.
func TestSlowServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, ok := slowRun(t, true)
		if want := (SlowStats{InTime: 4, Skipped: 16}); st != want || ok != 4 {
			t.Errorf("skipping: %+v and %d calls ok, want %+v and 4", st, ok, want)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		st, ok := slowRun(t, false)
		if want := (SlowStats{InTime: 4, Late: 16}); st != want || ok != 4 {
			t.Errorf("ignoring budgets: %+v and %d calls ok, want %+v and 4", st, ok, want)
		}
	})
}

// leader starts a node n1 whose peer leads e1; setup, if not nil, configures the peer
// before the node hosts it. The node and its transport close when the test ends.
func leader(t *testing.T, setup func(*Peer)) *driver.Node {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "c", Secret: []byte("kv-secret"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	n, err := driver.New(driver.Config{ID: "n1", Transport: tr, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	ref := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	p := NewPeer(n, ref)
	if setup != nil {
		setup(p)
	}
	if err := n.AddPeer(ref, p); err != nil {
		t.Fatal(err)
	}
	n.Learn(router.Entry{Ensemble: "e1", Leader: ref, Version: 1})
	return n
}

// slowLeader is leader with the peer served by a Slow server of rate requests a
// second (NewSlow's skipExpired: skip), which closes when the test ends.
func slowLeader(t *testing.T, rate float64, skip bool) (*driver.Node, *Slow) {
	t.Helper()
	slow := NewSlow(rate, skip)
	t.Cleanup(slow.Close) // after the node's: cleanups run last first
	return leader(t, func(p *Peer) { p.ServeWith(slow) }), slow
}

// burstServed makes k calls at once with get and returns, sorted, how long after the
// burst each was answered.
func burstServed(k int, get func()) []time.Duration {
	burst := time.Now()
	var mu sync.Mutex
	var served []time.Duration
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			get()
			mu.Lock()
			defer mu.Unlock()
			served = append(served, time.Since(burst))
		})
	}
	wg.Wait()
	slices.Sort(served)
	return served
}

// TestSlowPaceAfterIdle: a Slow server's pace starts again after an idle spell: a
// burst of five requests that comes a second after the last one is served at the
// rate, one every 10ms, not at once (as it would be if the server caught up the
// second it was idle, as it catches up an overshooting sleep while requests keep
// coming).
func TestSlowPaceAfterIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, _ := slowLeader(t, 100, false)
		get := func() {
			if _, err := n.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("get k"), time.Second); err != nil {
				t.Error(err)
			}
		}
		get()
		time.Sleep(time.Second)
		served := burstServed(5, get)
		want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond, 40 * time.Millisecond, 50 * time.Millisecond}
		if diff := cmp.Diff(want, served); diff != "" {
			t.Errorf("the burst's answers, after it came (-want +got):\n%s", diff)
		}
	})
}

// TestSlowDropped: a request that finds a Slow server's queue full is dropped unserved
// and counted as such: with one request in the works (at one a second) and SlowQueue
// waiting, the next three are dropped.
func TestSlowDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, slow := slowLeader(t, 1, false)
		cast := func() {
			if err := n.Cast(router.ToEnsemble("e1"), []byte("put k v")); err != nil {
				t.Fatal(err)
			}
		}
		cast()
		synctest.Wait() // the server has taken it, and works on it for a second
		for range SlowQueue + 3 {
			cast()
		}
		if want := (SlowStats{Dropped: 3}); slow.Stats() != want {
			t.Errorf("stats %+v, want %+v", slow.Stats(), want)
		}
	})
}
