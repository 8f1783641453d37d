package scenarios

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// TestSpecRefusals: Validate refuses each bad field itself, before the run, and its
// message begins with the field's path in the spec and says what is wrong with it. A
// value that the network model or the router would refuse only when the run builds
// them (an empty or repeated node, 1025 routers, a negative hop limit, mailbox cap,
// detection time or link latency, backoffs out of order) would lose the spec's path
// there; one that nothing else refuses would run, and do something the spec did not
// mean, or panic.
func TestSpecRefusals(t *testing.T) {
	constant := func(d time.Duration) Dist { return Dist{Kind: "constant", Min: dur(d)} }
	svc := constant(time.Millisecond)
	cases := []struct {
		name string
		edit func(s *Spec)
		want string // what the message says after "bad spec: "
	}{
		// Nodes and clients.
		{"an empty node name", func(s *Spec) { s.Nodes = append(s.Nodes, "") }, "nodes[5]: empty name"},
		{"an empty client name", func(s *Spec) { s.Clients = append(s.Clients, "") }, "clients[1]: empty name"},
		{"a node listed twice", func(s *Spec) { s.Nodes = append(s.Nodes, "n1") }, `nodes[5]: "n1" appears twice`},
		{"a client that is a node", func(s *Spec) { s.Clients = []string{"n1"} }, `clients[0]: "n1" is a member node too (in nodes): a client is a node of no ensemble`},
		{"a client listed twice", func(s *Spec) { s.Clients = []string{"c1", "c1"} }, `clients[1]: "c1" appears twice`},
		{"no workload", func(s *Spec) { s.Workload = Workload{} }, "workload: missing or empty (the key is required, with a timeout at least)"},
		{"a node name that is not UTF-8", func(s *Spec) { s.Nodes = append(s.Nodes, "n\xff") }, `nodes[5]: "n\xff": not valid UTF-8`},
		{"a client name with a space", func(s *Spec) { s.Clients = []string{"c 1"} },
			`clients[0]: "c 1": ' ' is not allowed in a name`},
		// Routers and links.
		{"1025 routers", func(s *Spec) { s.Routers = 1025 }, "routers: 1025, want 1..1024"},
		{"no hop limit", func(s *Spec) { s.HopLimit = 0 }, "hop_limit: missing or 0 (the key is required), want 1..65535"},
		{"a router service with a negative time", func(s *Spec) { s.RouterService = constant(-time.Millisecond) }, "router_service.min: -1ms is negative"},
		{"a clock of an unknown node", func(s *Spec) { s.Clocks = []ClockSpec{{Node: "n9"}} }, `clocks[0].node: "n9" is not a node`},
		{"a negative hop limit", func(s *Spec) { s.HopLimit = -1 }, "hop_limit: -1, want 1..65535"},
		{"a hop limit no transport carries", func(s *Spec) { s.HopLimit = 70000 }, "hop_limit: 70000, want 1..65535"},
		{"a link from an unknown node", func(s *Spec) {
			s.Links = []LinkSpec{{From: "n9", To: "n1", Link: netmodel.Link{Latency: constant(time.Millisecond)}}}
		}, `links[0].from: "n9" is not a node`},
		{"a link to an unknown node", func(s *Spec) {
			s.Links = []LinkSpec{{From: "n1", To: "n9", Link: netmodel.Link{Latency: constant(time.Millisecond)}}}
		}, `links[0].to: "n9" is not a node`},
		{"a link with a negative latency", func(s *Spec) {
			s.Links = []LinkSpec{{From: "n1", To: "c1", Link: netmodel.Link{Latency: constant(-time.Millisecond)}}}
		}, "links[0].link.latency.min: -1ms is negative"},
		{"a negative mailbox cap", func(s *Spec) { s.MailboxCap = -1 }, "mailbox_cap: -1 is negative"},
		{"a negative detect_after", func(s *Spec) { s.DetectAfter = dur(-time.Second) }, "detect_after: -1s is negative"},
		{"a negative pause_detect_after", func(s *Spec) { s.PauseDetectAfter = dur(-time.Second) }, "pause_detect_after: -1s is negative"},
		{"a backoff_min over backoff_max", func(s *Spec) { s.BackoffMin = dur(3 * time.Second) },
			"backoff_min: 3s is more than backoff_max 2s"},
		{"a backoff_min a nanosecond over backoff_max", func(s *Spec) { s.BackoffMin = dur(2*time.Second + 1) },
			"backoff_min: 2.000000001s is more than backoff_max 2s"},
		{"a backoff_min without backoff_max", func(s *Spec) { s.BackoffMax = 0 },
			"backoff_min: 50ms without backoff_max: set both, or neither to reconnect at once"},
		{"a backoff_min past an hour", func(s *Spec) { s.BackoffMin = dur(2 * time.Hour) }, "backoff_min: 2h0m0s is out of range: want 0 to 1h"},
		{"a negative backoff_max", func(s *Spec) { s.BackoffMax = dur(-time.Second) }, "backoff_max: -1s is out of range: want 0 to 1h"},
		{"a backoff_max without backoff_min", func(s *Spec) { s.BackoffMin = 0 }, "backoff_min: 0 with backoff_max 2s: want more than 0"},
		// Ensembles.
		{"an ensemble listed twice", func(s *Spec) {
			e := s.Ensembles[0]
			e.Members = []Member{{"p9", "n5"}}
			e.Leader = ""
			s.Ensembles = append(s.Ensembles, e)
		}, `ensembles[3].name: "e1" appears twice`},
		{"an ensemble without a name", func(s *Spec) { s.Ensembles[1].Name = "" }, "ensembles[1].name: missing or empty"},
		{"a member listed twice", func(s *Spec) {
			s.Ensembles[0].Members = append(s.Ensembles[0].Members, Member{"p1", "n4"})
		}, `ensembles[0].members[3].name: "p1" appears twice in the ensemble`},
		{"a member without a name", func(s *Spec) { s.Ensembles[0].Members[2].Name = "" }, "ensembles[0].members[2].name: missing or empty"},
		{"a member on a client", func(s *Spec) {
			s.Ensembles[0].Members = append(s.Ensembles[0].Members, Member{"p4", "c1"})
		}, `ensembles[0].members[3].node: "c1" is not a member node`},
		// The workload.
		{"a rate that is not a number", func(s *Spec) { s.Workload.Rate = math.NaN() }, "workload.rate: NaN, want 0..1e7 calls per second"},
		{"a timeout past an hour", func(s *Spec) { s.Workload.Timeout = dur(2 * time.Hour) },
			"workload.timeout: 2h0m0s, want a positive duration up to 1h"},
		{"a client share without clients", func(s *Spec) { s.Clients = nil }, "workload.client_share: 0.2 but no clients"},
		{"a client share over one", func(s *Spec) { s.Workload.ClientShare = 1.5 }, "workload.client_share: 1.5, want 0..1"},
		{"a workload of negative duration", func(s *Spec) { s.Workload.Duration = dur(-time.Second) }, "workload.duration: -1s is negative"},
		{"a peer share over one", func(s *Spec) { s.Workload.PeerShare = 1.5 }, "workload.peer_share: 1.5, want 0..1"},
		{"a negative cast share", func(s *Spec) { s.Workload.CastShare = -0.1 }, "workload.cast_share: -0.1, want 0..1"},
		{"a rate without ensembles", func(s *Spec) { s.Ensembles = nil }, "ensembles: none, but workload.rate is 2000 calls per second"},
		{"a burst without ensembles", func(s *Spec) {
			s.Ensembles, s.Workload.Rate = nil, 0
			s.Workload.Bursts = []Burst{{At: ms(100), Duration: ms(100), Rate: 100}}
		}, "ensembles: none, but workload.bursts[0] calls at 100 per second"},
		{"a burst at a negative time", func(s *Spec) {
			s.Workload.Bursts = []Burst{{At: ms(-1000), Duration: ms(100), Rate: 100}}
		}, "workload.bursts[0].at: -1s is negative"},
		{"a burst of no duration", func(s *Spec) {
			s.Workload.Bursts = []Burst{{At: ms(100), Rate: 100}}
		}, "workload.bursts[0].duration: 0s, want a positive duration"},
		{"a burst of no rate", func(s *Spec) {
			s.Workload.Bursts = []Burst{{At: ms(100), Duration: ms(100)}}
		}, "workload.bursts[0].rate: 0, want more than 0"},
		// A push-only gossip plans no rounds, so no limit on them stands in for the
		// interval's own check.
		{"a push-only gossip every 0s", func(s *Spec) { s.Gossip = Gossip{PushOnly: true} },
			"gossip.interval: 0s, want a positive duration"},
		// Elections.
		{"an election at a negative time", func(s *Spec) {
			s.Elections = []Election{{At: ms(-1000), Ensemble: "e1", Duration: ms(10), Leader: "p2"}}
		}, "elections[0].at: -1s is negative"},
		{"an election of negative duration", func(s *Spec) {
			s.Elections = []Election{{At: ms(1000), Ensemble: "e1", Duration: ms(-100), Leader: "p2"}}
		}, "elections[0].duration: -100ms is negative"},
		{"an election of an unknown ensemble", func(s *Spec) {
			s.Elections = []Election{{At: ms(1000), Ensemble: "e9", Duration: ms(10)}}
		}, `elections[0].ensemble: "e9" is unknown`},
		{"an election of an unknown leader", func(s *Spec) {
			s.Elections = []Election{{At: ms(1000), Ensemble: "e1", Duration: ms(10), Leader: "p9"}}
		}, `elections[0].leader: "p9" is not a member of e1`},
		// Liveness and riak_breaks.
		{"a liveness phase from a negative time", func(s *Spec) { s.Liveness = &Liveness{From: ms(-1000)} },
			"liveness.from: -1s is negative"},
		{"a liveness phase within a negative time", func(s *Spec) { s.Liveness = &Liveness{Within: ms(-1000)} },
			"liveness.within: -1s is negative"},
		{"an unknown invariant", func(s *Spec) { s.RiakBreaks = []string{"no-leak", "exactly-twice"} },
			`riak_breaks[1]: "exactly-twice" is not an invariant: want one of exactly-once,`},
		{"an invariant named twice", func(s *Spec) { s.RiakBreaks = []string{"no-leak", "liveness", "no-leak"} },
			`riak_breaks[2]: "no-leak" is repeated`},
		{"a node twice on one side of a partition", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "partition", A: []string{"n1"}, B: []string{"n2", "n3", "n2"}}, {At: ms(600), Action: "heal"}}
		}, `faults[0].b: "n2" is repeated`},
		{"a node twice on one side of a hold", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "hold", A: []string{"n1", "n1"}, B: []string{"n2"}}, {At: ms(600), Action: "release", A: []string{"n1"}, B: []string{"n2"}}}
		}, `faults[0].a: "n1" is repeated`},
		// Faults.
		{"a fault at a negative time", func(s *Spec) {
			s.Faults = []Fault{{At: ms(-1000), Action: "crash", Node: "n5"}}
		}, "faults[0].at: -1s is negative"},
		{"a partition with no side a", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "partition", B: []string{"n2"}}, {At: ms(600), Action: "heal"}}
		}, "faults[0].a: need at least one node"},
		{"a hold with no side b", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "hold", A: []string{"n1"}}}
		}, "faults[0].b: need at least one node"},
		{"a misspelt in_flight", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "partition", A: []string{"n1"}, B: []string{"n2"}, InFlight: "stal"}, {At: ms(600), Action: "heal"}}
		}, `faults[0].in_flight: "stal", want drop or stall`},
		{"a resume of an unknown node", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "resume", Node: "n9"}}
		}, `faults[0].node: "n9" is not a node`},
		{"a save of an unknown node", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "save", Node: "n9"}}
		}, `faults[0].node: "n9" is not a node`},
		{"a crash without a node", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "crash"}, {At: ms(600), Action: "restart", Node: "n2"}}
		}, "faults[0].node: missing: crash acts on a node"},
		{"a pause without a node", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "pause"}, {At: ms(600), Action: "resume", Node: "n2"}}
		}, "faults[0].node: missing: pause acts on a node"},
		{"a clock step of an unknown node", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "clock-step", Node: "n9", Step: ms(10)}}
		}, `faults[0].node: "n9" is not a node`},
		{"a clock step of 0s", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "clock-step", Node: "n1"}}
		}, "faults[0].step: a clock step needs a non-zero duration"},
		{"an unnamed rule", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "rule", Rule: &RuleSpec{Match: MatchSpec{Kind: "cast"}, Action: "drop"}}}
		}, "faults[0].rule.name: a rule needs a name"},
		{"an unrule with a count", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "rule", Rule: &RuleSpec{Name: "r", Match: MatchSpec{Kind: "cast"}, Action: "drop"}},
				{At: ms(600), Action: "unrule", Rule: &RuleSpec{Name: "r", Count: 3}}}
		}, "faults[1].rule: unrule reads only rule.name"},
		{"a misspelt directory", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "crash", Node: "n2"}, {At: ms(600), Action: "restart", Node: "n2", Directory: "saevd"}}
		}, `faults[1].directory: "saevd", want current, saved or empty`},
		{"a hang of a peer no ensemble has", func(s *Spec) {
			s.Faults = []Fault{{At: ms(1000), Action: "hang", Peer: "e1/p9", Until: ms(1500)}}
		}, `faults[0].peer: "e1/p9" is not ens/member of a known ensemble`},
		{"a hang without until", func(s *Spec) {
			s.Faults = []Fault{{At: ms(1000), Action: "hang", Peer: "e1/p1"}}
		}, "faults[0].until: missing or 0s (the key is required), want a time after at 1s"},
		{"a clock-set without a clock", func(s *Spec) {
			s.Faults = []Fault{{At: ms(1000), Action: "clock-set", Node: "n1"}}
		}, "faults[0].clock: clock-set needs a clock"},
		{"a hang until its own at", func(s *Spec) {
			s.Faults = []Fault{{At: ms(1000), Action: "hang", Peer: "e1/p1", Until: ms(1000)}}
		}, "faults[0].until: 1s is not after at 1s"},
		{"a hang until before its at", func(s *Spec) {
			s.Faults = []Fault{{At: ms(1000), Action: "hang", Peer: "e1/p1", Until: ms(500)}}
		}, "faults[0].until: 500ms is not after at 1s"},
		{"a slow leader without a service", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "slow", Peer: "e1/p1", Until: ms(600)}}
		}, "faults[0].service: slow needs a service distribution"},
		{"a slow leader with a bad service", func(s *Spec) {
			bad := Dist{Kind: "bogus", Min: svc.Min}
			s.Faults = []Fault{{At: ms(500), Action: "slow", Peer: "e1/p1", Service: &bad, Until: ms(600)}}
		}, `faults[0].service.dist: "bogus" is unknown`},
	}
	ok := named(t, "steady")
	ok.Liveness = nil
	if err := ok.Validate(); err != nil {
		t.Fatalf("the base spec: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			tc.edit(&s)
			err := s.Validate()
			if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "bad spec: "+tc.want) {
				t.Fatalf("Validate: %v, want ErrBadSpec saying %q", err, tc.want)
			}
		})
	}
}

