package nettransport_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestWithdrawnReplacementRefused: n1 drops the connection n2 made with a secret n1
// withdrew, and dials a replacement, which n2 admits and n1 then refuses (n2 still
// proves the withdrawn secret). n2 keeps the old connection as the node's until it
// ends, as one that could not be replaced: every message n2's Send accepted
// meanwhile is delivered (none queued on the connection refused, and lost with it),
// n2 hears n1's goodbye as a goodbye, and does not log a replacement that was not
// made.
func TestWithdrawnReplacementRefused(t *testing.T) {
	next := nextSecret
	n1, n2 := rotatingPair(t, nil)
	if err := connect(t, n2, "n1"); err != nil {
		t.Fatal(err)
	}
	var accepted, failed atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := n2.tr.Send("n1", &router.Message{Kind: router.KindGossip}); err != nil {
				failed.Add(1)
			} else {
				accepted.Add(1)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}()
	time.Sleep(20 * time.Millisecond)
	if err := n1.tr.SetCredentials(nettransport.Credentials{Secret: next}); err != nil {
		t.Fatal(err)
	}
	dropped(t, n1, 1)
	logged(t, n1, "could not be replaced")
	if !await(func() bool { return n1.tr.Stats().Disconnects == 1 && n2.tr.Stats().Disconnects == 1 }) {
		t.Fatalf("the connection did not close; n2's log:\n%s", n2.log.String())
	}
	time.Sleep(20 * time.Millisecond) // sends fail now: n1 refuses n2's redials
	close(stop)
	<-done
	if failed.Load() == 0 {
		t.Fatal("no send failed: the connection never closed")
	}
	if !await(func() bool { return int64(len(n1.rec.messages())) >= accepted.Load() }, n1.rec) {
		t.Errorf("n2's Send accepted %d messages, n1 got %d: %d lost", accepted.Load(), len(n1.rec.messages()),
			accepted.Load()-int64(len(n1.rec.messages())))
	}
	if l := n2.log.String(); strings.Contains(l, "replaced by a new connection") {
		t.Errorf("n2 logged a replacement n1 refused:\n%s", l)
	}
	logged(t, n2, "peer leaving", "peer=n1")
	if s := n2.tr.Stats(); s.Connects != 1 || s.Disconnects != 1 || s.Goodbyes != 1 {
		t.Errorf("n2: %d connects, %d disconnects, %d goodbyes; want 1 each", s.Connects, s.Disconnects, s.Goodbyes)
	}
}
