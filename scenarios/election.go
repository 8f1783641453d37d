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

// antiEntropy: every member sends its whole directory to one random other member.
func (wd *world) antiEntropy() {
	ms := wd.members()
	for _, sn := range ms {
		if sn.node == nil || len(ms) < 2 {
			continue
		}
		to := ms[wd.gossipRand.IntN(len(ms)-1)]
		if to.id == sn.id {
			to = ms[len(ms)-1]
		}
		_ = sn.node.Gossip(to.id, sn.node.Directory().Entries())
	}
	if wd.w.Now()+wd.spec.Gossip.Interval.D() <= wd.gossipUntil {
		wd.w.After(wd.spec.Gossip.Interval.D(), wd.antiEntropy)
	}
}
