package driver_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestMailboxDepthCountsTakenBatch: a router instance takes what its mailbox holds
// in one batch and hands the requests to their peer one after another, so behind a
// peer whose Handle is slow the rest of the batch waits outside the mailbox. The
// depth (Stats.Mailboxes, the ensroute_router_mailbox_depth gauge) counts them: with
// B, C and D taken together and B in Handle, it reads 2, not 0.
func TestMailboxDepthCountsTakenBatch(t *testing.T) {
	c := newCluster(t, false)
	n1 := c.add("n1", nil)
	n2 := c.add("n2", func(cfg *driver.Config) { cfg.Routers = 1 })
	c.connect("n1", "n2")
	tokens := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(tokens) }) }) // before the nodes close
	inHandle := make(chan string, 4)
	leader := ref("e2", "n2")
	if err := n2.AddPeer(leader, driver.PeerFunc(func(r *driver.Request) {
		inHandle <- string(r.Event())
		<-tokens
		r.Reply(r.Event())
	})); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*driver.Node{n1, n2} {
		n.Learn(router.Entry{Ensemble: "e2", Leader: leader, Version: 1})
	}
	target := router.ToEnsemble("e2").Through("n2")
	done := make(chan error, 4)
	call := func(ev string) {
		go func() {
			_, err := n1.CallTimeout(context.Background(), target, []byte(ev), 10*time.Second)
			done <- err
		}()
	}
	depth := func() int { return n2.Stats().Mailboxes[0] }
	call("A")
	if ev := <-inHandle; ev != "A" {
		t.Fatalf("first in Handle: %q, want A", ev)
	}
	for _, ev := range []string{"B", "C", "D"} {
		call(ev)
	}
	waitUntil(t, func() bool { return depth() == 3 }) // in the mailbox, behind A
	tokens <- struct{}{}                              // A answered: B, C and D are taken in one batch
	<-inHandle
	if got := depth(); got != 2 {
		t.Fatalf("depth with one of a batch of 3 in Handle: %d, want 2", got)
	}
	tokens <- struct{}{}
	<-inHandle
	if got := depth(); got != 1 {
		t.Fatalf("depth with two of a batch of 3 answered or in Handle: %d, want 1", got)
	}
	for range 2 {
		tokens <- struct{}{}
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := depth(); got != 0 {
		t.Fatalf("depth once all are answered: %d, want 0", got)
	}
}
