package specgen

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/scenarios"
)

// This file holds rapid generators of whole specs, for property tests. SpecGen draws
// the structure of a world (its shape, network, workload and a list of fault actions)
// from rapid, so that a failing case shrinks: rapid deletes actions, lowers counts and
// moves times towards zero, and every intermediate case is still a valid spec.

// ActionKinds lists the kinds of Action that PlanGen draws, in the order rapid shrinks
// towards (a kind shrinks to one earlier in the list):
//
//   - partition, partition-one-way: cut side A from the rest, both ways or A -> rest
//     only; messages in flight are lost or, with Stall, wait for the heal; healed For
//     later
//   - heal: heal every partition now (an early heal; every partition has its own too)
//   - crash: a member node stops, and restarts For later with its directory as
//     Directory says (current, saved or empty)
//   - pause: a node stops running for For (a GC pause), then resumes
//   - elect: an Election of ensemble Ensemble lasting For, won by member Member (-1:
//     nobody, and the ensemble stays leaderless)
//   - hold: every message from side A to the rest is parked for For, then released in
//     order
//   - duplicate, drop, delay: a rule duplicates, drops or delays (by Delay) the
//     messages of kind Match (to node To, if To >= 0), the first Count of them (for
//     drop and delay 0 means all; duplicate copies 1..49), until For later
//   - skew: node Node's clock steps by Step at At or, when Step is 0, runs by Clock
//     from the start (a ClockSpec)
//   - slow, hang: a peer of ensemble Ensemble, if it leads, answers in half to twice
//     the timeout, or never, for For
//   - save: snapshot a member node's directory (what a later restart with directory
//     "saved" comes back with; before any save, the directory it booted with)
//   - regress: a directory regression, as in the named scenario: the node of member
//     Member of ensemble Ensemble saves its directory, the member wins a 1ms election
//     a millisecond later, and its node crashes For/2 after the save and restarts For
//     after it with the saved directory, which names the leader before: requests
//     bounce between it and the nodes that know better (For at least 10ms)
//
// crash, pause and save hit node Node or, with Leader, the node of ensemble
// Ensemble's leader at the time; slow and hang hit member Member or, with Leader, the
// leader at the time.
//
// It is a copy: changing it changes nothing that PlanGen draws. To draw only some
// kinds, drop the others from a drawn Plan's Actions.
var ActionKinds = slices.Clone(actionKinds[:])

var actionKinds = [...]string{"partition", "partition-one-way", "heal", "crash", "pause", "elect", "hold",
	"duplicate", "skew", "slow", "hang", "save", "drop", "delay", "regress"}

// Action is one entry of a generated fault schedule. Each disruptive action carries
// its own end, For after At, where Plan.Spec puts its healing counterpart (heal,
// release, restart, resume, unrule, or the end of a slow or hanging leader), so that
// deleting an action while shrinking deletes its end too.
//
// Node indices count the member nodes first, then the clients. Plan.Spec maps any
// index onto the cluster (modulo its size; side A ignores indices past it), so any
// Action gives a valid fault, and an action keeps a meaning when rapid removes a node.
type Action struct {
	Kind      string
	At        time.Duration
	For       time.Duration
	Node      int
	A         []int // partition, partition-one-way, hold: side A (node indices); the rest is side B
	Stall     bool  // partition, partition-one-way: messages in flight wait for the heal
	Directory string
	Ensemble  int
	Member    int // elect: the winner (-1: none); slow, hang: the peer
	// Leader: crash, pause and save hit the node of ensemble Ensemble's leader at At,
	// and slow and hang that leader, instead of Node or Member. The leader at At is the
	// one the plan's elections leave (an election that ends leaderless, or has not
	// ended yet, leaves the one before as the target).
	Leader bool
	Step   time.Duration
	Clock  netmodel.ClockModel
	Match  string // rules: the message kind ("" for any)
	To     int    // rules: the destination node index, -1 for any
	Delay  time.Duration
	Count  int
}

// PlanEnsemble is a generated ensemble: its members' node indices (indices past the
// member nodes, and repeats, are ignored) and the index in Members of its first leader
// (-1: none).
type PlanEnsemble struct {
	Members []int
	Leader  int
}

