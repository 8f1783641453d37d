package netmodel

import (
	"fmt"
	"slices"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// InFlight says what a partition does to the messages already travelling across a cut
// link, and to those sent across it before the partition is noticed
// (Config.DetectAfter). The cut sits at the far end of the link: a message meets it
// when it would arrive.
type InFlight uint8

const (
	// InFlightDrop loses them: a message sent across an unnoticed cut is lost at once,
	// one already travelling is lost when it arrives.
	InFlightDrop InFlight = iota
	// InFlightStall holds them at the cut until Heal, which delivers them in the order
	// they reached it (so a FIFO link stays FIFO), as TCP delivers what it kept
	// retransmitting once the path is back. A cut that lasted DetectAfter was noticed,
	// and its connection closed with what it held: Heal loses those ("lost", reason
	// "closed"). A message that arrives after the heal is delivered as usual.
	InFlightStall
)

// String returns "drop" or "stall".
func (m InFlight) String() string {
	switch m {
	case InFlightDrop:
		return "drop"
	case InFlightStall:
		return "stall"
	}
	return fmt.Sprintf("inflight(%d)", uint8(m))
}

// ParseInFlight reads a mode as String writes it; "" is InFlightDrop. Anything else
// returns an error wrapping ErrBadConfig.
func ParseInFlight(s string) (InFlight, error) {
	switch s {
	case "", "drop":
		return InFlightDrop, nil
	case "stall":
		return InFlightStall, nil
	}
	return InFlightDrop, badField("in_flight: %q is unknown: want drop or stall", s)
}

// parkReason says why a message waits at a link.
type parkReason uint8

const (
	parkHold  parkReason = iota + 1 // Hold
	parkStall                       // a partition in InFlightStall mode
)

// parkedMsg is a message waiting at the far end of a link.
type parkedMsg struct {
	from router.NodeID
	dst  *Host
	gen  uint64 // dst's incarnation when the message was sent (flight.gen)
	id   uint64
	m    router.Message
	why  parkReason
	// order numbers the message's first park: the park is kept in this order.
	order uint64
}

// Partition cuts every link between group a and group b, both ways; mode says what
// happens to the messages in flight across the cut (see InFlight: it panics on any
// other value, which only a bug can pass; ParseInFlight reads one from text). A link that is cut
// already keeps the time it was cut (for DetectAfter) and takes the new mode.
func (n *Net) Partition(a, b []router.NodeID, mode InFlight) {
	n.cut(a, b, mode)
	n.cut(b, a, mode)
	n.w.Emit("", "partition", withMode([]sim.Attr{sim.String("a", joinIDs(a)), sim.String("b", joinIDs(b))}, mode)...)
}

// PartitionOneWay cuts the links from each of from to each of to only: to still
// reaches from. mode is as for Partition.
func (n *Net) PartitionOneWay(from, to []router.NodeID, mode InFlight) {
	n.cut(from, to, mode)
	n.w.Emit("", "partition", withMode([]sim.Attr{sim.String("from", joinIDs(from)), sim.String("to", joinIDs(to))}, mode)...)
}

// withMode adds the mode to a partition record. The default, drop, is left out, so a
// trace without stalls reads (and hashes) as it did before modes existed.
func withMode(attrs []sim.Attr, mode InFlight) []sim.Attr {
	if mode != InFlightDrop {
		attrs = append(attrs, sim.String("in_flight", mode.String()))
	}
	return attrs
}

func (n *Net) cut(from, to []router.NodeID, mode InFlight) {
	if mode != InFlightDrop && mode != InFlightStall {
		// Neither loses nor holds: its messages would travel, draws taken, to be
		// lost on arrival.
		panic(fmt.Sprintf("netmodel: a partition's mode %v is neither InFlightDrop nor InFlightStall", mode))
	}
	now := int64(n.w.Now())
	for _, f := range from {
		for _, t := range to {
			if f == t {
				continue
			}
			ls := n.link(f, t)
			if !ls.blocked {
				ls.blocked, ls.since = true, now
				// A sender still redialing from an earlier outage stays down.
				if now < ls.downUntil {
					ls.downUntil = down
				}
			}
			ls.mode = mode
		}
	}
}

// Heal restores every link. Messages stalled at a cut are delivered now, before Heal
// returns, in the order they reached the cut (a message released from a hold into
// the cut by the order it reached the hold), and then the replies held for nodes
// their senders can reach again are sent (Config.ReplyHold); then the links behave as
// usual, but for those whose senders had noticed the cut: they stay down until their
// senders redial (Config.BackoffMax, reconnect.go), a pair cut both ways until the
// first attempt of either end. Heal does not lift a Hold.
func (n *Net) Heal() {
	now := n.w.Now()
	var cut []healedLink
	var closed map[linkKey]bool // the noticed cuts: their connections closed
	for k, ls := range n.links {
		if !ls.blocked {
			continue
		}
		ls.blocked = false
		// Taken in any order here, sorted before any draw (Net.healed); closed is
		// only looked up.
		// As Send tells it (noticed), with no sum to overflow: a DetectAfter of the
		// largest Duration is a cut never noticed.
		noticed := int64(now)-ls.since >= int64(n.cfg.DetectAfter)
		if noticed {
			if closed == nil {
				closed = make(map[linkKey]bool)
			}
			closed[k] = true
		}
		if n.cfg.BackoffMax > 0 {
			cut = append(cut, healedLink{key: k, ls: ls, noticed: noticed, noticedAt: satAdd(time.Duration(ls.since), n.cfg.DetectAfter)})
		}
	}
	n.w.Emit("", "heal")
	n.healed(cut)
	if n.cfg.Bugs.Has(bugs.HealKeepsStalled) {
		n.releaseReplies("heal")
		return
	}
	if len(closed) > 0 {
		n.dropParked(func(p *parkedMsg) bool { return p.why == parkStall && closed[linkKey{p.from, p.dst.id}] }, "closed")
	}
	n.release("heal", func(p *parkedMsg) bool { return p.why == parkStall })
	n.releaseReplies("heal")
}

// dropParked loses the parked messages that pick selects, in the order they were
// parked, for reason.
func (n *Net) dropParked(pick func(*parkedMsg) bool, reason string) {
	for _, p := range n.takeParked(pick) {
		n.lose(p.id, reason)
	}
}

// takeParked takes the parked messages that pick selects out of the park, in the
// order they were parked.
func (n *Net) takeParked(pick func(*parkedMsg) bool) []parkedMsg {
	var out []parkedMsg
	kept := n.parked[:0]
	for i := range n.parked {
		if pick(&n.parked[i]) {
			out = append(out, n.parked[i])
		} else {
			kept = append(kept, n.parked[i])
		}
	}
	clear(n.parked[len(kept):])
	n.parked = kept
	return out
}

// Partitioned reports whether the link from one node to another is cut.
func (n *Net) Partitioned(from, to router.NodeID) bool {
	ls, ok := n.links[linkKey{from, to}]
	return ok && ls.blocked
}

// Hold parks the messages that arrive over the links from each of from to each of to,
// from now until Release: they are neither lost nor handed over. Senders notice
// nothing. A message that meets a partition first is judged by the partition.
func (n *Net) Hold(from, to []router.NodeID) {
	for _, f := range from {
		for _, t := range to {
			if f != t {
				n.link(f, t).held = true
			}
		}
	}
	n.w.Emit("", "hold", sim.String("from", joinIDs(from)), sim.String("to", joinIDs(to)))
}

// Release ends the Hold on the links from each of from to each of to and delivers the
// messages parked there now, before Release returns, in the order they arrived.
func (n *Net) Release(from, to []router.NodeID) {
	set := make(map[linkKey]bool, len(from)*len(to))
	for _, f := range from {
		for _, t := range to {
			if ls, ok := n.links[linkKey{f, t}]; ok {
				ls.held = false
				set[linkKey{f, t}] = true
			}
		}
	}
	n.w.Emit("", "release", sim.String("from", joinIDs(from)), sim.String("to", joinIDs(to)))
	n.release("release", func(p *parkedMsg) bool { return p.why == parkHold && set[linkKey{p.from, p.dst.id}] })
}

// ReleaseAll ends every Hold and delivers every held message now, in arrival order.
func (n *Net) ReleaseAll() {
	for _, ls := range n.links {
		ls.held = false // every link gets the same change
	}
	n.w.Emit("", "release-all")
	n.release("release", func(p *parkedMsg) bool { return p.why == parkHold })
}

// Parked returns how many messages wait at links, held or stalled: they are in
// neither the event queue nor a host, so a run that waits for quiet should know.
func (n *Net) Parked() int { return len(n.parked) }

// park keeps the message of flight f at the far end of its link, with the incarnation
// it was sent to.
func (n *Net) park(f *flight, why parkReason) {
	n.stats.Held++
	kind := "held"
	if why == parkStall {
		kind = "stalled"
	}
	n.w.Emit("", kind, sim.Int("msg", int64(f.id)), sim.String("from", string(f.from)), sim.String("to", string(f.dst.id)))
	order := n.reparkAs // a message released into another park keeps its place
	n.reparkAs = 0
	if order == 0 {
		n.parkSeq++
		order = n.parkSeq
	}
	p := parkedMsg{from: f.from, dst: f.dst, gen: f.gen, id: f.id, m: f.m, why: why, order: order}
	i := len(n.parked) // nearly always at the end: only a message parked again goes further in
	for i > 0 && n.parked[i-1].order > order {
		i--
	}
	n.parked = slices.Insert(n.parked, i, p)
}

// release takes the parked messages that pick selects out of the park, in the order
// they were parked, and lets each arrive again. They are taken out first: an arrival
// may run a receiver that holds, releases or parks again.
func (n *Net) release(by string, pick func(*parkedMsg) bool) {
	for _, p := range n.takeParked(pick) {
		n.w.Emit("", "released", sim.Int("msg", int64(p.id)), sim.String("from", string(p.from)), sim.String("to", string(p.dst.id)), sim.String("by", by))
		n.reparkAs = p.order
		n.arrive(p.from, p.dst, p.gen, p.id, &p.m)
		n.reparkAs = 0
	}
}