// TestSpecUnendedFaultsNamed: checkEnded refuses a fault whose trouble never ends,
// naming the first one left in force, by its index and always the same way, and
// accepts what ends, or does nothing: a node's side of a hold against itself, which
// is no link, and a pause of a node that is down, which the run skips.
func TestSpecUnendedFaultsNamed(t *testing.T) {
	a, b := []string{"n1"}, []string{"n2"}
	for _, tc := range []struct {
		name   string
		faults []Fault
		want   string // "" for none
	}{
		{"two stalling partitions never healed", []Fault{
			{At: ms(500), Action: "partition", A: a, B: b, InFlight: "stall"},
			{At: ms(600), Action: "partition-one-way", A: b, B: a, InFlight: "stall"},
		}, "faults[0]: the partition stalls the messages in flight and is never healed"},
		{"a stalling partition after a heal", []Fault{
			{At: ms(500), Action: "partition", A: a, B: b, InFlight: "stall"},
			{At: ms(600), Action: "heal"},
			{At: ms(700), Action: "partition", A: a, B: b, InFlight: "stall"},
			{At: ms(800), Action: "partition", A: b, B: a, InFlight: "stall"},
		}, "faults[2]: the partition stalls the messages in flight and is never healed"},
		{"a pause after a crash and a restart", []Fault{
			{At: ms(500), Action: "crash", Node: "n2"},
			{At: ms(600), Action: "restart", Node: "n2"},
			{At: ms(700), Action: "pause", Node: "n2"},
		}, "faults[2]: n2 is paused and never resumed"},
		{"a hold of one node against four, never released", []Fault{
			{At: ms(500), Action: "hold", A: a, B: []string{"n5", "n4", "n3", "n2"}},
		}, "faults[0]: the hold of n1 -> n2 is never released"},
		{"a pause of a node that is down", []Fault{
			{At: ms(500), Action: "crash", Node: "n2"},
			{At: ms(600), Action: "pause", Node: "n2"},
			{At: ms(700), Action: "restart", Node: "n2"},
		}, ""},
		{"a hold of two nodes both ways, released link by link", []Fault{
			{At: ms(500), Action: "hold", A: []string{"n1", "n2"}, B: []string{"n1", "n2"}},
			{At: ms(600), Action: "release", A: a, B: b},
			{At: ms(600), Action: "release", A: b, B: a},
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			s.Faults = tc.faults
			// The links in force are kept in a map: the message must not hang on its
			// order.
			for range 20 {
				err := s.Validate()
				if tc.want == "" {
					if err != nil {
						t.Fatalf("Validate: %v, want nil", err)
					}
					continue
				}
				if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "bad spec: "+tc.want) {
					t.Fatalf("Validate: %v, want ErrBadSpec saying %q", err, tc.want)
				}
			}
		})
	}
}