// Plan is the structure SpecGen draws: everything rapid shrinks. Plan.Spec turns it
// into a valid Spec.
type Plan struct {
	Nodes, Clients int
	Routers        int
	RouterMean     time.Duration
	MailboxCap     int // 0: unbounded
	HopLimit       int
	DetectAfter    time.Duration
	ReplyHold      time.Duration // 0: replies that cannot be sent are refused
	PauseDetect    time.Duration // 0: a pause is never noticed
	Latency        netmodel.Dist
	Dup, Reorder   float64
	PeerMean       time.Duration
	HonorBudget    bool
	Ensembles      []PlanEnsemble
	Gossip         time.Duration
	Rate           int // calls per second
	// Timeout is the calls' timeout before Spec raises it to 25 times the slowest
	// plausible round trip, as Swarm does, so the liveness phase is fair.
	Timeout     time.Duration
	ClientShare float64
	// PeerShare and CastShare are the workload's shares of peer targets and casts.
	PeerShare, CastShare float64
	// Tail is how long the workload runs past the start of the liveness phase.
	Tail    time.Duration
	Actions []Action
}

// The generator's ranges. Small on purpose: a generated run simulates at most about
// two seconds at up to 1500 calls per second, which takes a few milliseconds to a few
// tens of milliseconds of wall time.
const (
	genMaxNodes   = 6
	genMaxClients = 2
	genMaxEns     = 3
	genMaxActions = 8
	genMaxAt      = 400 // ms: when actions start
	genMaxFor     = 300 // ms: how long a disruption lasts
	genMaxElect   = 50  // ms: how long an election lasts
)

// SpecGen draws a whole valid spec: 2..6 member nodes, 0..2 clients, 1..7 routers per
// node, 1..3 ensembles with members on distinct nodes and a leader (or none), a small
// LAN-like network, a workload of 200..1500 calls per second, and a list of up to 8
// fault actions (ActionKinds), each healed before the liveness phase, which starts
// once directories have had time to converge and lasts 200..800ms; half the time,
// replies that cannot be sent are held for 10..500ms (reply_hold), and half the
// time a pause is noticed after 10..200ms (pause_detect_after); half the time 1..50%
// of the arrivals target a member directly, and half the time 1..50% are casts. It
// is PlanGen mapped through Plan.Spec.
func SpecGen() *rapid.Generator[scenarios.Spec] {
	return rapid.Map(PlanGen(), Plan.Spec)
}

