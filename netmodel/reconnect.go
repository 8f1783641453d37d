package netmodel

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// A sender that has noticed that it cannot reach a node (a cut it has noticed,
// Config.DetectAfter; a crash it has noticed; a pause it has noticed,
// Config.PauseDetectAfter) has lost its connection to it, as the production transport
// closes a connection that has failed its heartbeat timeout. It gets it back only by
// redialing, as nettransport's dial loop does: the first attempt a backoff of
// Config.BackoffMin after the connection closed, the next another BackoffMin later,
// then the backoff doubles up to Config.BackoffMax, each wait with ±25% jitter. When
// the cause ends (Heal, Host.Restart, Host.Resume), the link stays down, its sends
// failing fast with router.ErrUnreachable, until the first attempt at or after that
// moment: up to BackoffMax and a quarter later. A connection carries both ways, and
// whichever end dials it brings both directions back: a restarted node dials the
// others at once, so they reach it at once (unless its own link to them is cut); a
// pair that a heal restores both ways comes back at the first attempt of either end;
// a client (Host.SetClient) is dialed by nobody, so its links come back at its own
// attempt. A node resumed after a pause its peers noticed finds those connections
// closed and redials after a first backoff: each pair comes back, both ways, at the
// first attempt of either end. An outage nobody noticed closed no connection and
// ends seamlessly.
//
// The attempts are drawn when the cause ends, from the "reconnect" stream, in a fixed
// order (links by sender and receiver id at a heal, senders in the order they were
// added at a restart or resume), and the link traces "reconnect" with the time it
// comes back. A cause that starts again on a link still redialing (a new cut, a crash
// or a pause of its receiver) finds it down at once, and its end continues the same
// dial loop. A restarted sender starts with no dial loop: a new process dials at once.

// Production's redial backoff (nettransport.DefaultBackoffMin, DefaultBackoffMax).
const (
	DefaultBackoffMin = 50 * time.Millisecond
	DefaultBackoffMax = 2 * time.Second
)

// MinBackoff is the least Config.BackoffMin of a network that redials: a dial loop
// faster than that is no network's, and a long outage would cost a draw per attempt.
const MinBackoff = time.Millisecond

// MaxBackoff is the largest Config.BackoffMax, as nettransport.MaxBackoff is the
// production transport's: the jitter (+25%) and the doubling of a larger backoff
// would overflow near the largest time.Duration.
const MaxBackoff = time.Hour

// redialState is a link's dial loop: the time of its next attempt and the backoff
// before the one after it. It is valid while linkState.downUntil lies ahead.
type redialState struct {
	next    int64
	backoff int64
}

// down is the linkState.downUntil of a link whose sender is redialing while the cause
// of its outage lasts: down until a cause end says when it reconnects.
const down = math.MaxInt64

// reconnectAct is the action of a reconnection's event when replies may be held
// (Config.ReplyHold): the replies held for the link are sent once it is back.
type reconnectAct struct{ n *Net }

// Run releases the held replies whose links are back.
func (a *reconnectAct) Run() {
	a.n.releaseReplies("reconnect")
	if a.n.cfg.Bugs.Has(bugs.RedialOn) {
		a.n.w.ScheduleAction(a.n.w.Now()+a.n.cfg.BackoffMax, a)
	}
}

