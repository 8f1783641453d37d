package driver

import (
	"errors"
	"time"

	"github.com/ensroute/ensroute/router"
)

// Learn applies a directory entry if it is strictly newer than the node's, and
// reports whether it did. Every shard applies it, in the same order as every other
// entry. A malformed entry (router.Entry.Problem says why: no ensemble, or a leader
// that is not a peer of the entry's ensemble) is never applied: Learn returns false.
//
// An entry that names another leader with the very version the node holds is a
// conflict (see Announce): it is refused like any entry not newer, counted
// (Stats.Conflicts), and logged as a warning once per ensemble and version.
//
// An entry applied that names another leader than the node knew is logged at info
// ("leader changed"), once per node and change; one that only raises the version, at
// debug. Where the leader replaced is the one Config.Directory named (no entry has
// replaced it yet), "was" says so ("e1/p-n1@n1 (configured)"): the change may have
// been made before the node started, as for a node restarted after the lead moved.
func (n *Node) Learn(e router.Entry) bool {
	n.learnMu.Lock()
	defer n.learnMu.Unlock()
	was, knew := n.Lookup(e.Ensemble)
	applied := false
	for _, s := range n.shards {
		s.lock()
		if s.core.Learn(e) {
			applied = true
		}
		s.unlock()
	}
	// Another path (a redirect the core learns from) may have replaced the entry
	// configured, so it is compared, not only looked up.
	cfg, ok := n.configured[e.Ensemble]
	configured := ok && knew && was.Leader == cfg.Leader && was.Version == cfg.Version
	if applied && ok {
		delete(n.configured, e.Ensemble)
	}
	switch {
	case !applied:
		n.checkConflict(e)
	case configured && was.Leader != e.Leader:
		// The leader replaced is one the configuration named, not one this node
		// learned: the change may have been made before the node started.
		n.log.Info("leader changed", "ensemble", string(e.Ensemble), "leader", e.Leader.String(), "version", e.Version, "was", was.Leader.String()+" (configured)")
	case !knew:
		n.log.Info("leader changed", "ensemble", string(e.Ensemble), "leader", e.Leader.String(), "version", e.Version, "was", "none known")
	case was.Leader != e.Leader:
		n.log.Info("leader changed", "ensemble", string(e.Ensemble), "leader", e.Leader.String(), "version", e.Version, "was", was.Leader.String())
	default:
		n.log.Debug("leader confirmed", "ensemble", string(e.Ensemble), "leader", e.Leader.String(), "version", e.Version)
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

// Lookup returns the node's directory entry for ensemble e. Once it says an entry is
// known, every router instance has learned it, so that a call made then finds it:
// it reads the last instance Learn updates.
func (n *Node) Lookup(e router.EnsembleID) (router.Entry, bool) {
	s := n.lastShard()
	s.lock()
	defer s.unlock()
	return s.core.Directory().Lookup(e)
}

// lastShard is the router instance Learn updates last, one after another under
// learnMu: what it holds, each instance holds (or something newer). Reading the
// first, Lookup could say an ensemble's leader is known while a call, on another
// instance, still found none.
func (n *Node) lastShard() *shard { return n.shards[len(n.shards)-1] }

// Entries returns the node's whole directory, sorted by ensemble, as every router
// instance has learned it (see Lookup).
func (n *Node) Entries() []router.Entry {
	s := n.lastShard()
	s.lock()
	defer s.unlock()
	return s.core.Directory().Entries()
}

// gossipBytes bounds the entries of one gossip message, as nettransport encodes them
// (entryBytes), so that a message fits the smallest frame a transport may be
// configured with (nettransport.MinMaxFrame, 4 KiB) unless one entry alone is
// larger (names near nettransport.MaxName). A whole directory in one message would
// outgrow the frame limit at a few tens of thousands of ensembles and be dropped by
// the transport on every round, which would stop anti-entropy for good.
const gossipBytes = 3 << 10

// entryBytes is about what e takes in a gossip message: its four names, a length
// before each, and its version.
func entryBytes(e *router.Entry) int {
	return len(e.Ensemble) + len(e.Leader.Ensemble) + len(e.Leader.Name) + len(e.Leader.Node) + 4*2 + 10
}

// gossip sends entries to member to, in as many messages as gossipBytes makes them,
// and returns how many of the first entries it sent. It stops at the first message
// the transport refuses (not connected, or its queue full: the caller resumes from
// there on its next round), except for one entry too large for a message of its own,
// which it skips, so that such an entry cannot keep those after it from ever going.
func (n *Node) gossip(to router.NodeID, entries []router.Entry) int {
	sent := 0
	for sent < len(entries) {
		rest := entries[sent:]
		k, size := 1, entryBytes(&rest[0]) // an entry too big alone still goes alone
		for k < len(rest) && size+entryBytes(&rest[k]) <= gossipBytes {
			size += entryBytes(&rest[k])
			k++
		}
		if err := n.cfg.Transport.Send(to, &router.Message{Kind: router.KindGossip, From: n.cfg.ID, Entries: rest[:k]}); err != nil {
			if size <= gossipBytes || errors.Is(err, router.ErrOverloaded) {
				return sent
			}
			// A lone entry over the bound, refused: too large for this transport's
			// frames, or not connected. Skipped either way: in the second case the
			// next message fails too, and the next round starts there.
		} else {
			n.stats.gossipOut.Add(1)
		}
		sent += k
	}
	return sent
}

// learnGossip learns the entries of m, a gossip message, if it comes from a member
// (Config.Members): a client, or any node outside the members, has no say in who
// leads, and a single message from one could otherwise name a leader no node can
// reach at the highest version, for good, on every node. Malformed entries are
// refused too (router.Entry.Problem), and, with Config.Ensembles, entries of
// ensembles or leaders this node's configuration does not hold (unheld). Refused entries are counted
// (Stats.GossipRefused), and each sender's first refusal is logged.
func (n *Node) learnGossip(m *router.Message) {
	if !n.members[m.From] {
		n.refuseGossip(m.From, len(m.Entries), "the sender is not a member (Config.Members)", nil)
		return
	}
	for i := range m.Entries {
		why := m.Entries[i].Problem()
		if why == "" {
			why = n.unheld(&m.Entries[i])
		}
		if why != "" {
			n.refuseGossip(m.From, 1, why, &m.Entries[i])
			continue
		}
		n.Learn(m.Entries[i])
	}
}

// unheld says why e is not for this node's directory under Config.Ensembles
// (unheldBy); "" if it is, or if there is no Config.Ensembles.
func (n *Node) unheld(e *router.Entry) string { return unheldBy(n.ensembles, e) }

// refuseGossip counts k refused entries from node from, and logs the first refusal
// of each sender.
func (n *Node) refuseGossip(from router.NodeID, k int, why string, e *router.Entry) {
	n.stats.gossipRefused.Add(uint64(k))
	if !n.refused.first(from) {
		return
	}
	args := []any{"from", string(from), "entries", k, "reason", why}
	if e != nil {
		args = append(args, "entry", e.String())
	}
	n.log.Warn("refused directory gossip (logged once per sender; Stats.GossipRefused counts every entry)", args...)
}

// antiEntropy sends the whole directory to one member per interval, round robin, so
// that a push lost to a disconnection is repaired within len(Members) intervals.
//
// Each member's round starts where its last one stopped (gossip may stop early: a
// full send queue, a connection down), going round the sorted directory, so that
// however often rounds stop early every entry reaches every member in time.
func (n *Node) antiEntropy() {
	tick := time.NewTicker(n.cfg.GossipInterval)
	defer tick.Stop()
	from := make(map[router.NodeID]int, len(n.cfg.Members)) // where each member's next round starts
	for i := 0; ; i++ {
		select {
		case <-tick.C:
		case <-n.done:
			return
		}
		m := n.cfg.Members[i%len(n.cfg.Members)]
		es := n.Entries()
		if len(es) == 0 {
			continue
		}
		start := from[m] % len(es)
		round := append(es[start:len(es):len(es)], es[:start]...)
		from[m] = start + n.gossip(m, round)
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
