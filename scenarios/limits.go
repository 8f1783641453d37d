package scenarios

import (
	"fmt"
	"math"
	"time"
)

// MaxCalls is the most workload calls a spec may plan: the base rate times the
// workload's duration plus each burst's rate times its duration. A run plans every
// call and sizes its tables for them before the first event, and holds a record of
// each to the end: ensim's peak memory was about 470 bytes a call in a healthy run
// (steady at 200,000 calls/s for 10s: 2 million calls, 0.94 GB) and about 730 when
// every call fails, so the limit keeps a run within about 3 GB. scale, the largest
// named scenario, plans a million.
const MaxCalls = 4_000_000

// MaxSpan is the latest a spec may schedule anything: the end of the workload, of a
// burst or of an election, a fault's at and until, the liveness phase's from and
// within; and how long an outage goes unnoticed (detect_after, pause_detect_after).
// Named scenarios span seconds.
const MaxSpan = 24 * time.Hour

// MaxNodes is the most nodes and clients a spec may have together, and MaxEnsembles
// the most ensembles: each costs memory before the first event (a spec of a million
// nodes took 5.9 GB and a minute before its first call). scale, the largest named
// scenario, has 1,000 nodes and 10,000 ensembles.
const (
	MaxNodes     = 100_000
	MaxEnsembles = 100_000
)

// MaxFaultLinks is the most links a spec's faults may name in all: a partition (one
// way or both), a hold or a release of sides a and b names |a|×|b| links, and the network model
// and the checks keep an entry for each (2,000 nodes cut from each other, 4 million
// links, took 38s and 3.2 GB; 6,000 ran out of memory). The limit keeps a run's
// faults within about a gigabyte. Named scenarios name a few hundred links at most.
const MaxFaultLinks = 1_000_000

// MaxSigma is the largest sigma a spec's lognormal may have. Past a few, a
// lognormal with a given mean puts nearly all of its draws near zero and its mean in
// draws too rare to happen in a run (at sigma 10 the median is e^-50 of the mean):
// no latency or service time is shaped like that, and a sigma of 1e308 made every
// draw the largest duration.
const MaxSigma = 10

// MaxGossipSends is the most directory messages anti-entropy may plan: the number of
// rounds times the member nodes, each of which sends its directory once a round. The
// rounds run every gossip.interval until the last scheduled change, plus twice
// workload.timeout, plus one round per member node and two more (so that the last
// change reaches every member). The spec's other limits bound a run's memory; this
// one bounds its time, since rounds cost time at flat memory: a 1µs interval in
// steady would send about ten million messages and take about 12s of wall time, 1ns
// hours. Named scenarios send thousands at most; scale's gossip is push only.
const MaxGossipSends = 10_000_000

// MaxGossipEntries is the most directory entries anti-entropy may plan to send: its
// messages (MaxGossipSends counts them) times the ensembles, since every member
// sends its whole directory, an entry per ensemble, which each receiver learns
// entry by entry. It bounds the time of a run with many ensembles and gossip that
// MaxGossipSends allows: 200 nodes and 1,000 ensembles gossiping every millisecond
// over steady's two seconds planned 460 million entries and took 23s of wall time,
// about 50ns an entry, and 20,000 ensembles ran for ten minutes and 2.3 GB before
// they were stopped. Named scenarios send a few hundred thousand at most.
const MaxGossipEntries = 200_000_000

// lastChange is when the last scheduled change of s happens: the end of the workload,
// of a burst or of an election, a fault's at or until. The run's anti-entropy
// outlives it by enough rounds to reach every member.
func (s *Spec) lastChange() time.Duration {
	end, _ := s.lastChangeBy()
	return end
}

// lastChangeBy is lastChange and what sets it, as a spec's path names it
// ("faults[2].until", "workload.duration"), for a message about the span of the run.
func (s *Spec) lastChangeBy() (time.Duration, string) {
	end, by, at := s.Workload.Duration.D(), "workload.duration", -1
	later := func(t time.Duration, what string, i int) {
		if t > end {
			end, by, at = t, what, i
		}
	}
	for i, b := range s.Workload.Bursts {
		later(b.At.D()+b.Duration.D(), "the end of workload.bursts[%d]", i)
	}
	for i, el := range s.Elections {
		later(el.At.D()+el.Duration.D(), "the end of elections[%d]", i)
	}
	for i, f := range s.Faults {
		later(f.At.D(), "faults[%d].at", i)
		later(f.Until.D(), "faults[%d].until", i)
	}
	if at >= 0 {
		by = fmt.Sprintf(by, at)
	}
	return end, by
}

