package realscenario

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/load"
	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
	"github.com/ensroute/ensroute/scenarios"
)

// Step is one timed action of a real run.
type Step struct {
	At     time.Duration
	Action string // crash, restart, pause, resume, cut, restore, lead
	Node   string
	// Ensemble is the ensemble whose leader moves to Node (lead).
	Ensemble string
}

// Plan is a spec mapped onto processes.
type Plan struct {
	Nodes     []string
	Ensembles []realcluster.Ensemble
	Args      []string // ensnode flags of every node
	Rate      float64
	Duration  time.Duration
	Timeout   time.Duration
	Steps     []Step
	// Netns: the plan cuts links, so it needs network namespaces.
	Netns bool
	// Skipped lists what the spec holds that the plan leaves out (with skip set).
	Skipped []string
	// NotApplied lists what the spec sets that the run takes as the real code does
	// instead, without refusing the spec: the calls' outcomes are the same, what is
	// checked or counted around them is not.
	NotApplied []string
	// HeartbeatInterval and HeartbeatTimeout are the heartbeat of every node and of
	// the client, from the spec's detect_after; BackoffMin and BackoffMax their redial,
	// from backoff_min and backoff_max. 0: the real code's own (the transport's
	// defaults; the client redials from 10ms to 200ms).
	HeartbeatInterval, HeartbeatTimeout time.Duration
	BackoffMin, BackoffMax              time.Duration
	// Idle lists, as ensim's notes say it (Spec.IdleFaults), the crashes, restarts,
	// pauses and resumes that find their node where the simulator does nothing with
	// them (a crash of a node that is down, say): the plan has no step for them.
	Idle []string
}

// String describes the step: "pause n2", "lead e1 on n2".
func (st Step) String() string {
	if st.Action == "lead" {
		return fmt.Sprintf("lead %s on %s", st.Ensemble, st.Node)
	}
	return st.Action + " " + st.Node
}

// MaxPeerBusy is the most of a node's router instances the demo peer's work may keep
// busy, rate times the mean of peer.service (its minimum included) over routers, for
// the spec to run. ensnode's demo peer works on the router instance that hands it the
// call (--service), which routes nothing else meanwhile; the simulated peer holds up
// no router. Below a quarter few calls wait behind another's work, even on a node
// that leads every ensemble; above it the real cluster is a slower system than the
// simulated one.
const MaxPeerBusy = 0.25

// MaxNodes is the most nodes a spec may have to run on processes: each node is an
// ensnode process, connected to every other one, on this machine.
const MaxNodes = 32

