package scenarios

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// TestLimitsRefuseAbsurdSpecs: a spec that would plan more calls than MaxCalls, or
// schedule anything past MaxSpan, is refused by Parse and Validate with a message
// that names the field and the limit, before anything is planned.
func TestLimitsRefuseAbsurdSpecs(t *testing.T) {
	cases := []struct {
		name string
		edit func(s *Spec)
		want string
	}{
		{name: "a million hours", edit: func(s *Spec) { s.Workload.Duration = dur(1_000_000 * time.Hour) },
			want: "workload.duration: 1000000h0m0s, past the limit of 24h0m0s"},
		{name: "a long quiet run", edit: func(s *Spec) { s.Workload.Rate, s.Workload.Duration = 0, dur(25*time.Hour) },
			want: "workload.duration: 25h0m0s, past the limit of 24h0m0s"},
		{name: "too many calls", edit: func(s *Spec) { s.Workload.Rate, s.Workload.Duration = 1e7, dur(2*time.Second) },
			want: "workload.rate: 1e+07 calls per second for workload.duration 2s plans about 20000000 calls, past the limit of 4000000 calls per run"},
		{name: "just too many calls", edit: func(s *Spec) { s.Workload.Rate, s.Workload.Duration = 400_001, dur(10*time.Second) },
			want: "plans about 4000010 calls, past the limit of 4000000 calls per run"},
		{name: "a burst of too many calls", edit: func(s *Spec) {
			s.Workload.Bursts = []Burst{{At: dur(time.Second), Duration: dur(time.Second), Rate: 10}, {At: 0, Duration: dur(time.Hour), Rate: 1e4}}
		}, want: "workload.bursts[1].rate: 10000 calls per second for workload.bursts[1].duration 1h0m0s plans about 36000000 calls, past the limit"},
		{name: "base and bursts too many together", edit: func(s *Spec) {
			s.Workload.Rate, s.Workload.Duration = 1e6, dur(2*time.Second)
			s.Workload.Bursts = []Burst{{At: 0, Duration: dur(3 * time.Second), Rate: 1e6}}
		}, want: "workload: the base rate and the bursts plan about 5000000 calls in all, past the limit of 4000000 calls per run"},
		{name: "a burst too late", edit: func(s *Spec) {
			s.Workload.Bursts = []Burst{{At: dur(25 * time.Hour), Duration: dur(time.Second), Rate: 1}}
		}, want: "workload.bursts[0].at: 25h0m0s, past the limit of 24h0m0s"},
		{name: "a burst too long", edit: func(s *Spec) {
			s.Workload.Bursts = []Burst{{At: dur(time.Hour), Duration: Duration(1 << 62), Rate: 1e-12}}
		}, want: "workload.bursts[0].duration: 1281023h53m38.427387904s from 1h0m0s ends past the limit of 24h0m0s"},
		{name: "an election too long", edit: func(s *Spec) {
			s.Elections = []Election{{At: dur(time.Second), Ensemble: "e1", Duration: dur(24 * time.Hour)}}
		}, want: "elections[0].duration: 24h0m0s from 1s ends past the limit of 24h0m0s"},
		{name: "a fault too late", edit: func(s *Spec) {
			s.Faults = []Fault{{At: dur(1000 * time.Hour), Action: "heal"}}
		}, want: "faults[0].at: 1000h0m0s, past the limit of 24h0m0s"},
		{name: "a slow leader for too long", edit: func(s *Spec) {
			d := s.Peer.Service
			s.Faults = []Fault{{At: dur(time.Second), Action: "slow", Peer: "e1/p1", Service: &d, Until: dur(100 * time.Hour)}}
		}, want: "faults[0].until: 100h0m0s, past the limit of 24h0m0s"},
		{name: "a latency of centuries", edit: func(s *Spec) {
			s.Link.Latency = Dist{Kind: "exponential", Mean: dur(2562047 * time.Hour)}
		}, want: "link.latency.mean: 2562047h0m0s, past the limit of 24h0m0s"},
		{name: "a lognormal sigma of 1e308", edit: func(s *Spec) {
			s.Link.Latency = Dist{Kind: "lognormal", Mean: dur(time.Millisecond), Sigma: 1e308}
		}, want: "link.latency.sigma: 1e+308, past the limit of 10"},
		{name: "a link of its own too slow", edit: func(s *Spec) {
			s.Links = []LinkSpec{{From: s.Nodes[0], To: s.Nodes[1], Link: netmodel.Link{Latency: Dist{Kind: "uniform", Max: dur(25 * time.Hour)}}}}
		}, want: "links[0].link.latency.max: 25h0m0s, past the limit of 24h0m0s"},
		{name: "a router service of days", edit: func(s *Spec) { s.RouterService = Dist{Kind: "constant", Min: dur(48 * time.Hour)} },
			want: "router_service.min: 48h0m0s, past the limit of 24h0m0s"},
		{name: "a slow fault's service of days", edit: func(s *Spec) {
			d := Dist{Kind: "constant", Min: dur(30 * time.Hour)}
			s.Faults = []Fault{{At: dur(time.Second), Action: "slow", Peer: "e1/p1", Service: &d, Until: dur(2 * time.Second)}}
		}, want: "faults[0].service.min: 30h0m0s, past the limit of 24h0m0s"},
		{name: "liveness too late", edit: func(s *Spec) { s.Liveness = &Liveness{From: dur(48 * time.Hour)} },
			want: "liveness.from: 48h0m0s, past the limit of 24h0m0s"},
		{name: "liveness too patient", edit: func(s *Spec) { s.Liveness = &Liveness{Within: dur(48 * time.Hour)} },
			want: "liveness.within: 48h0m0s, past the limit of 24h0m0s"},
		{name: "a clock offset of centuries", edit: func(s *Spec) {
			s.Clocks = []ClockSpec{{Node: s.Nodes[0], Clock: netmodel.ClockModel{Offset: netmodel.Duration(2562047 * time.Hour), DriftPPM: 100_000}}}
		}, want: "clocks[0].clock.offset: 2562047h0m0s, past the limit of 24h0m0s either way"},
		{name: "a clock offset of centuries back", edit: func(s *Spec) {
			s.Clocks = []ClockSpec{{Node: s.Nodes[0], Clock: netmodel.ClockModel{Offset: netmodel.Duration(-25 * time.Hour)}}}
		}, want: "clocks[0].clock.offset: -25h0m0s, past the limit of 24h0m0s either way"},
		{name: "a clock set to centuries", edit: func(s *Spec) {
			s.Faults = []Fault{{At: 0, Action: "clock-set", Node: s.Nodes[1], Clock: &netmodel.ClockModel{Offset: netmodel.Duration(2562047 * time.Hour)}}}
		}, want: "faults[0].clock.offset: 2562047h0m0s, past the limit of 24h0m0s either way"},
		// 2e6 a second for 2s and 1 a second for 1ms: 4,000,000.001 calls, shown as
		// 4000000 when rounded to the nearest.
		{name: "just past the limit with a burst", edit: func(s *Spec) {
			s.Workload.Rate, s.Workload.Duration = 2e6, dur(2*time.Second)
			s.Workload.Bursts = []Burst{{At: 0, Duration: dur(time.Millisecond), Rate: 1}}
		}, want: "workload: the base rate and the bursts plan about 4000001 calls in all, past the limit of 4000000 calls per run"},
		{name: "too many nodes", edit: func(s *Spec) {
			for i := len(s.Nodes) + len(s.Clients); i <= MaxNodes; i++ {
				s.Clients = append(s.Clients, fmt.Sprintf("x%d", i))
			}
		}, want: "nodes and clients: 100001, past the limit of 100000"},
		{name: "too many ensembles", edit: func(s *Spec) {
			for i := len(s.Ensembles); i <= MaxEnsembles; i++ {
				s.Ensembles = append(s.Ensembles, Ensemble{Name: fmt.Sprintf("x%d", i), Members: s.Ensembles[0].Members})
			}
		}, want: "ensembles: 100001, past the limit of 100000"},
		// steady's last change is at 2s and its timeout 50ms: rounds run for 2.1s,
		// then seven more, in each of which its five nodes send.
		// A round every 2,000,000h: its times overflowed the run's end.
		{name: "gossip every few centuries", edit: func(s *Spec) { s.Gossip.Interval = dur(2000000 * time.Hour) },
			want: "gossip.interval: 2000000h0m0s, past the limit of 24h0m0s"},
		// Each step within the limit, both on n2 past it; on two nodes, not.
		{name: "clock steps back that add up past the limit", edit: func(s *Spec) {
			s.Faults = []Fault{
				{At: ms(199), Action: "clock-step", Node: "n2", Step: Duration(-13 * time.Hour)},
				{At: ms(200), Action: "clock-step", Node: "n1", Step: Duration(-13 * time.Hour)},
				{At: ms(201), Action: "clock-step", Node: "n2", Step: Duration(-13 * time.Hour)},
			}
		}, want: "faults[2].step: n2's clock steps back add up to 26h0m0s, past the limit of 24h0m0s"},
		// Forward too: a hundred thousand steps of a day wrapped a clock's reading.
		{name: "clock steps forward that add up past the limit", edit: func(s *Spec) {
			s.Faults = []Fault{
				{At: ms(199), Action: "clock-step", Node: "n2", Step: Duration(13 * time.Hour)},
				{At: ms(200), Action: "clock-step", Node: "n1", Step: Duration(13 * time.Hour)},
				{At: ms(201), Action: "clock-step", Node: "n2", Step: Duration(-13 * time.Hour)},
				{At: ms(202), Action: "clock-step", Node: "n2", Step: Duration(13 * time.Hour)},
			}
		}, want: "faults[3].step: n2's clock steps forward add up to 26h0m0s, past the limit of 24h0m0s"},
		{name: "gossip every nanosecond", edit: func(s *Spec) { s.Gossip.Interval = 1 },
			want: "gossip.interval: 1ns plans about 2100000007 anti-entropy rounds of 5 member nodes, 10500000035 directory messages, past the limit of 10000000 per run"},
		{name: "gossip every microsecond", edit: func(s *Spec) { s.Gossip.Interval = dur(time.Microsecond) },
			want: "gossip.interval: 1µs plans about 2100007 anti-entropy rounds of 5 member nodes, 10500035 directory messages, past the limit of 10000000 per run"},
		// 21,007 rounds of 5 messages are few; each carries 2,000 entries.
		{name: "gossip of a large directory", edit: func(s *Spec) {
			s.Gossip.Interval = dur(100 * time.Microsecond)
			for i := len(s.Ensembles); i < 2000; i++ {
				s.Ensembles = append(s.Ensembles, Ensemble{Name: fmt.Sprintf("x%d", i), Members: s.Ensembles[0].Members, Leader: s.Ensembles[0].Leader})
			}
		}, want: "gossip.interval: 100µs plans about 21007 anti-entropy rounds in which each of 5 member nodes sends its directory of 2000 ensembles, 210070000 entries, past the limit of 200000000 per run"},
		{name: "faults that name too many links", edit: func(s *Spec) {
			a, b := sides(s, 1000, 1000)
			s.Faults = []Fault{
				{At: ms(100), Action: "partition", A: a, B: b},
				{At: ms(200), Action: "heal"},
				{At: ms(300), Action: "partition", A: a[:1], B: b[:1]},
			}
		}, want: "faults[2]: partition of 1 nodes against 1: the faults up to it name 1000001 links, past the limit of 1000000 per run"},
		{name: "gossip over a long run", edit: func(s *Spec) {
			s.Workload.Rate = 1
			s.Faults = []Fault{{At: dur(24 * time.Hour), Action: "heal"}}
			s.Gossip.Interval = dur(10 * time.Millisecond)
		}, want: "gossip.interval: 10ms plans about 8640017 anti-entropy rounds of 5 member nodes, 43200085 directory messages, past the limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			tc.edit(&s)
			err := s.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want ErrBadSpec saying %q", err, tc.want)
			}
			if _, err := Parse(strings.NewReader(string(s.JSON()))); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestLimitsAdmitTheirEdges: a spec right at the limits is valid (only validated:
// running it would take a long while).
func TestLimitsAdmitTheirEdges(t *testing.T) {
	s := named(t, "steady")
	s.Workload.Rate, s.Workload.Duration = 2e5, dur(10*time.Second)
	s.Workload.Bursts = []Burst{{At: dur(24*time.Hour - time.Second), Duration: dur(time.Second), Rate: 2e6}} // 4,000,000 calls in all
	s.Elections = []Election{{At: dur(time.Hour), Ensemble: "e1", Duration: dur(23 * time.Hour)}}
	s.Faults = []Fault{{At: dur(24 * time.Hour), Action: "heal"}}
	s.Liveness = &Liveness{From: dur(24 * time.Hour), Within: dur(24 * time.Hour)}
	s.Gossip.Interval = dur(50 * time.Millisecond) // 1,728,000 rounds of 5 nodes, and a few more
	if err := s.Validate(); err != nil {
		t.Fatalf("a spec at the limits: %v", err)
	}
	// Faults that name a million links in all.
	s = named(t, "steady")
	a, b := sides(&s, 1000, 1000)
	s.Faults = []Fault{{At: ms(100), Action: "partition", A: a, B: b}, {At: ms(200), Action: "heal"}}
	s.Liveness = nil // faults from the start
	if err := s.Validate(); err != nil {
		t.Fatalf("faults of a million links: %v", err)
	}
	// Gossip that is push only runs no rounds, whatever its interval.
	s = named(t, "steady")
	s.Gossip = Gossip{Interval: 1, PushOnly: true}
	if err := s.Validate(); err != nil {
		t.Fatalf("push-only gossip every nanosecond: %v", err)
	}
	// 10µs in steady: about a million directory messages, which run in about a second.
	s.Gossip = Gossip{Interval: dur(10 * time.Microsecond)}
	if err := s.Validate(); err != nil {
		t.Fatalf("gossip every 10µs in steady: %v", err)
	}
}

// TestLimitsFitTheLibrary: every named scenario, and swarm for many seeds, keeps
// well within the limits: scale plans a quarter of MaxCalls, the others far less.
func TestLimitsFitTheLibrary(t *testing.T) {
	planned := func(s Spec) float64 {
		n := s.Workload.Rate * s.Workload.Duration.D().Seconds()
		for _, b := range s.Workload.Bursts {
			n += b.Rate * b.Duration.D().Seconds()
		}
		return n
	}
	for _, name := range Names() {
		s := named(t, name)
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if n := planned(s); n > MaxCalls/4 {
			t.Errorf("%s plans %.0f calls, within a factor of four of the limit %d", name, n, MaxCalls)
		}
		if n := gossipSends(s); n > MaxGossipSends/100 {
			t.Errorf("%s plans %.0f gossip messages, within a factor of 100 of the limit %d", name, n, MaxGossipSends)
		}
		if n := gossipEntries(s, s.gossipRounds()); n > MaxGossipEntries/100 {
			t.Errorf("%s plans %.0f gossip entries, within a factor of 100 of the limit %d", name, n, MaxGossipEntries)
		}
	}
	most, gossip, entries := 0.0, 0.0, 0.0
	for seed := uint64(1); seed <= 5000; seed++ {
		s := Swarm(seed)
		if err := s.checkLimits(); err != nil {
			t.Fatalf("swarm seed %d: %v", seed, err)
		}
		most = max(most, planned(s))
		gossip = max(gossip, gossipSends(s))
		entries = max(entries, gossipEntries(s, s.gossipRounds()))
	}
	if most > MaxCalls/100 {
		t.Errorf("swarm plans up to %.0f calls, within a factor of 100 of the limit %d", most, MaxCalls)
	}
	if gossip > MaxGossipSends/100 {
		t.Errorf("swarm plans up to %.0f gossip messages, within a factor of 100 of the limit %d", gossip, MaxGossipSends)
	}
	if entries > MaxGossipEntries/100 {
		t.Errorf("swarm plans up to %.0f gossip entries, within a factor of 100 of the limit %d", entries, MaxGossipEntries)
	}
	t.Logf("swarm, seeds 1..5000: at most %.0f calls, %.0f gossip messages and %.0f entries planned", most, gossip, entries)
}

func gossipSends(s Spec) float64 { return s.gossipRounds() * float64(len(s.Nodes)) }

// TestGossipRoundsMatchTheRun: the rounds the limit counts are those a run has.
func TestGossipRoundsMatchTheRun(t *testing.T) {
	for _, name := range QuickNames() {
		s := named(t, name)
		if s.Gossip.PushOnly {
			continue
		}
		res := mustRun(t, s, Options{Seed: 1})
		got, want := res.wd.gossipRound, s.gossipRounds()
		if math.Abs(float64(got)-want) > 1 {
			t.Errorf("%s: %d rounds run, the limit counts %.1f", name, got, want)
		}
	}
}

// TestClockStepBackSettles: a clock stepped back postpones the node's timers by the
// step, calls' deadlines among them; the run waits for them to fire rather than
// report the calls as never completed and the world as never quiet.
func TestClockStepBackSettles(t *testing.T) {
	s := named(t, "steady")
	s.Faults = []Fault{
		{At: ms(950), Action: "hang", Peer: "e1/p1", Until: ms(1200)},
		{At: ms(1000), Action: "clock-step", Node: "n1", Step: Duration(-3 * time.Second)},
	}
	s.Liveness = &Liveness{From: ms(1500)}
	res := mustRun(t, s, Options{Seed: 1})
	if v := res.Report.Violations; len(v) > 0 {
		t.Fatalf("%d violations, first %+v", len(v), v[0])
	}
	s.Faults[1].Step = Duration(-25 * time.Hour)
	if err := s.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "faults[1].step: -25h0m0s, past the limit of 24h0m0s either way") {
		t.Errorf("a step of -25h: %v", err)
	}
}

// TestSlowLinksSettle: a world whose links are slow or long-tailed, but valid, keeps
// messages in flight well after its last change; the run waits for them (settle)
// instead of cutting the world short and reading what is still travelling as a leak.
// With only the fixed allowance, steady over a uniform 1ms-1s link failed no-leak
// with hundreds of events still scheduled.
func TestSlowLinksSettle(t *testing.T) {
	for _, lat := range []Dist{
		{Kind: "uniform", Min: Duration(time.Millisecond), Max: Duration(time.Second)},
		{Kind: "lognormal", Min: Duration(time.Millisecond), Mean: Duration(10 * time.Millisecond), Sigma: 3},
	} {
		s := named(t, "steady")
		s.Liveness = nil
		s.Link.Latency = lat
		for _, sem := range semantics {
			for seed := uint64(1); seed <= 3; seed++ {
				res := mustRun(t, s, Options{Seed: seed, Semantics: sem})
				if n := res.Report.ViolationsFound(); n > 0 {
					t.Errorf("%s link, %s, seed %d: %d violations: %v", lat.Kind, sem, seed, n, res.Report.Violations[0])
				}
			}
		}
	}
}

// sides adds na+nb nodes to s and returns them as the two sides of a fault: each
// fault of the two names na×nb links.
func sides(s *Spec, na, nb int) (a, b []string) {
	for i := range na + nb {
		name := fmt.Sprintf("x%d", i)
		s.Nodes = append(s.Nodes, name)
		if i < na {
			a = append(a, name)
		} else {
			b = append(b, name)
		}
	}
	return a, b
}
