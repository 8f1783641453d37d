package netmodel

import (
	"fmt"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// Match selects messages by what they are and where they go. A zero field matches
// anything; the zero Match matches every message.
//
// Ensemble is a message's ensemble as the network sees it (ensembleOf): a route's,
// a cast's or a peer message's own, and for a reply that of the peer that produced
// it. A reply produced by no peer (a router's refusal) and gossip, which carries the
// entries of many ensembles, have none and match no Ensemble; AddRule refuses a
// Match of KindGossip that names one, as it would match nothing.
type Match struct {
	Kind     router.Kind       // 0: any
	Ensemble router.EnsembleID // "": any
	Call     router.CallID     // zero: any
	From, To router.NodeID     // the sending and the receiving node; "": any
}

// Matches reports whether a message m sent from one node to another is selected.
func (m Match) Matches(from, to router.NodeID, msg router.Message) bool {
	return m.matches(from, to, &msg)
}

// matches is Matches for a message read in place: the network judges every message
// it sends, and a copy of the message for each rule costs more than the match.
func (m *Match) matches(from, to router.NodeID, msg *router.Message) bool {
	return (m.Kind == 0 || m.Kind == msg.Kind) &&
		(m.Ensemble == "" || m.Ensemble == ensembleOf(msg)) &&
		(m.Call.IsZero() || m.Call == msg.Call) &&
		(m.From == "" || m.From == from) &&
		(m.To == "" || m.To == to)
}

// ensembleOf is the ensemble Match.Ensemble compares with. A reply carries no
// Message.Ensemble on the wire, only the peer that produced its outcome
// (Message.Peer): the reply is of that peer's ensemble, so that a rule on an ensemble
// takes a call's replies as well as its requests.
func ensembleOf(msg *router.Message) router.EnsembleID {
	if msg.Kind == router.KindReply {
		return msg.Peer.Ensemble
	}
	return msg.Ensemble
}

// validate returns an error that names the first field of m that makes it match
// nothing, under field (rule "x".match, say), or nil.
func (m *Match) validate(field string) error {
	if m.Kind == router.KindGossip && m.Ensemble != "" {
		return fmt.Errorf("%w: %s.ensemble: %q with kind gossip matches nothing: gossip carries the entries of many ensembles, and is of none", ErrBadConfig, field, m.Ensemble)
	}
	return nil
}

// Action is a rule's verdict on a message.
type Action uint8

const (
	// ActDrop loses the message.
	ActDrop Action = iota + 1
	// ActDelay adds Rule.Delay to the message's latency.
	ActDelay
	// ActDuplicate delivers the message twice: the copy draws its own latency, adds
	// Rule.Delay to it and ignores FIFO order.
	ActDuplicate
)

var actionNames = [...]string{"", "drop", "delay", "duplicate"}

// String returns "drop", "delay" or "duplicate".
func (a Action) String() string {
	if a >= ActDrop && a <= ActDuplicate {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// ParseAction reads an action as String writes it; anything else returns an error
// wrapping ErrBadConfig.
func ParseAction(s string) (Action, error) {
	for a := ActDrop; a <= ActDuplicate; a++ {
		if actionNames[a] == s {
			return a, nil
		}
	}
	return 0, badField("action: %q is unknown: want drop, delay or duplicate", s)
}

// Rule judges messages at send time. The rules of a Net are consulted in the order
// they were added and the first one that applies gives the verdict: later rules, and
// the link's own Drop and Dup, are not consulted for that message. A verdict other
// than ActDrop still leaves the message its sampled latency. An ActDelay'd message
// steps out of the link's FIFO order: it is delayed on its own and holds back nothing
// behind it, so a rule slows exactly the messages it matches. Other verdicts keep the
// link's Reorder and FIFO order.
//
// A rule applies to a message when it is armed, not used up, and Match selects the
// message. A partition comes first: a message lost to it is not judged, though it
// still counts as sent for After.
type Rule struct {
	Name   string
	Match  Match
	Action Action
	// Delay is ActDelay's extra latency, and ActDuplicate's extra latency for the copy.
	Delay time.Duration
	// Count limits the rule to the first Count messages it applies to; 0 is no limit.
	Count int
	// After, if set, keeps the rule disarmed until a message that After selects has
	// been sent (an "after this event" trigger); that message itself is judged before
	// the rule arms. Messages refused with router.ErrUnreachable were not sent.
	After *Match
}

// ruleState is an added rule and what it has done so far.
type ruleState struct {
	id      int
	r       Rule
	armed   bool
	applied int
}

// AddRule adds r after the rules already added and returns its id, for RemoveRule.
// An unknown action, a negative delay or count, or a match (or After) of gossip
// that names an ensemble returns an error wrapping ErrBadConfig that names the rule
// and the field, and adds nothing.
func (n *Net) AddRule(r Rule) (id int, err error) {
	field := fmt.Sprintf("rule %q", r.Name)
	switch {
	case r.Action < ActDrop || r.Action > ActDuplicate:
		return 0, fmt.Errorf("%w: %s.action: %v is unknown: want drop, delay or duplicate", ErrBadConfig, field, r.Action)
	case r.Delay < 0:
		return 0, fmt.Errorf("%w: %s.delay: %v is negative", ErrBadConfig, field, r.Delay)
	case r.Count < 0:
		return 0, fmt.Errorf("%w: %s.count: %d is negative", ErrBadConfig, field, r.Count)
	}
	if err := r.Match.validate(field + ".match"); err != nil {
		return 0, err
	}
	if r.After != nil {
		if err := r.After.validate(field + ".after"); err != nil {
			return 0, err
		}
	}
	if r.After != nil {
		after := *r.After // the caller keeps its Match
		r.After = &after
	}
	n.ruleSeq++
	n.rules = append(n.rules, &ruleState{id: n.ruleSeq, r: r, armed: r.After == nil})
	n.noteRules()
	return n.ruleSeq, nil
}

// RemoveRule removes the rule with id and reports whether there was one.
func (n *Net) RemoveRule(id int) bool {
	for i, rs := range n.rules {
		if rs.id == id {
			n.rules = append(n.rules[:i], n.rules[i+1:]...)
			n.noteRules()
			return true
		}
	}
	return false
}

// judge returns the rule whose verdict applies to message id, or nil, and counts it.
// Only a message of a kind in n.judged can have one (noteRules).
func (n *Net) judge(from, to router.NodeID, id uint64, m *router.Message) *Rule {
	for _, rs := range n.rules {
		if !rs.armed || (rs.r.Count > 0 && rs.applied >= rs.r.Count) || !rs.r.Match.matches(from, to, m) {
			continue
		}
		rs.applied++
		n.stats.RulesApplied++
		n.w.Emit(string(from), "rule", sim.Int("msg", int64(id)), sim.String("rule", rs.r.Name), sim.String("action", rs.r.Action.String()))
		return &rs.r
	}
	return nil
}

// arm arms the rules whose After selects message id, which has just been sent.
func (n *Net) arm(from, to router.NodeID, id uint64, m *router.Message) {
	armed := false
	for _, rs := range n.rules {
		if !rs.armed && rs.r.After.matches(from, to, m) {
			rs.armed, armed = true, true
			n.w.Emit(string(from), "rule-armed", sim.Int("msg", int64(id)), sim.String("rule", rs.r.Name))
		}
	}
	if armed {
		n.noteRules()
	}
}

// noteRules sets what a send asks of the rules before it looks through them, after
// they changed: n.disarmed, whether a rule still waits for its After, and n.judged,
// the kinds of message some rule may apply to (kindBit). A kind not in n.judged is
// judged by no rule, so its messages are not judged at all.
func (n *Net) noteRules() {
	n.disarmed, n.judged = false, 0
	for _, rs := range n.rules {
		if !rs.armed {
			n.disarmed = true
		}
		if k := rs.r.Match.Kind; k == 0 {
			n.judged = ^uint64(0)
		} else {
			n.judged |= kindBit(k)
		}
	}
}

// kindBit is kind k's bit in a set of kinds (Net.judged). Kinds beyond 63 share bits
// with others: the set may then hold a kind that was not put in, never lack one.
func kindBit(k router.Kind) uint64 { return 1 << (k % 64) }
