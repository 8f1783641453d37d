package netmodel

import "github.com/ensroute/ensroute/router"

// callNames remembers how recent call ids render: a trace names one call on most of
// its records (sent, handed, delivered, answered, completed), and rendering it anew
// each time is a string allocation per record. It is a direct-mapped cache: an id
// evicts whichever id shared its slot.
type callNames struct {
	ids   [callNameSlots]router.CallID
	names [callNameSlots]string
}

const callNameSlots = 1024

func (c *callNames) name(id router.CallID) string {
	if id.IsZero() {
		return "-"
	}
	h := id.Seq ^ uint64(id.Incarnation)<<20
	for i := 0; i < len(id.Node); i++ {
		h = h*31 + uint64(id.Node[i])
	}
	i := (h * 0x9e3779b97f4a7c15) >> 54 // top 10 bits: callNameSlots
	if c.ids[i] != id || c.names[i] == "" {
		c.ids[i], c.names[i] = id, id.String()
	}
	return c.names[i]
}

// CallName returns id.String(), remembered for recent ids so that tracing a call
// again and again does not render it again and again. Anything that traces call ids
// on this network's world may use it.
func (n *Net) CallName(id router.CallID) string { return n.calls.name(id) }
