// Package bugs names the deliberate defects that tests inject into the router core,
// and into the simulator's network model (netmodel), to prove that each invariant
// catches the bug it exists for.
//
// The package is internal to the module, and Set has no exported fields, so code outside
// this module can only ever hold the zero Set: a library user cannot switch a bug on.
package bugs

import "strings"

// Bug is one injectable defect.
type Bug uint8

const (
	// LateReply keeps a completed call registered, so a reply that arrives after the
	// call's timeout is delivered to the caller a second time.
	LateReply Bug = iota + 1
	// ReuseCallID numbers calls without the node's incarnation, so a restarted node
	// reuses the call ids of its previous life and can match an old reply.
	ReuseCallID
	// IgnoreDeadline arms each call's deadline timer at twice its timeout.
	IgnoreDeadline
	// DropHopCount forwards requests without counting the hop, so the hop limit
	// never trips.
	DropHopCount
	// CrossReply completes the oldest other pending call of the node with a reply
	// instead of the call the reply names.
	CrossReply
	// NoDeadlineTimer never arms a call's deadline timer, so a call whose answer is
	// lost waits forever.
	NoDeadlineTimer
	// FreezeDirectory makes a node ignore every directory update after its first
	// entry for an ensemble, so it never learns a new leader.
	FreezeDirectory
	// SharedRoute lets a route a node remembers for one ensemble serve another whose
	// name has the same length, so a call to e2 can go to e1's leader.
	SharedRoute
	// DropRequest makes a node drop one in eight of the requests it would hand to a
	// local peer, as if lost on the way: their callers time out in a healthy cluster.
	DropRequest
	// KeepCompleted never removes a completed call from the node's table of pending
	// calls: a late reply to it is still dropped, but the table grows with every
	// call.
	KeepCompleted
	// SilentLate drops a reply that arrives for a call no longer pending without
	// counting it as late: the caller is not told twice, but the loss is hidden.
	SilentLate
	// DropPeerCall loses every call to a peer target on its way out of the caller's
	// node, uncounted: the caller waits out its timeout in a healthy cluster.
	DropPeerCall
	// CastTwice routes every cast twice, as a sender that retries a fire-and-forget
	// message would: the leader runs the event twice.
	CastTwice
	// DropCast loses one in four casts on their way out of the caller's node,
	// uncounted: a cast in a healthy cluster never reaches its leader.
	DropCast
	// ForwardHopsReset makes a follower forward a request with its hop count reset,
	// as if the forward started a new chain: a request can then bounce between nodes
	// past the hop limit.
	ForwardHopsReset
	// RedirectHopsReset redirects a nacked call with its hop count reset, as if the
	// redirect started a new chain: the hops before the nack are not counted.
	RedirectHopsReset
	// RedirectTwice lets a call be redirected after every nack, not once (a copy of
	// the nack that redirected it included: the node keeps no memory of the
	// redirect): nacks can bounce it between leaders until its deadline.
	RedirectTwice
	// UncountedLate drops a late reply without counting it in Stats.Late, though it
	// traces the drop: the report's late_replies_discarded is short.
	UncountedLate
	// NackCopyAfterRedirect takes a copy of the nack that redirected a call (the
	// network duplicated it) for the redirected request's answer: the call ends with
	// ErrNotLeader, which says the event did not run, while the redirected request
	// goes on and runs it.
	NackCopyAfterRedirect
	// LeakTimers leaves a completed call's deadline timer and a retired riak
	// worker's timer armed (the node forgets them, but never stops them): each fires
	// later for nothing, and a node holds a timer for a whole timeout on every call.
	LeakTimers
	// UnchargedWait hands a request on with the budget it came with, its wait in the
	// node's mailbox not charged (default semantics): a peer is given time its
	// caller no longer has, and works for a caller that has given up.
	UnchargedWait
	// EarlyDeadline arms each call's deadline timer at 6/10 of its timeout: calls
	// time out before their deadline, with no answer to tell them so (under riak too,
	// where every failure is a timeout and some come early, each from an answer).
	EarlyDeadline
	// RedirectFullBudget redirects a nacked call with the call's whole timeout as
	// its budget, not what it has left (default semantics): the new leader is given
	// time the caller no longer has, and works for a caller that has given up.
	RedirectFullBudget
	// HopLimitOffByOne lets a request pass between nodes once more than the hop limit
	// allows (default semantics): a request bouncing between nodes that disagree on
	// the leader makes HopLimit+1 transfers before it is refused.
	HopLimitOffByOne
	// KeepWorkers retires a riak worker whose peer answered without removing it from
	// the node's workers (its timer is stopped): the node holds one for every call
	// routed to a leader, for ever.
	KeepWorkers
	// HandSpentBudget routes a request whose budget its wait in the mailbox used up,
	// instead of dropping it (default semantics): a peer is handed work with no time
	// left, for a caller that has given up.
	HandSpentBudget
	// UnclampedWait charges a request's wait in the mailbox as the node's clock
	// reads it, not at least zero (default semantics): a clock stepped back while the
	// request waited is taken for time gained, and a peer is handed more than the
	// call's whole timeout.
	UnclampedWait
	// CreditBelievedLeader credits an ensemble call's answer to the leader the
	// caller's node believes in when the answer comes, not to the peer the answer
	// names: after a leader change the caller is told that a peer ran its event which
	// did not, or not that time.
	CreditBelievedLeader
	// DropOKAfterRedirect drops as late, after a redirect, an ok as well as a refusal
	// from another node with no more hops than the redirecting nack: the answer of a
	// copy of the first request (the network duplicated it) that a new leader served
	// is lost, though the event ran, and the call waits for the redirected request's.
	DropOKAfterRedirect
	// DropRelay makes a riak worker drop the leader's answer to its follower's
	// forward, uncounted, instead of relaying it to the caller: the event ran, and
	// the caller is told timeout.
	DropRelay
	// ForeignCallID names a call after the node of the leader its caller's node
	// knows, not after the caller's node: the leader's answer goes to that node,
	// which has no such call, and the caller waits out its timeout.
	ForeignCallID
	// Detour sends a call whose leader is on another node to a router instance of
	// the caller's own node, which routes it on, rather than straight to the
	// leader's node: calls still succeed, a transfer and a turn of a mailbox later.
	Detour
	// CrashFiresTimers is a simulator defect: a crashing host fires the timers it
	// holds, due or not, on its way down, as a process running its deferred cleanup
	// would: the calls that die with the node end (timeout) after it crashed.
	CrashFiresTimers
	// HealKeepsStalled is a simulator defect: a heal leaves the messages stalled
	// at the cut (partition mode stall) parked instead of handing them over or
	// dropping them: they never arrive, and the world is never rid of them.
	HealKeepsStalled
	// HoldNeverExpires is a simulator defect: a reply its sender holds for a node
	// it cannot reach is kept until that node can be reached again, however long
	// that takes, not for Config.ReplyHold at most: a node that never comes back
	// leaves its replies held for ever.
	HoldNeverExpires
	// RedialOn is a simulator defect: a sender's dial loop goes on once its link is
	// back, each attempt arming the next, so that the world is never quiet.
	RedialOn
	// CrashKeepsTimers is a simulator defect: a crash withdraws the host's timer
	// event but leaves its timers armed, as if the event were all there was to stop:
	// the dead incarnation's timers stay with the host, ahead of those its next
	// incarnation arms, which then never fire.
	CrashKeepsTimers
	// RelayTwice makes a riak worker relay the leader's answer to its follower's
	// forward to the caller twice (a router core defect, listed after the
	// simulator's so that their numbers stay): the caller takes the first and drops
	// the second as late, a message and a late reply for nothing on every relay.
	RelayTwice
	maxBug
)

