package scenarios

import (
	"fmt"
	"math"
	"time"
)

// checkLivenessFaults refuses a fault that makes trouble in the liveness phase: from
// liveness.from on, faults must have stopped (Liveness), or the calls they fail read
// as liveness violations, that is as router bugs. A fault that starts trouble may not
// happen at or after liveness.from, and the trouble one starts before it must have
// ended by then:
//
//   - partition, partition-one-way: links are cut until a heal;
//   - hold: links park messages until a release of the same links (or never);
//   - crash: the node is down until its restart;
//   - pause: the node runs nothing until its resume;
//   - slow, hang: the peer is slow or silent until its until;
//   - clock-step: the node's clock jumps, and its timers with it (no duration: only
//     its time counts);
//   - restart with a saved or empty directory: the node comes back with a directory
//     that names the wrong leaders, which requests bounce on until gossip repairs it.
//
// The faults that end trouble (heal, release, resume, restart with its current
// directory) and save start none, and may come at any time: one that ends trouble
// started before liveness.from comes too late anyway, and is refused as that trouble.
// clock-set changes a clock's rate, not its reading, as a spec's clocks do for the
// whole run, which the router must cope with in the liveness phase too. A rule makes
// trouble, until its unrule, when it drops a call's messages (a rule that matches
// route, peer or reply messages, or any kind) or delays them so much that no call
// through another node can succeed in time (ruleTrouble, a floor), or drops gossip,
// which directories need to converge; a rule may delay a call's messages less, delay
// gossip or duplicate messages, and named scenarios keep such rules through the
// liveness phase (leader-churn delays gossip from the start; dup-reorder duplicates
// replies after liveness.from).
//
// The faults' other constraints have been checked.
func (s Spec) checkLivenessFaults() error {
	if s.Liveness == nil {
		return nil
	}
	// A network slower than the deadline fails every call that crosses it, faults
	// or none: the liveness phase would read each as a router bug. (Halved rather
	// than doubled: a latency near MaxSpan would overflow.)
	bound, what := s.Workload.Timeout.D(), "workload.timeout"
	if w := s.Liveness.Within.D(); w > 0 && w < bound {
		bound, what = w, "liveness.within"
	}
	if lat := s.Link.Latency.Min.D(); lat >= bound-bound/2 {
		return fmt.Errorf("link.latency.min: %v each way is not under half %s %v: no call through another node can succeed in time, and the liveness phase would fail each (shorten the latency, lengthen the deadline, or drop liveness)",
			lat, what, bound)
	}
	// The same of a link of its own: there and back between two nodes takes its
	// latency and the way back's (its own link, or the spec's). Each is under MaxSpan.
	oneWay := func(from, to string) time.Duration {
		for _, l := range s.Links {
			if l.From == from && l.To == to {
				return l.Link.Latency.Min.D()
			}
		}
		return s.Link.Latency.Min.D()
	}
	for i, l := range s.Links { // one per pair, none from a node to itself
		if rt := oneWay(l.From, l.To) + oneWay(l.To, l.From); rt >= bound {
			return fmt.Errorf("links[%d].link.latency.min: %s to %s and back take at least %v, not under %s %v: no call between them can succeed in time, and the liveness phase would fail each (shorten the latency, lengthen the deadline, or drop liveness)",
				i, l.From, l.To, rt, what, bound)
		}
	}
	// A lossy link loses calls in the liveness phase as in any other; loss there
	// comes as a fault episode that ends before it (a partition and its heal, a rule
	// that drops and its unrule).
	const lossy = "loses messages in the liveness phase too, and the liveness phase would fail each call that loses one (lose messages in a fault episode before liveness.from: a partition, or a rule that drops, and its heal or unrule; or drop liveness)"
	if s.Link.Drop > 0 {
		return fmt.Errorf("link.drop: %v %s", s.Link.Drop, lossy)
	}
	for i, l := range s.Links {
		if l.Link.Drop > 0 {
			return fmt.Errorf("links[%d].link.drop: %v from %s to %s %s", i, l.Link.Drop, l.From, l.To, lossy)
		}
	}
	// A call from a client goes through a member (a hop) to the leader's node (a
	// second), and so does a call to a follower, which forwards it: with a hop limit
	// of 1 each fails, faults or none.
	if s.HopLimit == 1 && (len(s.Clients) > 0 && s.Workload.ClientShare > 0 || s.Workload.PeerShare > 0) {
		return fmt.Errorf("hop_limit: 1 fails every call that a client makes through a member that does not host the leader, or that a follower forwards, which take two hops (client_share %v, peer_share %v), and the liveness phase would fail each (a hop limit of 2 or more, or drop liveness)",
			s.Workload.ClientShare, s.Workload.PeerShare)
	}
	from := s.Liveness.From.D()
	order := s.faultOrder()
	// A node whose outage its peers noticed (a cut after detect_after, a crash after
	// it, a pause after pause_detect_after) is redialed in a dial loop whose waits
	// grow while the outage lasts, and its links are back only at an attempt after it
	// ends (see netmodel's reconnect.go and redials): one that comes back after
	// liveness.from lasts into the liveness phase.
	red := s.newRedials()
	lateEnd := func(i int, node string, cause int) error {
		end := s.Faults[i].At.D()
		back, o := red.end(node, cause, end)
		if back == 0 || end > from || end+back <= from {
			return nil // back at once, or too late anyway (refused below)
		}
		return fmt.Errorf("faults[%d].at: the %s at %v ends an outage of %s (from faults[%d] at %v) that the nodes noticed at %v: they reconnect at their next redial, up to %v later (backoff_min %v, backoff_max %v, with jitter), past liveness.from %v, and from liveness.from on faults must have stopped (end it earlier, or move liveness.from to %v or later)",
			i, s.Faults[i].Action, end, node, o.first, s.Faults[o.first].At.D(), o.noticed, back, s.BackoffMin.D(), s.BackoffMax.D(), from, end+back)
	}
	type link struct{ from, to string }
	blocked := map[link]int{} // a cut link: the fault that cut it
	held := map[link]int{}
	down := map[string]int{} // a crashed node: the crash
	paused := map[string]int{}
	rules := map[string]int{} // a rule in force that makes trouble: the fault that added it
	trouble := func(i int, what string) error {
		ft := s.Faults[i]
		f := fmt.Sprintf("faults[%d]", i)
		if ft.At.D() >= from {
			rel := "after"
			if ft.At.D() == from {
				rel = "at"
			}
			return fmt.Errorf("%s.at: %v is %s liveness.from %v: %s, and from liveness.from on faults must have stopped (move liveness.from past the faults, or the fault before it)",
				f, ft.At.D(), rel, from, what)
		}
		return nil
	}
	pairs := func(ft Fault, oneWay bool, f func(link)) {
		for _, a := range ft.A {
			for _, b := range ft.B {
				if a == b {
					continue
				}
				f(link{a, b})
				if !oneWay {
					f(link{b, a})
				}
			}
		}
	}
	for _, i := range order {
		ft := s.Faults[i]
		switch ft.Action {
		case "partition", "partition-one-way":
			if err := trouble(i, "a partition cuts links"); err != nil {
				return err
			}
			pairs(ft, ft.Action == "partition-one-way", func(l link) {
				if _, ok := blocked[l]; !ok {
					blocked[l] = i // the first cut: a second leaves it cut as it was
				}
				red.begin(l.from, causeCut, i, s.DetectAfter.D())
				red.begin(l.to, causeCut, i, s.DetectAfter.D())
			})
		case "heal":
			for _, node := range red.healed() { // in the order they were cut
				if err := lateEnd(i, node, causeCut); err != nil {
					return err
				}
			}
			if ft.At.D() <= from {
				clear(blocked)
			}
		case "hold":
			if err := trouble(i, "a hold parks messages"); err != nil {
				return err
			}
			pairs(ft, true, func(l link) { held[l] = i })
		case "release":
			if ft.At.D() <= from {
				pairs(ft, true, func(l link) { delete(held, l) })
			}
		case "crash":
			if err := trouble(i, "a crash takes a node down"); err != nil {
				return err
			}
			down[ft.Node] = i
			delete(paused, ft.Node) // a crash ends a pause: a resume finds the node not paused
			red.begin(ft.Node, causeDown, i, s.DetectAfter.D())
			red.drop(ft.Node, causePaused)
		case "restart":
			if ft.Directory == "saved" || ft.Directory == "empty" {
				if err := trouble(i, fmt.Sprintf("a restart with the %s directory brings a node back with wrong leaders", ft.Directory)); err != nil {
					return err
				}
			}
			if err := lateEnd(i, ft.Node, causeDown); err != nil {
				return err
			}
			if ft.At.D() <= from {
				delete(down, ft.Node)
			}
		case "pause":
			if err := trouble(i, "a pause stops a node"); err != nil {
				return err
			}
			paused[ft.Node] = i
			detect := s.PauseDetectAfter.D()
			if detect == 0 {
				detect = -1 // never noticed
			}
			red.begin(ft.Node, causePaused, i, detect)
		case "resume":
			if err := lateEnd(i, ft.Node, causePaused); err != nil {
				return err
			}
			if ft.At.D() <= from {
				delete(paused, ft.Node)
			}
		case "slow", "hang":
			if err := trouble(i, fmt.Sprintf("a %s peer fails calls", ft.Action)); err != nil {
				return err
			}
			if ft.Until.D() > from {
				return fmt.Errorf("faults[%d].until: %v is after liveness.from %v: the %s peer %s lasts into the liveness phase, and from liveness.from on faults must have stopped (end it before liveness.from, or move liveness.from later)",
					i, ft.Until.D(), from, ft.Action, ft.Peer)
			}
		case "clock-step":
			if err := trouble(i, "a clock step makes a node's clock and timers jump"); err != nil {
				return err
			}
		case "rule":
			if why := s.ruleTrouble(ft.Rule); why != "" {
				if err := trouble(i, why); err != nil {
					return err
				}
				rules[ft.Rule.Name] = i
			}
		case "unrule":
			if ft.At.D() <= from {
				delete(rules, ft.Rule.Name)
			}
		}
	}
	// What is still in force at liveness.from: the first fault that started any, and
	// the first thing it still does, so that the message does not hang on map order.
	first, what := -1, ""
	note := func(i int, w string) {
		if first < 0 || i < first || i == first && w < what {
			first, what = i, w
		}
	}
	for _, i := range blocked {
		note(i, "no heal after it, before liveness.from")
	}
	for l, i := range held {
		note(i, fmt.Sprintf("no release of %s -> %s after it, before liveness.from", l.from, l.to))
	}
	for n, i := range down {
		note(i, fmt.Sprintf("no restart of %s after it, before liveness.from", n))
	}
	for n, i := range paused {
		note(i, fmt.Sprintf("no resume of %s after it, before liveness.from", n))
	}
	for name, i := range rules {
		note(i, fmt.Sprintf("no unrule of %q after it, before liveness.from", name))
	}
	if first >= 0 {
		ft := s.Faults[first]
		return fmt.Errorf("faults[%d].at: the %s at %v lasts past liveness.from %v (%s), and from liveness.from on faults must have stopped (end it before liveness.from, or move liveness.from later)",
			first, ft.Action, ft.At.D(), from, what)
	}
	return nil
}

