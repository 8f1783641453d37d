package driver

import (
	"strconv"
	"time"

	"github.com/ensroute/ensroute/router"
)

// LoopHops is the count of transfers between nodes at which a request that arrives
// is taken to go round in a loop (Stats.Loops): a request's path takes a few (the
// caller's node, the leader's, a follower's forward, a redirect), and under riak
// semantics, which has no hop limit, a request whose nodes name each other as its
// ensemble's leader (their directories disagree) is passed between them until they
// agree, tens of thousands of times a second, for as long as that takes: for ever
// if they hold two leaders with one version, which gossip does not settle (see
// Node.Announce). Under default semantics the hop limit (router.Config.HopLimit, 4
// unless set higher) ends it first.
const LoopHops = 64

// loopQuiet is the least time between two warnings of a request in a loop.
const loopQuiet = time.Minute

// arrived counts request m (a route, cast or peer request from another node) by the
// transfers it has made. One that arrives having made LoopHops of them is counted in
// Stats.Loops and warned of, at most once a loopQuiet: a request's count grows by one
// at each transfer, so it arrives at LoopHops once, on one node. (On the wire the
// count stops at router.MaxHopLimit+1, far past LoopHops.)
func (n *Node) arrived(m *router.Message) {
	n.stats.hop(m.Hops)
	if m.Hops != LoopHops {
		return
	}
	n.stats.loops.Add(1)
	now := max(int64(n.now()), 1) // 0: never warned
	last := n.loopWarned.Load()
	if last != 0 && now-last < int64(loopQuiet) || !n.loopWarned.CompareAndSwap(last, now) {
		return
	}
	ens := m.Ensemble
	if m.Kind == router.KindPeer {
		ens = m.Peer.Ensemble
	}
	args := []any{"ensemble", string(ens), "from", string(m.From), "call", m.Call.String(), "hops", m.Hops}
	if e, ok := n.Lookup(ens); ok {
		args = append(args, "leader_here", e.Leader.String(), "version", e.Version)
	}
	msg := "a request has passed between nodes " + strconv.Itoa(LoopHops) + " times: the nodes on its way name each other as its ensemble's leader (their directories disagree); under riak semantics, which has no hop limit, it goes on until they agree, as the original's does (a newer version of the leader, announced or gossiped, ends it; two leaders announced with one version never do: see the directory conflict warnings); warned of once a minute at most, Stats.Loops counts each such request"
	if n.cfg.Semantics != router.Riak {
		msg = "a request has passed between nodes " + strconv.Itoa(LoopHops) + " times: the nodes on its way name each other as its ensemble's leader (their directories disagree); the hop limit (HopLimit) ends it; warned of once a minute at most, Stats.Loops counts each such request"
	}
	n.log.Warn(msg, args...)
}
