package router

import (
	"math"
	"strconv"
	"time"
)

// NodeID names one process of the cluster.
type NodeID string

// String returns the node's name.
func (n NodeID) String() string { return string(n) }

// EnsembleID names a consensus group.
type EnsembleID string

// String returns the ensemble's name.
func (e EnsembleID) String() string { return string(e) }

// PeerRef names one member of an ensemble and the node it lives on. The zero PeerRef
// means "no peer" (for example, no leader known).
type PeerRef struct {
	Ensemble EnsembleID
	Name     string
	Node     NodeID
}

// IsZero reports whether p names no peer.
func (p PeerRef) IsZero() bool {
	// Field by field: comparing with PeerRef{} calls the generated equality function,
	// which compares three strings' contents on every routing step.
	return p.Ensemble == "" && p.Name == "" && p.Node == ""
}

// empty is IsZero for the node's own use: with a pointer receiver, the inlined check
// reads p's fields where they are instead of copying p to the stack first.
func (p *PeerRef) empty() bool { return p.Ensemble == "" && p.Name == "" && p.Node == "" }

// String renders p as ensemble/name@node, or "-" for the zero PeerRef.
func (p PeerRef) String() string {
	if p.IsZero() {
		return "-"
	}
	// Concatenation, not fmt: traces render a peer on every delivery.
	return string(p.Ensemble) + "/" + p.Name + "@" + string(p.Node)
}

// AppendTo appends p.String() to b and returns the extended buffer: a tracer that
// renders into a buffer of its own allocates nothing.
func (p PeerRef) AppendTo(b []byte) []byte {
	if p.IsZero() {
		return append(b, '-')
	}
	b = append(b, p.Ensemble...)
	b = append(b, '/')
	b = append(b, p.Name...)
	b = append(b, '@')
	return append(b, p.Node...)
}

// Incarnation numbers the lives of a node: every restart gets a larger one.
type Incarnation uint64

// CallID is a call's return address: the caller's node, the node's incarnation and a
// sequence number that is unique within that incarnation. A restarted node therefore
// can never match a reply meant for a call of its previous life.
type CallID struct {
	Node        NodeID
	Incarnation Incarnation
	Seq         uint64
}

// IsZero reports whether c is the zero CallID, which casts carry.
func (c CallID) IsZero() bool { return c.Seq == 0 && c.Incarnation == 0 && c.Node == "" }

// String renders c as node.incarnation.seq, or "-" for the zero CallID.
func (c CallID) String() string {
	if c.IsZero() {
		return "-"
	}
	// Appended by hand, not with fmt: traces render a call id on nearly every record.
	var buf [64]byte
	return string(c.AppendTo(buf[:0]))
}

// AppendTo appends c.String() to b and returns the extended buffer: a tracer that
// renders into a buffer of its own allocates nothing.
func (c CallID) AppendTo(b []byte) []byte {
	if c.IsZero() {
		return append(b, '-')
	}
	b = append(b, c.Node...)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(c.Incarnation), 10)
	b = append(b, '.')
	return strconv.AppendUint(b, c.Seq, 10)
}

// Infinity is the timeout of a call that waits forever. Only peer targets accept it.
const Infinity time.Duration = math.MaxInt64

// Target says where a call or cast goes: to the current leader of an ensemble, or
// straight to one known peer. Build one with ToEnsemble or ToPeer.
type Target struct {
	// Ensemble is set for ensemble targets.
	Ensemble EnsembleID
	// Peer is set for peer targets (the original's pid target): no routing at all.
	Peer PeerRef
	// Via names the node whose routers resolve an ensemble target. Empty means the
	// caller's own node. A client-only node, which has no directory, names a member.
	Via NodeID
}

// ToEnsemble targets the current leader of e, resolved at the caller's own node.
func ToEnsemble(e EnsembleID) Target { return Target{Ensemble: e} }

// ToPeer targets the peer p directly.
func ToPeer(p PeerRef) Target { return Target{Peer: p} }

// Through returns t resolved by the routers of node n instead of the caller's node.
// Only an ensemble target is routed: Call and Cast refuse a peer target through a
// node (ErrBadTarget).
func (t Target) Through(n NodeID) Target { t.Via = n; return t }

// String renders the target for traces.
func (t Target) String() string {
	if !t.Peer.IsZero() {
		return "peer:" + t.Peer.String()
	}
	if t.Via != "" {
		return "ens:" + string(t.Ensemble) + " via " + string(t.Via)
	}
	return "ens:" + string(t.Ensemble)
}

// AppendTo appends t.String() to b and returns the extended buffer: a tracer that
// renders into a buffer of its own allocates nothing.
func (t Target) AppendTo(b []byte) []byte {
	if !t.Peer.IsZero() {
		return t.Peer.AppendTo(append(b, "peer:"...))
	}
	b = append(b, "ens:"...)
	b = append(b, t.Ensemble...)
	if t.Via != "" {
		b = append(b, " via "...)
		b = append(b, t.Via...)
	}
	return b
}

// set makes p *q, one string at a time: a PeerRef copied whole into the heap is, while
// the collector marks, a bulk write barrier (runtime.wbMove) that costs several times
// three single pointer writes. q is a pointer so that the inlined copy reads q's
// strings where they are instead of copying all of q to the stack first.
func (p *PeerRef) set(q *PeerRef) {
	p.Ensemble = q.Ensemble
	p.Name = q.Name
	p.Node = q.Node
}

// clear makes p the zero PeerRef, one string at a time (see set).
func (p *PeerRef) clear() {
	p.Ensemble = ""
	p.Name = ""
	p.Node = ""
}