// PlanGen draws the structure of a spec (see SpecGen).
func PlanGen() *rapid.Generator[Plan] {
	return rapid.Custom(func(t *rapid.T) Plan {
		p := Plan{
			Nodes:       rapid.IntRange(2, genMaxNodes).Draw(t, "nodes"),
			Clients:     rapid.IntRange(0, genMaxClients).Draw(t, "clients"),
			Routers:     rapid.IntRange(1, 7).Draw(t, "routers"),
			RouterMean:  time.Duration(rapid.IntRange(5, 30).Draw(t, "router_mean_us")) * time.Microsecond,
			HopLimit:    rapid.IntRange(3, 5).Draw(t, "hop_limit"),
			DetectAfter: time.Duration(rapid.IntRange(20, 200).Draw(t, "detect_after_ms")) * time.Millisecond,
		}
		if rapid.Bool().Draw(t, "bounded_mailboxes") {
			p.MailboxCap = rapid.IntRange(8, 64).Draw(t, "mailbox_cap")
		}
		min := time.Duration(rapid.IntRange(50, 150).Draw(t, "latency_min_us")) * time.Microsecond
		mean := time.Duration(rapid.IntRange(100, 400).Draw(t, "latency_mean_us")) * time.Microsecond
		switch rapid.SampledFrom([]string{"constant", "uniform", "exponential", "lognormal"}).Draw(t, "latency") {
		case "constant":
			p.Latency = scenarios.Dist{Kind: "constant", Min: scenarios.Duration(min)}
		case "uniform":
			p.Latency = scenarios.Dist{Kind: "uniform", Min: scenarios.Duration(min), Max: scenarios.Duration(min + mean)}
		case "exponential":
			p.Latency = scenarios.Dist{Kind: "exponential", Min: scenarios.Duration(min), Mean: scenarios.Duration(mean)}
		default:
			sigma := float64(rapid.IntRange(3, 8).Draw(t, "sigma_tenths")) / 10
			p.Latency = scenarios.Dist{Kind: "lognormal", Min: scenarios.Duration(min), Mean: scenarios.Duration(mean), Sigma: sigma}
		}
		if rapid.Bool().Draw(t, "dup") {
			p.Dup = float64(rapid.IntRange(1, 30).Draw(t, "dup_permille")) / 1000
		}
		if rapid.Bool().Draw(t, "reorder") {
			p.Reorder = float64(rapid.IntRange(1, 200).Draw(t, "reorder_permille")) / 1000
		}
		p.PeerMean = time.Duration(rapid.IntRange(50, 200).Draw(t, "peer_mean_us")) * time.Microsecond
		p.HonorBudget = rapid.Bool().Draw(t, "honor_budget")
		p.Ensembles = rapid.SliceOfN(ensembleGen(), 1, genMaxEns).Draw(t, "ensembles")
		p.Gossip = time.Duration(rapid.IntRange(10, 50).Draw(t, "gossip_ms")) * time.Millisecond
		p.Rate = rapid.IntRange(200, 1500).Draw(t, "rate")
		p.Timeout = time.Duration(rapid.IntRange(20, 100).Draw(t, "timeout_ms")) * time.Millisecond
		if p.Clients > 0 {
			p.ClientShare = float64(rapid.IntRange(0, 40).Draw(t, "client_share_pct")) / 100
		}
		p.Tail = time.Duration(rapid.IntRange(200, 800).Draw(t, "tail_ms")) * time.Millisecond
		p.Actions = rapid.SliceOfN(actionGen(), 0, genMaxActions).Draw(t, "actions")
		// Drawn last, so that the draws before them keep their meaning.
		if rapid.Bool().Draw(t, "reply_hold") {
			p.ReplyHold = time.Duration(rapid.IntRange(10, 500).Draw(t, "reply_hold_ms")) * time.Millisecond
		}
		if rapid.Bool().Draw(t, "pause_detect") {
			p.PauseDetect = time.Duration(rapid.IntRange(10, 200).Draw(t, "pause_detect_after_ms")) * time.Millisecond
		}
		if rapid.Bool().Draw(t, "peer_targets") {
			p.PeerShare = float64(rapid.IntRange(1, 50).Draw(t, "peer_share_pct")) / 100
		}
		if rapid.Bool().Draw(t, "casts") {
			p.CastShare = float64(rapid.IntRange(1, 50).Draw(t, "cast_share_pct")) / 100
		}
		return p
	})
}

// The draws below never depend on what was drawn before (how many nodes or
// ensembles there are): indices are drawn from fixed ranges and Plan.Spec maps them
// onto the cluster. So when rapid deletes a node, an ensemble or an action while
// shrinking, every later draw keeps its meaning, and the smaller case still has the
// structure that made the bigger one fail.

// ensembleGen draws an ensemble: its member nodes as a bit set over the member nodes
// (bits past the cluster's size are ignored; shrinking goes towards {n1}), its
// leader's index among the members, and, one time in ten, no leader.
func ensembleGen() *rapid.Generator[PlanEnsemble] {
	return rapid.Custom(func(t *rapid.T) PlanEnsemble {
		e := PlanEnsemble{Members: bitIndices(rapid.IntRange(1, 1<<genMaxNodes-1).Draw(t, "member_nodes"))}
		e.Leader = rapid.IntRange(0, 4).Draw(t, "leader")
		// Shrinking goes towards having a leader.
		if rapid.IntRange(0, 9).Draw(t, "leaderless") == 9 {
			e.Leader = -1
		}
		return e
	})
}

// bitIndices lists the set bits of mask, lowest first.
func bitIndices(mask int) []int {
	var out []int
	for i := 0; mask>>i != 0; i++ {
		if mask>>i&1 == 1 {
			out = append(out, i)
		}
	}
	return out
}

