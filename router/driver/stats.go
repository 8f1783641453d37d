package driver

import (
	"sync/atomic"

	"github.com/ensroute/ensroute/router"
)

// MaxHops is the last bucket of Stats.Hops: requests that arrived after MaxHops or
// more transfers.
const MaxHops = 8

// Stats is a snapshot of what a node did.
type Stats struct {
	// Router sums the counters of the node's router cores: calls by outcome, late
	// replies dropped, redirects, hop limits, sheds, ...
	Router router.Stats
	// Shed counts routes and casts refused because their instance's mailbox was full.
	Shed uint64
	// BadInstance counts routes and casts naming an instance this node lacks; they
	// go to the instance their pick folds onto (modulo the node's count).
	BadInstance uint64
	// Mailboxes is each router instance's queue depth now.
	Mailboxes []int
	// Hops counts the requests this node received by the transfers they had made.
	Hops [MaxHops + 1]uint64
	// GossipIn and GossipOut count directory messages received and sent.
	GossipIn, GossipOut uint64
}

type counters struct {
	shed, badInstance, gossipIn, gossipOut atomic.Uint64
	hops                                   [MaxHops + 1]atomic.Uint64
}

func (c *counters) hop(h int) { c.hops[min(max(h, 0), MaxHops)].Add(1) }

// Stats returns a snapshot of the node's counters.
func (n *Node) Stats() Stats {
	var st Stats
	for _, s := range n.shards {
		s.lock()
		st.Router.Add(s.core.Stats())
		s.unlock()
	}
	st.Shed, st.BadInstance = n.stats.shed.Load(), n.stats.badInstance.Load()
	st.GossipIn, st.GossipOut = n.stats.gossipIn.Load(), n.stats.gossipOut.Load()
	for i := range st.Hops {
		st.Hops[i] = n.stats.hops[i].Load()
	}
	for _, b := range n.boxes {
		st.Mailboxes = append(st.Mailboxes, len(b))
	}
	return st
}