// NewPlan maps s onto processes. What it cannot map is an ErrUnsupported error
// naming it, unless skip is set: then it is listed in Plan.Skipped. Refused either
// way, since no run is left without them: more than MaxNodes nodes, no calls or a
// rate the load cannot pace, a mailbox_cap past ensnode's limit, and an ensemble
// without a leader or with two members on one node.
func NewPlan(s scenarios.Spec, skip bool) (Plan, error) {
	if len(s.Nodes) > MaxNodes {
		return Plan{}, fmt.Errorf("%w: nodes: %d nodes, each an ensnode process on this machine; the most is %d",
			ErrUnsupported, len(s.Nodes), MaxNodes)
	}
	if s.Workload.Rate <= 0 {
		// The simulator makes no calls then; the load generator would take a rate of 0
		// for a closed loop, another run altogether.
		return Plan{}, fmt.Errorf("%w: workload.rate %v: a run without calls has nothing to check on real processes; give a rate", ErrUnsupported, s.Workload.Rate)
	}
	if load.CheckRate(s.Workload.Rate) != nil {
		// A rate the simulator takes (one call in centuries) but the load generator
		// cannot pace: refused here, before any process starts. Not in load's words,
		// which offer a rate of 0 (a closed loop) that a spec's run refuses above.
		return Plan{}, fmt.Errorf("%w: workload.rate %v calls a second: the load starts its calls 1s/rate apart, an interval that must fit a time.Duration (at most 292 years): want at least about 1.08e-10 calls a second",
			ErrUnsupported, s.Workload.Rate)
	}
	p := Plan{Nodes: s.Nodes, Rate: s.Workload.Rate, Duration: s.Workload.Duration.D(), Timeout: s.Workload.Timeout.D()}
	var problems []string
	unsupported := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	// The simulated network's latency becomes the real one's; what else a link model
	// does, and clocks of a node's own, processes on one machine cannot do.
	l := s.Link
	linkModel("link", l.Drop, l.Dup, l.Reorder, l.Unordered, unsupported)
	for i, l := range s.Links {
		unsupported("links[%d]: a link of its own from %s to %s", i, l.From, l.To)
	}
	for i, c := range s.Clocks {
		unsupported("clocks[%d]: a clock of its own for %s", i, c.Node)
	}
	memberNode := map[string]map[string]string{} // ensemble -> member name -> node
	for _, e := range s.Ensembles {
		memberNode[e.Name] = map[string]string{}
		var nodes []string
		seen := map[string]bool{}
		for _, m := range e.Members {
			if seen[m.Node] {
				return Plan{}, fmt.Errorf("%w: ensemble %s has two members on node %s (ensnode hosts one member of an ensemble per node)",
					ErrUnsupported, e.Name, m.Node)
			}
			seen[m.Node] = true
			memberNode[e.Name][m.Name] = m.Node
			nodes = append(nodes, m.Node)
		}
		if e.Leader == "" {
			return Plan{}, fmt.Errorf("%w: ensemble %s starts without a leader (ensnode's first member leads)", ErrUnsupported, e.Name)
		}
		lead := memberNode[e.Name][e.Leader]
		ordered := []string{lead}
		for _, n := range nodes {
			if n != lead {
				ordered = append(ordered, n)
			}
		}
		p.Ensembles = append(p.Ensembles, realcluster.Ensemble{ID: e.Name, Members: ordered})
	}
	if s.Routers > 0 {
		p.Args = append(p.Args, "--routers", fmt.Sprint(s.Routers))
	}
	routers := s.Routers
	if routers == 0 {
		routers = router.DefaultRouters // ensnode's own, without --routers
	}
	limit := driver.MaxQueued / routers
	if s.MailboxCap > limit {
		return Plan{}, fmt.Errorf("%w: mailbox_cap %d: an ensnode with %d routers has mailboxes of at most %d messages (their buffers are allocated up front)",
			ErrUnsupported, s.MailboxCap, routers, limit)
	}
	// mailbox_cap 0 is unbounded in the simulator: ensnode's largest mailbox is the
	// nearest (its own default holds 1,024). The buffers are allocated up front, but
	// their pages are touched only as messages fill them.
	p.Args = append(p.Args, "--mailbox", fmt.Sprint(cmp.Or(s.MailboxCap, limit)))
	// The mean as the simulator draws it: an exponential's or a lognormal's is its
	// minimum plus its Mean (0 for none: the peer answers at once).
	if d := s.Peer.Service.Expected(); d > 0 {
		if busy := s.Workload.Rate * d.Seconds(); busy > MaxPeerBusy*float64(routers) {
			unsupported("peer.service: %v a call at %v calls a second keeps %.3g of a node's %d router instances busy, and ensnode's demo peer holds up the instance it works on (the simulated peer holds up none): at most %.3g of them",
				d, s.Workload.Rate, busy, routers, MaxPeerBusy*float64(routers))
		} else {
			p.Args = append(p.Args, "--service", d.String())
			if s.Peer.HonorBudget {
				p.NotApplied = append(p.NotApplied, "peer.honor_budget: ensnode's demo peer works through a call whose budget has run out instead of giving it up; "+
					"its caller has timed out either way, but its reply is sent late (and discarded, and counted, by the caller's node)")
			}
		}
	}
	if s.Liveness != nil {
		p.NotApplied = append(p.NotApplied, fmt.Sprintf("liveness: the liveness phase (every call succeeds from %v on) is not checked; "+
			"the checks after the workload wait only for the cluster to reconnect and its queues to drain", s.Liveness.From.D()))
	}
	// The transport's reply hold, as the spec sets it: left out, none is kept, as in
	// the simulator (ensnode's own default is 3s).
	p.Args = append(p.Args, "--reply-hold", s.ReplyHold.D().String())
	p.detection(s)
	if len(s.Workload.Bursts) > 0 {
		unsupported("workload.bursts")
	}
	if s.Workload.PeerShare > 0 {
		unsupported("workload.peer_share (calls straight to a member)")
	}
	if s.Workload.CastShare > 0 {
		unsupported("workload.cast_share (casts)")
	}
	if s.Workload.Retry != nil {
		unsupported("workload.retry (callers that retry: simulator only, ensctl's load makes each call once)")
	}
	for _, e := range s.Elections {
		if e.Leader == "" {
			unsupported("election of %s at %v leaves it leaderless", e.Ensemble, e.At.D())
			continue
		}
		p.Steps = append(p.Steps, Step{At: e.At.D() + e.Duration.D(), Action: "lead", Ensemble: e.Ensemble, Node: memberNode[e.Ensemble][e.Leader]})
	}
	nodes := map[string]bool{}
	for _, n := range s.Nodes {
		nodes[n] = true
	}
	var cut []string
	idle := map[int]bool{}
	for _, f := range s.Idle() {
		switch s.Faults[f.Index].Action {
		case "crash", "restart", "pause", "resume":
			idle[f.Index] = true
			p.Idle = append(p.Idle, f.Note)
		}
	}
	for i, f := range s.Faults {
		at := f.At.D()
		switch f.Action {
		case "crash", "pause", "resume", "restart":
			if !nodes[f.Node] {
				// Spec validation admits only nodes and clients here.
				unsupported("faults[%d]: %s of client %s (the client is ensctl itself)", i, f.Action, f.Node)
				continue
			}
			if idle[i] {
				// The simulator does nothing then (Spec.IdleFaults); a process would
				// refuse it (a crash of a process that is not running), a step that
				// failed, though the run is the spec's.
				continue
			}
		}
		switch f.Action {
		case "crash", "pause", "resume":
			p.Steps = append(p.Steps, Step{At: at, Action: f.Action, Node: f.Node})
		case "restart":
			if f.Directory != "" && f.Directory != "current" {
				unsupported("faults[%d]: restart with the %s directory", i, f.Directory)
			}
			p.Steps = append(p.Steps, Step{At: at, Action: "restart", Node: f.Node})
		case "partition":
			alone := isolated(f.A, f.B, nodes)
			if len(alone) == 0 {
				unsupported("faults[%d]: partition %v | %v does not put one node alone on a side", i, f.A, f.B)
				continue
			}
			// Cutting a node's link takes it from the client too: the spec must
			// put every client on the other side. With one node on each side, the
			// one without a client is cut.
			side, c := alone[0], clientWith(alone[0], f.A, f.B, s.Clients)
			if c != "" && len(alone) == 2 && clientWith(alone[1], f.A, f.B, s.Clients) == "" {
				side, c = alone[1], ""
			}
			if c != "" {
				unsupported("faults[%d]: partition %v | %v leaves client %s with %s, which a real cut takes from the client too", i, f.A, f.B, c, side)
				continue
			}
			p.Netns = true
			cut = append(cut, side)
			p.Steps = append(p.Steps, Step{At: at, Action: "cut", Node: side})
		case "heal":
			for _, n := range cut {
				p.Steps = append(p.Steps, Step{At: at, Action: "restore", Node: n})
			}
			cut = nil
		case "save":
			// Saving a directory matters only to a later regression, refused above.
		default:
			unsupported("faults[%d]: %s", i, f.Action)
		}
	}
	sort.SliceStable(p.Steps, func(i, j int) bool { return p.Steps[i].At < p.Steps[j].At })
	if len(problems) > 0 {
		if !skip {
			return Plan{}, fmt.Errorf("%w: %s", ErrUnsupported, strings.Join(problems, "; "))
		}
		p.Skipped = problems
	}
	return p, nil
}

