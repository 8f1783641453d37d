package driver

import (
	"sync/atomic"

	"github.com/ensroute/ensroute/router"
)

// MaxHops is the last slot of Stats.Hops: requests that arrived after MaxHops or
// more transfers.
const MaxHops = 8

// Codes has a slot for every reply code (router.Code), indexed by the code.
type Codes [len(router.Stats{}.Completed)]uint64

// Stats is a snapshot of what a node did.
type Stats struct {
	// Router sums the counters of the node's router cores: calls by outcome, late
	// replies dropped, redirects, hop limits, sheds, ... A call whose context was
	// cancelled while it waited is ended in its core as its deadline would end it,
	// and counted in Router.Completed under router.CodeTimeout (its caller gets the
	// context's error); Cancelled counts those apart. A call that its deadline (or
	// cancellation) ended while its shard was busy, and whose core then took a reply
	// for it before its deadline, is counted as its caller saw it: under
	// router.CodeTimeout, and the reply in Late, unless the reply was a timeout too,
	// which is what the caller got (under riak every failure is one, so only an
	// answer is counted there).
	Router router.Stats
	// Cancelled counts the calls ended while they waited because their context was
	// cancelled (not its deadline): each is also in Router.Completed, as a timeout.
	Cancelled uint64
	// Shed counts routes and casts refused because their instance's mailbox was full
	// or the node was closing, and peer events (a peer-target call's, a forward's)
	// refused because it was closing.
	Shed uint64
	// BadInstance counts routes and casts naming an instance this node lacks; they
	// go to the instance their pick folds onto (modulo the node's count).
	BadInstance uint64
	// Mailboxes is each router instance's queue depth now: the routes and casts in
	// its mailbox, and those for local peers it has taken in its current batch
	// (up to 64 at a time) and not yet handed to their peer. A batch is handed over
	// one request after another, each once the last one's Handle has returned, so
	// behind a peer whose Handle is slow the batch waits there; the request in Handle
	// is not counted.
	Mailboxes []int
	// Hops counts the requests this node received by the transfers they had made;
	// Hops[MaxHops] counts those that had made MaxHops or more. HopSum is the sum of
	// their transfers, exact up to router.MaxHopLimit+1 transfers, the most a hop
	// count carries on the wire (nettransport): a request passed on longer than that
	// (under riak, which has no hop limit) arrives with that count.
	Hops   [MaxHops + 1]uint64
	HopSum uint64
	// Loops counts the requests that arrived here having made LoopHops transfers
	// between nodes: each is going round in a loop (nodes that name each other as
	// its ensemble's leader), and is counted once, on one node. Under riak each goes
	// on until the nodes agree; the log warns of the first, once a minute at most.
	Loops uint64
	// Served counts the replies this node sent for calls started on other nodes, by
	// their code: what became of the requests it served that were answered (a
	// CodeNack is a local peer's refusal, which the caller's node turns into a
	// redirect or router.ErrNotLeader). Under riak, a leader's answer to the worker
	// that called a follower is not counted; the worker's relay of it is, on the
	// worker's node (but for a worker on the call's own node, whose relay stays there:
	// the leader's answer to it is counted). Router.Completed counts only the calls
	// started on this node.
	Served Codes
	// PassedOn counts the requests of calls started on other nodes that this node
	// sent on to another node (to the leader's node, or a follower's forward).
	PassedOn uint64
	// GossipIn and GossipOut count directory messages received and sent.
	GossipIn, GossipOut uint64
	// Conflicts counts directory entries refused because they named another leader
	// with the version this node holds: two leaders announced with one version (see
	// Node.Announce). Gossip repeats them, so one conflict counts again each time
	// an entry carrying it arrives.
	Conflicts uint64
	// GossipRefused counts directory entries refused because their sender is not a
	// member (Config.Members), they are malformed, or, with Config.Ensembles, their
	// ensemble or their leader's node is not one this node's configuration holds.
	GossipRefused uint64
	// Expired counts the calls that ended before they reached a router core, because
	// their deadline had passed (or their context was done) when they started, or
	// while they waited for a busy shard to start: they returned router.ErrTimeout
	// (or the context's error) at once, sent nothing, and are not in
	// Router.Completed. On a busy machine a caller can be held up that long between
	// making its context and calling, or waiting for its turn.
	Expired uint64
}

type counters struct {
	shed, badInstance, gossipIn, gossipOut, expired, conflicts, gossipRefused, cancelled, loops atomic.Uint64
	hops                                                                                        [MaxHops + 1]atomic.Uint64
	hopSum                                                                                      atomic.Uint64
}

func (c *counters) hop(h int) {
	h = max(h, 0)
	c.hops[min(h, MaxHops)].Add(1)
	c.hopSum.Add(uint64(h))
}

// shardCounters are what a shard counts during its turns, under its lock.
type shardCounters struct {
	served   Codes
	passedOn uint64
	// overtaken counts, by code, the completions the core made of calls that their
	// deadline (or cancellation) had ended already, other than its own timeouts
	// (waiter.end): the replies that reached the core first.
	overtaken Codes
}

// overtook counts r, the core's completion of a call that its deadline (or
// cancellation) ended first, while the shard was busy (waiter.end). The core's own
// timeout of it is the one expected; any other outcome (a reply that reached the core
// first) goes nowhere, and Stats counts it as that timeout and a late reply.
func (c *shardCounters) overtook(r router.Result) {
	if code := router.CodeOf(r.Err); code != router.CodeTimeout {
		c.overtaken[code]++
	}
}

// sent counts m, which a shard's core sent to node to, if it serves a call started
// elsewhere: a reply, or a request passed on. A leader's answer to a riak worker is
// not the call's reply, the worker's relay of it is, but for a worker on the call's
// own node, whose relay is not sent.
func (c *shardCounters) sent(self, to router.NodeID, m *router.Message) {
	switch m.Kind {
	case router.KindReply:
		if m.Code.Valid() && (m.Worker == 0 || to == m.Call.Node) {
			c.served[m.Code]++
		}
	case router.KindRoute, router.KindPeer:
		if !m.Call.IsZero() && m.Call.Node != self {
			c.passedOn++
		}
	}
}

// Stats returns a snapshot of the node's counters.
func (n *Node) Stats() Stats {
	var st Stats
	for _, s := range n.shards {
		s.lock()
		st.Router.Add(s.core.Stats())
		for c, v := range s.stats.served {
			st.Served[c] += v
		}
		for c, v := range s.stats.overtaken {
			// Counted as its caller saw it, under the same lock as the core's count.
			st.Router.Completed[c] -= v
			st.Router.Completed[router.CodeTimeout] += v
			st.Router.Late += v
		}
		st.PassedOn += s.stats.passedOn
		s.unlock()
	}
	st.Shed, st.BadInstance = n.stats.shed.Load(), n.stats.badInstance.Load()
	st.GossipIn, st.GossipOut = n.stats.gossipIn.Load(), n.stats.gossipOut.Load()
	st.Expired, st.Conflicts, st.GossipRefused = n.stats.expired.Load(), n.stats.conflicts.Load(), n.stats.gossipRefused.Load()
	st.Cancelled = n.stats.cancelled.Load()
	for i := range st.Hops {
		st.Hops[i] = n.stats.hops[i].Load()
	}
	st.HopSum, st.Loops = n.stats.hopSum.Load(), n.stats.loops.Load()
	for i, b := range n.boxes {
		st.Mailboxes = append(st.Mailboxes, len(b)+int(n.taken[i].Load()))
	}
	return st
}