// ruleTrouble says why rule r makes trouble: it fails calls, or keeps directories
// from converging (see checkLivenessFaults); or "" when it makes none.
func (s Spec) ruleTrouble(r *RuleSpec) string {
	switch r.Match.Kind {
	case "", "route", "peer", "reply":
	case "gossip":
		if r.Action == "drop" {
			return "a drop rule loses gossip, and directories may never converge"
		}
		return ""
	default: // cast
		if r.Action == "drop" && s.Workload.CastShare > 0 {
			return "a drop rule loses casts, each of which the liveness phase demands reach its leader"
		}
		return ""
	}
	if r.Action == "drop" {
		return "a drop rule loses calls' messages"
	}
	if r.Action != "delay" {
		return ""
	}
	// A member's call to a leader on another node sends a request and a reply; a
	// client's goes through a member first, one more request. Each message crosses a
	// link (the fastest, the spec's or a pair's own, at least), each request is served
	// by a router instance and the event by a peer (their services' min at least). A
	// rule delays the messages of such a call it matches: one, if it names a direction
	// (from, to: a path crosses each link once); the requests, if it matches routes;
	// every message, if it matches any kind, of any ensemble or of one (a reply is of
	// the ensemble of the peer that produced it).
	// This is a floor: a rule it passes can still fail calls (a slower draw, a
	// forward), as a link's least latency can. Against the deadline, or
	// liveness.within when shorter, as the links are checked. Each term is under
	// MaxSpan: the sum cannot overflow.
	bound, what := s.Workload.Timeout.D(), "workload.timeout"
	if w := s.Liveness.Within.D(); w > 0 && w < bound {
		bound, what = w, "liveness.within"
	}
	msgs, path := 2, "a call through another node"
	if len(s.Clients) > 0 && s.Workload.ClientShare > 0 {
		msgs, path = 3, "a client's call"
	}
	m, n := r.Match, 1
	switch {
	case m.From != "" || m.To != "":
	case m.Kind == "":
		n = msgs
	case m.Kind == "route":
		n = msgs - 1
	}
	fastest := s.Link.Latency.Min.D()
	for _, l := range s.Links {
		fastest = min(fastest, l.Link.Latency.Min.D())
	}
	least := time.Duration(msgs)*fastest + time.Duration(msgs-1)*s.RouterService.Min.D() + s.Peer.Service.Min.D() + time.Duration(n)*r.Delay.D()
	if least >= bound {
		return fmt.Sprintf("a delay rule of %v on %d of the %d messages of %s makes it take at least %v with the links' latency and the services' least times, not under %s %v, and fails it",
			r.Delay.D(), n, msgs, path, least, what, bound)
	}
	return ""
}

