package scenarios

import "github.com/ensroute/ensroute/router"

// peerNames remembers how recent peer refs render, for traces: nearly every call
// names its leader twice (delivered to it, completed by it). Direct-mapped: a ref
// evicts whichever ref shared its slot.
type peerNames struct {
	refs  [peerNameSlots]router.PeerRef
	names [peerNameSlots]string
}

const peerNameSlots = 256

func (c *peerNames) name(p router.PeerRef) string {
	if p.IsZero() {
		return "-"
	}
	h := uint64(len(p.Name))
	for _, s := range [...]string{string(p.Ensemble), p.Name, string(p.Node)} {
		for i := 0; i < len(s); i++ {
			h = h*31 + uint64(s[i])
		}
	}
	i := (h * 0x9e3779b97f4a7c15) >> 56 // top 8 bits: peerNameSlots
	if c.refs[i] != p || c.names[i] == "" {
		c.refs[i], c.names[i] = p, p.String()
	}
	return c.names[i]
}

// targetNames remembers how recent call targets render, for traces: a workload's
// targets are its ensembles, each direct or through one of the members.
// Direct-mapped, as peerNames.
type targetNames struct {
	targets [targetNameSlots]router.Target
	names   [targetNameSlots]string
}

const targetNameSlots = 256

func (c *targetNames) name(t router.Target) string {
	h := uint64(len(t.Via))
	for _, s := range [...]string{string(t.Ensemble), string(t.Via), string(t.Peer.Ensemble), t.Peer.Name, string(t.Peer.Node)} {
		for i := 0; i < len(s); i++ {
			h = h*31 + uint64(s[i])
		}
	}
	i := (h * 0x9e3779b97f4a7c15) >> 56 // top 8 bits: targetNameSlots
	if c.targets[i] != t || c.names[i] == "" {
		c.targets[i], c.names[i] = t, t.String()
	}
	return c.names[i]
}
