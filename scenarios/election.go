package scenarios

import (
	"time"

	"github.com/ensroute/ensroute/router"
)

// scheduleElection takes the ensemble's leader away at el.At and installs el.Leader
// el.Duration later. Nobody announces the start: as in the original, directories only
// learn leaders, so during the election they still name the old one, whose peer now
// refuses (nack). The end bumps the version; the new leader's node learns first and
// pushes the entry to every other member node over the network. An election that
// ends without a leader (none named, or its node is down) announces "no leader" from
// the first running member; under riak it announces nothing, as the original's
// manager learns leaders only, and the directories keep naming the last one.
func (wd *world) scheduleElection(el Election) {
	id := router.EnsembleID(el.Ensemble)
	wd.w.Schedule(el.At.D(), func() {
		es := wd.ens[id]
		es.setLeader(-1)
		es.convAt = 0
		wd.chk.electionStarted(id)
		wd.w.Emit("", "election", strAttr("ens", string(id)))
	})
	wd.w.Schedule(el.At.D()+el.Duration.D(), func() {
		es := wd.ens[id]
		wd.chk.electionEnded(id)
		if !es.leader.IsZero() {
			return // an overlapping election installed a leader already
		}
		winner := -1
		for i, m := range es.members {
			if m.Name == el.Leader && wd.nodes[m.Node].node != nil {
				winner = i
			}
		}
		es.version++
		es.convAt = 0
		if winner < 0 {
			wd.w.Emit("", "election-failed", strAttr("ens", string(id)), strAttr("wanted", el.Leader), intAttr("version", int64(es.version)))
			if wd.opt.Semantics == router.Riak {
				return
			}
			es.dirLeader, es.dirVersion = router.PeerRef{}, es.version
			for _, m := range es.members {
				if wd.nodes[m.Node].node != nil {
					wd.announce(m.Node, router.Entry{Ensemble: id, Version: es.version})
					return
				}
			}
			return // every member is down: anti-entropy spreads the news after restarts
		}
		es.setLeader(winner) // convAt was reset with the version above
		es.dirLeader, es.dirVersion = es.leader, es.version
		wd.w.Emit("", "elected", strAttr("ens", string(id)), strAttr("leader", es.leader.String()), intAttr("version", int64(es.version)))
		wd.heartbeat(es, es.leader, es.version)
		wd.announce(es.leader.Node, router.Entry{Ensemble: id, Leader: es.leader, Version: es.version})
	})
}

// announce lets node learn e first, then push it to every other member node.
func (wd *world) announce(from router.NodeID, e router.Entry) {
	sn := wd.nodes[from]
	sn.host.Defer(func() { wd.push(sn, e) })
}

func (wd *world) push(sn *simNode, e router.Entry) {
	n := sn.node
	if n == nil {
		return // the node is down; anti-entropy spreads the news once someone has it
	}
	from := sn.id
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
//
// Before that, each running member node learns the truth about the ensembles it hosts
// peers of, as members hear it from each other; so an announcement lost with a
// crashed node is not lost for good. The news comes from the leader's node: a member
// cut off from it hears nothing until the cut heals (a partition delays directory
// updates on the minority side).
func (wd *world) antiEntropy() {
	ms := wd.members()
	for _, sn := range ms {
		if sn.node == nil || sn.host.Paused() {
			continue
		}
		for _, ref := range sn.peers {
			es := wd.ens[ref.Ensemble]
			if !wd.reaches(es.dirLeader.Node, sn.id) {
				continue
			}
			sn.node.Learn(router.Entry{Ensemble: es.id, Leader: es.dirLeader, Version: es.dirVersion})
		}
	}
	if len(ms) > 1 {
		shift := 1 + wd.gossipRound%(len(ms)-1)
		for i, sn := range ms {
			if sn.node != nil && !sn.host.Paused() {
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
//
// The answer is remembered until something it depends on changes: a directory
// entry for e (every applied update is traced as EvLearn, which resets it), the
// truth about e (elections reset it), or the set of running nodes (a boot or a
// crash moves wd.convEpoch on). Without the memo, each call in the liveness phase
// would read every member's directory: at a thousand nodes that is the whole run.
func (wd *world) converged(e router.EnsembleID) bool { return wd.convergedES(wd.ens[e]) }

// convergedES is converged for the ensemble's state.
func (wd *world) convergedES(es *ensState) bool {
	if es.convAt != 0 && es.convAt == wd.convEpoch {
		if wd.verifyConv && wd.convergedNow(es) != es.conv {
			panic("scenarios: remembered convergence of " + string(es.id) + " is stale")
		}
		return es.conv
	}
	es.conv, es.convAt = wd.convergedNow(es), wd.convEpoch
	return es.conv
}

// convergedNow is converged without the memo.
func (wd *world) convergedNow(es *ensState) bool {
	e := es.id
	for _, sn := range wd.members() {
		if sn.node == nil {
			continue
		}
		if got, _ := sn.node.Directory().Lookup(e); got.Leader != es.dirLeader || got.Version != es.dirVersion {
			return false
		}
	}
	return true
}

// heartbeat tells every member that leader leads as of version: at once for the
// leader itself, one sampled network latency later for the others (unless they have
// heard of something newer by then). A member that cannot hear the leader then (cut
// off from its node, down or paused) keeps its old belief, and the leader tries again
// every gossip interval while it still leads as of version, until anti-entropy stops.
func (wd *world) heartbeat(es *ensState, leader router.PeerRef, version uint64) {
	for i, m := range es.members {
		d := time.Duration(0)
		if m != leader {
			d = wd.spec.Link.Latency.Sample(wd.beatRand)
		}
		wd.w.After(d, func() { wd.beat(es, i, leader, version) })
	}
}

// beat is a heartbeat's arrival at member i of es.
func (wd *world) beat(es *ensState, i int, leader router.PeerRef, version uint64) {
	if es.view[i].version >= version {
		return
	}
	if m := es.members[i]; m == leader || wd.nodes[m.Node].node != nil && !wd.nodes[m.Node].host.Paused() && wd.reaches(leader.Node, m.Node) {
		es.view[i] = belief{leader: leader, version: version}
		return
	}
	if es.version == version && wd.w.Now()+wd.spec.Gossip.Interval.D() <= wd.gossipUntil {
		wd.w.After(wd.spec.Gossip.Interval.D(), func() { wd.beat(es, i, leader, version) })
	}
}

// reaches reports whether news from node from can reach node to now: no node (no
// leader) is news from anyone, and the link between them is not cut.
func (wd *world) reaches(from, to router.NodeID) bool {
	return from == "" || from == to || !wd.net.Partitioned(from, to)
}