// actionGen draws one action. Node indices run over members then clients.
func actionGen() *rapid.Generator[Action] {
	const nodes = genMaxNodes + genMaxClients
	msDraw := func(t *rapid.T, label string, lo, hi int) time.Duration {
		return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Millisecond
	}
	// target picks what an action hits: the node (or peer) of some ensemble's leader at
	// the time (a fault that hits a leader matters most), or node Node.
	target := func(t *rapid.T, a *Action) {
		if a.Leader = rapid.Bool().Draw(t, "at_a_leader"); a.Leader {
			a.Ensemble = rapid.IntRange(0, genMaxEns-1).Draw(t, "ensemble")
		} else {
			a.Node = rapid.IntRange(0, nodes-1).Draw(t, "node")
		}
	}
	return rapid.Custom(func(t *rapid.T) Action {
		a := Action{Kind: rapid.SampledFrom(actionKinds[:]).Draw(t, "kind"), Member: -1, To: -1}
		a.At = msDraw(t, "at_ms", 0, genMaxAt)
		switch a.Kind {
		case "partition", "partition-one-way", "hold":
			a.A = bitIndices(rapid.IntRange(1, 1<<nodes-1).Draw(t, "side_a_nodes"))
			if a.Kind != "hold" {
				a.Stall = rapid.Bool().Draw(t, "stall")
			}
			a.For = msDraw(t, "for_ms", 1, genMaxFor)
		case "crash":
			target(t, &a)
			a.Directory = rapid.SampledFrom([]string{"current", "saved", "empty"}).Draw(t, "directory")
			a.For = msDraw(t, "for_ms", 1, genMaxFor)
		case "pause":
			target(t, &a)
			a.For = msDraw(t, "for_ms", 1, genMaxFor)
		case "elect":
			a.Ensemble = rapid.IntRange(0, genMaxEns-1).Draw(t, "ensemble")
			a.Member = rapid.IntRange(0, 4).Draw(t, "winner")
			if rapid.IntRange(0, 7).Draw(t, "no_winner") == 7 {
				a.Member = -1
			}
			a.For = msDraw(t, "for_ms", 1, genMaxElect)
		case "slow", "hang":
			a.Ensemble = rapid.IntRange(0, genMaxEns-1).Draw(t, "ensemble")
			if a.Leader = rapid.Bool().Draw(t, "the_leader"); !a.Leader {
				a.Member = rapid.IntRange(0, 4).Draw(t, "peer")
			}
			a.For = msDraw(t, "for_ms", 1, genMaxFor)
		case "duplicate", "drop", "delay":
			a.Match = rapid.SampledFrom([]string{"route", "peer", "reply", "gossip", ""}).Draw(t, "match")
			if rapid.Bool().Draw(t, "to_one_node") {
				a.To = rapid.IntRange(0, nodes-1).Draw(t, "to")
			}
			if a.Kind != "drop" {
				a.Delay = msDraw(t, "delay_ms", 0, 20)
			}
			// A rule that duplicates every message (count 0) doubles a request at each hop of
			// a forwarding loop, which riak semantics lets run until gossip repairs the
			// directory: the run's cost grows exponentially. Duplicate the first 1..49.
			lo := 0
			if a.Kind == "duplicate" {
				lo = 1
			}
			a.Count = rapid.IntRange(lo, 49).Draw(t, "count")
			a.For = msDraw(t, "for_ms", 1, genMaxFor)
		case "skew":
			a.Node = rapid.IntRange(0, nodes-1).Draw(t, "node")
			if rapid.Bool().Draw(t, "whole_run_clock") {
				a.Clock = netmodel.ClockModel{
					Offset:   scenarios.Duration(msDraw(t, "offset_ms", -5000, 5000)),
					DriftPPM: float64(rapid.IntRange(-20000, 20000).Draw(t, "drift_ppm")),
				}
			} else {
				a.Step = time.Duration(rapid.IntRange(-50, 49).Draw(t, "step_halfms")) * time.Millisecond / 2
				if a.Step >= 0 {
					a.Step += time.Millisecond / 2 // never zero
				}
			}
		case "save":
			target(t, &a)
		case "regress":
			a.Ensemble = rapid.IntRange(0, genMaxEns-1).Draw(t, "ensemble")
			a.Member = rapid.IntRange(0, 4).Draw(t, "winner")
			a.For = msDraw(t, "for_ms", 10, genMaxFor)
		}
		return a
	})
}

