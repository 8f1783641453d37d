package nettransport

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/ensroute/ensroute/router"
)

// The body of a message frame, in order (uvarint: unsigned varint, in its fewest
// bytes; str and bytes: a uvarint length then the bytes):
//
//	kind u8, flags u8, instance uvarint,
//	call node str, call incarnation uvarint, call seq uvarint,
//	ensemble str, [peer ensemble str unless flagPeerEns], peer name str, peer node str,
//	code u8, [budget ns uvarint unless flagInfinite], hops uvarint,
//	[worker uvarint if flagWorker], event bytes, result bytes,
//	entry count uvarint, then per entry: ensemble str, leader ensemble str,
//	leader name str, leader node str, version uvarint.
//
// The sender is not in the body: it is the authenticated node at the other end of the
// connection. Errors travel as codes (router.Code), never as strings.
const (
	flagForwarded = 1 << iota
	flagInfinite
	flagPeerEns // the peer's ensemble is the message's ensemble
	flagWorker  // a riak worker is named (router.Message.Worker, never 0 then)
	knownFlags  = flagForwarded | flagInfinite | flagPeerEns | flagWorker
)

// MaxName is the longest node, ensemble, peer or cluster name, in bytes, that the
// protocol carries: a decoder refuses a longer one as a bad frame, so Send refuses
// to send it (ErrTooLarge) and Config.Validate refuses such an ID or Cluster.
const MaxName = 1 << 10

// MaxIncarnation is the largest incarnation a handshake carries (Config.Incarnation):
// a node refuses a larger one, and Validate refuses it in a Config.
const MaxIncarnation router.Incarnation = 1 << 63

// Limits a decoder enforces beyond the frame limit.
const (
	maxInstance = 1 << 16
	maxHops     = router.MaxHopLimit + 1 // one past the largest limit: a request at it is seen past it
	minEntry    = 5                      // the smallest encoded entry: four empty strings and a version
)

// AppendMessage appends the frame body of m (without the frame header) to dst.
func AppendMessage(dst []byte, m *router.Message) []byte {
	flags := byte(0)
	if m.Forwarded {
		flags |= flagForwarded
	}
	if m.Budget == router.Infinity {
		flags |= flagInfinite
	}
	if m.Peer.Ensemble == m.Ensemble {
		flags |= flagPeerEns
	}
	if m.Worker != 0 {
		flags |= flagWorker
	}
	dst = append(dst, byte(m.Kind), flags)
	dst = binary.AppendUvarint(dst, uint64(max(m.Instance, 0)))
	dst = appendStr(dst, string(m.Call.Node))
	dst = binary.AppendUvarint(dst, uint64(m.Call.Incarnation))
	dst = binary.AppendUvarint(dst, m.Call.Seq)
	dst = appendStr(dst, string(m.Ensemble))
	if flags&flagPeerEns == 0 {
		dst = appendStr(dst, string(m.Peer.Ensemble))
	}
	dst = appendStr(dst, m.Peer.Name)
	dst = appendStr(dst, string(m.Peer.Node))
	dst = append(dst, byte(m.Code))
	if flags&flagInfinite == 0 {
		dst = binary.AppendUvarint(dst, uint64(max(m.Budget, 0)))
	}
	// A count past the decoder's limit goes as the limit: under riak semantics there
	// is no hop limit, and a request that bounces between two nodes with regressed
	// directories for that long must not close their connection as a bad frame. The
	// default semantics' limit is below it (router.MaxHopLimit).
	dst = binary.AppendUvarint(dst, uint64(min(max(m.Hops, 0), maxHops)))
	if flags&flagWorker != 0 {
		dst = binary.AppendUvarint(dst, m.Worker)
	}
	dst = appendBytes(dst, m.Event)
	dst = appendBytes(dst, m.Result)
	dst = binary.AppendUvarint(dst, uint64(len(m.Entries)))
	for _, e := range m.Entries {
		dst = appendStr(dst, string(e.Ensemble))
		dst = appendStr(dst, string(e.Leader.Ensemble))
		dst = appendStr(dst, e.Leader.Name)
		dst = appendStr(dst, string(e.Leader.Node))
		dst = binary.AppendUvarint(dst, e.Version)
	}
	return dst
}

