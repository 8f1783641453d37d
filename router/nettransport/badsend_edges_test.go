package nettransport_test

import (
	"errors"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestSendRefusesWhatNoNodeReadsUnconnected: Send refuses a message no node would
// read (ErrBadMessage) whether or not the node it goes to is connected: not as
// unreachable while the connection is down, and then as bad once it is up. A
// message that no connection could ever carry starts no dial either.
func TestSendRefusesWhatNoNodeReadsUnconnected(t *testing.T) {
	n1 := startNode(t, "n1", true, nil)
	for _, m := range []router.Message{
		{Kind: 200},
		{Kind: router.KindRoute, Instance: 1<<16 + 1},
		{Kind: router.KindReply, Code: 200, Call: router.CallID{Node: "n2", Incarnation: 1, Seq: 1}},
	} {
		// n2 knows n1's address, and nothing has dialed it yet; c1 has none (n1 is a
		// node it would hold a reply for).
		n2 := startNode(t, "n2", false, peersOf("n1", n1.addr))
		if err := n2.tr.Send("n1", &m); !errors.Is(err, nettransport.ErrBadMessage) {
			t.Errorf("Send(%v) to a node not connected: %v, want ErrBadMessage", &m, err)
		}
		if ps := n2.tr.Peers(); len(ps) != 0 {
			t.Errorf("Send(%v) started a dial: %+v", &m, ps)
		}
		c1 := startNode(t, "c1", false, func(c *nettransport.Config) { c.ReplyHold = 1 << 30 })
		if err := c1.tr.Send("n9", &m); !errors.Is(err, nettransport.ErrBadMessage) {
			t.Errorf("Send(%v) to a node with no address: %v, want ErrBadMessage", &m, err)
		}
	}
}
