package scenarios

import (
	"fmt"
	"sort"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

func ids(names []string) []router.NodeID {
	out := make([]router.NodeID, len(names))
	for i, n := range names {
		out[i] = router.NodeID(n)
	}
	return out
}

// scheduleFault arranges one fault of the spec.
func (wd *world) scheduleFault(f Fault) {
	wd.w.Schedule(f.At.D(), func() {
		mode, _ := netmodel.ParseInFlight(f.InFlight) // validated
		switch f.Action {
		case "partition":
			wd.net.Partition(ids(f.A), ids(f.B), mode)
		case "partition-one-way":
			wd.net.PartitionOneWay(ids(f.A), ids(f.B), mode)
		case "heal":
			wd.net.Heal()
		case "hold":
			wd.net.Hold(ids(f.A), ids(f.B))
		case "release":
			wd.net.Release(ids(f.A), ids(f.B))
		case "pause":
			wd.nodes[router.NodeID(f.Node)].host.Pause()
		case "resume":
			wd.nodes[router.NodeID(f.Node)].host.Resume()
		case "clock-step":
			wd.nodes[router.NodeID(f.Node)].host.StepClock(f.Step.D())
		case "clock-set":
			wd.nodes[router.NodeID(f.Node)].host.SetClock(*f.Clock)
		case "rule":
			wd.addRule(*f.Rule)
		case "unrule":
			wd.removeRule(f.Rule.Name)
		case "crash":
			wd.crash(wd.nodes[router.NodeID(f.Node)])
		case "restart":
			wd.restart(wd.nodes[router.NodeID(f.Node)], f.Directory)
		case "save":
			if sn := wd.nodes[router.NodeID(f.Node)]; sn.node != nil {
				sn.saved = sn.node.Directory().Entries()
			}
		case "slow", "hang":
			es, name := wd.peerOf(f.Peer)
			sl := slowness{until: f.Until.D()}
			if f.Service != nil {
				ps := f.Service.Prepare()
				sl.service = &ps
			}
			es.slow[name] = append(es.slow[name], sl)
			wd.chk.taint(es.id)
		}
	})
}

func (wd *world) peerOf(s string) (*ensState, string) {
	// Validated: exactly one split names a member of a known ensemble.
	ens, name, _ := splitPeer(s, func(ens, name string) bool {
		es := wd.ens[router.EnsembleID(ens)]
		if es == nil {
			return false
		}
		for _, m := range es.members {
			if m.Name == name {
				return true
			}
		}
		return false
	})
	return wd.ens[router.EnsembleID(ens)], name
}

// crash stops a node: its calls, timers, queued messages and in-flight work die.
func (wd *world) crash(sn *simNode) {
	if sn.node == nil {
		return
	}
	sn.dead.Add(sn.node.Stats())
	sn.last = sn.node.Directory().Entries()
	wd.chk.crashed(sn)
	sn.node = nil
	wd.convEpoch++
	sn.host.Crash()
	// The calls and casts it had parked while paused die with it, never made.
	wd.chk.skipped += sn.parkedCalls
	wd.chk.castsSkipped += sn.parkedCasts
	sn.parkedCalls, sn.parkedCasts = 0, 0
}

// restart brings a node back as its next incarnation with the chosen directory.
func (wd *world) restart(sn *simNode, dir string) {
	if sn.node != nil {
		return
	}
	sn.host.Restart()
	sn.inc++
	var entries []router.Entry
	switch dir {
	case "", "current":
		entries = sn.last
	case "saved":
		entries = sn.saved
		if older(sn.saved, sn.last) {
			wd.chk.probes.regressions++
		}
	}
	if err := wd.boot(sn, router.NewDirectory(entries)); err != nil {
		panic("scenarios: restart: " + err.Error()) // the config was valid at first boot
	}
}

// older reports whether saved knows any ensemble at a lower version than last: a
// directory regression.
func older(saved, last []router.Entry) bool {
	was := map[router.EnsembleID]uint64{}
	for _, e := range last {
		was[e.Ensemble] = e.Version
	}
	for _, e := range saved {
		if e.Version < was[e.Ensemble] {
			return true
		}
	}
	return len(saved) < len(last)
}

func (wd *world) nodeNames() map[string]bool {
	names := map[string]bool{}
	for _, id := range wd.order {
		names[string(id)] = true
	}
	return names
}

func (wd *world) addRule(r RuleSpec) {
	nr, err := r.build("rule", wd.nodeNames())
	if err != nil {
		panic("scenarios: rule: " + err.Error()) // the spec was validated
	}
	id, err := wd.net.AddRule(nr)
	if err != nil {
		panic("scenarios: rule: " + err.Error())
	}
	wd.rules = append(wd.rules, namedRule{name: r.Name, id: id})
}

func (wd *world) removeRule(name string) {
	kept := wd.rules[:0]
	for _, r := range wd.rules {
		if r.name == name {
			wd.net.RemoveRule(r.id)
			continue
		}
		kept = append(kept, r)
	}
	wd.rules = kept
}

// faultOrder is the indexes of the spec's faults in the order the run applies them:
// by time, then as listed.
func (s Spec) faultOrder() []int {
	order := make([]int, len(s.Faults))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return s.Faults[order[a]].At < s.Faults[order[b]].At })
	return order
}

