package router

import (
	"fmt"
	"strings"
	"time"
)

// Kind is the kind of a message between nodes.
type Kind uint8

const (
	// KindRoute asks a router instance to route a call to an ensemble's leader.
	KindRoute Kind = iota + 1
	// KindCast asks a router instance to route a cast (no reply) to a leader.
	KindCast
	// KindPeer hands an event to one named peer: a peer-target call, or a follower's
	// forward to the leader it knows.
	KindPeer
	// KindReply carries a call's outcome back to the caller's node, or under riak a
	// leader's answer to a follower's forward to the worker that called the follower.
	KindReply
	// KindGossip carries directory entries.
	KindGossip
	numKinds
)

var kindNames = [...]string{"", "route", "cast", "peer", "reply", "gossip"}

// String returns the kind's short name.
func (k Kind) String() string {
	if k > 0 && k < numKinds {
		return kindNames[k]
	}
	return "kind?"
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k > 0 && k < numKinds }

// Queued reports whether messages of this kind are work for a router instance (the
// driver queues them on instance Message.Instance and delivers them in that instance's
// turn). Other kinds go to the node directly: replies never wait behind routing work.
func (k Kind) Queued() bool { return k == KindRoute || k == KindCast }

// Message is what travels between nodes. Fields a kind does not use are zero. Event,
// Result and Entries are owned by the message once sent: nobody modifies them after.
type Message struct {
	Kind Kind
	From NodeID
	// Instance is the router instance on the destination (KindRoute, KindCast),
	// picked at random by the sender.
	Instance int
	// Call is the return address; zero for casts and gossip.
	Call     CallID
	Ensemble EnsembleID
	// Peer is the target peer (KindPeer) or the peer that produced the outcome
	// (KindReply; for a nack, the peer that refused).
	Peer PeerRef
	// Forwarded marks a follower's forward (KindPeer): it is not forwarded again.
	Forwarded bool
	// Worker names a riak worker (Semantics Riak): on a follower's forward
	// (KindPeer), the worker on the sending node that called the follower; on the
	// leader's answer to it (KindReply), that worker, on the node the answer is sent
	// to, which relays the answer to the caller. Zero for none: a reply then goes to
	// its call's node.
	Worker uint64
	Event  []byte
	Result []byte
	Code   Code
	// Budget is the time the receiver may spend: the remaining budget under default
	// semantics, the caller's original timeout under riak. Infinity for none. It is
	// the sender's figure: the receiver charges the time the message waits with it,
	// not the time it spent in flight, which it cannot measure without the sender's
	// clock.
	Budget time.Duration
	// Hops counts the transfers between nodes the request has made so far.
	Hops    int
	Entries []Entry
}

// String renders the message compactly for traces and scripts.
func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", m.Kind, m.From)
	switch m.Kind {
	case KindRoute, KindCast:
		fmt.Fprintf(&b, " r%d ens=%s", m.Instance, m.Ensemble)
	case KindPeer:
		fmt.Fprintf(&b, " peer=%s", m.Peer)
		if m.Forwarded {
			b.WriteString(" fwd")
		}
		if m.Worker != 0 {
			fmt.Fprintf(&b, " worker=%d", m.Worker)
		}
	case KindReply:
		fmt.Fprintf(&b, " %s", m.Code)
		if m.Code == CodeOK {
			fmt.Fprintf(&b, " %q", m.Result)
		}
		if !m.Peer.IsZero() {
			fmt.Fprintf(&b, " by=%s", m.Peer)
		}
		if m.Worker != 0 {
			fmt.Fprintf(&b, " to-worker=%d", m.Worker)
		}
	case KindGossip:
		for _, e := range m.Entries {
			fmt.Fprintf(&b, " %s", e)
		}
		return b.String()
	}
	if !m.Call.IsZero() {
		fmt.Fprintf(&b, " call=%s", m.Call)
	}
	if m.Kind != KindReply {
		fmt.Fprintf(&b, " ev=%q budget=%s", m.Event, fmtBudget(m.Budget))
	}
	fmt.Fprintf(&b, " hops=%d", m.Hops)
	return b.String()
}

func fmtBudget(d time.Duration) string {
	if d == Infinity {
		return "inf"
	}
	return d.String()
}
