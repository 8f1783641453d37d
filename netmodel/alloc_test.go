package netmodel_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// counter is a Receiver that only counts, so that it allocates nothing itself.
type counter struct{ delivered, fired int }

func (c *counter) Deliver(*router.Message, time.Duration) { c.delivered++ }
func (c *counter) Fire(router.Timer)                      { c.fired++ }

// TestMessagePathAllocatesNothing: once the network has had as many messages in
// flight and queued at once, a message costs no allocation on its way (sent, in
// flight, queued at a router instance, served, handed over, each traced), whether it
// is queued (a route) or handed over at once (a reply).
func TestMessagePathAllocatesNothing(t *testing.T) {
	w, n := newNet(t, 1, config(2, time.Millisecond, 100*time.Microsecond))
	a, _ := addHost(t, n, "a")
	b, err := n.AddHost("b")
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{}
	b.Attach(c)
	tr := a.Transport()
	route, reply := msg(router.KindRoute, 7), msg(router.KindReply, 7)
	route.Instance = 1
	send := func() {
		// Sent through pointers to the test's own messages: mustSend's copy would be
		// the test's allocation, not the network's.
		if err := tr.Send("b", &route); err != nil {
			t.Fatal(err)
		}
		if err := tr.Send("b", &reply); err != nil {
			t.Fatal(err)
		}
		w.Run()
	}
	for range 10 {
		send()
	}
	before := c.delivered
	if got := testing.AllocsPerRun(1000, send); got != 0 {
		t.Fatalf("a route and a reply allocated %v times on their way, want 0", got)
	}
	if c.delivered-before != 2*1001 {
		t.Fatalf("%d messages delivered during the check, want %d", c.delivered-before, 2*1001)
	}
}