// redialFor brings the dial loop of link ls, from node from to host dst, up to date at
// a change of what keeps it down: a cause that ended (noticed says whether the sender
// had noticed it, at noticedAt) or one that began. If the sender is redialing, or
// starts to now, the link stays down while any cause lasts (a cut, dst down or
// paused) and otherwise comes back at the first attempt from now on. A link whose
// sender never noticed anything is left alone. It reports whether it scheduled a
// reconnect; quiet leaves that to the caller to announce.
func (n *Net) redialFor(ls *linkState, from router.NodeID, dst *Host, noticed bool, noticedAt time.Duration, quiet bool) (scheduled bool) {
	if n.cfg.BackoffMax == 0 {
		return false
	}
	now := int64(n.w.Now())
	if now >= ls.downUntil {
		if !noticed {
			return false
		}
		// The connection closed when the sender noticed: its first wait starts then.
		ls.redial = redialState{next: int64(noticedAt) + n.jitter(n.cfg.BackoffMin), backoff: int64(n.cfg.BackoffMin)}
	}
	if dst == nil && !ls.blocked {
		// No host by that name yet: no connection to redial. One added later is
		// dialed afresh, not left down for a redial nothing would end.
		ls.downUntil = 0
		return false
	}
	if ls.blocked || dst == nil || !dst.up || dst.paused {
		ls.downUntil = down
		return false
	}
	if ls.redial.backoff <= 0 {
		// A link brought down with its pair's state only (redialTo, healed) has no
		// loop of its own: it starts one from now.
		ls.redial = redialState{next: now, backoff: int64(n.cfg.BackoffMin)}
	}
	for ls.redial.next < now {
		if b := ls.redial.backoff; b == int64(n.cfg.BackoffMax) && now-ls.redial.next > 2*b {
			// The backoff is at its cap: whole periods pass without a draw (the
			// jitter's mean is none), so that a long outage costs no more than a
			// short one; the last attempts are drawn.
			ls.redial.next += (now - ls.redial.next - b) / b * b
		}
		ls.redial.next += n.jitter(time.Duration(ls.redial.backoff))
		ls.redial.backoff = min(2*ls.redial.backoff, int64(n.cfg.BackoffMax))
	}
	ls.downUntil = ls.redial.next
	if !quiet {
		n.announce(ls, from, dst.id)
	}
	return true
}

// announce traces the reconnect of link ls, from node from to node to, at its
// downUntil, and has the replies held for it sent then.
func (n *Net) announce(ls *linkState, from, to router.NodeID) {
	at := time.Duration(ls.downUntil)
	n.w.Emit(string(from), "reconnect", sim.String("to", string(to)), sim.Dur("at", at))
	if n.cfg.ReplyHold > 0 {
		n.w.ScheduleAction(at, &n.reconnectAct)
	}
}

// jitter returns d with ±25% jitter, as nettransport's dial loop sleeps.
func (n *Net) jitter(d time.Duration) int64 {
	if n.redials == nil {
		n.redials = n.w.Stream("reconnect")
	}
	return int64(d) + n.redials.Int64N(int64(d)/2+1) - int64(d)/4
}

// resumeOrder is the "resume" stream, made when first drawn from: which of a resumed
// host's due timers and parked arrivals go first (Host.Resume).
func (n *Net) resumeOrder() *rand.Rand {
	if n.resumes == nil {
		n.resumes = n.w.Stream("resume")
	}
	return n.resumes
}

// healed brings the dial loops of the links a heal restored up to date, in the order
// of their sender's and receiver's ids. cut are those links, with whether each cut was
// noticed and when.
func (n *Net) healed(cut []healedLink) {
	slices.SortFunc(cut, func(a, b healedLink) int {
		return cmp.Or(cmp.Compare(a.key.from, b.key.from), cmp.Compare(a.key.to, b.key.to))
	})
	now := int64(n.w.Now())
	pending := func(ls *linkState) bool { return ls.downUntil > now && ls.downUntil != down }
	scheduled := cut[:0] // the links that reconnect later, in the same order
	for _, c := range cut {
		if from := n.hosts[c.key.from]; from == nil || !from.up {
			continue // a sender that is down redials nothing; it starts afresh
		}
		if n.redialFor(c.ls, c.key.from, n.hosts[c.key.to], c.noticed, c.noticedAt, true) {
			scheduled = append(scheduled, c)
		}
	}
	// A connection carries both ways: a pair cut both ways, and healed now, is back at
	// the first attempt of either node, or of the client if one is (no node dials a
	// client).
	both := make(map[linkKey]bool, len(scheduled)) // only looked up
	for _, c := range scheduled {
		both[c.key] = true
	}
	for _, c := range scheduled {
		back, ok := n.links[linkKey{c.key.to, c.key.from}]
		if !ok || !both[linkKey{c.key.to, c.key.from}] || !pending(c.ls) || !pending(back) {
			continue
		}
		switch from, to := n.hosts[c.key.from], n.hosts[c.key.to]; {
		case from.client:
			back.downUntil = c.ls.downUntil
		case to.client:
			c.ls.downUntil = back.downUntil
		default:
			t := min(c.ls.downUntil, back.downUntil)
			c.ls.downUntil, back.downUntil = t, t
		}
	}
	for _, c := range scheduled {
		n.announce(c.ls, c.key.from, c.key.to)
	}
}