// longName returns the field of m that holds a name longer than MaxName and the
// name's length, or "" and 0.
func longName(m *router.Message) (what string, n int) {
	switch {
	case len(m.Call.Node) > MaxName:
		return "call's node", len(m.Call.Node)
	case len(m.Ensemble) > MaxName:
		return "ensemble", len(m.Ensemble)
	case len(m.Peer.Ensemble) > MaxName:
		return "peer's ensemble", len(m.Peer.Ensemble)
	case len(m.Peer.Name) > MaxName:
		return "peer", len(m.Peer.Name)
	case len(m.Peer.Node) > MaxName:
		return "peer's node", len(m.Peer.Node)
	}
	for _, e := range m.Entries {
		for _, f := range [...]struct {
			what string
			n    int
		}{{"directory entry's ensemble", len(e.Ensemble)}, {"directory entry's leader's ensemble", len(e.Leader.Ensemble)},
			{"directory entry's leader", len(e.Leader.Name)}, {"directory entry's leader's node", len(e.Leader.Node)}} {
			if f.n > MaxName {
				return f.what, f.n
			}
		}
	}
	return "", 0
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendBytes(dst []byte, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// DecodeMessage decodes a frame body made by AppendMessage. It never panics and never
// trusts a length: every length and count is checked against the bytes that remain
// before anything is allocated, so allocation is bounded by a small multiple of
// len(body) (at most 72/5 of it, for a body of empty directory entries). From is left
// empty (the connection knows the sender). The result owns its memory.
func DecodeMessage(body []byte) (router.Message, error) {
	var d decoder
	return d.message(body)
}

// decoder decodes message bodies for one connection. It interns short names (node,
// ensemble and peer names repeat in every message) in a bounded table, and copies
// payloads into a shared slab instead of allocating each: a payload keeps its slab
// alive, never more (so a receiver that keeps a small payload copies it: see
// Receiver). The zero decoder does neither.
type decoder struct {
	intern map[string]string
	slab   []byte
	// last is the name each field slot decoded last: consecutive messages on a
	// connection mostly repeat them, and one comparison is cheaper than a lookup.
	last [numSlots]string
}

// Field slots of the names in a message, for decoder.last.
const (
	slotCallNode = iota
	slotEnsemble
	slotPeerEns
	slotPeerName
	slotPeerNode
	slotEntry // entries share one slot
	numSlots
)

const (
	maxInterned = 4096
	internLen   = 64
	slabSize    = 64 << 10
	slabMax     = 4 << 10 // payloads larger than this get their own allocation
)

func newDecoder() *decoder {
	return &decoder{intern: make(map[string]string)}
}

// cursor reads a body front to back; the first error sticks.
type cursor struct {
	b   []byte
	err error
}

func (c *cursor) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: %s", ErrBadFrame, fmt.Sprintf(format, args...))
	}
}

func (c *cursor) u8(what string) byte {
	if c.err != nil {
		return 0
	}
	if len(c.b) < 1 {
		c.fail("%s: body ends early", what)
		return 0
	}
	v := c.b[0]
	c.b = c.b[1:]
	return v
}

func (c *cursor) uvarint(what string, limit uint64) uint64 {
	return c.uvarintOf(what, "", limit)
}

// uvarintOf reads a varint; an error names it as what followed by suffix (joined
// only on failure: the decoding path allocates nothing). A varint must be minimal,
// as every encoder of the protocol writes it (binary.AppendUvarint): one whose last
// byte is zero, such as 0x80 0x00 for 0, is over-long, and a bad frame. Each value
// then has one encoding, so a frame's bytes say one thing, and read the same in
// every decoder.
func (c *cursor) uvarintOf(what, suffix string, limit uint64) uint64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Uvarint(c.b)
	if n <= 0 {
		c.fail("%s%s: bad varint", what, suffix)
		return 0
	}
	if n > 1 && c.b[n-1] == 0 {
		c.fail("%s%s: over-long varint: %d in %d bytes, where its encoding takes %d", what, suffix, v, n, uvarintLen(v))
		return 0
	}
	if v > limit {
		c.fail("%s%s: %d exceeds %d", what, suffix, v, limit)
		return 0
	}
	c.b = c.b[n:]
	return v
}

