package driver

import (
	"time"

	"github.com/ensroute/ensroute/router"
)

// Learn applies a directory entry if it is strictly newer than the node's, and
// reports whether it did. Every shard applies it, in the same order as every other
// entry.
//
// An entry that names another leader with the very version the node holds is a
// conflict (see Announce): it is refused like any entry not newer, counted
// (Stats.Conflicts), and logged as a warning once per ensemble and version.
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
	if !applied {
		n.checkConflict(e)
	}
	return applied
}

// checkConflict counts and reports e, an entry Learn refused, if it names another
// leader with the version the node holds. The caller holds learnMu.
func (n *Node) checkConflict(e router.Entry) {
	s := n.shards[0]
	s.lock()
	cur, ok := s.core.Directory().Lookup(e.Ensemble)
	s.unlock()
	if !ok || cur.Version != e.Version || cur.Leader == e.Leader {
		return
	}
	n.stats.conflicts.Add(1)
	if v, seen := n.warned[e.Ensemble]; seen && v == e.Version {
		return
	}
	if n.warned == nil {
		n.warned = make(map[router.EnsembleID]uint64)
	}
	n.warned[e.Ensemble] = e.Version
	n.log.Warn("directory conflict: two leaders were announced with one version; this node keeps the one it has until a newer version comes, so nodes can disagree for good (give each leader change a version of its own)",
		"ensemble", string(e.Ensemble), "version", e.Version, "kept", cur.Leader.String(), "refused", e.Leader.String())
}

// Announce learns e, a leader change decided on this node, and if it is newer pushes
// it at once to every member; anti-entropy repairs the pushes that fail.
//
// Versions order an ensemble's leader changes, cluster-wide: each change needs a
// version above every one before it, and two different leaders must never be
// announced with the same version. Take it from what decided the change (a
// consensus's epoch and round), not from a counter of each node's own. Nodes never
// replace an entry with one of equal version, so two leaders announced with one
// version leave the nodes that learned each first disagreeing until a newer version
// comes; Learn counts and logs such conflicts. (ensnode's demo peer, told to lead
// by ensctl leader set, takes the wall clock in nanoseconds: unique enough for a
// change made by hand.)
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
