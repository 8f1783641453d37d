package scenarios

import (
	"github.com/ensroute/ensroute/router"
)

// scheduleElection takes the ensemble's leader away at el.At and installs el.Leader
// el.Duration later. Each change bumps the version; the node of the peer concerned
// learns first and pushes the entry to every other member node over the network.
func (wd *world) scheduleElection(el Election) {
	id := router.EnsembleID(el.Ensemble)
	wd.w.Schedule(el.At.D(), func() {
		es := wd.ens[id]
		learner := es.members[0].Node
		if !es.leader.IsZero() {
			learner = es.leader.Node
		}
		es.leader = router.PeerRef{}
		es.version++
		wd.chk.electionStarted(id)
		wd.w.Emit("", "election", strAttr("ens", string(id)), intAttr("version", int64(es.version)))
		wd.announce(learner, router.Entry{Ensemble: id, Version: es.version})
	})
	if el.Leader == "" {
		return
	}
	wd.w.Schedule(el.At.D()+el.Duration.D(), func() {
		es := wd.ens[id]
		for _, m := range es.members {
			if m.Name == el.Leader {
				es.leader = m
			}
		}
		es.version++
		wd.chk.electionEnded(id)
		wd.w.Emit("", "elected", strAttr("ens", string(id)), strAttr("leader", es.leader.String()), intAttr("version", int64(es.version)))
		wd.announce(es.leader.Node, router.Entry{Ensemble: id, Leader: es.leader, Version: es.version})
	})
}

// announce lets node learn e first, then push it to every other member node.
func (wd *world) announce(from router.NodeID, e router.Entry) {
	n := wd.upNode(from)
	if n == nil {
		return // the node is down; anti-entropy spreads the news once someone has it
	}
	n.Learn(e)
	for _, sn := range wd.members() {
		if sn.id != from {
			_ = n.Gossip(sn.id, []router.Entry{e}) // a failure is traced; anti-entropy repairs
		}
	}
}

// antiEntropy: every member sends its whole directory to one other member, round
// robin, so that after len(members)-1 rounds without faults every member has heard from
// every other: convergence has a bound, not just a probability.
func (wd *world) antiEntropy() {
	ms := wd.members()
	if len(ms) > 1 {
		shift := 1 + wd.gossipRound%(len(ms)-1)
		for i, sn := range ms {
			if sn.node != nil {
				_ = sn.node.Gossip(ms[(i+shift)%len(ms)].id, sn.node.Directory().Entries())
			}
		}
	}
	wd.gossipRound++
	if wd.w.Now()+wd.spec.Gossip.Interval.D() <= wd.gossipUntil {
		wd.w.After(wd.spec.Gossip.Interval.D(), wd.antiEntropy)
	}
}

// converged reports whether every running member's directory holds the truth about e.
func (wd *world) converged(e router.EnsembleID) bool {
	es := wd.ens[e]
	for _, sn := range wd.members() {
		if sn.node == nil {
			continue
		}
		if got, _ := sn.node.Directory().Lookup(e); got.Leader != es.leader || got.Version != es.version {
			return false
		}
	}
	return true
}