// healedLink is a link a heal restores.
type healedLink struct {
	key       linkKey
	ls        *linkState
	noticed   bool
	noticedAt time.Duration
}

// How h comes back, for redialTo.
const (
	backNone    = iota // h crashed or paused: it dials nobody
	backRestart        // a new process, which dials the others at once
	backResume         // a resumed one, which finds its connections closed and redials
)

// redialTo brings the dial loops of the links to h from every other host up up to
// date, in the order the hosts were added: h restarted or resumed (noticed says
// whether that outage had been noticed, at noticedAt), or crashed or paused (back
// says which). A restarted h dials the others at once: the link from a host that is
// no client is then back at once, over h's connection, unless cut. A resumed h whose
// pause was noticed finds the connections its peers closed closed, and redials after
// a first backoff: each pair is back at the first attempt of either end that can dial
// the other (nobody dials a client), both ways. A pause nobody noticed closed nothing:
// a link to h still redialing from an earlier outage goes on with its own loop, and
// h's own links are left as they were.
func (n *Net) redialTo(h *Host, noticed bool, noticedAt time.Duration, back int) {
	dials := back == backRestart
	if n.cfg.BackoffMax == 0 {
		return
	}
	for _, id := range n.order {
		from := n.hosts[id]
		if from == h || !from.up {
			continue
		}
		ls, ok := n.links[linkKey{id, h.id}]
		if !ok {
			if !noticed {
				continue // never used, never redialing
			}
			ls = n.link(id, h.id)
		}
		if back, ok := n.links[linkKey{h.id, id}]; dials && !from.client && !ls.blocked && !from.paused && (!ok || !back.blocked) {
			// h dials from at once, and the connection carries from's sends too.
			ls.downUntil = 0
			continue
		}
		if back != backResume || !noticed || h.client && from.client {
			n.redialFor(ls, id, h, noticed, noticedAt, false)
			continue
		}
		if !n.redialFor(ls, id, h, noticed, noticedAt, true) {
			continue
		}
		if rev, ok := n.links[linkKey{h.id, id}]; ok && rev.blocked {
			// h's own way to from is cut: from's attempt alone can connect.
			n.announce(ls, id, h.id)
			continue
		}
		// The pair: from's attempt if it can dial h, h's own if it can dial from.
		t := int64(down)
		if !h.client {
			t = ls.downUntil
		}
		if !from.client {
			t = min(t, int64(n.w.Now())+n.jitter(n.cfg.BackoffMin))
		}
		rev := n.link(h.id, id)
		ls.downUntil, rev.downUntil = t, t
		// One connection, one dial loop to go on with, should either end lose it again.
		ls.redial.next = t
		rev.redial = ls.redial
		n.announce(ls, id, h.id)
		n.announce(rev, h.id, id)
	}
}

// redialFresh ends the dial loops of h's links to other hosts: h restarted, and a new
// process dials at once; but a client is not dialed, and h reaches it when it
// redials h (the link from it, which redialTo brought up to date).
func (n *Net) redialFresh(h *Host) {
	now := int64(n.w.Now())
	for _, id := range n.order {
		if id == h.id {
			continue
		}
		if back, ok := n.links[linkKey{id, h.id}]; ok && n.hosts[id].client && back.downUntil > now && back.downUntil != down {
			n.link(h.id, id).downUntil = back.downUntil
		} else if ls, ok := n.links[linkKey{h.id, id}]; ok {
			ls.downUntil = 0
		}
	}
}
