package scenarios

import (
	"time"

	"github.com/ensroute/ensroute/router"
)

// castRec is what the checker keeps of one workload cast. A cast has no call id and
// no outcome: it is known by its event, "s<n>" for casts[n-1], which every message
// and request of it carries. What can go wrong with one, the checker sees at the
// peers and on the network:
//
//   - reply-matches-call: it reaches a peer of another ensemble;
//   - exactly-once: leaders serve it more often than copies of it were made (at most
//     once, when no message of it was duplicated);
//   - hop-bound: it passes between nodes more often than the hop limit allows
//     (default semantics), or a transfer does not count itself: until a copy of it is
//     made, its transfers are one chain, and each carries at least its place in it;
//     copies or not, a node passes it on with more than the least count it was
//     handed it with;
//   - liveness: made in the liveness phase, it never reaches its leader (unless a
//     member that does not lead was handed it during an election, or before hearing
//     of the leader).
type castRec struct {
	startGlobal time.Duration
	ens         int32 // the target ensemble, an index into wd.eord and wd.ensBy
	transfers   int32
	served      int32 // times a leader took it up
	live        bool
	duplicated  bool // a message of it was duplicated: transfers are not a chain
	hopFlagged  bool
	misrouted   bool
	// hops holds the least hop count each node was handed it with (default).
	hops hopTable
}

// Casts counts the workload's casts: made (Total), taken up by a leader at least
// once (Served), and not made because their node was down when they were due
// (Skipped). Casts nobody waits for: Total-Served were lost (counted or not).
type Casts struct {
	Total   uint64 `json:"total"`
	Served  uint64 `json:"served"`
	Skipped uint64 `json:"skipped"`
}

// beginCast registers a workload cast about to be made, to es's leader or (peer not
// -1) to its member es.members[peer]: cast number len(c.casts) once registered.
func (c *checker) beginCast(es *ensState, peer int32) {
	cr := castRec{startGlobal: c.wd.w.Now(), ens: es.idx}
	if c.livePhase() {
		cr.live = c.liveNow(es, peer)
	}
	c.casts = append(c.casts, cr)
}

// castOf returns the record of the cast whose event is event ("s<n>"), or nil when
// event names no cast made.
func (c *checker) castOf(event []byte) *castRec {
	if len(event) < 2 || len(event) > 11 || event[0] != 's' || event[1] == '0' {
		return nil
	}
	n := 0
	for _, b := range event[1:] {
		if b < '0' || b > '9' {
			return nil
		}
		n = n*10 + int(b-'0')
	}
	if n > len(c.casts) {
		return nil
	}
	return &c.casts[n-1]
}

// castHandled sees peer p handed the request of a cast of event; leads says p leads
// its ensemble and takes the cast up.
func (c *checker) castHandled(p *simPeer, event []byte, leads bool) {
	cr := c.castOf(event)
	if cr == nil {
		return
	}
	if p.es.idx != cr.ens && !cr.misrouted {
		cr.misrouted = true
		c.violate(InvReplyMatchesCall, router.CallID{}, "cast %s to %s was handed to %s, a peer of another ensemble", event, c.wd.eord[cr.ens], p.name)
	}
	if !leads {
		// A member that does not lead passes the cast on, or refuses it if it is
		// electing or knows no other leader. Should an election have begun, or its
		// news not have reached the member, the cast is the election's casualty, as a
		// call would be, however long it has travelled (an election taints only the
		// casts of its last timeout: a cast has no deadline).
		if cr.live && (c.elections(p.es.id) != 0 || !samePeer(&p.es.view[p.mi].leader, &p.es.leader)) {
			cr.live = false
		}
		return
	}
	cr.served++
	if cr.served > 1 && !cr.duplicated {
		c.violate(InvExactlyOnce, router.CallID{}, "cast %s to %s taken up by a leader %d times (now %s), and no message of it was duplicated", event, c.wd.eord[cr.ens], cr.served, p.name)
	}
}

