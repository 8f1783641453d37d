package driver_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestCloseAnswersAcceptedRoutes: a node being closed answers the routes its
// mailboxes had already taken, and answers one that arrives after Close at once
// (overloaded) instead of dropping it and leaving its caller to wait out the deadline.
// n2 runs one router instance whose peer is busy with call A while B and C wait in the
// mailbox; Close starts; D arrives; then the peer finishes A. Rounds repeat it, since
// the instance may pick its mailbox or the close signal first.
func TestCloseAnswersAcceptedRoutes(t *testing.T) {
	for round := range 20 {
		c := newCluster(t, true)
		n1 := c.add("n1", nil)
		n2 := c.add("n2", func(cfg *driver.Config) { cfg.Routers = 1 })
		c.connect("n1", "n2")
		gate := make(chan struct{})
		var once sync.Once
		release := func() { once.Do(func() { close(gate) }) }
		t.Cleanup(release) // before the nodes close: runs first
		busy := make(chan struct{}, 1)
		leader := ref("e2", "n2")
		if err := n2.AddPeer(leader, driver.PeerFunc(func(r *driver.Request) {
			if string(r.Event()) == "A" {
				busy <- struct{}{}
				<-gate
			}
			r.Reply(r.Event())
		})); err != nil {
			t.Fatal(err)
		}
		for _, n := range []*driver.Node{n1, n2} {
			n.Learn(router.Entry{Ensemble: "e2", Leader: leader, Version: 1})
		}
		target := router.ToEnsemble("e2").Through("n2")
		results := make(chan error, 4)
		callAsync := func(ev string) {
			go func() {
				res, err := n1.CallTimeout(context.Background(), target, []byte(ev), 5*time.Second)
				switch {
				case err != nil:
					results <- fmt.Errorf("%s: %w", ev, err)
				case string(res.Value) != ev:
					results <- fmt.Errorf("%s: answer %q", ev, res.Value)
				default:
					results <- nil
				}
			}()
		}
		callAsync("A")
		<-busy
		callAsync("B")
		callAsync("C")
		waitUntil(t, func() bool { return n2.Stats().Mailboxes[0] == 2 })
		closed := make(chan struct{})
		go func() { _ = n2.Close(); close(closed) }()
		waitUntil(t, func() bool {
			_, err := n2.CallTimeout(context.Background(), target, nil, time.Second)
			return errors.Is(err, driver.ErrClosed)
		})
		// Shed, D is answered overloaded at once; dropped, it would wait out its 5s
		// and time out (A, and so Close, waits until D has returned).
		_, err := n1.CallTimeout(context.Background(), target, []byte("D"), 5*time.Second)
		if !errors.Is(err, router.ErrOverloaded) {
			t.Fatalf("round %d: a route after Close: %v, want overloaded", round, err)
		}
		release()
		<-closed
		for range 3 {
			if err := <-results; err != nil {
				t.Fatalf("round %d: a route taken before Close: %v", round, err)
			}
		}
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
	}
}