// Spec turns the plan into a valid spec: names for nodes and ensembles, the network,
// the workload, the elections and faults of its actions sorted by time, each
// disruption's healing counterpart at its end, and a liveness phase computed as Swarm
// does: from the end of the last fault plus (nodes+2) gossip intervals and two
// timeouts, with the workload going on Tail past it.
func (p Plan) Spec() scenarios.Spec {
	n := genMaxInt(p.Nodes, 1)
	clients := genMaxInt(p.Clients, 0)
	total := n + clients
	s := scenarios.Spec{
		Name:             "gen",
		Description:      "drawn by specgen.SpecGen",
		Routers:          genClamp(p.Routers, 1, 1024),
		RouterService:    scenarios.Dist{Kind: "exponential", Min: dur(5 * time.Microsecond), Mean: scenarios.Duration(maxDur(p.RouterMean, time.Microsecond))},
		HopLimit:         genClamp(p.HopLimit, 1, maxHopLimit),
		DetectAfter:      scenarios.Duration(maxDur(p.DetectAfter, 0)),
		ReplyHold:        scenarios.Duration(min(maxDur(p.ReplyHold, 0), time.Hour)),
		PauseDetectAfter: scenarios.Duration(maxDur(p.PauseDetect, 0)),
		BackoffMin:       scenarios.Duration(backoffMin(p)),
		BackoffMax:       scenarios.Duration(4 * backoffMin(p)),
		MailboxCap:       genMaxInt(p.MailboxCap, 0),
		Link:             netmodel.Link{Latency: p.Latency, Dup: p.Dup, Reorder: p.Reorder},
		Peer: scenarios.PeerSpec{Service: scenarios.Dist{Kind: "exponential", Min: dur(20 * time.Microsecond), Mean: scenarios.Duration(maxDur(p.PeerMean, time.Microsecond))},
			HonorBudget: p.HonorBudget},
		Gossip: scenarios.Gossip{Interval: scenarios.Duration(maxDur(p.Gossip, time.Millisecond))},
	}
	if s.Link.Validate("link") != nil { // a plan written by hand, without a network
		s.Link = netmodel.Link{Latency: netmodel.Const(100 * time.Microsecond)}
	}
	for i := 1; i <= n; i++ {
		s.Nodes = append(s.Nodes, fmt.Sprintf("n%d", i))
	}
	for i := 1; i <= clients; i++ {
		s.Clients = append(s.Clients, fmt.Sprintf("c%d", i))
	}
	all := append(append([]string{}, s.Nodes...), s.Clients...)
	node := func(i int) string { return all[genMod(i, total)] }
	member := func(i int) string { return s.Nodes[genMod(i, n)] }

	ens := p.Ensembles
	if len(ens) == 0 {
		ens = []PlanEnsemble{{Members: []int{0}}}
	}
	for i, pe := range ens {
		e := scenarios.Ensemble{Name: fmt.Sprintf("e%d", i+1)}
		seen := map[int]bool{}
		for _, k := range pe.Members {
			if k >= 0 && k < n && !seen[k] {
				seen[k] = true
				e.Members = append(e.Members, scenarios.Member{Name: fmt.Sprintf("p%d", len(e.Members)+1), Node: s.Nodes[k]})
			}
		}
		if len(e.Members) == 0 {
			e.Members = []scenarios.Member{{Name: "p1", Node: s.Nodes[0]}}
		}
		if pe.Leader >= 0 {
			e.Leader = e.Members[pe.Leader%len(e.Members)].Name
		}
		s.Ensembles = append(s.Ensembles, e)
	}
	// leaderAt is the index of the member of ensemble ei that leads at t, as the
	// plan's elections leave it; an election that ends leaderless keeps the one before
	// (the deposed leader), and so does one still under way.
	leaderAt := func(ei int, t time.Duration) int {
		cur, end := 0, time.Duration(-1)
		if l := ens[ei].Leader; l >= 0 {
			cur = l % len(s.Ensembles[ei].Members)
		}
		for _, a := range p.Actions {
			if a.Kind != "elect" && a.Kind != "regress" || genMod(a.Ensemble, len(s.Ensembles)) != ei || a.Member < 0 {
				continue
			}
			at := maxDur(a.At, 0)
			e := at + maxDur(a.For, time.Millisecond)
			if a.Kind == "regress" {
				e = at + regressElection + time.Millisecond
			}
			if e <= t && e >= end {
				cur, end = a.Member%len(s.Ensembles[ei].Members), e
			}
		}
		return cur
	}
	// hit is the node an action hits: the leader's, or the pick-th of the first n.
	hit := func(a Action, pick func(int) string) string {
		if !a.Leader {
			return pick(a.Node)
		}
		ei := genMod(a.Ensemble, len(s.Ensembles))
		return s.Ensembles[ei].Members[leaderAt(ei, maxDur(a.At, 0))].Node
	}
	peer := func(a Action) (scenarios.Ensemble, string) {
		ei := genMod(a.Ensemble, len(s.Ensembles))
		e := s.Ensembles[ei]
		if a.Leader {
			return e, e.Members[leaderAt(ei, maxDur(a.At, 0))].Name
		}
		return e, e.Members[genMod(a.Member, len(e.Members))].Name
	}

	// The timeout leaves room for a few slow hops, as in Swarm, so the liveness phase
	// is fair.
	l := s.Link.Latency
	lat := l.Min.D() + maxDur(l.Mean.D(), l.Max.D()-l.Min.D())
	slowest := 4*lat + 6*s.Peer.Service.Mean.D()
	timeout := maxDur(p.Timeout, time.Millisecond)
	if floor := 25 * slowest; timeout < floor {
		timeout = floor
	}
	s.Workload = scenarios.Workload{Rate: float64(genClamp(p.Rate, 0, 1e7)), Timeout: scenarios.Duration(timeout)}
	if clients > 0 && p.ClientShare > 0 && p.ClientShare <= 1 {
		s.Workload.ClientShare = p.ClientShare
	}
	if p.PeerShare >= 0 && p.PeerShare <= 1 {
		s.Workload.PeerShare = p.PeerShare
	}
	if p.CastShare >= 0 && p.CastShare <= 1 {
		s.Workload.CastShare = p.CastShare
	}
	// A call from a client, or one to a follower, which forwards it, takes two hops:
	// with a hop limit of 1 each fails, and the liveness phase with it, so Run would
	// refuse the spec. PlanGen draws 3..5; a plan written by hand that leaves the hop
	// limit out (0) or sets 1 gets the least that serves its calls.
	if s.HopLimit < 2 && (s.Workload.ClientShare > 0 || s.Workload.PeerShare > 0) {
		s.HopLimit = 2
	}

	var faultsEnd time.Duration
	for i, a := range p.Actions {
		at := maxDur(a.At, 0)
		end := at + maxDur(a.For, time.Millisecond)
		ends := true
		switch a.Kind {
		case "partition", "partition-one-way", "hold":
			if total < 2 {
				continue
			}
			// Side A: the nodes A names (indices past the cluster are ignored), at least one
			// and not all; side B: the rest.
			inA := map[string]bool{}
			var side, rest []string
			for _, k := range a.A {
				if k >= 0 && k < total && !inA[all[k]] && len(side) < total-1 {
					inA[all[k]] = true
					side = append(side, all[k])
				}
			}
			if len(side) == 0 {
				side = []string{all[0]}
				inA[all[0]] = true
			}
			for _, nm := range all {
				if !inA[nm] {
					rest = append(rest, nm)
				}
			}
			if a.Kind == "hold" {
				s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: "hold", A: side, B: rest},
					scenarios.Fault{At: scenarios.Duration(end), Action: "release", A: side, B: rest})
				break
			}
			mode := "drop"
			if a.Stall {
				mode = "stall"
			}
			s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: a.Kind, A: side, B: rest, InFlight: mode},
				scenarios.Fault{At: scenarios.Duration(end), Action: "heal"})
		case "heal":
			s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: "heal"})
			end = at
		case "crash":
			dir := a.Directory
			switch dir {
			case "current", "saved", "empty":
			default:
				dir = "current"
			}
			nm := hit(a, member)
			s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: "crash", Node: nm},
				scenarios.Fault{At: scenarios.Duration(end), Action: "restart", Node: nm, Directory: dir})
		case "pause":
			nm := hit(a, node)
			s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: "pause", Node: nm},
				scenarios.Fault{At: scenarios.Duration(end), Action: "resume", Node: nm})
		case "elect":
			e := s.Ensembles[genMod(a.Ensemble, len(s.Ensembles))]
			el := scenarios.Election{At: scenarios.Duration(at), Ensemble: e.Name, Duration: scenarios.Duration(end - at)}
			if a.Member >= 0 {
				el.Leader = e.Members[a.Member%len(e.Members)].Name
			}
			s.Elections = append(s.Elections, el)
		case "slow", "hang":
			e, name := peer(a)
			f := scenarios.Fault{At: scenarios.Duration(at), Action: a.Kind, Peer: e.Name + "/" + name, Until: scenarios.Duration(end)}
			if a.Kind == "slow" {
				f.Service = &scenarios.Dist{Kind: "uniform", Min: scenarios.Duration(timeout / 2), Max: scenarios.Duration(timeout * 2)}
			}
			s.Faults = append(s.Faults, f)
		case "duplicate", "drop", "delay":
			name := fmt.Sprintf("%s-%d", a.Kind, i+1)
			r := &scenarios.RuleSpec{Name: name, Match: scenarios.MatchSpec{Kind: a.Match}, Action: a.Kind, Count: genMaxInt(a.Count, 0)}
			if !kinds[r.Match.Kind] {
				r.Match.Kind = ""
			}
			if a.Kind != "drop" {
				r.Delay = scenarios.Duration(maxDur(a.Delay, 0))
			}
			if a.To >= 0 {
				r.Match.To = node(a.To)
			}
			s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: "rule", Rule: r},
				scenarios.Fault{At: scenarios.Duration(end), Action: "unrule", Rule: &scenarios.RuleSpec{Name: name}})
		case "skew":
			nm := node(a.Node)
			end = at
			if a.Step != 0 {
				s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: "clock-step", Node: nm, Step: scenarios.Duration(a.Step)})
				break
			}
			ends = false // a clock for the whole run, not a fault
			if a.Clock.Validate("clock") == nil {
				// A node has one clock: a later draw for it replaces the earlier.
				if i := slices.IndexFunc(s.Clocks, func(c scenarios.ClockSpec) bool { return c.Node == nm }); i >= 0 {
					s.Clocks[i].Clock = a.Clock
				} else {
					s.Clocks = append(s.Clocks, scenarios.ClockSpec{Node: nm, Clock: a.Clock})
				}
			}
		case "save":
			s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: "save", Node: hit(a, member)})
			end = at
		case "regress":
			if a.Member < 0 {
				continue
			}
			e := s.Ensembles[genMod(a.Ensemble, len(s.Ensembles))]
			m := e.Members[a.Member%len(e.Members)]
			span := maxDur(a.For, 10*time.Millisecond)
			end = at + span
			s.Elections = append(s.Elections, scenarios.Election{At: scenarios.Duration(at + regressElection), Ensemble: e.Name, Duration: scenarios.Duration(time.Millisecond), Leader: m.Name})
			s.Faults = append(s.Faults, scenarios.Fault{At: scenarios.Duration(at), Action: "save", Node: m.Node},
				scenarios.Fault{At: scenarios.Duration(at + span/2), Action: "crash", Node: m.Node},
				scenarios.Fault{At: scenarios.Duration(end), Action: "restart", Node: m.Node, Directory: "saved"})
		default:
			ends = false
		}
		if ends {
			faultsEnd = maxDur(faultsEnd, end)
		}
	}
	sort.SliceStable(s.Faults, func(i, j int) bool { return s.Faults[i].At < s.Faults[j].At })
	sort.SliceStable(s.Elections, func(i, j int) bool { return s.Elections[i].At < s.Elections[j].At })

	// Liveness from when every member has had rounds enough of anti-entropy to hear the
	// truth, plus the calls under way; the workload goes on past it.
	// A sender that noticed an outage reaches the node again at its next redial, up to
	// BackoffMax and a quarter after the outage ends.
	from := faultsEnd + time.Duration(n+2)*s.Gossip.Interval.D() + 2*timeout + s.BackoffMax.D()*5/4
	s.Liveness = &scenarios.Liveness{From: scenarios.Duration(from)}
	s.Workload.Duration = scenarios.Duration(from + maxDur(p.Tail, 0))
	// Times set by hand, long at a high rate, could plan more calls than a run takes,
	// with room for RetryGen's attempts: the rate comes down to what fits. PlanGen's
	// draws plan a few thousand.
	if secs := s.Workload.Duration.D().Seconds(); float64(s.Workload.Rate*secs) > maxPlanCalls {
		s.Workload.Rate = math.Floor(maxPlanCalls / secs)
	}
	return s
}