// oneNodeSides reports whether the fault's sides, a and b, are both one same node,
// whose link to itself is none: a partition, hold or release of them does nothing.
func (ft *Fault) oneNodeSides() bool {
	return len(ft.A) == 1 && len(ft.B) == 1 && ft.A[0] == ft.B[0]
}

// checkEnded refuses a fault whose trouble never ends and that leaves the world
// unable to settle: a hold never released or a partition that stalls messages never
// healed (its messages wait for ever), a pause never resumed (the node's calls never
// complete). The run would report each as a router bug (no-leak, exactly-once), where
// it is the spec's mistake. With a liveness phase, checkLivenessFaults has refused
// them already, with its own reason. A crash without a restart and a partition that
// drops are fine: what they lose, they lose for good, and the calls time out.
func (s Spec) checkEnded() error {
	type link struct{ from, to string }
	held := map[link]int{}
	stalled := -1 // the first partition that stalls, since the last heal
	down := map[string]bool{}
	paused := map[string]int{}
	for _, i := range s.faultOrder() {
		ft := s.Faults[i]
		switch ft.Action {
		case "hold", "release":
			for _, a := range ft.A {
				for _, b := range ft.B {
					if a == b {
						continue
					}
					if ft.Action == "hold" {
						if _, ok := held[link{a, b}]; !ok {
							held[link{a, b}] = i
						}
					} else {
						delete(held, link{a, b})
					}
				}
			}
		case "partition", "partition-one-way":
			if ft.InFlight == "stall" && stalled < 0 && !ft.oneNodeSides() {
				stalled = i
			}
		case "heal":
			stalled = -1
		case "crash":
			down[ft.Node] = true
			delete(paused, ft.Node) // a crash ends a pause
		case "restart":
			delete(down, ft.Node)
		case "pause":
			if _, ok := paused[ft.Node]; !ok && !down[ft.Node] {
				paused[ft.Node] = i
			}
		case "resume":
			delete(paused, ft.Node)
		}
	}
	// The first fault left in force, so that the message does not hang on map order.
	first, what := -1, ""
	note := func(i int, w string) {
		if first < 0 || i < first || i == first && w < what {
			first, what = i, w
		}
	}
	for l, i := range held {
		note(i, fmt.Sprintf("the hold of %s -> %s is never released: the messages it parks never arrive (add a release of the same a and b)", l.from, l.to))
	}
	if stalled >= 0 {
		note(stalled, "the partition stalls the messages in flight and is never healed: they never arrive (add a heal, or make in_flight drop)")
	}
	for n, i := range paused {
		note(i, fmt.Sprintf("%s is paused and never resumed: its calls never complete (add a resume)", n))
	}
	if first >= 0 {
		return fmt.Errorf("faults[%d]: %s; the run would report it as a leak", first, what)
	}
	return nil
}

// IdleFaults describes each fault that will find its node in a state where it does
// nothing, in the order the run applies them (by time, then as listed): a crash or a
// save of a node that is down, a restart of one that is up, a pause of one that is
// down or paused, a resume of one that is not paused (the run skips these without a
// trace record); a partition, hold or release whose sides are both one same node
// (a node's link to itself is none); a partition that stalls what is in flight
// where detect_after is 0, which loses it as one that drops it does; and a heal with
// no partition to end, an unrule whose rules an earlier unrule stopped already; a
// slow or hang of a member that never leads its ensemble by its until (neverLeads).
// Overlapping episodes make some on purpose (the
// property tests draw a pause inside a crash); written by hand, one is most often a
// mistake, such as a restart listed without its crash, which ensim points out before
// it runs.
func (s Spec) IdleFaults() []string {
	var out []string
	for _, f := range s.Idle() {
		out = append(out, f.Note)
	}
	return out
}

// IdleFault is a fault that IdleFaults describes: one that does nothing where the run
// applies it, or a stalling partition that loses what it stalls (Spec.Idle).
type IdleFault struct {
	Index int    // the fault's index in Spec.Faults
	Note  string // what IdleFaults says of it: "faults[3]: the crash of n2 at 1s finds it down already ..."
}

