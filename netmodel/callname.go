package netmodel

import (
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// callNames remembers the names of recent call ids, as sim.Names of the world's: a
// trace names one call on most of its records (sent, handed, delivered, answered,
// completed), and the hashed trace spells a Name out once and numbers it after
// (sim.World.EmitKind). It is a direct-mapped cache: an id evicts whichever id shared
// its slot, and an id named again after that gets a new Name, which the hashed trace
// defines again. A slot depends on the id alone, so the hash does too.
//
// A call's Name is a sim.World.NameNum of its node incarnation's Name and its
// sequence number, and that a NameNum of the node's Name and the incarnation: "n1.2.7"
// for call 7 of incarnation 2 of n1. A host remembers the Name of its incarnation last
// named. No call's name is written out as a string unless something asks for it (a
// kept trace), and naming a call allocates nothing but its share of a slab of Names.
type callNames struct {
	net   *Net
	slots [callNameSlots]callName
	dash  *sim.Name // "-", the zero id's name, once asked for
}

const callNameSlots = 1024

// callName is a slot of callNames: an id and its name, nil while the slot is empty.
type callName struct {
	id   router.CallID
	name *sim.Name
}

func (c *callNames) name(id router.CallID) *sim.Name {
	// The slot is chosen by the numbers and the node name's length and last byte,
	// not by every byte of the name: that tells apart most of a run's names
	// ("n1".."n5"), and names alike in both ("n1", "c1") only share slots, each
	// evicting the other's name when their numbers coincide.
	h := id.Seq ^ uint64(id.Incarnation)<<20
	if k := len(id.Node); k > 0 {
		h ^= uint64(k)<<40 ^ uint64(id.Node[k-1])<<48
	}
	e := &c.slots[(h*0x9e3779b97f4a7c15)>>54] // top 10 bits: callNameSlots
	// The numbers differ first when ids differ, and compare without a call. A slot
	// that was never filled holds the zero id: its nil name tells it apart.
	if e.id.Seq == id.Seq && e.id.Incarnation == id.Incarnation && e.name != nil && sameNode(e.id.Node, id.Node) {
		return e.name
	}
	return c.fill(e, id)
}

// fill names id, and remembers it in e, its slot, unless it is the zero id, the
// one casts carry, named "-".
func (c *callNames) fill(e *callName, id router.CallID) *sim.Name {
	w := c.net.w
	if id.IsZero() {
		if c.dash == nil {
			c.dash = w.Name("-")
		}
		return c.dash
	}
	*e = callName{id: id, name: w.NameNum(c.incarnation(id.Node, id.Incarnation), id.Seq)}
	return e.name
}

// incarnation returns the Name of incarnation inc of node, "node.inc": its host's,
// which the host remembers for its incarnation last named, or for a node that is no
// host, a new one.
func (c *callNames) incarnation(node router.NodeID, inc router.Incarnation) *sim.Name {
	w := c.net.w
	h := c.net.hostNamed(node)
	if h == nil {
		return w.NameNum(w.Name(string(node)), uint64(inc))
	}
	if h.incName == nil || h.incOf != inc {
		h.incName, h.incOf = w.NameNum(h.name, uint64(inc)), inc
	}
	return h.incName
}

// CallName returns id.String() as a sim.Name of the network's world, remembered for
// recent ids so that tracing a call again and again names it once, and the trace hash
// spells it once; the string itself is written out only if asked for. Anything that
// traces call ids on this network's world may use it, and keep the Name or its
// string.
func (n *Net) CallName(id router.CallID) *sim.Name { return n.calls.name(id) }
