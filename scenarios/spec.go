package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// reconnectBound is the longest a link stays down after the end of an outage its
// sender noticed: BackoffMax and its jitter.
func (s *Spec) reconnectBound() time.Duration { return s.BackoffMax.D() + s.BackoffMax.D()/4 }

// Duration is a duration written as text in specs ("250us", "1.5s").
type Duration = netmodel.Duration

// Dist is a distribution of durations (see netmodel.Dist).
type Dist = netmodel.Dist

// Spec is a whole simulated world: cluster shape, network, ensembles, workload,
// elections and faults. It is plain data that round-trips through JSON; every knob is
// written out, so a spec saved with a failure replays the same run after the code
// around it changes.
type Spec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Nodes are the cluster's member nodes; Clients are client-only nodes that have no
	// directory or peers and call through a random member.
	Nodes   []string `json:"nodes"`
	Clients []string `json:"clients,omitempty"`
	// Routers is the number of router instances per node; RouterService the time one
	// spends on each message.
	Routers       int  `json:"routers"`
	RouterService Dist `json:"router_service"`
	// HopLimit bounds forwarding under default semantics.
	HopLimit int `json:"hop_limit"`
	// Link is every directed link's behaviour; DetectAfter how long a partition, or a
	// crashed node, goes unnoticed before sends across it, or to the node, fail fast.
	Link        netmodel.Link `json:"link"`
	Links       []LinkSpec    `json:"links,omitempty"`
	DetectAfter Duration      `json:"detect_after"`
	// PauseDetectAfter is how long a paused node goes unnoticed before sends to it
	// fail fast, as a real transport's heartbeat timeout closes its connections (3s);
	// 0, the default, never (netmodel.Config.PauseDetectAfter).
	PauseDetectAfter Duration `json:"pause_detect_after,omitempty"`
	// ReplyHold is how long a node holds a reply it cannot send because it has
	// noticed that the caller's node is cut off, down or paused, as the production
	// transport holds replies for a node that is not connected (3s by default);
	// 0, the default, not at all: such a reply is refused (netmodel.Config.ReplyHold).
	ReplyHold Duration `json:"reply_hold,omitempty"`
	// BackoffMin and BackoffMax are the redial backoff of a node that noticed it
	// cannot reach another (detect_after, pause_detect_after): once the cut heals or
	// the node restarts or resumes, sends to it still fail fast until the next dial
	// attempt, as the production transport redials (50ms doubling up to 2s, ±25%
	// jitter; netmodel.Config.BackoffMin, BackoffMax). 0, the default: the link is
	// back at once.
	BackoffMin Duration `json:"backoff_min,omitempty"`
	BackoffMax Duration `json:"backoff_max,omitempty"`
	// MailboxCap bounds each router instance's mailbox under default semantics (0:
	// unbounded). Riak's mailboxes are unbounded whatever it says, as in the original.
	MailboxCap int `json:"mailbox_cap,omitempty"`
	// Clocks give some nodes a clock of their own: offset, drift, periodic drift.
	Clocks    []ClockSpec `json:"clocks,omitempty"`
	Ensembles []Ensemble  `json:"ensembles"`
	Peer      PeerSpec    `json:"peer"`
	Workload  Workload    `json:"workload"`
	Gossip    Gossip      `json:"gossip"`
	Elections []Election  `json:"elections,omitempty"`
	Faults    []Fault     `json:"faults,omitempty"`
	// Liveness, if set, demands that calls started from Liveness.From on, to an
	// ensemble that has a leader throughout, succeed.
	Liveness *Liveness `json:"liveness,omitempty"`
	// RiakBreaks names the invariants the original router is known not to keep in this
	// world. Under riak semantics their violations are reported as expected, not as
	// failures; under default semantics every invariant must hold.
	RiakBreaks []string `json:"riak_breaks,omitempty"`
	// SendBudget, if set, is the most messages the routers may send in the run
	// before it is stopped and taken for one that never ends (no-leak), instead of
	// SendsPerPlanned for each planned message and MinSendBudget: for a world whose
	// requests, under riak, bounce for longer than that before anti-entropy repairs
	// the directories, or to stop a run sooner.
	SendBudget int64 `json:"send_budget,omitempty"`
}

