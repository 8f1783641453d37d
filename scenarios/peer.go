package scenarios

import (
	"github.com/ensroute/ensroute/router"
)

// simPeer is a simulated ensemble member. The ensemble's truth (who leads, whether an
// election runs) lives in the world; what a follower believes comes from its node's
// directory, which may be stale.
type simPeer struct {
	wd   *world
	ref  router.PeerRef
	sn   *simNode
	node *router.Node // the incarnation this peer belongs to
}

// Handle is the peer's reaction to an event: a leader answers after its service time
// (or never, while it hangs); a follower forwards once to the leader it knows; during
// an election every member refuses (nack).
func (p *simPeer) Handle(r *router.Request) {
	es := p.wd.ens[p.ref.Ensemble]
	switch {
	case es.leader == p.ref:
		p.lead(es, r)
	case es.leader.IsZero():
		r.Nack()
	default:
		e, _ := p.node.Directory().Lookup(p.ref.Ensemble)
		if r.Forwarded() || e.Leader.IsZero() || e.Leader == p.ref {
			r.Nack()
			return
		}
		r.Forward(e.Leader)
	}
}

func (p *simPeer) lead(es *ensState, r *router.Request) {
	now := p.wd.w.Now()
	service := p.wd.spec.Peer.Service
	if s, ok := es.slow[p.ref.Name]; ok && now < s.until {
		if s.service == nil {
			p.wd.w.Emit(string(p.ref.Node), "hang", strAttr("peer", p.ref.String()), strAttr("call", r.Call().String()))
			return
		}
		service = *s.service
	}
	d := service.Sample(p.wd.peerRand)
	value := append(append(append([]byte{}, r.Event()...), '|'), p.ref.String()...)
	p.wd.w.After(d, func() {
		// A crash between the event and the answer kills the answer with the process.
		if p.sn.node != p.node {
			return
		}
		r.Reply(value)
	})
}