// linkModel names what a link does besides a latency: drop, dup and reorder
// probabilities, and messages overtaking each other.
func linkModel(field string, drop, dup, reorder float64, unordered bool, unsupported func(string, ...any)) {
	for _, f := range []struct {
		name string
		p    float64
	}{{"drop", drop}, {"dup", dup}, {"reorder", reorder}} {
		if f.p > 0 {
			unsupported("%s.%s: %v of the messages", field, f.name, f.p)
		}
	}
	if unordered {
		unsupported("%s.unordered: messages overtaking each other", field)
	}
}

// isolated returns the nodes a partition puts alone on a side, every other member
// node on the other side: none, one, or with two nodes one on each side, both (a's
// first).
func isolated(a, b []string, nodes map[string]bool) []string {
	count := func(side []string) (int, string) {
		n, last := 0, ""
		for _, x := range side {
			if nodes[x] {
				n++
				last = x
			}
		}
		return n, last
	}
	na, la := count(a)
	nb, lb := count(b)
	if na+nb != len(nodes) {
		return nil
	}
	var alone []string
	if na == 1 {
		alone = append(alone, la)
	}
	if nb == 1 {
		alone = append(alone, lb)
	}
	return alone
}

// clientWith returns a client a partition that isolates node leaves able to reach
// it (on its side, or on neither), or "".
func clientWith(node string, a, b, clients []string) string {
	other := b // the side without node
	if slices.Contains(b, node) {
		other = a
	}
	for _, c := range clients {
		if !slices.Contains(other, c) {
			return c
		}
	}
	return ""
}