// Idle returns the faults IdleFaults describes, with their indices.
func (s Spec) Idle() []IdleFault {
	order := s.faultOrder()
	down := map[string]int{}    // a node that is down: the crash that took it down
	paused := map[string]int{}  // a node that is paused: its pause
	cut, healed := -1, -1       // the first partition since the last heal, and that heal
	rules := map[string]int{}   // the rules in force by name: how many
	stopped := map[string]int{} // the unrule that last stopped rules of a name
	var out []IdleFault
	for _, i := range order {
		ft := s.Faults[i]
		switch ft.Action {
		case "partition", "partition-one-way", "hold", "release":
			if ft.oneNodeSides() {
				out = append(out, IdleFault{i, fmt.Sprintf("faults[%d]: the %s at %v has %s on both sides, and a node's link to itself is none: it does nothing", i, ft.Action, ft.At.D(), ft.A[0])})
				continue
			}
		}
		if (ft.Action == "partition" || ft.Action == "partition-one-way") && ft.InFlight == "stall" && s.DetectAfter.D() == 0 {
			out = append(out, IdleFault{i, fmt.Sprintf("faults[%d]: the %s at %v stalls what is in flight, but with detect_after 0 its cut closes the connections at once, and what stalled is lost at the heal, as with in_flight drop (set detect_after longer than the cut)", i, ft.Action, ft.At.D())})
		}
		switch ft.Action {
		case "partition", "partition-one-way":
			if cut < 0 {
				cut = i
			}
			continue
		case "heal":
			if cut < 0 {
				why := "finds no partition to end"
				if healed >= 0 {
					why = fmt.Sprintf("finds no partition to end (faults[%d] healed the last)", healed)
				}
				out = append(out, IdleFault{i, fmt.Sprintf("faults[%d]: the heal at %v %s, and does nothing", i, ft.At.D(), why)})
				continue
			}
			cut, healed = -1, i
			continue
		case "rule":
			rules[ft.Rule.Name]++
			continue
		case "slow", "hang":
			if why := s.neverLeads(ft); why != "" {
				out = append(out, IdleFault{i, fmt.Sprintf("faults[%d]: the %s of %s from %v to %v %s: only a leader serves requests, so it does nothing", i, ft.Action, ft.Peer, ft.At.D(), ft.Until.D(), why)})
			}
			continue
		case "unrule":
			if rules[ft.Rule.Name] == 0 {
				if j, ok := stopped[ft.Rule.Name]; ok {
					out = append(out, IdleFault{i, fmt.Sprintf("faults[%d]: the unrule of %q at %v finds none of its rules in force (faults[%d] stopped them), and does nothing", i, ft.Rule.Name, ft.At.D(), j)})
				}
				continue
			}
			delete(rules, ft.Rule.Name)
			stopped[ft.Rule.Name] = i
			continue
		}
		idle := func(why string) {
			out = append(out, IdleFault{i, fmt.Sprintf("faults[%d]: the %s of %s at %v %s, and does nothing", i, ft.Action, ft.Node, ft.At.D(), why)})
		}
		d, isDown := down[ft.Node]
		p, isPaused := paused[ft.Node]
		switch ft.Action {
		case "crash":
			if isDown {
				idle(fmt.Sprintf("finds it down already (faults[%d], no restart since)", d))
				continue
			}
			down[ft.Node] = i
			delete(paused, ft.Node) // a crash ends a pause: the node comes back running
		case "restart":
			if !isDown {
				idle("finds it up (a restart brings back a node a crash took down: crash it first)")
				continue
			}
			delete(down, ft.Node)
		case "pause":
			switch {
			case isDown:
				idle(fmt.Sprintf("finds it down (faults[%d], no restart since)", d))
			case isPaused:
				idle(fmt.Sprintf("finds it paused already (faults[%d], no resume since)", p))
			default:
				paused[ft.Node] = i
			}
		case "resume":
			switch {
			case isPaused:
				delete(paused, ft.Node)
			case isDown:
				idle(fmt.Sprintf("finds it down (faults[%d]; a crash ends a pause, and a restart brings the node back running)", d))
			default:
				idle("finds it not paused")
			}
		case "save":
			if isDown {
				idle(fmt.Sprintf("finds it down (faults[%d], no restart since; a node saves its directory while it runs)", d))
			}
		}
	}
	return out
}

// neverLeads says why the member a slow or hang fault names does nothing in the
// fault's span, or "" when it may: only a leader serves requests (a follower forwards
// them, and a member that leads nothing refuses them), so a member that is not its
// ensemble's first leader, and that no election ending before the fault's until
// names, is never slowed or hung where it matters. The test is loose on purpose: a
// member that led once, or that an election names, may do something, and is not
// pointed out.
func (s Spec) neverLeads(ft Fault) string {
	var en *Ensemble
	_, name, _ := splitPeer(ft.Peer, func(ens, member string) bool {
		for i := range s.Ensembles {
			if e := &s.Ensembles[i]; e.Name == ens && hasMember(e, member) {
				if en == nil {
					en = e
				}
				return true
			}
		}
		return false
	})
	if en == nil || en.Leader == name {
		return ""
	}
	for _, el := range s.Elections {
		if el.Ensemble == en.Name && el.Leader == name && el.At.D()+el.Duration.D() < ft.Until.D() {
			return ""
		}
	}
	first := "it has no leader at the start"
	if en.Leader != "" {
		first = en.Leader + " leads it"
	}
	return fmt.Sprintf("names a member that never leads %s by then (%s, and no election ending before %v names %s)", en.Name, first, ft.Until.D(), name)
}