// The causes of a node's outage that its peers notice and redial through.
const (
	causeCut    = 1 << iota // a partition cuts links to or from it
	causeDown               // it crashed
	causePaused             // it is paused
)

// nodeOutage is a node's outage as the dial loops to and from it see it: the causes
// in force, when the loop began, and when its links are back once the causes ended.
type nodeOutage struct {
	causes  int
	first   int           // the fault whose cause began the loop (or the outage)
	noticed time.Duration // when the loop began; past any time while no cause was noticed
	back    time.Duration // when its links are back, once no cause is in force
}

// redials follows the nodes' outages through the faults, in their order, for
// checkLivenessFaults: a node's dial loop begins when the first cause of its outage
// is noticed, and goes on through causes that come while it lasts (a cause that
// begins before the links are back finds the loop running, netmodel's
// reconnect.go); the links are back at an attempt after the last cause ends
// (redialBound).
type redials struct {
	s       *Spec
	nodes   map[string]*nodeOutage
	cut     []string // the nodes a partition cut, in the order they were first cut
	clients bool     // clients make calls: their links come back at their own attempts
}

const never = time.Duration(math.MaxInt64)

func (s *Spec) newRedials() *redials {
	return &redials{s: s, nodes: map[string]*nodeOutage{}, clients: len(s.Clients) > 0 && s.Workload.ClientShare > 0}
}