var names = [...]string{
	LateReply:             "late-reply",
	ReuseCallID:           "reuse-call-id",
	IgnoreDeadline:        "ignore-deadline",
	DropHopCount:          "drop-hop-count",
	CrossReply:            "cross-reply",
	NoDeadlineTimer:       "no-deadline-timer",
	FreezeDirectory:       "freeze-directory",
	SharedRoute:           "shared-route",
	DropRequest:           "drop-request",
	KeepCompleted:         "keep-completed",
	SilentLate:            "silent-late",
	DropPeerCall:          "drop-peer-call",
	CastTwice:             "cast-twice",
	DropCast:              "drop-cast",
	ForwardHopsReset:      "forward-hops-reset",
	RedirectHopsReset:     "redirect-hops-reset",
	RedirectTwice:         "redirect-twice",
	UncountedLate:         "uncounted-late",
	NackCopyAfterRedirect: "nack-copy-after-redirect",
	LeakTimers:            "leak-timers",
	UnchargedWait:         "uncharged-wait",
	EarlyDeadline:         "early-deadline",
	RedirectFullBudget:    "redirect-full-budget",
	HopLimitOffByOne:      "hop-limit-off-by-one",
	KeepWorkers:           "keep-workers",
	HandSpentBudget:       "hand-spent-budget",
	UnclampedWait:         "unclamped-wait",
	CreditBelievedLeader:  "credit-believed-leader",
	DropOKAfterRedirect:   "drop-ok-after-redirect",
	DropRelay:             "drop-relay",
	ForeignCallID:         "foreign-call-id",
	Detour:                "detour",
	CrashFiresTimers:      "crash-fires-timers",
	HealKeepsStalled:      "heal-keeps-stalled",
	HoldNeverExpires:      "hold-never-expires",
	RedialOn:              "redial-on",
	CrashKeepsTimers:      "crash-keeps-timers",
	RelayTwice:            "relay-twice",
}

// String returns the bug's name as used in test names and flags.
func (b Bug) String() string {
	if b == 0 || b >= maxBug {
		return "unknown"
	}
	return names[b]
}

// All lists every bug, in order.
func All() []Bug {
	out := make([]Bug, 0, maxBug-1)
	for b := Bug(1); b < maxBug; b++ {
		out = append(out, b)
	}
	return out
}

// Parse returns the bug with the given name.
func Parse(name string) (Bug, bool) {
	for b := Bug(1); b < maxBug; b++ {
		if names[b] == name {
			return b, true
		}
	}
	return 0, false
}

// Names returns the names of the bugs in s, in order; nil for none.
func (s Set) Names() []string {
	var out []string
	for b := Bug(1); b < maxBug; b++ {
		if s.Has(b) {
			out = append(out, names[b])
		}
	}
	return out
}

// NameList is every bug's name, comma-separated: for an error naming the choices.
func NameList() string {
	var b strings.Builder
	for i, n := range names[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	return b.String()
}

// Set is a set of injected bugs. The zero value injects nothing.
type Set struct{ bits uint64 }

// A Set holds a bit for each bug: this does not compile once there are too many.
const _ uint64 = 1 << (maxBug - 1)

// Of returns the set holding bs.
func Of(bs ...Bug) Set {
	var s Set
	for _, b := range bs {
		s.bits |= 1 << b
	}
	return s
}

// Has reports whether b is injected.
func (s Set) Has(b Bug) bool { return s.bits&(1<<b) != 0 }
