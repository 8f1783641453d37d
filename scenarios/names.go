package scenarios

import (
	"math/bits"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// nameCache remembers how recent keys render, for traces, as sim.Names of world w
// (so that the trace hash spells each once, see sim.World.EmitKind). Direct-mapped by
// a hash of the key's strings: a key evicts whichever key shared its slot.
type nameCache[K comparable] struct {
	w     *sim.World
	keys  [nameSlots]K
	names [nameSlots]*sim.Name
}

const nameSlots = 256

// get returns render(k) as a Name, remembered under hash h of k.
func (c *nameCache[K]) get(k K, h uint64, render func(K) string) *sim.Name {
	i := (h * 0x9e3779b97f4a7c15) >> 56 // top 8 bits: nameSlots
	if c.keys[i] != k || c.names[i] == nil {
		c.keys[i], c.names[i] = k, c.w.Name(render(k))
	}
	return c.names[i]
}

// sig is a cheap hash of s for the caches: its length and up to six of its bytes
// (the first, the middle and the last four; all of a shorter string's). Keys whose
// strings differ elsewhere share a slot and evict each other, which costs a
// rendering, never a wrong name.
func sig(s string) uint64 {
	n := len(s)
	h := uint64(n) << 56
	switch {
	case n >= 4:
		h |= uint64(s[0])<<40 | uint64(s[n/2])<<32 | uint64(s[n-4])<<24 | uint64(s[n-3])<<16 | uint64(s[n-2])<<8 | uint64(s[n-1])
	case n == 3:
		h |= uint64(s[0])<<16 | uint64(s[1])<<8 | uint64(s[2])
	case n == 2:
		h |= uint64(s[0])<<8 | uint64(s[1])
	case n == 1:
		h |= uint64(s[0])
	}
	return h
}

// peerNames remembers how recent peer refs render, as Names of world w: nearly every
// call names its leader twice (delivered to it, completed by it). Direct-mapped like
// nameCache, but by one hash over the three strings' lengths and last bytes, and
// compared field by field (the generated equality of a PeerRef is a call).
//
// A world with more peers than a quarter of the slots remembers them in big instead:
// a table with room for all of them, in which a ref's slot is chosen by every byte
// of it (refs alike in their lengths and last bytes come by the thousand there).
type peerNames struct {
	w     *sim.World
	refs  [nameSlots]router.PeerRef
	names [nameSlots]*sim.Name
	big   *bigPeerNames
	dash  *sim.Name // "-", the zero ref's name, once asked for
}

// bigPeerNames is peerNames' table for a large world.
type bigPeerNames struct {
	refs  []router.PeerRef
	names []*sim.Name
	shift uint // 64 - log2(len(refs)): a slot is the top bits of a hash
}

// newPeerNames returns an empty peerNames of world w, for a world of peers peers.
func newPeerNames(w *sim.World, peers int) *peerNames {
	c := &peerNames{w: w}
	if peers > nameSlots/4 {
		size := nameSlots
		for size < 2*peers && size < 1<<16 {
			size *= 2
		}
		c.big = &bigPeerNames{refs: make([]router.PeerRef, size), names: make([]*sim.Name, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	}
	return c
}

func (c *peerNames) name(p *router.PeerRef) *sim.Name {
	if zeroPeer(p) {
		if c.dash == nil {
			c.dash = c.w.Name("-")
		}
		return c.dash
	}
	if c.big != nil {
		return c.bigName(p)
	}
	e, m, d := string(p.Ensemble), p.Name, string(p.Node)
	// Refs that differ only elsewhere share a slot and evict each other, which costs
	// a rendering, never a wrong name. A slot never filled holds the zero ref, which
	// p is not, and no Name.
	h := uint64(len(e)) ^ uint64(len(m))<<8 ^ uint64(len(d))<<16
	if len(e) > 1 {
		h ^= uint64(e[len(e)-1])<<24 ^ uint64(e[len(e)-2])<<32
	}
	if len(m) > 0 {
		h ^= uint64(m[len(m)-1]) << 40
	}
	if len(d) > 1 {
		h ^= uint64(d[len(d)-1])<<48 ^ uint64(d[len(d)-2])<<56
	}
	i := (h * 0x9e3779b97f4a7c15) >> 56 // top 8 bits: nameSlots
	if r := &c.refs[i]; !samePeer(r, p) {
		c.refs[i], c.names[i] = *p, c.w.Name(p.String())
	}
	return c.names[i]
}

// bigName is name in a large world's table.
func (c *peerNames) bigName(p *router.PeerRef) *sim.Name {
	b := c.big
	h := uint64(len(p.Ensemble))
	for _, s := range [...]string{string(p.Ensemble), p.Name, string(p.Node)} {
		for i := 0; i < len(s); i++ {
			h = h*31 + uint64(s[i])
		}
		h = h*31 + uint64(len(s))
	}
	i := (h * 0x9e3779b97f4a7c15) >> b.shift
	if r := &b.refs[i]; !samePeer(r, p) || b.names[i] == nil {
		b.refs[i], b.names[i] = *p, c.w.Name(p.String())
	}
	return b.names[i]
}

// targetNames remembers how recent call targets render: a workload's targets are its
// ensembles, each direct or through one of the members. Those are also remembered by
// their indexes (ofCall), which is cheaper than hashing and comparing their strings.
//
// A world with more targets of calls than a quarter of the slots remembers those in
// bigIdx instead, a table with room for all of them.
type targetNames struct {
	c      nameCache[router.Target]
	byIdx  nameCache[uint64]
	bigIdx *bigIdxNames
}

// bigIdxNames is targetNames' table of targets by indexes for a large world.
type bigIdxNames struct {
	keys  []uint64
	names []*sim.Name
	shift uint // 64 - log2(len(keys)): a slot is the top bits of a hash
}

// newTargetNames returns an empty targetNames for world w, for a world whose calls
// have up to targets targets (ensembles, each directly or through a member).
func newTargetNames(w *sim.World, targets int) targetNames {
	var c targetNames
	c.c.w, c.byIdx.w = w, w
	if targets > nameSlots/4 {
		size := nameSlots
		for size < 2*targets && size < 1<<16 {
			size *= 2
		}
		c.bigIdx = &bigIdxNames{keys: make([]uint64, size), names: make([]*sim.Name, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	}
	return c
}

func (c *targetNames) name(t router.Target) *sim.Name {
	h := sig(string(t.Ensemble)) ^ sig(string(t.Via))*0x100000001b3
	if !t.Peer.IsZero() {
		h ^= sig(string(t.Peer.Ensemble))*0xc2b2ae3d27d4eb4f ^ sig(t.Peer.Name)*0x9e3779b97f4a7c15 ^ sig(string(t.Peer.Node))*0x165667b19e3779f9
	}
	return c.c.get(t, h, router.Target.String)
}

// callTarget names a workload call's target by indexes: ensemble wd.ensBy[ens],
// through member wd.order[via] unless via is -1.
type callTarget struct {
	ens, via int32
	set      bool
}

// ofCall renders *t, the target ct names, remembered under ct's indexes.
func (c *targetNames) ofCall(ct callTarget, t *router.Target) *sim.Name {
	k := uint64(ct.ens)<<32 | uint64(uint32(ct.via+1))
	if b := c.bigIdx; b != nil {
		i := (k * 0x9e3779b97f4a7c15) >> b.shift
		if b.keys[i] != k || b.names[i] == nil {
			b.keys[i], b.names[i] = k, c.byIdx.w.Name(t.String())
		}
		return b.names[i]
	}
	i := (k * 0x9e3779b97f4a7c15) >> 56 // as nameCache.get
	if c.byIdx.keys[i] != k || c.byIdx.names[i] == nil {
		c.byIdx.keys[i], c.byIdx.names[i] = k, c.byIdx.w.Name(t.String())
	}
	return c.byIdx.names[i]
}