// backSteps is how far back the spec's clock steps set a node's clock, in all, for
// the node they set furthest back (checkLimits holds each node's to MaxSpan): a timer
// armed before a step back fires that much later in virtual time, so the world takes
// that much longer to fall quiet.
func (s *Spec) backSteps() time.Duration {
	back, _ := s.furthestBack()
	return back
}

// furthestBack returns the most that a node's clock steps back add up to, and the
// index of the step that brings its node there (-1 when no clock steps back). Each
// step is at most MaxSpan back, and a sum stops growing past MaxSpan (where it is
// refused), so the sums cannot overflow.
func (s *Spec) furthestBack() (time.Duration, int) {
	var most time.Duration
	at := -1
	sums := map[string]time.Duration{}
	for i, f := range s.Faults {
		if f.Action != "clock-step" || f.Step >= 0 {
			continue
		}
		sum := sums[f.Node]
		if sum <= MaxSpan {
			sum += min(-f.Step.D(), MaxSpan)
			sums[f.Node] = sum
		}
		if sum > most {
			most, at = sum, i
		}
	}
	return most, at
}

// settle is how long the messages and the work of the last calls may go on after
// everything else has: a few legs of network (a request's hops, the reply and a
// gossip message), each its link's highest latency (Dist.High) with a rule's
// delay and a router's service time, then a leader's longest service. A world that
// is not quiet that much after its last round of gossip and its timeouts is leaking
// (no-leak), unless its routers still have a backlog to serve (world.drain); with a
// slow or long-tailed link it needs the time, as the messages do.
func (s *Spec) settle() time.Duration {
	leg := s.Link.Latency.High()
	for _, l := range s.Links {
		leg = max(leg, l.Link.Latency.High())
	}
	var delay time.Duration
	service := s.Peer.Service.High()
	for _, f := range s.Faults {
		if f.Rule != nil {
			delay = max(delay, f.Rule.Delay.D())
		}
		if f.Service != nil {
			service = max(service, f.Service.High())
		}
	}
	leg = satAdd(satAdd(leg, delay), s.RouterService.High())
	legs := time.Duration(max(s.HopLimit, 1) + 2)
	if leg > math.MaxInt64/legs {
		return math.MaxInt64
	}
	return satAdd(leg*legs, service)
}