// HeartbeatPings is how many pings an idle connection sends within the heartbeat
// timeout that detect_after becomes: a ping every quarter of it, so that one delayed
// by a loaded machine, or two, still comes in time.
const HeartbeatPings = 4

// MinDetect is the shortest heartbeat timeout a plan gives: two of the transport's
// shortest ping intervals.
const MinDetect = 2 * nettransport.MinHeartbeatInterval

// detection maps the spec's failure detection and redial onto the nodes' and the
// client's flags. The heartbeat timeout notices a cut, and a pause (SIGSTOP) alike,
// where the simulator has detect_after for the one and pause_detect_after (by
// default never) for the other: it is detect_after when the spec cuts a link or
// pauses no node, pause_detect_after when it pauses nodes and cuts no link, and
// otherwise ensnode's own (a spec that pauses nodes it never notices, and cuts no
// link); a crash the kernel reports at once either way, closing the process's
// connections. A ping goes every HeartbeatPings-th of the timeout. backoff_min and
// backoff_max become the redial backoff; left out (a link back at once in the
// simulator), the real code's own. What processes cannot do alike is listed in
// NotApplied.
func (p *Plan) detection(s scenarios.Spec) {
	has := func(action string) bool {
		return slices.ContainsFunc(s.Faults, func(f scenarios.Fault) bool { return f.Action == action })
	}
	cuts, pauses := has("partition"), has("pause")
	d, field := s.DetectAfter.D(), "detect_after"
	if pauses && !cuts {
		d, field = s.PauseDetectAfter.D(), "pause_detect_after"
	}
	switch {
	case d == 0 && field == "detect_after":
		p.NotApplied = append(p.NotApplied, "detect_after: 0, a cut or a crash noticed at once, which no heartbeat does: the nodes run with ensnode's own heartbeat timeout (3s, a ping every 500ms)")
	case d == 0:
		// Pauses never noticed, as the simulator has it by default: ensnode's own
		// timeout (3s) is the nearest.
	default:
		if d < MinDetect {
			p.NotApplied = append(p.NotApplied, fmt.Sprintf("%s: %v is shorter than the shortest heartbeat timeout, %v (a ping every %v): the nodes notice after %v",
				field, d, MinDetect, nettransport.MinHeartbeatInterval, MinDetect))
			d = MinDetect
		}
		p.HeartbeatTimeout = d
		p.HeartbeatInterval = max(d/HeartbeatPings, nettransport.MinHeartbeatInterval)
		p.Args = append(p.Args, "--heartbeat-interval", p.HeartbeatInterval.String(), "--heartbeat-timeout", p.HeartbeatTimeout.String())
		if pda := s.PauseDetectAfter.D(); cuts && pauses && pda != s.DetectAfter.D() {
			sim := "never"
			if pda > 0 {
				sim = "after " + pda.String()
			}
			p.NotApplied = append(p.NotApplied, fmt.Sprintf("pause_detect_after: the heartbeat notices a paused node (SIGSTOP) as it does a cut, after %v (detect_after); the simulator notices it %s",
				p.HeartbeatTimeout, sim))
		}
	}
	if s.BackoffMax > 0 {
		p.BackoffMin, p.BackoffMax = s.BackoffMin.D(), s.BackoffMax.D()
		p.Args = append(p.Args, "--backoff-min", p.BackoffMin.String(), "--backoff-max", p.BackoffMax.String())
	}
}

// client gives the client's transport the plan's heartbeat and redial.
func (p *Plan) client(c *nettransport.Config) {
	if p.HeartbeatTimeout > 0 {
		c.HeartbeatInterval, c.HeartbeatTimeout = p.HeartbeatInterval, p.HeartbeatTimeout
	}
	if p.BackoffMax > 0 {
		c.BackoffMin, c.BackoffMax = p.BackoffMin, p.BackoffMax
	}
}