// LinkSpec overrides the link from one node to another.
type LinkSpec struct {
	From string        `json:"from"`
	To   string        `json:"to"`
	Link netmodel.Link `json:"link"`
}

// ClockSpec gives Node its own clock.
type ClockSpec struct {
	Node  string              `json:"node"`
	Clock netmodel.ClockModel `json:"clock"`
}

// Ensemble is one consensus group: its members and its first leader ("" for none).
type Ensemble struct {
	Name    string   `json:"name"`
	Members []Member `json:"members"`
	Leader  string   `json:"leader,omitempty"`
}

// Member is one peer of an ensemble and the node it lives on.
type Member struct {
	Name string `json:"name"`
	Node string `json:"node"`
}

// PeerSpec is how long a leader takes to answer an event, and whether it gives up
// on work its budget does not cover (a peer that honours the budget the router hands
// it answers nothing it could only answer late).
type PeerSpec struct {
	Service     Dist `json:"service"`
	HonorBudget bool `json:"honor_budget,omitempty"`
}

// Workload is an open-loop stream of calls: Poisson arrivals at Rate per second for
// Duration, each with Timeout, from members and (a ClientShare of them) clients.
// A PeerShare of the arrivals target a random member of their ensemble directly (the
// original's pid target: no routing) instead of its leader; a CastShare of them are
// casts, which nobody waits for, instead of calls.
type Workload struct {
	Rate        float64  `json:"rate"`
	Duration    Duration `json:"duration"`
	Timeout     Duration `json:"timeout"`
	ClientShare float64  `json:"client_share,omitempty"`
	PeerShare   float64  `json:"peer_share,omitempty"`
	CastShare   float64  `json:"cast_share,omitempty"`
	// Bursts add arrivals at Rate per second from At for Duration, on top.
	Bursts []Burst `json:"bursts,omitempty"`
	// Retry, when set, makes the callers retry a failed call (Retry); nil: each
	// call is made once and its outcome is final.
	Retry *Retry `json:"retry,omitempty"`
}

// Burst is a period of extra load.
type Burst struct {
	At       Duration `json:"at"`
	Duration Duration `json:"duration"`
	Rate     float64  `json:"rate"`
}

// Gossip is the directory's anti-entropy: every Interval each member sends its whole
// directory to one other member (round robin). Pushes on a leader change are always on.
type Gossip struct {
	Interval Duration `json:"interval"`
	// PushOnly turns anti-entropy off: directories learn only from the pushes that
	// announce each new leader. A push lost to a fault is then never repaired, so
	// this suits large healthy clusters, where a round (every member's whole
	// directory) costs more than the workload.
	PushOnly bool `json:"push_only,omitempty"`
}

// Election takes an ensemble's leader away At a time; after Duration, Leader (a
// member's name, or "" to stay leaderless) takes over. The new leader's node learns
// first and pushes the news to every member node.
type Election struct {
	At       Duration `json:"at"`
	Ensemble string   `json:"ensemble"`
	Duration Duration `json:"duration"`
	Leader   string   `json:"leader,omitempty"`
}

// Fault is one scheduled fault. Actions and the fields they use:
//   - partition: cut A from B, both ways; partition-one-way: cut A -> B only; InFlight
//     says what happens to messages already travelling: "drop" (the default) or
//     "stall" (held until heal); heal: restore every link
//   - hold: park the messages on every link A -> B; release: deliver them, in order
//   - crash: Node stops; restart: Node comes back as a new incarnation with its directory
//     as Directory says: "current" (kept, the default), "saved" (the last save: a
//     regression) or "empty"; save: snapshot Node's directory
//   - pause: nothing on Node runs (a long GC pause); resume: it runs again, late
//   - clock-step: Node's clock jumps by Step (negative: back); clock-set: Node's clock
//     runs at Clock's rate from now on
//   - slow: the leader Peer ("ens/name"; either name may hold a "/", as long as
//     only one split names a member) answers with Service until Until
//   - hang: Peer never answers until Until
//   - rule: from now on the network applies Rule to the messages it matches
//   - unrule: every rule named Rule.Name stops; a rule of that name must have
//     been added before it
//
// Validate refuses a fault that sets a field its action does not use.
type Fault struct {
	At        Duration             `json:"at"`
	Action    string               `json:"action"`
	A         []string             `json:"a,omitempty"`
	B         []string             `json:"b,omitempty"`
	InFlight  string               `json:"in_flight,omitempty"`
	Node      string               `json:"node,omitempty"`
	Directory string               `json:"directory,omitempty"`
	Peer      string               `json:"peer,omitempty"`
	Service   *Dist                `json:"service,omitempty"`
	Until     Duration             `json:"until,omitempty"`
	Step      Duration             `json:"step,omitempty"`
	Clock     *netmodel.ClockModel `json:"clock,omitempty"`
	Rule      *RuleSpec            `json:"rule,omitempty"`
}

