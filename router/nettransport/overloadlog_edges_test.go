package nettransport_test

// A full send queue is logged, not only counted: a node that reads slower than it is
// sent to, and stays connected, has its sends refused by the thousand.

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestFullQueueLogged: the first send refused for a full queue is warned of, naming
// the node, the bytes queued and the limit; the many refused after it within a minute
// are counted, not logged again.
func TestFullQueueLogged(t *testing.T) {
	n2, big := fillQueue(t)
	const more = 100
	for i, refused := 0, 1; refused < more; i++ {
		if i == 2000 {
			t.Fatalf("%d of 2000 more sends refused, want %d", refused, more)
		}
		if errors.Is(n2.tr.Send("n1", big), router.ErrOverloaded) {
			refused++
		}
	}
	logged(t, n2, "level=WARN", `msg="send queue full"`, "peer=n1", "limit=65536", "ErrOverloaded")
	if got := strings.Count(n2.log.String(), `msg="send queue full"`); got != 1 {
		t.Fatalf("%d warnings of the full queue for %d refused sends, want 1:\n%s", got, n2.tr.Stats().Overloaded, n2.log.String())
	}
	if got := n2.tr.Stats().Overloaded; got < more {
		t.Fatalf("Stats.Overloaded %d, want at least %d", got, more)
	}
}

// TestFullClientQueuesLoggedTogether: clients come and go under new ids, so their
// full queues are warned of together, once a minute: two clients that read nothing
// give one warning, naming the first.
func TestFullClientQueuesLoggedTogether(t *testing.T) {
	acc := startNode(t, "n1", true, func(c *nettransport.Config) { c.QueueBytes = 64 << 10 })
	release := make(chan struct{})
	defer close(release)
	big := router.Message{Kind: router.KindCast, Ensemble: "e1", Event: make([]byte, 60<<10), Budget: router.Infinity}
	for _, id := range []router.NodeID{"c1", "c2"} {
		client := startNode(t, id, false, peersOf("n1", acc.addr))
		client.tr.Attach(&blockingReceiver{release: release})
		if err := connect(t, client, "n1"); err != nil {
			t.Fatal(err)
		}
		if !await(func() bool { return acc.tr.Connected(id) }) {
			t.Fatalf("%s never connected to n1", id)
		}
		var err error
		for i := 0; i < 2000 && err == nil; i++ {
			if err = acc.tr.Send(id, &big); err == nil {
				runtime.Gosched()
			}
		}
		if !errors.Is(err, router.ErrOverloaded) {
			t.Fatalf("after 2000 sends of 60KiB to client %s, which does not read: %v, want ErrOverloaded", id, err)
		}
	}
	logged(t, acc, "level=WARN", `msg="send queue full"`, "peer=c1")
	if got := strings.Count(acc.log.String(), `msg="send queue full"`); got != 1 {
		t.Fatalf("%d warnings of full queues to two clients, want 1:\n%s", got, acc.log.String())
	}
}
