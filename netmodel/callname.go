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
	slots [callNameSlots]callName
	chunk strings.Builder
}

// callName is a slot of callNames: an id and its name, "" while the slot is empty.
type callName struct {
	id   router.CallID
	name string
}

const (
	callNameSlots = 1024
	// callNameChunk is the size of the chunks names are written into: one allocation
	// serves a few hundred calls.
	callNameChunk = 4096
)

func (c *callNames) name(id router.CallID) string {
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
	// that was never filled holds the zero id: its empty name tells it apart.
	if e.id.Seq == id.Seq && e.id.Incarnation == id.Incarnation && e.name != "" && e.id.Node == id.Node {
		return e.name
	}
	return c.fill(e, id)
}

// fill names id, and remembers it in e, its slot, unless it is the zero id, the
// one casts carry, named "-".
func (c *callNames) fill(e *callName, id router.CallID) string {
	if id.IsZero() {
		return "-"
	}
	*e = callName{id: id, name: c.render(id)}
	return e.name
}

// render returns id.String() (id is not zero) written into the current chunk: rendered
// on the stack first, with appendDec for its numbers, and then written in one piece.
func (c *callNames) render(id router.CallID) string {
	var buf [64]byte
	b := append(buf[:0], id.Node...)
	b = appendDec(append(b, '.'), uint64(id.Incarnation))
	b = appendDec(append(b, '.'), id.Seq)
	if c.chunk.Cap()-c.chunk.Len() < len(b) {
		// A new chunk; the names in the old one stay as they are.
		c.chunk = strings.Builder{}
		c.chunk.Grow(max(callNameChunk, len(b)))
	}
	start := c.chunk.Len()
	c.chunk.Write(b)
	return c.chunk.String()[start:]
}

// appendDec appends v in decimal, as strconv.AppendUint(b, v, 10) does, but without
// its general case's cost for the small numbers of call ids: one digit appended as
// it is, more written from the end of a small array.
func appendDec(b []byte, v uint64) []byte {
	if v < 10 {
		return append(b, byte('0'+v))
	}
	var d [20]byte // the most digits a uint64 has
	i := len(d)
	for v >= 10 {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	d[i] = byte('0' + v)
	return append(b, d[i:]...)
}

// CallName returns id.String(), remembered for recent ids so that tracing a call
// again and again does not render it again and again. Anything that traces call ids
// on this network's world may use it, and keep the string it returns.
func (n *Net) CallName(id router.CallID) string { return n.calls.name(id) }
