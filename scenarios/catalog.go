package scenarios

import (
	"fmt"
	"sort"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

func dur(d time.Duration) Duration { return Duration(d) }

// base is the cluster every named scenario starts from: five member nodes, one
// client-only node, three ensembles of three members, 7 routers per node (as riak), a
// LAN-like network whose nodes redial as the production transport does, and a steady
// open-loop workload for two seconds.
func base(name, desc string) Spec {
	return Spec{
		Name:          name,
		Description:   desc,
		Nodes:         []string{"n1", "n2", "n3", "n4", "n5"},
		Clients:       []string{"c1"},
		Routers:       7,
		RouterService: netmodel.Dist{Kind: "exponential", Min: dur(5 * time.Microsecond), Mean: dur(15 * time.Microsecond)},
		HopLimit:      4,
		Link: netmodel.Link{Latency: netmodel.Dist{Kind: "lognormal", Min: dur(100 * time.Microsecond),
			Mean: dur(250 * time.Microsecond), Sigma: 0.6}},
		DetectAfter: dur(200 * time.Millisecond),
		BackoffMin:  dur(netmodel.DefaultBackoffMin),
		BackoffMax:  dur(netmodel.DefaultBackoffMax),
		Ensembles: []Ensemble{
			{Name: "e1", Leader: "p1", Members: []Member{{"p1", "n1"}, {"p2", "n2"}, {"p3", "n3"}}},
			{Name: "e2", Leader: "p2", Members: []Member{{"p1", "n2"}, {"p2", "n3"}, {"p3", "n4"}}},
			{Name: "e3", Leader: "p3", Members: []Member{{"p1", "n3"}, {"p2", "n4"}, {"p3", "n5"}}},
		},
		Peer: PeerSpec{Service: netmodel.Dist{Kind: "exponential", Min: dur(50 * time.Microsecond), Mean: dur(200 * time.Microsecond)}, HonorBudget: true},
		Workload: Workload{Rate: 2000, Duration: dur(2 * time.Second), Timeout: dur(50 * time.Millisecond),
			ClientShare: 0.2},
		Gossip:   Gossip{Interval: dur(100 * time.Millisecond)},
		Liveness: &Liveness{From: 0},
	}
}

// livenessAfter starts the liveness phase of s, whose last fault ends at end (a heal,
// restart or resume that its nodes had noticed), once they have redialed (at most
// BackoffMax and its jitter later) and gossip has had 300ms to repair directories,
// and keeps the workload going 600ms past it.
func livenessAfter(s *Spec, end time.Duration) {
	from := end + s.reconnectBound() + 300*time.Millisecond
	s.Liveness = &Liveness{From: dur(from)}
	s.Workload.Duration = dur(max(s.Workload.Duration.D(), from+600*time.Millisecond))
}

var catalog = map[string]func() Spec{
	"steady": func() Spec {
		return base("steady", "a healthy cluster under steady load: every call succeeds")
	},
	"slow-leader": func() Spec {
		s := base("slow-leader", "e1's leader is slower than the timeout for a while: timeouts, then late replies dropped")
		slow := netmodel.Dist{Kind: "uniform", Min: dur(20 * time.Millisecond), Max: dur(120 * time.Millisecond)}
		s.Faults = []Fault{{At: dur(500 * time.Millisecond), Action: "slow", Peer: "e1/p1", Service: &slow, Until: dur(1200 * time.Millisecond)}}
		s.Liveness = &Liveness{From: dur(1300 * time.Millisecond)}
		return s
	},
	"no-leader": func() Spec {
		s := base("no-leader", "e1 never has a leader: riak makes remote callers wait out their timeout, default answers no-leader at once")
		s.Ensembles[0].Leader = ""
		return s
	},
	"leader-churn": func() Spec {
		s := base("leader-churn", "leaders change every few hundred milliseconds across all ensembles while directories catch up by gossip")
		names := []string{"p1", "p2", "p3"}
		// Some elections are shorter than a round trip, so a nack can meet a newer
		// leader on its way back (a redirect).
		lengths := []time.Duration{300 * time.Microsecond, 10 * time.Millisecond, 600 * time.Microsecond, 25 * time.Millisecond}
		for i := 0; i < 9; i++ {
			s.Elections = append(s.Elections, Election{
				At:       dur(time.Duration(150+150*i) * time.Millisecond),
				Ensemble: fmt.Sprintf("e%d", i%3+1),
				Duration: dur(lengths[i%4]),
				Leader:   names[(i+1)%3],
			})
		}
		// Two elections back to back between anti-entropy rounds: e2's old leader p3
		// hears p1's heartbeat long before its node's directory, behind slow gossip,
		// stops routing e2 to it; so p3 forwards to p1, who is by then electing again:
		// a forward that reaches a non-leader.
		s.Elections = append(s.Elections,
			Election{At: dur(1450 * time.Millisecond), Ensemble: "e2", Duration: dur(200 * time.Microsecond), Leader: "p1"},
			Election{At: dur(1452 * time.Millisecond), Ensemble: "e2", Duration: dur(2 * time.Millisecond), Leader: "p2"})
		// Gossip crawls (every push is delayed 5ms), so nodes learn a new leader at
		// different moments: requests meet stale routers and stale followers.
		s.Faults = []Fault{{At: 0, Action: "rule", Rule: &RuleSpec{Name: "slow-gossip", Match: MatchSpec{Kind: "gossip"}, Action: "delay", Delay: dur(5 * time.Millisecond)}}}
		s.Workload.Rate = 5000
		s.Workload.Duration = dur(2 * time.Second)
		s.Liveness = &Liveness{From: dur(1700 * time.Millisecond)}
		return s
	},
	"direct": func() Spec {
		s := base("direct", "a third of the calls go straight to a member, which forwards them to the leader it believes in, and a quarter are casts, while leaders change and n4 crashes and restarts: peer targets and casts are checked as calls are")
		s.Workload.PeerShare = 0.35
		s.Workload.CastShare = 0.25
		// Followers learn a new leader from its heartbeat, so a call straight to one
		// meets a stale view now and then: it forwards to the old leader, which
		// refuses a forward. The short election ends before its news has spread.
		s.Elections = []Election{
			{At: dur(300 * time.Millisecond), Ensemble: "e1", Duration: dur(5 * time.Millisecond), Leader: "p2"},
			{At: dur(600 * time.Millisecond), Ensemble: "e2", Duration: dur(20 * time.Millisecond), Leader: "p1"},
			{At: dur(900 * time.Millisecond), Ensemble: "e3", Duration: dur(300 * time.Microsecond), Leader: "p1"},
		}
		// n4 hosts followers only (e2/p3, e3/p2): calls straight to them fail while it
		// is down.
		s.Faults = []Fault{
			{At: dur(400 * time.Millisecond), Action: "crash", Node: "n4"},
			{At: dur(700 * time.Millisecond), Action: "restart", Node: "n4"},
		}
		s.Liveness = &Liveness{From: dur(1200 * time.Millisecond)}
		return s
	},
	"directory-regression": func() Spec {
		s := base("directory-regression", "n1 leads e1 but restarts with an old saved directory that names n3: requests bounce n1<->n3 until gossip repairs n1 (riak) or hit the hop limit (default)")
		s.Ensembles[0].Leader = "p3"
		s.Elections = []Election{{At: dur(100 * time.Millisecond), Ensemble: "e1", Duration: dur(20 * time.Millisecond), Leader: "p1"}}
		s.Faults = []Fault{
			{At: dur(400 * time.Millisecond), Action: "crash", Node: "n1"},
			{At: dur(420 * time.Millisecond), Action: "restart", Node: "n1", Directory: "saved"},
		}
		s.Gossip.Interval = dur(300 * time.Millisecond)
		s.Liveness = &Liveness{From: dur(1500 * time.Millisecond)}
		return s
	},
	"partition-heal": func() Spec {
		s := base("partition-heal", "n1, home of e1's leader, is cut off; the majority elects p2; the partition heals, and the links come back as their nodes redial (backoff up to 2s, ±25% jitter): liveness is checked from 2.8s after the heal")
		s.Faults = []Fault{
			{At: dur(400 * time.Millisecond), Action: "partition", A: []string{"n1"}, B: []string{"n2", "n3", "n4", "n5", "c1"}},
			{At: dur(1100 * time.Millisecond), Action: "heal"},
		}
		s.Elections = []Election{{At: dur(450 * time.Millisecond), Ensemble: "e1", Duration: dur(30 * time.Millisecond), Leader: "p2"}}
		livenessAfter(&s, 1100*time.Millisecond)
		return s
	},
}

// RiakBreaks returns the invariants the original router is known not to keep in the
// named scenario (its spec's riak_breaks), sorted.
func RiakBreaks(name string) []string {
	s, ok := Named(name)
	if !ok {
		return nil
	}
	out := append([]string(nil), s.RiakBreaks...)
	sort.Strings(out)
	return out
}

// Names lists the named scenarios, sorted.
func Names() []string {
	out := make([]string, 0, len(catalog)+len(drawn))
	for k := range catalog {
		out = append(out, k)
	}
	for k := range drawn {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Named returns the named scenario's spec as it is for seed 1; each call returns a
// fresh copy. Most scenarios are the same for every seed; swarm draws its spec from the
// seed (see ForSeed).
func Named(name string) (Spec, bool) { return ForSeed(name, 1) }

// ForSeed returns the named scenario's spec for a seed: the fixed spec of an ordinary
// scenario, or the spec swarm draws from the seed (every knob written out, so a repro
// replays it even after the generator changes).
func ForSeed(name string, seed uint64) (Spec, bool) {
	if f, ok := catalog[name]; ok {
		return f(), true
	}
	if f, ok := drawn[name]; ok {
		return f(seed), true
	}
	return Spec{}, false
}

// Drawn reports whether the named scenario draws its spec from the seed (swarm), so
// that each seed runs a world of its own.
func Drawn(name string) bool {
	_, ok := drawn[name]
	return ok
}

// drawn are the scenarios whose spec depends on the seed.
var drawn = map[string]func(seed uint64) Spec{
	"swarm": Swarm,
}
