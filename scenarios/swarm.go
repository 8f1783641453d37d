package scenarios

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// Swarm draws a whole spec from seed: cluster shape, routers, ensembles, clients,
// network, clocks, workload (on some seeds with calls straight to members, and casts),
// elections and a schedule of fault episodes (each one healed by its own end: heal,
// release, restart, resume, unrule), followed by a liveness phase long enough for the
// directories to converge; on some seeds, held replies and noticed pauses, links of
// their own, bursts of load, clocks that change rates, directories saved and then
// restored, and rules that wait for a message (later). The spec is plain data: a
// repro of a swarm run records every knob.
func Swarm(seed uint64) Spec {
	r := rand.New(rand.NewPCG(seed, 0x5357_4152_4d00)) // "SWARM"
	between := betweenOf(r)
	s := Spec{
		Name:        "swarm",
		Description: fmt.Sprintf("every knob drawn from seed %d", seed),
		Routers:     1 + r.IntN(7),
		HopLimit:    3 + r.IntN(3),
		DetectAfter: between(50*time.Millisecond, 400*time.Millisecond),
		Gossip:      Gossip{Interval: between(50*time.Millisecond, 200*time.Millisecond)},
		// Production's redial, not drawn: a draw here would reshuffle every knob after it.
		BackoffMin: dur(netmodel.DefaultBackoffMin),
		BackoffMax: dur(netmodel.DefaultBackoffMax),
	}
	n := 3 + r.IntN(5)
	for i := 1; i <= n; i++ {
		s.Nodes = append(s.Nodes, fmt.Sprintf("n%d", i))
	}
	for i := 1; i <= r.IntN(3); i++ {
		s.Clients = append(s.Clients, fmt.Sprintf("c%d", i))
	}
	s.RouterService = Dist{Kind: "exponential", Min: dur(5 * time.Microsecond), Mean: between(5*time.Microsecond, 60*time.Microsecond)}
	if r.IntN(3) == 0 {
		s.MailboxCap = 24 + r.IntN(41)
	}

	// The network: any latency shape, with duplication and reordering; loss only comes
	// as fault episodes, so that the liveness phase can demand success.
	min := between(50*time.Microsecond, 400*time.Microsecond)
	mean := between(100*time.Microsecond, 1500*time.Microsecond)
	switch r.IntN(4) {
	case 0:
		s.Link.Latency = Dist{Kind: "constant", Min: min}
	case 1:
		s.Link.Latency = Dist{Kind: "uniform", Min: min, Max: min + mean}
	case 2:
		s.Link.Latency = Dist{Kind: "exponential", Min: min, Mean: mean}
	default:
		s.Link.Latency = Dist{Kind: "lognormal", Min: min, Mean: mean, Sigma: 0.3 + float64(0.5*r.Float64())}
	}
	if r.IntN(2) == 0 {
		s.Link.Dup = 0.03 * r.Float64()
	}
	if r.IntN(2) == 0 {
		s.Link.Reorder = 0.2 * r.Float64()
	}
	s.Peer.Service = Dist{Kind: "exponential", Min: dur(20 * time.Microsecond), Mean: between(50*time.Microsecond, time.Millisecond)}
	s.Peer.HonorBudget = r.IntN(2) == 0

	// Ensembles of 1..5 members on distinct nodes.
	for e := 1; e <= 1+r.IntN(4); e++ {
		size := 1 + r.IntN(minInt(5, n))
		perm := r.Perm(n)
		en := Ensemble{Name: fmt.Sprintf("e%d", e)}
		for i := 0; i < size; i++ {
			en.Members = append(en.Members, Member{Name: fmt.Sprintf("p%d", i+1), Node: s.Nodes[perm[i]]})
		}
		if r.IntN(10) > 0 {
			en.Leader = en.Members[r.IntN(size)].Name
		}
		s.Ensembles = append(s.Ensembles, en)
	}

	for _, node := range s.Nodes {
		if r.IntN(4) != 0 {
			continue
		}
		offset := between(-5*time.Second, 5*time.Second)
		c := clockRates(r)
		c.Offset = offset
		s.Clocks = append(s.Clocks, ClockSpec{Node: node, Clock: c})
	}

	// The timeout leaves room for a few slow hops, so the liveness phase is fair.
	slowest := 4*time.Duration(min+mean) + 6*time.Duration(s.Peer.Service.Mean)
	timeout := between(20*time.Millisecond, 200*time.Millisecond).D()
	if floor := 25 * slowest; timeout < floor {
		timeout = floor
	}
	s.Workload = Workload{Rate: float64(300 + r.IntN(2700)), Timeout: Duration(timeout)}
	// The routers must carry the load with room to spare, or a bounded mailbox sheds
	// calls in the liveness phase too: even if every ensemble's leader sat on one node,
	// each routed call costing two messages there, its instances stay under 20% busy.
	if most := time.Duration(0.2 * float64(s.Routers) * float64(time.Second) / (2 * s.Workload.Rate)); s.RouterService.Min+s.RouterService.Mean > Duration(most) {
		s.RouterService.Mean = Duration(max(time.Microsecond, most-s.RouterService.Min.D()))
	}
	if len(s.Clients) > 0 {
		s.Workload.ClientShare = 0.4 * r.Float64()
	}

	faultsEnd := 100 * time.Millisecond
	for i := 0; i < r.IntN(5); i++ {
		el := Election{At: between(100*time.Millisecond, 900*time.Millisecond), Duration: between(time.Millisecond/2, 50*time.Millisecond)}
		en := s.Ensembles[r.IntN(len(s.Ensembles))]
		el.Ensemble = en.Name
		if r.IntN(8) > 0 {
			el.Leader = en.Members[r.IntN(len(en.Members))].Name
		}
		s.Elections = append(s.Elections, el)
		faultsEnd = maxDur(faultsEnd, el.At.D()+el.Duration.D())
	}
	for i := 0; i < r.IntN(6); i++ {
		at := between(100*time.Millisecond, 900*time.Millisecond)
		end := at + between(20*time.Millisecond, 300*time.Millisecond)
		s.Faults = append(s.Faults, episode(r, &s, at, end)...)
		faultsEnd = maxDur(faultsEnd, end.D())
	}
	sort.SliceStable(s.Faults, func(i, j int) bool { return s.Faults[i].At < s.Faults[j].At })

	// Liveness from when every member has had rounds enough of anti-entropy to hear the
	// truth, once the links an episode made its nodes notice are back (their redial),
	// plus the calls under way; the workload goes on past it.
	from := faultsEnd + s.reconnectBound() + time.Duration(n+2)*s.Gossip.Interval.D() + 2*timeout
	s.Liveness = &Liveness{From: Duration(from)}
	s.Workload.Duration = Duration(from + between(300*time.Millisecond, 800*time.Millisecond).D())
	// Drawn last, so that every knob drawn before keeps its value for the seed. Half
	// the seeds send some calls straight to a member, half make some casts.
	if r.IntN(2) == 0 {
		s.Workload.PeerShare = float64(1+r.IntN(50)) / 100
	}
	if r.IntN(2) == 0 {
		s.Workload.CastShare = float64(1+r.IntN(50)) / 100
	}
	// Knobs swarm learned to draw later come from a stream of their own, so that each
	// seed keeps every knob it drew before them. A third of the seeds hold a reply
	// that cannot be sent (reply_hold, as production's transport does), a third notice
	// a paused node (pause_detect_after, shorter than some pause episodes): with both,
	// a reply to a paused caller waits for it.
	r2 := rand.New(rand.NewPCG(seed, 0x5357_4152_4d02))
	if r2.IntN(3) == 0 {
		s.ReplyHold = Duration(time.Duration(50+r2.IntN(2951)) * time.Millisecond) // 50ms..3s
	}
	if r2.IntN(3) == 0 {
		s.PauseDetectAfter = Duration(time.Duration(20+r2.IntN(231)) * time.Millisecond) // 20ms..250ms
	}
	if end := later(r2, &s, min, mean); end > faultsEnd {
		// The liveness phase, and the workload with it, move by as much as the
		// episodes drawn later outlast the others.
		s.Liveness.From += Duration(end - faultsEnd)
		s.Workload.Duration += Duration(end - faultsEnd)
	}
	return s
}