// maxPlanCalls is the most calls Plan.Spec plans: scenarios.MaxCalls over RetryGen's
// most attempts, so that a drawn Retry keeps the spec within the limit.
const maxPlanCalls = scenarios.MaxCalls / maxRetryAttempts

// maxRetryAttempts is the most attempts RetryGen draws.
const maxRetryAttempts = 4

// backoffMin is the redial backoff's least wait (its cap is four times that) for
// half of the plans, and 0 (links back at once after an outage) for the others:
// taken from what the plan drew already, the parity of detect_after in ms, so that
// rapid's stream, and the cases each seed draws, stay as they were.
func backoffMin(p Plan) time.Duration {
	if p.DetectAfter/time.Millisecond%2 == 0 {
		return 0
	}
	return max(p.DetectAfter/10, time.Millisecond)
}

// regressElection is when a regress action's election starts, after its save.
const regressElection = time.Millisecond

func genMod(i, n int) int {
	if n <= 0 {
		return 0
	}
	i %= n
	if i < 0 {
		i += n
	}
	return i
}

func genMaxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// maxHopLimit is router.MaxHopLimit, the largest hop limit a spec takes (specgen
// imports no router).
const maxHopLimit = 1<<16 - 1

func genClamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func dur(d time.Duration) scenarios.Duration { return scenarios.Duration(d) }

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// kinds are the message kinds a rule may match (scenarios.MatchSpec.Kind).
var kinds = map[string]bool{"route": true, "cast": true, "peer": true, "reply": true, "gossip": true}