// castSent sees a transfer of cast message m (a route or peer message of no call)
// from node from: hop-bound, as for a call's requests.
func (c *checker) castSent(from router.NodeID, m *router.Message) {
	cr := c.castOf(m.Event)
	if cr == nil || c.wd.opt.Semantics == router.Riak || cr.hopFlagged {
		return
	}
	cr.transfers++
	limit := c.wd.spec.HopLimit
	switch {
	case m.Hops > limit || int(cr.transfers) > limit && !cr.duplicated:
		cr.hopFlagged = true
		c.violate(InvHopBound, router.CallID{}, "cast %s passed between nodes %d times (message says hops=%d), limit %d; %s passed it on past the limit", m.Event, cr.transfers, m.Hops, limit, from)
	case m.Hops < 1:
		cr.hopFlagged = true
		c.violate(InvHopBound, router.CallID{}, "%s passed cast %s on with hops=%d: a transfer counts at least 1", from, m.Event, m.Hops)
	case m.Hops < int(cr.transfers) && !cr.duplicated:
		// A cast is never redirected: until a copy of it is made, its transfers are
		// one chain, and each carries at least its place in it.
		cr.hopFlagged = true
		c.violate(InvHopBound, router.CallID{}, "%s passed cast %s on with hops=%d as its transfer %d: a transfer was not counted", from, m.Event, m.Hops, cr.transfers)
	default:
		// Copies or not, a node passes a cast on with more than the least count it
		// was handed it with (a cast is never redirected).
		if least, ok := cr.hops.least(from); ok && m.Hops <= least {
			cr.hopFlagged = true
			c.violate(InvHopBound, router.CallID{}, "%s passed cast %s on with hops=%d, though it was handed it with hops=%d at least: the transfer was not counted", from, m.Event, m.Hops, least)
		}
	}
}

// castHanded sees node to handed message id of a cast, m: a copy of a message a node
// was handed before makes the cast's transfers no chain (and leaders may serve it
// again); and each node's least count is kept, which it must pass the cast on with
// more than.
func (c *checker) castHanded(to router.NodeID, id uint64, m *router.Message) {
	cr := c.castOf(m.Event)
	if !c.handed.addNew(id) && cr != nil {
		cr.duplicated = true
	}
	if cr != nil && c.wd.opt.Semantics == router.Default {
		cr.hops.saw(to, m.Hops)
	}
}

// taintCasts exempts from liveness the casts to es made within timeout/0.8 of now that
// no leader has taken up yet: an election began or ended while they travelled.
func (c *checker) taintCasts(es *ensState) {
	// A cast's budget is spent by the clocks of the nodes it passes, the slowest of
	// which runs at 0.8 of virtual time (drift and periodic drift both at their
	// ±100000 ppm bound): it is under way for at most timeout/0.8.
	window := c.wd.spec.Workload.Timeout.D() * 5 / 4
	for i := len(c.casts) - 1; i >= 0; i-- {
		cr := &c.casts[i]
		if cr.startGlobal+window < c.wd.w.Now() {
			break
		}
		if cr.ens == es.idx && cr.served == 0 {
			cr.live = false
		}
	}
}

// finishCasts reports the casts made in the liveness phase that no leader took up,
// and returns the casts' counts for the report (nil for a workload of no casts).
func (c *checker) finishCasts() *Casts {
	if len(c.casts) == 0 && c.castsSkipped == 0 {
		return nil
	}
	cs := &Casts{Total: uint64(len(c.casts)), Skipped: c.castsSkipped}
	for i := range c.casts {
		cr := &c.casts[i]
		if cr.served > 0 {
			cs.Served++
		} else if cr.live {
			c.violate(InvLiveness, router.CallID{}, "cast s%d to %s, made at %v in the liveness phase, never reached a leader", i+1, c.wd.eord[cr.ens], cr.startGlobal)
		}
	}
	return cs
}