// later draws, from the stream of the knobs swarm learned to draw later, what the
// first draws leave out: on a quarter of the seeds links of their own (latency of
// another shape, from half to twice the spec's minimum and to four times its mean; no
// loss), on a quarter bursts of extra load (up to three times the base rate, so that
// routers sized for a fifth of their time at the base rate keep up), and up to two
// more fault episodes: a clock that changes its rates (clock-set), a directory saved
// and then restored by a crash and restart (save: the directory goes back to what
// it was at the save), or a rule that waits for a message of another kind (after),
// some matching one ensemble or one sender. It returns when the last of them ends (0
// for none); every one ends by then.
func later(r *rand.Rand, s *Spec, latMin, latMean Duration) time.Duration {
	between := betweenOf(r)
	all := append(append([]string{}, s.Nodes...), s.Clients...)
	if r.IntN(4) == 0 {
		type pair struct{ from, to string }
		seen := map[pair]bool{}
		for i := 0; i <= r.IntN(3); i++ {
			from, to := all[r.IntN(len(all))], all[r.IntN(len(all))]
			lo, hi := latMin/2, 2*latMin
			l := netmodel.Link{Latency: Dist{Min: between(lo.D(), hi.D())}}
			switch m := between(latMean.D()/2, 4*latMean.D()); r.IntN(3) {
			case 0:
				l.Latency.Kind = "constant"
			case 1:
				l.Latency.Kind, l.Latency.Max = "uniform", l.Latency.Min+m
			default:
				l.Latency.Kind, l.Latency.Mean = "exponential", m
			}
			if r.IntN(2) == 0 {
				l.Reorder = 0.3 * r.Float64()
			}
			if from == to || seen[pair{from, to}] {
				continue // drawn all the same, so that what follows keeps its draws
			}
			seen[pair{from, to}] = true
			s.Links = append(s.Links, LinkSpec{From: from, To: to, Link: l})
		}
	}
	var end time.Duration
	if r.IntN(4) == 0 {
		for i := 0; i <= r.IntN(2); i++ {
			b := Burst{At: between(100*time.Millisecond, 900*time.Millisecond), Duration: between(20*time.Millisecond, 200*time.Millisecond)}
			b.Rate = float64(int(float64(s.Workload.Rate) * (0.5 + float64(2.5*r.Float64()))))
			s.Workload.Bursts = append(s.Workload.Bursts, b)
			end = maxDur(end, b.At.D()+b.Duration.D())
		}
	}
	for i := 0; i < r.IntN(3); i++ {
		at := between(100*time.Millisecond, 900*time.Millisecond)
		until := at + between(20*time.Millisecond, 300*time.Millisecond)
		end = maxDur(end, until.D())
		switch r.IntN(3) {
		case 0:
			c := clockRates(r) // none at all: the clock runs true from then on
			s.Faults = append(s.Faults, Fault{At: at, Action: "clock-set", Node: all[r.IntN(len(all))], Clock: &c})
		case 1:
			node := s.Nodes[r.IntN(len(s.Nodes))]
			crash := at + (until-at)/2
			s.Faults = append(s.Faults, Fault{At: at, Action: "save", Node: node},
				Fault{At: crash, Action: "crash", Node: node}, Fault{At: until, Action: "restart", Node: node, Directory: "saved"})
		default:
			kinds := []string{"route", "peer", "reply", "gossip", "cast"}
			acts := []string{"drop", "delay", "duplicate"}
			name := fmt.Sprintf("later-%d", at.D().Microseconds())
			rule := &RuleSpec{Name: name, Match: MatchSpec{Kind: kinds[r.IntN(len(kinds))]}, Action: acts[r.IntN(3)],
				Delay: Duration(time.Duration(r.IntN(20)) * time.Millisecond), Count: r.IntN(50),
				After: &MatchSpec{Kind: kinds[r.IntN(len(kinds))]}}
			if r.IntN(2) == 0 && rule.Match.Kind != "gossip" { // gossip is of no one ensemble
				rule.Match.Ensemble = s.Ensembles[r.IntN(len(s.Ensembles))].Name
			}
			if r.IntN(2) == 0 {
				rule.Match.From = all[r.IntN(len(all))]
			}
			s.Faults = append(s.Faults, Fault{At: at, Action: "rule", Rule: rule}, Fault{At: until, Action: "unrule", Rule: &RuleSpec{Name: name}})
		}
	}
	sort.SliceStable(s.Faults, func(i, j int) bool { return s.Faults[i].At < s.Faults[j].At })
	return end
}