// uvarintLen is the length of v's minimal encoding.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// raw returns the next length-prefixed field, aliasing the body.
func (c *cursor) raw(what string, limit int) []byte {
	n := c.uvarintOf(what, " length", uint64(limit))
	if c.err != nil {
		return nil
	}
	if n > uint64(len(c.b)) {
		c.fail("%s: length %d exceeds the %d bytes left", what, n, len(c.b))
		return nil
	}
	v := c.b[:n:n]
	c.b = c.b[n:]
	return v
}

func (d *decoder) str(c *cursor, slot int, what string) string {
	b := c.raw(what, MaxName)
	if len(b) == 0 {
		return ""
	}
	if d.intern == nil || len(b) > internLen {
		return string(b)
	}
	if s := d.last[slot]; s == string(b) {
		return s
	}
	if s, ok := d.intern[string(b)]; ok {
		d.last[slot] = s
		return s
	}
	s := string(b)
	if len(d.intern) < maxInterned {
		d.intern[s] = s
		d.last[slot] = s
	}
	return s
}

func (d *decoder) bytes(c *cursor, what string) []byte {
	b := c.raw(what, math.MaxInt32)
	if len(b) == 0 {
		return nil
	}
	if d.intern == nil || len(b) > slabMax {
		return append([]byte(nil), b...)
	}
	if cap(d.slab)-len(d.slab) < len(b) {
		d.slab = make([]byte, 0, slabSize)
	}
	start := len(d.slab)
	d.slab = append(d.slab, b...)
	return d.slab[start:len(d.slab):len(d.slab)]
}

func (d *decoder) message(body []byte) (router.Message, error) {
	c := &cursor{b: body}
	var m router.Message
	m.Kind = router.Kind(c.u8("kind"))
	if c.err == nil && !m.Kind.Valid() {
		c.fail("unknown message kind %d", m.Kind)
	}
	flags := c.u8("flags")
	if flags&^knownFlags != 0 {
		c.fail("unknown flags %#x", flags)
	}
	m.Forwarded = flags&flagForwarded != 0
	m.Instance = int(c.uvarint("instance", maxInstance))
	m.Call.Node = router.NodeID(d.str(c, slotCallNode, "call node"))
	m.Call.Incarnation = router.Incarnation(c.uvarint("call incarnation", math.MaxUint64))
	m.Call.Seq = c.uvarint("call seq", math.MaxUint64)
	m.Ensemble = router.EnsembleID(d.str(c, slotEnsemble, "ensemble"))
	if flags&flagPeerEns != 0 {
		m.Peer.Ensemble = m.Ensemble
	} else {
		m.Peer.Ensemble = router.EnsembleID(d.str(c, slotPeerEns, "peer ensemble"))
	}
	m.Peer.Name = d.str(c, slotPeerName, "peer name")
	m.Peer.Node = router.NodeID(d.str(c, slotPeerNode, "peer node"))
	m.Code = router.Code(c.u8("code"))
	if c.err == nil && !m.Code.Valid() {
		c.fail("unknown code %d", m.Code)
	}
	m.Budget = router.Infinity
	if flags&flagInfinite == 0 {
		m.Budget = time.Duration(c.uvarint("budget", math.MaxInt64-1))
	}
	m.Hops = int(c.uvarint("hops", maxHops))
	if flags&flagWorker != 0 {
		m.Worker = c.uvarint("worker", math.MaxUint64)
		if c.err == nil && m.Worker == 0 {
			c.fail("worker 0 with its flag set")
		}
	}
	m.Event = d.bytes(c, "event")
	m.Result = d.bytes(c, "result")
	n := c.uvarint("entry count", uint64(len(c.b)/minEntry))
	if c.err == nil && n > 0 {
		m.Entries = make([]router.Entry, n)
		for i := range m.Entries {
			e := &m.Entries[i]
			e.Ensemble = router.EnsembleID(d.str(c, slotEntry, "entry ensemble"))
			e.Leader.Ensemble = router.EnsembleID(d.str(c, slotEntry, "entry leader ensemble"))
			e.Leader.Name = d.str(c, slotEntry, "entry leader name")
			e.Leader.Node = router.NodeID(d.str(c, slotEntry, "entry leader node"))
			e.Version = c.uvarint("entry version", math.MaxUint64)
		}
	}
	if c.err == nil && len(c.b) != 0 {
		c.fail("%d trailing bytes", len(c.b))
	}
	if c.err != nil {
		return router.Message{}, c.err
	}
	return m, nil
}