// RetryGen draws how a workload's callers retry (scenarios.Retry), for property
// tests of worlds that retry: 1..4 attempts, a backoff of 0..20ms (capped half the
// time at 1..40ms), jitter 0..100% half the time, the outcomes retried (every failure
// half the time, else one to three of them) and, half the time, a budget of 10..300ms.
// SpecGen draws none, so that its draws stay those of every seed before retries
// existed: a property that wants them draws a spec and then a Retry.
func RetryGen() *rapid.Generator[*scenarios.Retry] {
	return rapid.Custom(func(t *rapid.T) *scenarios.Retry {
		r := &scenarios.Retry{
			Attempts: rapid.IntRange(1, maxRetryAttempts).Draw(t, "attempts"),
			Backoff:  dur(time.Duration(rapid.IntRange(0, 20).Draw(t, "backoff_ms")) * time.Millisecond),
		}
		if rapid.Bool().Draw(t, "max_backoff") {
			r.MaxBackoff = dur(maxDur(r.Backoff.D(), time.Duration(rapid.IntRange(1, 40).Draw(t, "max_backoff_ms"))*time.Millisecond))
		}
		if rapid.Bool().Draw(t, "jitter") {
			r.Jitter = float64(rapid.IntRange(0, 100).Draw(t, "jitter_pct")) / 100
		}
		if rapid.Bool().Draw(t, "on") {
			outcomes := []string{"timeout", "no-leader", "not-leader", "unreachable", "hop-limit", "overloaded", "other"}
			picked := rapid.SliceOfNDistinct(rapid.SampledFrom(outcomes), 1, 3, func(s string) string { return s }).Draw(t, "on_outcomes")
			// In the order of outcomes, so that a spec reads the same however drawn.
			for _, o := range outcomes {
				if slices.Contains(picked, o) {
					r.On = append(r.On, o)
				}
			}
		}
		if rapid.Bool().Draw(t, "budget") {
			r.Budget = dur(time.Duration(rapid.IntRange(10, 300).Draw(t, "budget_ms")) * time.Millisecond)
		}
		return r
	})
}
