package scenarios

import (
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// simPeer is a simulated ensemble member. The ensemble's truth (who leads, whether an
// election runs) lives in the world; what a follower believes about the leader comes
// from the leader's heartbeat, which may not have reached it yet.
type simPeer struct {
	wd   *world
	ref  router.PeerRef
	name string // ref.String(), rendered once for the world (ensState.names)
	sn   *simNode
	node *router.Node // the incarnation this peer belongs to
	es   *ensState    // its ensemble
	mi   int          // its index in es.members
}

// Handle is the peer's reaction to an event: the leader answers after its service
// time (or never, while it hangs); a follower forwards once to the leader it believes
// in, even while an election it has not heard of runs; a peer that knows of no leader
// but itself (a deposed leader, now electing) refuses (nack), and so does any peer
// handed a forward it cannot serve.
func (p *simPeer) Handle(r *router.Request) {
	es := p.es
	if r.IsCast() {
		leads := es.leaderMI == p.mi
		p.wd.chk.castHandled(p, r.Event(), leads)
		if leads { // the trace names the cast, which no call id does
			p.wd.w.Emit(string(p.ref.Node), "cast-taken", strAttr("event", string(r.Event())), strAttr("peer", p.name))
		}
	}
	if es.leaderMI == p.mi { // es.leader == p.ref
		p.lead(es, r)
		return
	}
	switch believed := &es.view[p.mi].leader; {
	case r.Forwarded() || believed.IsZero() || *believed == p.ref:
		r.Nack()
	default:
		r.Forward(*believed)
	}
}

func (p *simPeer) lead(es *ensState, r *router.Request) {
	now := p.wd.w.Now()
	service := &p.wd.peerService
	if len(es.slow) > 0 { // most ensembles never have a slow member: no lookup
		if s, ok := es.slowNow(p.ref.Name, now); ok {
			if s.service == nil {
				p.wd.w.Emit(string(p.ref.Node), "hang", strAttr("peer", p.ref.String()), strAttr("call", r.Call().String()))
				return
			}
			service = s.service
		}
	}
	d := service.Sample(p.wd.peerRand)
	if b := r.Budget(); p.wd.spec.Peer.HonorBudget && b != router.Infinity && d > b {
		// The work would outlast the budget: the peer gives it up when the budget ends,
		// and answers nothing.
		p.wd.w.Emit(string(p.ref.Node), "abandon", strAttr("peer", p.ref.String()), strAttr("call", r.Call().String()), sim.Dur("budget", b))
		p.wd.chk.probes.abandoned++
		p.wd.chk.working(r.Call(), b)
		return
	}
	p.wd.chk.working(r.Call(), d)
	ev := r.Event()
	// The value goes to the router, which owns it from then on (it travels in a
	// message, and the caller's result keeps it): it lives in the arena, never in the
	// recycled answer.
	value := p.wd.values.alloc(len(ev) + 1 + len(p.name))
	value[copy(value, ev)] = '|'
	copy(value[len(ev)+1:], p.name)
	a := p.wd.answers.get()
	a.p, a.r, a.value, a.paused0 = p, r, value, p.sn.host.PausedTotal()
	p.wd.w.AfterAction(d, a)
}

// answer is a leader's answer on its way out, the action of the event that ends the
// leader's service time. Answers are recycled (answerPool): the event that runs one
// is its only holder until it replies, and reply returns it to the pool.
type answer struct {
	p     *simPeer
	r     *router.Request
	value []byte
	pool  *answerPool
	held  bool // handed out by the pool and not yet returned
	// paused0 is the host's PausedTotal when the service began, or last went on:
	// the work stops while the node is paused, and owes the time it lost.
	paused0 time.Duration
	owed    time.Duration // the work left when the service ended in a pause
}

// Run ends the leader's service, and sends the answer. It runs on the node: a pause
// during the service stops the work, which goes on for the time the pause took
// (checked again when that is up, for a pause meanwhile), and one at its end delays
// the answer to the resume (Host.Defer); a crash before the answer kills it with the
// process.
func (a *answer) Run() {
	h := a.p.sn.host
	owed := h.PausedTotal() - a.paused0 // the time paused since the work began
	switch {
	case owed > 0 && h.Paused():
		a.owed = owed
		h.Defer(a.goOn)
	case owed > 0:
		a.paused0 = h.PausedTotal()
		a.p.wd.w.AfterAction(owed, a)
	case h.Paused():
		h.Defer(a.reply) // done as the pause began
	default:
		a.reply()
	}
}

// goOn is the work going on at the resume for the time it owes.
func (a *answer) goOn() {
	a.paused0 = a.p.sn.host.PausedTotal()
	a.p.wd.w.AfterAction(a.owed, a)
}

func (a *answer) reply() {
	if !a.held {
		panic("scenarios: an answer ran after it was recycled")
	}
	p, r, value := a.p, a.r, a.value
	a.pool.put(a) // nothing below reads a
	if p.sn.node == p.node {
		r.Reply(value)
	}
}

// answerPool recycles answers: a run has as many at a time as leaders working, not
// one per call.
type answerPool struct {
	free []*answer
}

func (ap *answerPool) get() *answer {
	var a *answer
	if k := len(ap.free); k > 0 {
		a = ap.free[k-1]
		ap.free[k-1] = nil
		ap.free = ap.free[:k-1]
	} else {
		a = &answer{pool: ap}
	}
	a.held = true
	return a
}

// put returns a to the pool, dropping what it referred to: field by field, since
// clearing the whole answer at once costs a bulk write barrier over all its pointer
// words while the collector marks.
func (ap *answerPool) put(a *answer) {
	a.p, a.r, a.value, a.held = nil, nil, nil, false
	ap.free = append(ap.free, a)
}
