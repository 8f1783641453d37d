package driver

import (
	"time"

	"github.com/ensroute/ensroute/router"
)

// Learn applies a directory entry if it is strictly newer than the node's, and
// reports whether it did. Every shard applies it, in the same order as every other
// entry.
func (n *Node) Learn(e router.Entry) bool {
	n.learnMu.Lock()
	defer n.learnMu.Unlock()
	applied := false
	for _, s := range n.shards {
		s.lock()
		if s.core.Learn(e) {
			applied = true
		}
		s.unlock()
	}
	return applied
}

// Announce learns e, a leader change decided on this node, and if it is newer pushes
// it at once to every member; anti-entropy repairs the pushes that fail.
func (n *Node) Announce(e router.Entry) bool {
	if !n.Learn(e) {
		return false
	}
	for _, m := range n.cfg.Members {
		n.gossip(m, []router.Entry{e})
	}
	return true
}

// Lookup returns the node's directory entry for ensemble e.
func (n *Node) Lookup(e router.EnsembleID) (router.Entry, bool) {
	s := n.shards[0]
	s.lock()
	defer s.unlock()
	return s.core.Directory().Lookup(e)
}

// Entries returns the node's whole directory, sorted by ensemble.
func (n *Node) Entries() []router.Entry {
	s := n.shards[0]
	s.lock()
	defer s.unlock()
	return s.core.Directory().Entries()
}

func (n *Node) gossip(to router.NodeID, entries []router.Entry) {
	if len(entries) == 0 {
		return
	}
	if n.cfg.Transport.Send(to, &router.Message{Kind: router.KindGossip, From: n.cfg.ID, Entries: entries}) == nil {
		n.stats.gossipOut.Add(1)
	}
}

// antiEntropy sends the whole directory to one member per interval, round robin, so
// that a push lost to a disconnection is repaired within len(Members) intervals.
func (n *Node) antiEntropy() {
	tick := time.NewTicker(n.cfg.GossipInterval)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-tick.C:
		case <-n.done:
			return
		}
		n.gossip(n.cfg.Members[i%len(n.cfg.Members)], n.Entries())
	}
}

// PeerUp sends the whole directory to a member that just connected (a restarted node
// catches up at once). The transport calls it (nettransport.ConnObserver).
func (n *Node) PeerUp(id router.NodeID, _ router.Incarnation) {
	if n.isClosed() {
		return
	}
	for _, m := range n.cfg.Members {
		if m == id {
			n.gossip(id, n.Entries())
			return
		}
	}
}

// PeerDown is told when a connection ends; calls in flight over it end by their
// deadlines, as in the original.
func (n *Node) PeerDown(router.NodeID) {}
