package netmodel

import (
	"github.com/ensroute/ensroute/internal/samestr"
	"github.com/ensroute/ensroute/router"
)

// dest is a destination a host has sent to: the name a send gave, the host of that
// name and the link to it. A host keeps its dests in a table, direct-mapped by
// destSlot, so that a send finds where it goes with one string comparison instead of
// a hash of the name (hostNamed) and a lookup of the link (cachedLink): Send looks
// there first, and fills the entry in (findDest) when it holds another name. Hosts
// and links are never removed, so an entry never goes stale.
type dest struct {
	to  router.NodeID
	dst *Host
	ls  *linkState
}

// destSlots is the size of a host's table of destinations: a power of two.
const destSlots = 16

// destSlot places a non-empty name in a host's table of destinations by its length,
// its first and its last byte: names that differ in a numeric suffix or a prefix
// letter ("n1".."n9", "c1") take slots of their own, so that a host that sends to a
// few nodes finds each in one comparison.
func destSlot(to router.NodeID) uint {
	k := len(to)
	if k == 0 {
		return 0
	}
	return (uint(to[k-1]) + 5*uint(to[0]) + 3*uint(k)) % destSlots
}

// sameNode reports whether a == b (samestr.Equal). The names a send or a call
// carries mostly share their bytes with the ones a host's table of destinations
// or the cache of call names keeps: the router passes its node ids around, it
// does not make new strings (in steady20 four sends in five, and every call whose
// Name is found).
func sameNode(a, b router.NodeID) bool { return samestr.Equal(string(a), string(b)) }

// findDest looks up the host named to and the link from h to it, and puts them in
// d, to's entry in h's table (destSlot), unless there is no such host: then it
// returns nil and leaves d as it was.
func (h *Host) findDest(d *dest, to router.NodeID) *dest {
	if len(to) == 0 {
		return nil
	}
	dst := h.net.hostNamed(to)
	if dst == nil {
		return nil
	}
	ls := h.cachedLink(dst)
	if ls == nil {
		ls = h.linkTo(dst)
	}
	*d = dest{to: to, dst: dst, ls: ls}
	return d
}

// hostNamed is Host(id), for a send whose destination is not in its host's table
// (findDest): a small cache answers most lookups with a short hash and one comparison
// instead of a map lookup.
func (n *Net) hostNamed(id router.NodeID) *Host {
	h := uint64(len(id))
	for i := 0; i < len(id); i++ {
		h = h*31 + uint64(id[i])
	}
	slot := &n.named[(h*0x9e3779b97f4a7c15)>>58] // top 6 bits: hostCacheSlots
	if c := *slot; c != nil && c.id == id {
		return c
	}
	c := n.hosts[id]
	if c != nil {
		*slot = c
	}
	return c
}

// cachedLink returns the link from h to dst from h's cache of the links it has used,
// a slice indexed by the destination's place in the network, so that a send looks up
// no map; nil if h has not used it yet (then linkTo). Links are never removed from
// n.links, so a cached pointer stays right.
func (h *Host) cachedLink(dst *Host) *linkState {
	if dst.idx < len(h.links) {
		return h.links[dst.idx]
	}
	return nil
}

// linkTo returns the link from h to dst and puts it in h's cache (cachedLink).
func (h *Host) linkTo(dst *Host) *linkState {
	if dst.idx >= len(h.links) {
		h.links = append(h.links, make([]*linkState, dst.idx+1-len(h.links))...)
	}
	ls := h.net.link(h.id, dst.id)
	h.links[dst.idx] = ls
	return ls
}