// TestSpecClockStepsBackNamed: the clock steps back that take a node past MaxSpan in
// all are refused at the step that does, with the sum up to it.
func TestSpecClockStepsBackNamed(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	for i := range 3 {
		s.Faults = append(s.Faults, Fault{At: ms(500 + 100*i), Action: "clock-step", Node: "n1", Step: dur(-20 * time.Hour)})
	}
	want := "bad spec: faults[1].step: n1's clock steps back add up to 40h0m0s, past the limit of 24h0m0s"
	if err := s.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Validate: %v, want ErrBadSpec saying %q", err, want)
	}
}

// TestFaultUntilIsAChange: a hang that lasts past the workload is the run's last
// change: anti-entropy goes on past its until, as many rounds as the limit on them
// counts, and the run waits for the hung leader's late work instead of cutting the
// world short.
func TestFaultUntilIsAChange(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	s.Faults = []Fault{{At: ms(1900), Action: "hang", Peer: "e1/p1", Until: ms(4000)}}
	res := mustRun(t, s, Options{Seed: 1})
	if v := res.Report.Violations; len(v) > 0 {
		t.Fatalf("%d violations, first %+v", len(v), v[0])
	}
	if got, want := res.wd.gossipRound, s.gossipRounds(); float64(got) < want-1 {
		t.Fatalf("%d anti-entropy rounds, want about %.1f", got, want)
	}
	if last := time.Duration(res.wd.gossipRound) * s.Gossip.Interval.D(); last <= s.Faults[0].Until.D() {
		t.Fatalf("the last anti-entropy round at about %v, before the hang's until %v", last, s.Faults[0].Until.D())
	}
}