// begin starts cause (fault i, noticed detect after it, never if detect < 0) on node.
func (r *redials) begin(node string, cause, i int, detect time.Duration) {
	at := r.s.Faults[i].At.D()
	seen := never
	if detect >= 0 {
		seen = at + detect
	}
	o := r.nodes[node]
	if o == nil {
		o = &nodeOutage{}
		r.nodes[node] = o
	}
	if cause == causeCut && o.causes&causeCut == 0 {
		r.cut = append(r.cut, node)
	}
	switch {
	case o.causes != 0:
		o.noticed = min(o.noticed, seen) // the outage goes on
	case o.noticed != never && o.back > at:
		// Its loop still runs: the new cause finds the link down, and continues it.
	default:
		o.first, o.noticed = i, seen
	}
	o.causes |= cause
}

// drop ends cause on node without bringing links back (a crash ends a pause).
func (r *redials) drop(node string, cause int) {
	if o := r.nodes[node]; o != nil {
		o.causes &^= cause
	}
}

// end ends cause on node at end, and returns how long after end its links are back
// (0 if some other cause goes on, or none was noticed), and the outage.
func (r *redials) end(node string, cause int, end time.Duration) (time.Duration, *nodeOutage) {
	o := r.nodes[node]
	if o == nil || o.causes&cause == 0 {
		return 0, o
	}
	o.causes &^= cause
	if o.causes != 0 {
		return 0, o
	}
	if end < o.noticed { // nobody noticed: no connection closed
		o.noticed, o.back = never, end
		return 0, o
	}
	back := r.s.redialBound(end - o.noticed)
	switch {
	case r.clients:
		// Nobody dials a client: its links wait for its own loop.
	case cause == causeDown:
		back = 0 // a restarted node dials every member at once
	case cause == causePaused:
		// A resumed node redials after its first wait, if its peers do not first.
		bmin := r.s.BackoffMin.D()
		back = min(back, bmin+bmin/4+time.Millisecond)
	}
	o.back = end + back
	return back, o
}