// betweenOf draws a duration from lo to hi, both included, from r.
func betweenOf(r *rand.Rand) func(lo, hi time.Duration) Duration {
	return func(lo, hi time.Duration) Duration {
		return Duration(lo + time.Duration(r.Int64N(int64(hi-lo)+1)))
	}
}

// clockRates draws a clock's rate errors: on half the draws a constant drift of up
// to 2%, on a third a periodic one of up to 5% with a period of 100ms to 1s.
func clockRates(r *rand.Rand) netmodel.ClockModel {
	var c netmodel.ClockModel
	if r.IntN(2) == 0 {
		c.DriftPPM = float64(r.IntN(40001) - 20000)
	}
	if r.IntN(3) == 0 {
		c.PeriodicPPM = float64(r.IntN(50000))
		c.Period = betweenOf(r)(100*time.Millisecond, time.Second)
		if c.PeriodicPPM == 0 {
			c.Period = 0 // no drift to give a period (drawn all the same: the draws after stay as they were)
		}
	}
	return c
}

// episode draws one fault and the action that ends it.
func episode(r *rand.Rand, s *Spec, at, end Duration) []Fault {
	all := append(append([]string{}, s.Nodes...), s.Clients...)
	pick := func() string { return all[r.IntN(len(all))] }
	member := func() string { return s.Nodes[r.IntN(len(s.Nodes))] }
	split := func() ([]string, []string) {
		perm := r.Perm(len(all))
		k := 1 + r.IntN(len(all)-1)
		var a, b []string
		for i, p := range perm {
			if i < k {
				a = append(a, all[p])
			} else {
				b = append(b, all[p])
			}
		}
		return a, b
	}
	modes := []string{"drop", "stall"}
	switch r.IntN(9) {
	case 0:
		a, b := split()
		return []Fault{{At: at, Action: "partition", A: a, B: b, InFlight: modes[r.IntN(2)]}, {At: end, Action: "heal"}}
	case 1:
		a, b := split()
		return []Fault{{At: at, Action: "partition-one-way", A: a, B: b, InFlight: modes[r.IntN(2)]}, {At: end, Action: "heal"}}
	case 2:
		a, b := split()
		return []Fault{{At: at, Action: "hold", A: a, B: b}, {At: end, Action: "release", A: a, B: b}}
	case 3:
		node := member()
		dirs := []string{"current", "saved", "empty"}
		return []Fault{{At: at, Action: "crash", Node: node}, {At: end, Action: "restart", Node: node, Directory: dirs[r.IntN(3)]}}
	case 4:
		node := pick()
		return []Fault{{At: at, Action: "pause", Node: node}, {At: end, Action: "resume", Node: node}}
	case 5:
		// -25ms..25ms in half milliseconds, but not 0, which Validate refuses (a step
		// that moves nothing): 0 becomes 25ms, so that every other seed draws as before.
		k := r.IntN(101) - 50
		if k == 0 {
			k = 50
		}
		return []Fault{{At: at, Action: "clock-step", Node: pick(), Step: Duration(time.Duration(k) * time.Millisecond / 2)}}
	case 6, 7:
		en := s.Ensembles[r.IntN(len(s.Ensembles))]
		peer := en.Name + "/" + en.Members[r.IntN(len(en.Members))].Name
		if r.IntN(2) == 0 {
			return []Fault{{At: at, Action: "hang", Peer: peer, Until: end}}
		}
		slow := Dist{Kind: "uniform", Min: s.Workload.Timeout / 2, Max: s.Workload.Timeout * 2}
		return []Fault{{At: at, Action: "slow", Peer: peer, Service: &slow, Until: end}}
	default:
		kinds := []string{"route", "peer", "reply", "gossip", ""}
		acts := []string{"drop", "delay", "duplicate"}
		name := fmt.Sprintf("rule-%d", at.D().Microseconds())
		rule := &RuleSpec{Name: name, Match: MatchSpec{Kind: kinds[r.IntN(len(kinds))]}, Action: acts[r.IntN(3)],
			Delay: Duration(time.Duration(r.IntN(20)) * time.Millisecond), Count: r.IntN(50)}
		if r.IntN(2) == 0 {
			rule.Match.To = pick()
		}
		return []Fault{{At: at, Action: "rule", Rule: rule}, {At: end, Action: "unrule", Rule: &RuleSpec{Name: name}}}
	}
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}
