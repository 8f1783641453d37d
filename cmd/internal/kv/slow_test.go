package kv

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// slowRun: twenty callers with a 45ms deadline call at once a peer served at 100
// requests a second (10ms each), in virtual time, and it returns what the server did
// and how many calls succeeded.
func slowRun(t *testing.T, skip bool) (SlowStats, int) {
	quiet := slog.New(slog.DiscardHandler)
	tr, err := nettransport.New(nettransport.Config{ID: "n1", Cluster: "c", Secret: []byte("kv-secret"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	n, err := driver.New(driver.Config{ID: "n1", Transport: tr, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ref := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	p := NewPeer(n, ref)
	slow := NewSlow(100, skip)
	defer slow.Close()
	p.ServeWith(slow)
	if err := n.AddPeer(ref, p); err != nil {
		t.Fatal(err)
	}
	n.Learn(router.Entry{Ensemble: "e1", Leader: ref, Version: 1})
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