// healed returns the nodes a partition cut, in the order they were first cut, for a
// heal to end each one's cut; it forgets them.
func (r *redials) healed() []string {
	out := r.cut
	r.cut = nil
	return out
}

// redialBound bounds how long after an outage ends its link is back, for an outage
// noticed for noticed before it ended (netmodel's dial loop, reconnect.go): the
// attempt that brings it back is the first at or after the end of either end's dial
// loop, at most 5/4 of the wait in progress then after it (longestWait). 0 for a
// network that does not redial (backoff_max 0). A millisecond is added for the
// jitter's rounding.
func (s *Spec) redialBound(noticed time.Duration) time.Duration {
	if s.BackoffMax == 0 {
		return 0
	}
	wait := s.longestWait(noticed)
	return wait + wait/4 + time.Millisecond
}

// longestWait is the longest wait of a dial loop that can be in progress elapsed
// after the loop began: its first wait is backoff_min, the next another, then each
// doubles up to backoff_max, each with ±25% jitter; a wait can be in progress if the
// waits before it, each at its shortest (3/4), add up to less than elapsed.
func (s *Spec) longestWait(elapsed time.Duration) time.Duration {
	bmin, bmax := s.BackoffMin.D(), s.BackoffMax.D()
	wait, next, start := bmin, bmin, time.Duration(0) // start: the wait's earliest
	for wait < bmax {
		after := start + wait - wait/4 // the next wait's earliest start
		if after >= elapsed {
			break
		}
		start, wait, next = after, next, min(2*next, bmax)
	}
	return min(wait, bmax)
}

// LivenessNote says, for a spec whose liveness phase begins at or after the last call
// its workload makes (workload.duration, or the end of its last burst), that the
// phase checks no call, and "" otherwise. Liveness holds of the calls made from
// liveness.from on; with none, a run passes it whatever the router does, which a
// liveness.from written in the wrong unit ("100s" for "100ms") or a workload
// shortened later would hide. A workload that makes no call at all (a rate of 0 and
// no burst) gets a note too, liveness phase or not: every invariant of calls holds
// of none. ensim says so before it runs a spec file.
func (s Spec) LivenessNote() string {
	end, by := s.lastCall()
	if end == 0 {
		return "the workload makes no call (workload.rate is 0 and it has no bursts): no call is checked, and the run passes whatever the router does (give workload.rate, or bursts)"
	}
	lv := s.Liveness
	if lv == nil || lv.From.D() < end {
		return ""
	}
	return fmt.Sprintf("liveness.from %v is at or after the workload's last call (%s, %v): the liveness phase checks no call, and passes whatever the router does (move liveness.from earlier, or make calls after it)", lv.From.D(), by, end)
}