// satAdd returns a+b for non-negative a and b, saturating at the largest duration.
func satAdd(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// gossipRounds is about how many anti-entropy rounds a run of s has (none when its
// gossip is push only), as world.schedule plans them.
func (s *Spec) gossipRounds() float64 {
	if s.Gossip.PushOnly {
		return 0
	}
	iv := s.Gossip.Interval.D()
	return float64(s.lastChange()+2*s.Workload.Timeout.D())/float64(iv) + float64(len(s.Nodes)+2)
}

// gossipSpan says, for a message about the anti-entropy rounds a run plans, how
// long they go on and what sets that: ": the rounds go on to 20h0m0s
// (faults[0].until, the last scheduled change) and two workload.timeout more". A
// fault or an election far past the workload lengthens the run, and its rounds, as
// much as a longer workload does, and the message names it, not only
// gossip.interval.
func (s *Spec) gossipSpan() string {
	end, by := s.lastChangeBy()
	return fmt.Sprintf(": the rounds go on to %v (%s, the last scheduled change) and two workload.timeout more", end, by)
}

// gossipEntries is about how many directory entries a run of s with rounds
// anti-entropy rounds sends: every member node's whole directory, each round.
func gossipEntries(s Spec, rounds float64) float64 {
	return float64(rounds * float64(len(s.Nodes)) * float64(len(s.Ensembles)))
}

// A run stops once its routers have sent more messages than SendsPerPlanned for
// each call and cast it plans, each anti-entropy message, and each directory push
// an election or a fault may set off to every node, and MinSendBudget more, and
// reports it (no-leak). A healthy run sends a few for each, a run that duplicates
// and bounces them tens. Under riak, which has no hop limit, a request that nodes
// whose directories disagree pass back and forth goes on until anti-entropy repairs
// them: directory-regression with gossip every 10s sends about 5 million messages
// for its 4,000 calls, and passes. If they never agree, the run would go on until
// it stops, four timeouts past its last change (hours of wall time for a timeout of
// an hour over links of 1µs), or for ever over links and routers that take no time.
// A spec's send_budget (Spec.SendBudget) replaces the budget.
const (
	SendsPerPlanned = 10_000
	MinSendBudget   = 10_000_000
)

// sendBudget is the most messages a run of s that plans planned calls and casts
// may send: the spec's send_budget, or SendsPerPlanned for each planned message
// and MinSendBudget.
func (s *Spec) sendBudget(planned int) uint64 {
	if s.SendBudget > 0 {
		return uint64(s.SendBudget)
	}
	nodes := float64(len(s.Nodes) + len(s.Clients))
	pushes := float64(float64(len(s.Elections)+len(s.Faults)+len(s.Ensembles)) * nodes)
	if r := s.Workload.Retry; r != nil {
		planned *= r.Attempts // each call may be made that many times
	}
	n := float64(planned) + float64(s.gossipRounds()*float64(len(s.Nodes))) + pushes
	return uint64(min(float64(float64(n)*SendsPerPlanned)+MinSendBudget, math.MaxInt64))
}

// checkLimits reports the first field of s that goes past MaxSpan, makes it plan
// more than MaxCalls calls or more than MaxGossipSends directory messages (or
// MaxGossipEntries entries in them), or makes
// its faults name more than MaxFaultLinks links. The
// fields' other constraints have been checked.
func (s Spec) checkLimits() error {
	if n := len(s.Nodes) + len(s.Clients); n > MaxNodes {
		return fmt.Errorf("nodes and clients: %d, past the limit of %d", n, MaxNodes)
	}
	if n := len(s.Ensembles); n > MaxEnsembles {
		return fmt.Errorf("ensembles: %d, past the limit of %d", n, MaxEnsembles)
	}
	point := func(field string, t Duration) error {
		if t.D() > MaxSpan {
			return fmt.Errorf("%s: %v, past the limit of %v", field, t.D(), MaxSpan)
		}
		return nil
	}
	interval := func(f string, at, length Duration) error {
		if err := point(f+".at", at); err != nil {
			return err
		}
		if length.D() > MaxSpan-at.D() {
			return fmt.Errorf("%s.duration: %v from %v ends past the limit of %v", f, length.D(), at.D(), MaxSpan)
		}
		return nil
	}
	// How long an outage goes unnoticed is held to MaxSpan too, as everything a
	// spec schedules is: a longer one could never end within a run.
	if err := point("detect_after", s.DetectAfter); err != nil {
		return err
	}
	if err := point("pause_detect_after", s.PauseDetectAfter); err != nil {
		return err
	}
	// A distribution's durations are each within MaxSpan, like everything else a
	// spec schedules: a latency of a hundred years fails a run by every invariant
	// it has, where it should be refused as the spec's mistake.
	dist := func(f string, d Dist) error {
		for _, v := range []struct {
			name string
			d    Duration
		}{{"min", d.Min}, {"max", d.Max}, {"mean", d.Mean}} {
			if err := point(f+"."+v.name, v.d); err != nil {
				return err
			}
		}
		if d.Sigma > MaxSigma {
			return fmt.Errorf("%s.sigma: %v, past the limit of %v", f, d.Sigma, MaxSigma)
		}
		return nil
	}
	if err := dist("router_service", s.RouterService); err != nil {
		return err
	}
	if err := dist("link.latency", s.Link.Latency); err != nil {
		return err
	}
	if err := dist("peer.service", s.Peer.Service); err != nil {
		return err
	}
	for i, l := range s.Links {
		if err := dist(fmt.Sprintf("links[%d].link.latency", i), l.Link.Latency); err != nil {
			return err
		}
	}
	for i, ft := range s.Faults {
		if ft.Service == nil {
			continue
		}
		if err := dist(fmt.Sprintf("faults[%d].service", i), *ft.Service); err != nil {
			return err
		}
	}
	links := 0 // whole numbers: a float product may be fused on arm64 (archtest)
	for i, ft := range s.Faults {
		links += len(ft.A) * len(ft.B)
		if links > MaxFaultLinks {
			return fmt.Errorf("faults[%d]: %s of %d nodes against %d: the faults up to it name %d links, past the limit of %d per run",
				i, ft.Action, len(ft.A), len(ft.B), links, MaxFaultLinks)
		}
	}
	w := s.Workload
	if err := point("workload.duration", w.Duration); err != nil {
		return err
	}
	calls := func(rate float64, d Duration) float64 { return float64(rate * d.D().Seconds()) } // never fused into a sum
	total := calls(w.Rate, w.Duration)
	if total > MaxCalls {
		return fmt.Errorf("workload.rate: %v calls per second for workload.duration %v plans about %.0f calls, past the limit of %d calls per run",
			w.Rate, w.Duration.D(), math.Ceil(total), MaxCalls)
	}
	for i, b := range w.Bursts {
		f := fmt.Sprintf("workload.bursts[%d]", i)
		if err := interval(f, b.At, b.Duration); err != nil {
			return err
		}
		n := calls(b.Rate, b.Duration)
		if n > MaxCalls {
			return fmt.Errorf("%s.rate: %v calls per second for %s.duration %v plans about %.0f calls, past the limit of %d calls per run",
				f, b.Rate, f, b.Duration.D(), math.Ceil(n), MaxCalls)
		}
		total += n
	}
	if total > MaxCalls {
		return fmt.Errorf("workload: the base rate and the bursts plan about %.0f calls in all, past the limit of %d calls per run", math.Ceil(total), MaxCalls)
	}
	if r := w.Retry; r != nil && r.Attempts > 1 && float64(total*float64(r.Attempts)) > MaxCalls {
		return fmt.Errorf("workload.retry.attempts: %d attempts of each of about %.0f planned calls could make %.0f calls, past the limit of %d calls per run",
			r.Attempts, math.Ceil(total), math.Ceil(float64(total*float64(r.Attempts))), MaxCalls)
	}
	for i, el := range s.Elections {
		if err := interval(fmt.Sprintf("elections[%d]", i), el.At, el.Duration); err != nil {
			return err
		}
	}
	// A clock's reading is virtual time plus its offset (spanOffset, checked with
	// the clock) and its steps, each within MaxSpan, so that no reading comes near
	// overflowing a duration.
	for i, ft := range s.Faults {
		f := fmt.Sprintf("faults[%d]", i)
		if err := point(f+".at", ft.At); err != nil {
			return err
		}
		if err := point(f+".until", ft.Until); err != nil {
			return err
		}
		if ft.Step < -Duration(MaxSpan) || ft.Step > Duration(MaxSpan) {
			return fmt.Errorf("%s.step: %v, past the limit of %v either way", f, ft.Step.D(), MaxSpan)
		}
		if ft.Rule != nil {
			if err := point(f+".rule.delay", ft.Rule.Delay); err != nil {
				return err
			}
		}
	}
	// A timer armed before steps back fires as much later: the run would not fall
	// quiet within the span its checks allow for.
	if back, i := s.furthestBack(); back > MaxSpan {
		return fmt.Errorf("faults[%d].step: %s's clock steps back add up to %v, past the limit of %v", i, s.Faults[i].Node, back, MaxSpan)
	}
	// Forward as well, so that a clock's reading stays far from overflowing (a
	// hundred thousand steps of a day wrapped one to centuries before its start).
	ahead := map[string]time.Duration{}
	for i, f := range s.Faults {
		if f.Action != "clock-step" || f.Step <= 0 {
			continue
		}
		if ahead[f.Node] += f.Step.D(); ahead[f.Node] > MaxSpan {
			return fmt.Errorf("faults[%d].step: %s's clock steps forward add up to %v, past the limit of %v", i, f.Node, ahead[f.Node], MaxSpan)
		}
	}
	if err := point("gossip.interval", s.Gossip.Interval); err != nil {
		return err
	}
	if lv := s.Liveness; lv != nil {
		if err := point("liveness.from", lv.From); err != nil {
			return err
		}
		if err := point("liveness.within", lv.Within); err != nil {
			return err
		}
	}
	// Every span is within MaxSpan now, so the rounds are a sane number.
	rounds := s.gossipRounds()
	if sends := rounds * float64(len(s.Nodes)); sends > MaxGossipSends {
		return fmt.Errorf("gossip.interval: %v plans about %.0f anti-entropy rounds of %d member nodes, %.0f directory messages, past the limit of %d per run%s (gossip.push_only turns anti-entropy off)",
			s.Gossip.Interval.D(), rounds, len(s.Nodes), sends, MaxGossipSends, s.gossipSpan())
	}
	if entries := gossipEntries(s, rounds); entries > MaxGossipEntries {
		return fmt.Errorf("gossip.interval: %v plans about %.0f anti-entropy rounds in which each of %d member nodes sends its directory of %d ensembles, %.0f entries, past the limit of %d per run%s (a longer interval, or gossip.push_only, which turns anti-entropy off)",
			s.Gossip.Interval.D(), rounds, len(s.Nodes), len(s.Ensembles), entries, MaxGossipEntries, s.gossipSpan())
	}
	return nil
}
