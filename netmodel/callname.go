package netmodel

import (
	"strings"

	"github.com/ensroute/ensroute/router"
)

// callNames remembers how recent call ids render: a trace names one call on most of
// its records (sent, handed, delivered, answered, completed), and rendering it anew
// each time is a string allocation per record. It is a direct-mapped cache: an id
// evicts whichever id shared its slot.
//
// The names themselves are written one after another into a shared chunk of a few
// kilobytes (a strings.Builder, which only ever appends), and each name is a slice of
// it, so naming a new call allocates nothing until the chunk is full. A name is never
// written over: it stays valid, and may be kept, for as long as anyone holds it.
type callNames struct {
	ids   [callNameSlots]router.CallID
	names [callNameSlots]string
	chunk strings.Builder
}

const (
	callNameSlots = 1024
	// callNameChunk is the size of the chunks names are written into: one allocation
	// serves a few hundred calls.
	callNameChunk = 4096
)

func (c *callNames) name(id router.CallID) string {
	if id.IsZero() {
		return "-"
	}
	h := id.Seq ^ uint64(id.Incarnation)<<20
	for i := 0; i < len(id.Node); i++ {
		h = h*31 + uint64(id.Node[i])
	}
	i := (h * 0x9e3779b97f4a7c15) >> 54 // top 10 bits: callNameSlots
	// The numbers differ first when ids differ, and compare without a call.
	if e := &c.ids[i]; e.Seq != id.Seq || e.Incarnation != id.Incarnation || e.Node != id.Node || c.names[i] == "" {
		c.ids[i], c.names[i] = id, c.render(id)
	}
	return c.names[i]
}

// render returns id.String() written into the current chunk: rendered on the stack
// first and then written in one piece.
func (c *callNames) render(id router.CallID) string {
	var buf [64]byte
	b := id.AppendTo(buf[:0])
	if c.chunk.Cap()-c.chunk.Len() < len(b) {
		// A new chunk; the names in the old one stay as they are.
		c.chunk = strings.Builder{}
		c.chunk.Grow(max(callNameChunk, len(b)))
	}
	start := c.chunk.Len()
	c.chunk.Write(b)
	return c.chunk.String()[start:]
}

// CallName returns id.String(), remembered for recent ids so that tracing a call
// again and again does not render it again and again. Anything that traces call ids
// on this network's world may use it, and keep the string it returns.
func (n *Net) CallName(id router.CallID) string { return n.calls.name(id) }