// RuleSpec is a typed fault rule: drop, delay or duplicate the messages that match, for
// the first Count of them (0: all), once a message matching After has been sent (if
// set).
type RuleSpec struct {
	Name   string     `json:"name"`
	Match  MatchSpec  `json:"match,omitzero"`
	Action string     `json:"action,omitempty"`
	Delay  Duration   `json:"delay,omitempty"`
	Count  int        `json:"count,omitempty"`
	After  *MatchSpec `json:"after,omitempty"`
}

// MatchSpec selects messages; empty fields match anything. Kind is one of route,
// cast, peer, reply, gossip.
type MatchSpec struct {
	Kind     string `json:"kind,omitempty"`
	Ensemble string `json:"ensemble,omitempty"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
}

// Liveness is the liveness phase: from From on, faults have stopped (Validate
// refuses a fault that makes trouble at or after From, or lasts past it, rules
// that fail calls or stop gossip included). Once the directories have converged, every call to an ensemble with a
// leader must succeed, in at most Within (default: the workload's timeout).
type Liveness struct {
	From   Duration `json:"from"`
	Within Duration `json:"within,omitempty"`
}

// JSON returns the spec as indented JSON.
func (s Spec) JSON() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		panic(err) // plain data always encodes
	}
	return b.Bytes()
}

// nodeNameProblem says what is wrong with n as a node's or client's name, "" if
// nothing: it must not be what traces show for no node ("-") or the world's row of
// ensim trace's diagram ("world"), and, as ensnode's ids, must be valid UTF-8
// without white space, control characters, "=" or "," (the separators of the
// command lines and trace records that list nodes).
func nodeNameProblem(n string) string {
	if n == "-" || n == "world" {
		return "the name is taken: traces use it for no node or for the world"
	}
	return peerNameProblem(n)
}

// peerNameProblem says what is wrong with n as a name in a peer's reference,
// "ensemble/member@node" (an ensemble's, a member's or a node's), "" if nothing. It
// must be valid UTF-8 without white space, control characters, "=" or "," (the
// separators of the command lines and trace records that list names: ensnode's
// --ensemble e1=n1,n2, the demo peer's space-separated events), as ensnode and
// ensctl require of the names they take. And it may not hold an "@", or two peers
// of one ensemble could be written alike (member "p@x" on node n1 and member "p" on
// node "x@n1"), and the checker could not tell which one an answer came from.
func peerNameProblem(n string) string {
	if !utf8.ValidString(n) {
		return "not valid UTF-8"
	}
	for _, r := range n {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '=' || r == ',' {
			return fmt.Sprintf("%q is not allowed in a name (white space, control characters, = and , are not)", r)
		}
	}
	if strings.Contains(n, "@") {
		return `"@" is not allowed in a name: a peer is written ensemble/member@node`
	}
	return ""
}

// Validate reports the first bad field of s, naming it; it changes nothing. Besides
// each field's own constraints it holds the spec to MaxCalls, MaxSpan, MaxNodes,
// MaxEnsembles, MaxGossipSends and MaxFaultLinks.
func (s Spec) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadSpec, fmt.Sprintf(format, args...))
	}
	if len(s.Nodes) == 0 {
		return bad("nodes: need at least one node")
	}
	names := map[string]bool{}
	for i, n := range append(append([]string{}, s.Nodes...), s.Clients...) {
		field := fmt.Sprintf("nodes[%d]", i)
		if i >= len(s.Nodes) {
			field = fmt.Sprintf("clients[%d]", i-len(s.Nodes))
		}
		if n == "" {
			return bad("%s: empty name", field)
		}
		if why := nodeNameProblem(n); why != "" {
			return bad("%s: %q: %s", field, n, why)
		}
		if names[n] {
			if i >= len(s.Nodes) && slices.Contains(s.Nodes, n) {
				return bad("%s: %q is a member node too (in nodes): a client is a node of no ensemble", field, n)
			}
			return bad("%s: %q appears twice", field, n)
		}
		names[n] = true
	}
	members := map[string]bool{}
	for _, n := range s.Nodes {
		members[n] = true
	}
	switch {
	case s.Routers == 0:
		return bad("routers: missing or 0 (the key is required), want 1..%d", router.MaxRouters)
	case s.Routers < 1 || s.Routers > router.MaxRouters:
		return bad("routers: %d, want 1..%d", s.Routers, router.MaxRouters)
	case s.HopLimit == 0:
		return bad("hop_limit: missing or 0 (the key is required), want 1..%d", router.MaxHopLimit)
	case s.HopLimit < 1 || s.HopLimit > router.MaxHopLimit:
		return bad("hop_limit: %d, want 1..%d", s.HopLimit, router.MaxHopLimit)
	}
	if err := s.RouterService.Validate("router_service"); err != nil {
		return bad("%v", err)
	}
	if err := s.Link.Validate("link"); err != nil {
		return bad("%v", err)
	}
	for i, l := range s.Links {
		f := fmt.Sprintf("links[%d]", i)
		if !names[l.From] {
			return bad("%s.from: %q is not a node", f, l.From)
		}
		if !names[l.To] {
			return bad("%s.to: %q is not a node", f, l.To)
		}
		if l.From == l.To {
			return bad("%s.to: %q is its from: a node's messages to itself cross no link", f, l.To)
		}
		// A pair has one link: a second entry would replace the first.
		if j := slices.IndexFunc(s.Links[:i], func(o LinkSpec) bool { return o.From == l.From && o.To == l.To }); j >= 0 {
			return bad("%s: %s to %s has a link already, links[%d]", f, l.From, l.To, j)
		}
		if err := l.Link.Validate(f + ".link"); err != nil {
			return bad("%v", err)
		}
	}
	for i, c := range s.Clocks {
		f := fmt.Sprintf("clocks[%d]", i)
		if !names[c.Node] {
			return bad("%s.node: %q is not a node", f, c.Node)
		}
		// A node has one clock: a second entry would replace the first.
		if j := slices.IndexFunc(s.Clocks[:i], func(o ClockSpec) bool { return o.Node == c.Node }); j >= 0 {
			return bad("%s.node: %q has a clock already, clocks[%d]", f, c.Node, j)
		}
		if err := specClock(f+".clock", c.Clock); err != nil {
			return bad("%v", err)
		}
	}
	if s.MailboxCap < 0 {
		return bad("mailbox_cap: %d is negative", s.MailboxCap)
	}
	if s.DetectAfter < 0 {
		return bad("detect_after: %v is negative", s.DetectAfter.D())
	}
	if s.PauseDetectAfter < 0 {
		return bad("pause_detect_after: %v is negative", s.PauseDetectAfter.D())
	}
	if s.ReplyHold < 0 || s.ReplyHold.D() > time.Hour {
		return bad("reply_hold: %v is out of range: want 0 to 1h", s.ReplyHold.D())
	}
	switch {
	case s.BackoffMin < 0 || s.BackoffMin.D() > time.Hour:
		return bad("backoff_min: %v is out of range: want 0 to 1h", s.BackoffMin.D())
	case s.BackoffMax < 0 || s.BackoffMax.D() > time.Hour:
		return bad("backoff_max: %v is out of range: want 0 to 1h", s.BackoffMax.D())
	case s.BackoffMax > 0 && s.BackoffMin == 0:
		return bad("backoff_min: 0 with backoff_max %v: want more than 0", s.BackoffMax.D())
	case s.BackoffMax == 0 && s.BackoffMin > 0:
		return bad("backoff_min: %v without backoff_max: set both, or neither to reconnect at once", s.BackoffMin.D())
	case s.BackoffMin > s.BackoffMax:
		return bad("backoff_min: %v is more than backoff_max %v", s.BackoffMin.D(), s.BackoffMax.D())
	case s.BackoffMax > 0 && s.BackoffMin.D() < netmodel.MinBackoff:
		return bad("backoff_min: %v is under %v: no dial loop is that fast", s.BackoffMin.D(), netmodel.MinBackoff)
	}
	if err := s.Peer.Service.Validate("peer.service"); err != nil {
		return bad("%v", err)
	}
	ens := map[string]*Ensemble{}
	for i := range s.Ensembles {
		e := &s.Ensembles[i]
		f := fmt.Sprintf("ensembles[%d]", i)
		switch {
		case e.Name == "":
			return bad("%s.name: missing or empty", f)
		case ens[e.Name] != nil:
			return bad("%s.name: %q appears twice", f, e.Name)
		}
		if why := peerNameProblem(e.Name); why != "" {
			return bad("%s.name: %q: %s", f, e.Name, why)
		}
		ens[e.Name] = e
		if len(e.Members) == 0 {
			return bad("%s.members: need at least one member", f)
		}
		seen := map[string]bool{}
		for j, m := range e.Members {
			switch {
			case m.Name == "":
				return bad("%s.members[%d].name: missing or empty", f, j)
			case seen[m.Name]:
				return bad("%s.members[%d].name: %q appears twice in the ensemble", f, j, m.Name)
			}
			if why := peerNameProblem(m.Name); why != "" {
				return bad("%s.members[%d].name: %q: %s", f, j, m.Name, why)
			}
			seen[m.Name] = true
			if !members[m.Node] {
				return bad("%s.members[%d].node: %q is not a member node", f, j, m.Node)
			}
		}
		if e.Leader != "" && !seen[e.Leader] {
			return bad("%s.leader: %q is not a member", f, e.Leader)
		}
	}
	w := s.Workload
	switch {
	case w.Rate < 0 || w.Rate > 1e7 || w.Rate != w.Rate:
		return bad("workload.rate: %v, want 0..1e7 calls per second", w.Rate)
	case w.Duration < 0:
		return bad("workload.duration: %v is negative", w.Duration.D())
	case w.Rate > 0 && w.Duration == 0 && len(w.Bursts) == 0:
		return bad("workload.duration: missing or 0s, but workload.rate is %v calls per second: no call would be made; want a positive duration", w.Rate)
	case reflect.ValueOf(w).IsZero():
		return bad("workload: missing or empty (the key is required, with a timeout at least)")
	case w.Timeout == 0:
		return bad("workload.timeout: missing or 0s (the key is required), want a positive duration up to 1h")
	case w.Timeout < 0 || w.Timeout.D() > time.Hour:
		return bad("workload.timeout: %v, want a positive duration up to 1h", w.Timeout.D())
	case !(w.ClientShare >= 0 && w.ClientShare <= 1):
		return bad("workload.client_share: %v, want 0..1", w.ClientShare)
	case w.ClientShare > 0 && len(s.Clients) == 0:
		return bad("workload.client_share: %v but no clients", w.ClientShare)
	case !(w.PeerShare >= 0 && w.PeerShare <= 1):
		return bad("workload.peer_share: %v, want 0..1", w.PeerShare)
	case !(w.CastShare >= 0 && w.CastShare <= 1):
		return bad("workload.cast_share: %v, want 0..1", w.CastShare)
	case w.Rate > 0 && len(s.Ensembles) == 0:
		return bad("ensembles: none, but workload.rate is %v calls per second", w.Rate)
	}
	if w.Retry != nil {
		if err := w.Retry.validate(); err != nil {
			return bad("%v", err)
		}
	}
	for i, b := range w.Bursts {
		f := fmt.Sprintf("workload.bursts[%d]", i)
		switch {
		case b.At < 0:
			return bad("%s.at: %v is negative", f, b.At.D())
		case b.Duration <= 0:
			return bad("%s.duration: %v, want a positive duration", f, b.Duration.D())
		case b.Rate <= 0 || b.Rate > 1e7 || b.Rate != b.Rate:
			return bad("%s.rate: %v, want more than 0, up to 1e7 calls per second", f, b.Rate)
		case len(s.Ensembles) == 0:
			return bad("ensembles: none, but %s calls at %v per second", f, b.Rate)
		}
	}
	if s.Gossip.Interval <= 0 {
		return bad("gossip.interval: %v, want a positive duration", s.Gossip.Interval.D())
	}
	for i, el := range s.Elections {
		f := fmt.Sprintf("elections[%d]", i)
		e := ens[el.Ensemble]
		switch {
		case el.At < 0:
			return bad("%s.at: %v is negative", f, el.At.D())
		case el.Duration < 0:
			return bad("%s.duration: %v is negative", f, el.Duration.D())
		case e == nil:
			return bad("%s.ensemble: %q is unknown", f, el.Ensemble)
		case el.Leader != "" && !hasMember(e, el.Leader):
			return bad("%s.leader: %q is not a member of %s", f, el.Leader, el.Ensemble)
		}
	}
	for i, ft := range s.Faults {
		if err := ft.validate(fmt.Sprintf("faults[%d]", i), names, members, ens); err != nil {
			return bad("%v", err)
		}
	}
	if s.Liveness != nil && s.Liveness.From < 0 {
		return bad("liveness.from: %v is negative", s.Liveness.From.D())
	}
	for i, inv := range s.RiakBreaks {
		if !isInvariant(inv) {
			return bad("riak_breaks[%d]: %q is not an invariant: want one of %s", i, inv, strings.Join(Invariants, ", "))
		}
		if slices.Contains(s.RiakBreaks[:i], inv) {
			return bad("riak_breaks[%d]: %q is repeated", i, inv)
		}
	}
	if s.SendBudget < 0 {
		return bad("send_budget: %d is negative: want a count of messages (0 or left out: the default budget)", s.SendBudget)
	}
	if s.Liveness != nil && s.Liveness.Within < 0 {
		return bad("liveness.within: %v is negative", s.Liveness.Within.D())
	}
	if err := s.checkLimits(); err != nil {
		return bad("%v", err)
	}
	if err := s.checkUnrules(); err != nil {
		return bad("%v", err)
	}
	if err := s.checkLivenessFaults(); err != nil {
		return bad("%v", err)
	}
	if err := s.checkEnded(); err != nil {
		return bad("%v", err)
	}
	return nil
}

// splitPeer splits a fault's peer, "ens/member", where either name may hold a "/"
// of its own ("kv/users/p1"): it tries every "/" and returns the first split for
// which isMember holds, and how many do.
func splitPeer(s string, isMember func(ens, member string) bool) (ens, member string, n int) {
	for i := range len(s) {
		if s[i] == '/' && isMember(s[:i], s[i+1:]) {
			if n == 0 {
				ens, member = s[:i], s[i+1:]
			}
			n++
		}
	}
	return ens, member, n
}

func hasMember(e *Ensemble, name string) bool {
	for _, m := range e.Members {
		if m.Name == name {
			return true
		}
	}
	return false
}

// faultUses lists, for each action, the fields of a Fault besides at and action
// that it reads.
var faultUses = map[string][]string{
	"partition":         {"a", "b", "in_flight"},
	"partition-one-way": {"a", "b", "in_flight"},
	"heal":              nil,
	"hold":              {"a", "b"},
	"release":           {"a", "b"},
	"crash":             {"node"},
	"restart":           {"node", "directory"},
	"save":              {"node"},
	"pause":             {"node"},
	"resume":            {"node"},
	"clock-step":        {"node", "step"},
	"clock-set":         {"node", "clock"},
	"slow":              {"peer", "service", "until"},
	"hang":              {"peer", "until"},
	"rule":              {"rule"},
	"unrule":            {"rule"},
}

// faultEnds names the action that ends each action's trouble, for the message about
// an until that the action does not read.
var faultEnds = map[string]string{
	"partition": "heal", "partition-one-way": "heal", "hold": "release", "crash": "restart", "pause": "resume",
}

// given lists the fields of ft besides at and action that are set, in the spec's
// order.
func (ft Fault) given() []string {
	var out []string
	add := func(name string, set bool) {
		if set {
			out = append(out, name)
		}
	}
	add("a", len(ft.A) > 0)
	add("b", len(ft.B) > 0)
	add("in_flight", ft.InFlight != "")
	add("node", ft.Node != "")
	add("directory", ft.Directory != "")
	add("peer", ft.Peer != "")
	add("service", ft.Service != nil)
	add("until", ft.Until != 0)
	add("step", ft.Step != 0)
	add("clock", ft.Clock != nil)
	add("rule", ft.Rule != nil)
	return out
}

func (ft Fault) validate(f string, names, members map[string]bool, ens map[string]*Ensemble) error {
	if ft.At < 0 {
		return fmt.Errorf("%s.at: %v is negative", f, ft.At.D())
	}
	// A field the action does not read is a mistake the run would not show: a crash
	// with an until stays down, a heal with a and b ends every partition.
	if uses, ok := faultUses[ft.Action]; ok {
		for _, field := range ft.given() {
			if slices.Contains(uses, field) {
				continue
			}
			why := ""
			switch {
			case ft.Action == "heal":
				why = ": heal ends every partition"
			case field == "until" && faultEnds[ft.Action] != "":
				why = fmt.Sprintf(": a %s ends it", faultEnds[ft.Action])
			}
			return fmt.Errorf("%s.%s: %s does not use %s%s", f, field, ft.Action, field, why)
		}
	}
	nodes := func(field string, list []string) error {
		if len(list) == 0 {
			return fmt.Errorf("%s.%s: need at least one node", f, field)
		}
		for i, n := range list {
			if !names[n] {
				return fmt.Errorf("%s.%s: %q is not a node", f, field, n)
			}
			if slices.Contains(list[:i], n) {
				return fmt.Errorf("%s.%s: %q is repeated", f, field, n)
			}
		}
		return nil
	}
	// node checks the node a fault of one node acts on.
	node := func() error {
		switch {
		case ft.Node == "":
			return fmt.Errorf("%s.node: missing: %s acts on a node", f, ft.Action)
		case !names[ft.Node]:
			return fmt.Errorf("%s.node: %q is not a node", f, ft.Node)
		}
		return nil
	}
	switch ft.Action {
	case "partition", "partition-one-way":
		if _, err := netmodel.ParseInFlight(ft.InFlight); err != nil {
			return fmt.Errorf("%s.in_flight: %q, want drop or stall", f, ft.InFlight)
		}
		fallthrough
	case "hold", "release":
		if err := nodes("a", ft.A); err != nil {
			return err
		}
		// A node may be on both sides: its link to itself is none, and a hold of
		// [n1 n2] | [n1 n2] holds both ways between them.
		return nodes("b", ft.B)
	case "heal":
		return nil
	case "pause", "resume":
		return node()
	case "clock-step":
		if err := node(); err != nil {
			return err
		}
		if ft.Step == 0 {
			return fmt.Errorf("%s.step: a clock step needs a non-zero duration", f)
		}
		return nil
	case "clock-set":
		if err := node(); err != nil {
			return err
		}
		if ft.Clock == nil {
			return fmt.Errorf("%s.clock: clock-set needs a clock", f)
		}
		if ft.At > 0 && ft.Clock.Offset != 0 {
			// The clock runs on from its reading at At, at the new rates: its offset
			// (the reading at time 0) would be ignored.
			return fmt.Errorf("%s.clock.offset: clock-set at %v changes how fast the clock runs from there on, not its reading (a clock-step does that)", f, ft.At.D())
		}
		return specClock(f+".clock", *ft.Clock)
	case "rule", "unrule":
		if ft.Rule == nil || ft.Rule.Name == "" {
			return fmt.Errorf("%s.rule.name: a rule needs a name", f)
		}
		if ft.Action == "unrule" {
			// An unrule reads the name alone: a match or an action on it would stop
			// nothing different, and read as if it did.
			r := ft.Rule
			if r.Match != (MatchSpec{}) || r.Action != "" || r.Delay != 0 || r.Count != 0 || r.After != nil {
				return fmt.Errorf("%s.rule: unrule reads only rule.name: it stops every rule of that name, whatever it matches", f)
			}
			return nil
		}
		if _, err := ft.Rule.build(f+".rule", names); err != nil {
			return err
		}
		// Like match.from and match.to, an ensemble must exist: a misspelt one
		// would match nothing, and the rule would do nothing.
		for _, m := range []struct {
			field string
			m     *MatchSpec
		}{{"match", &ft.Rule.Match}, {"after", ft.Rule.After}} {
			if m.m != nil && m.m.Ensemble != "" && ens[m.m.Ensemble] == nil {
				return fmt.Errorf("%s.rule.%s.ensemble: %q is unknown", f, m.field, m.m.Ensemble)
			}
		}
		return nil
	case "crash", "save":
		if err := node(); err != nil {
			return err
		}
		// A client keeps no directory: a save of one would do nothing.
		if ft.Action == "save" && !members[ft.Node] {
			return fmt.Errorf("%s.node: %q is a client, which keeps no directory to save: a save is a member node's", f, ft.Node)
		}
		return nil
	case "restart":
		if err := node(); err != nil {
			return err
		}
		switch ft.Directory {
		case "", "current":
			return nil
		case "saved", "empty":
			if !members[ft.Node] {
				return fmt.Errorf("%s.directory: %s, but %q is a client, which keeps no directory: it comes back as it went down (leave directory out)", f, ft.Directory, ft.Node)
			}
			return nil
		}
		return fmt.Errorf("%s.directory: %q, want current, saved or empty", f, ft.Directory)
	case "slow", "hang":
		_, _, n := splitPeer(ft.Peer, func(en, name string) bool { return ens[en] != nil && hasMember(ens[en], name) })
		switch {
		case n == 0:
			return fmt.Errorf("%s.peer: %q is not ens/member of a known ensemble", f, ft.Peer)
		case n > 1:
			return fmt.Errorf("%s.peer: %q is ambiguous: it splits into ens/member in %d ways", f, ft.Peer, n)
		}
		switch {
		case ft.Until == 0:
			return fmt.Errorf("%s.until: missing or 0s (the key is required), want a time after at %v", f, ft.At.D())
		case ft.Until <= ft.At:
			return fmt.Errorf("%s.until: %v is not after at %v", f, ft.Until.D(), ft.At.D())
		}
		if ft.Action == "slow" {
			if ft.Service == nil {
				return fmt.Errorf("%s.service: slow needs a service distribution", f)
			}
			return ft.Service.Validate(f + ".service")
		}
		return nil
	}
	return fmt.Errorf("%s.action: %q is unknown: want partition, partition-one-way, heal, hold, release, crash, restart, save, pause, resume, clock-step, clock-set, slow, hang, rule or unrule", f, ft.Action)
}

func isInvariant(name string) bool {
	for _, inv := range Invariants {
		if inv == name {
			return true
		}
	}
	return false
}

// specClock validates a spec's clock: as the network model does, with the spec's
// own bound on its offset (MaxSpan, far within the model's), and refusing a period
// without periodic_ppm, which the model ignores: the clock that the spec meant to
// wander would stay steady.
func specClock(field string, c netmodel.ClockModel) error {
	if c.PeriodicPPM == 0 && c.Period != 0 {
		return fmt.Errorf("%s.period: %v without periodic_ppm, the drift it is the period of", field, c.Period.D())
	}
	if err := spanOffset(field+".offset", c.Offset); err != nil {
		return err
	}
	return c.Validate(field)
}

// spanOffset refuses a clock offset past MaxSpan either way: one of 2562047h came
// near overflowing a duration, and the run hung or blamed the router.
func spanOffset(field string, d netmodel.Duration) error {
	if d < -netmodel.Duration(MaxSpan) || d > netmodel.Duration(MaxSpan) {
		return fmt.Errorf("%s: %v, past the limit of %v either way", field, d.D(), MaxSpan)
	}
	return nil
}
