package scenarios

import "github.com/ensroute/ensroute/router"

// nameCache remembers how recent keys render, for traces. Direct-mapped by a hash of
// the key's strings: a key evicts whichever key shared its slot.
type nameCache[K comparable] struct {
	keys  [nameSlots]K
	names [nameSlots]string
}

const nameSlots = 256

// get returns render(k), remembered under hash h of k.
func (c *nameCache[K]) get(k K, h uint64, render func(K) string) string {
	i := (h * 0x9e3779b97f4a7c15) >> 56 // top 8 bits: nameSlots
	if c.keys[i] != k || c.names[i] == "" {
		c.keys[i], c.names[i] = k, render(k)
	}
	return c.names[i]
}

// hashStrings folds the bytes of ss into h.
func hashStrings(h uint64, ss ...string) uint64 {
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			h = h*31 + uint64(s[i])
		}
	}
	return h
}

// peerNames remembers how recent peer refs render: nearly every call names its
// leader twice (delivered to it, completed by it).
type peerNames struct{ c nameCache[router.PeerRef] }

func (c *peerNames) name(p router.PeerRef) string {
	if p.IsZero() {
		return "-"
	}
	h := hashStrings(uint64(len(p.Name)), string(p.Ensemble), p.Name, string(p.Node))
	return c.c.get(p, h, router.PeerRef.String)
}

// targetNames remembers how recent call targets render: a workload's targets are its
// ensembles, each direct or through one of the members.
type targetNames struct{ c nameCache[router.Target] }

func (c *targetNames) name(t router.Target) string {
	h := hashStrings(uint64(len(t.Via)), string(t.Ensemble), string(t.Via), string(t.Peer.Ensemble), t.Peer.Name, string(t.Peer.Node))
	return c.c.get(t, h, router.Target.String)
}
