package scenarios

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestIdleOneWayStall: a one-way partition that stalls what is in flight is named
// as idle with detect_after 0, as a two-way one is: its cut closes the connections
// at once too.
func TestIdleOneWayStall(t *testing.T) {
	s := Spec{Faults: []Fault{
		{At: ms(100), Action: "partition-one-way", A: []string{"n1"}, B: []string{"n2"}, InFlight: "stall"},
		{At: ms(200), Action: "heal"},
	}}
	want := []string{"faults[0]: the partition-one-way at 100ms stalls what is in flight, but with detect_after 0 its cut closes the connections at once, and what stalled is lost at the heal, as with in_flight drop (set detect_after longer than the cut)"}
	if diff := cmp.Diff(want, s.IdleFaults()); diff != "" {
		t.Errorf("IdleFaults (-want +got):\n%s", diff)
	}
	s.DetectAfter = ms(50)
	if got := s.IdleFaults(); len(got) != 0 {
		t.Errorf("with detect_after 50ms, IdleFaults = %q, want none", got)
	}
}

// TestParkedWorkMadeAtResumeIsNotSkippedAtCrash: the calls and casts parked while a
// node is paused are made when it resumes; a crash after that skips only what comes
// due while the node is down, so every planned call and cast is either made or
// skipped, once.
func TestParkedWorkMadeAtResumeIsNotSkippedAtCrash(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	s.Workload.CastShare, s.Workload.PeerShare = 0.3, 0.1
	planned := mustRun(t, s, Options{Seed: 1}).Report
	s.Faults = []Fault{
		{At: ms(100), Action: "pause", Node: "n1"},
		{At: ms(150), Action: "resume", Node: "n1"},
		{At: ms(200), Action: "crash", Node: "n1"},
		{At: ms(300), Action: "restart", Node: "n1"},
	}
	got := mustRun(t, s, Options{Seed: 1}).Report
	if v := got.Violations; len(v) > 0 {
		t.Fatalf("%d violations, first %+v", len(v), v[0])
	}
	if got.SkippedCalls == 0 || got.Calls.Total+got.SkippedCalls != planned.Calls.Total {
		t.Errorf("%d calls made and %d skipped, want the %d planned in all, some skipped",
			got.Calls.Total, got.SkippedCalls, planned.Calls.Total)
	}
	if got.Casts == nil || planned.Casts == nil || got.Casts.Skipped == 0 || got.Casts.Total+got.Casts.Skipped != planned.Casts.Total {
		t.Errorf("casts %+v, want the %+v planned in all, some skipped", got.Casts, planned.Casts)
	}
}

// TestViolationCountsOfAnOldReport: a report that lists violations but counted none
// (as one read from a repro file written before the count existed) found as many
// as it lists, and left none out.
func TestViolationCountsOfAnOldReport(t *testing.T) {
	for _, tc := range []struct {
		name           string
		r              Report
		found, leftOut uint64
	}{
		{"listed, none counted", Report{Violations: make([]Violation, 3)}, 3, 0},
		{"every one listed", Report{Violations: make([]Violation, 2), ViolationsTotal: 2}, 2, 0},
		{"some left out", Report{Violations: make([]Violation, 2), ViolationsTotal: 7}, 7, 5},
		{"none", Report{}, 0, 0},
	} {
		if got := [2]uint64{tc.r.ViolationsFound(), tc.r.ViolationsLeftOut()}; got != [2]uint64{tc.found, tc.leftOut} {
			t.Errorf("%s: found %d, left out %d; want %d and %d", tc.name, got[0], got[1], tc.found, tc.leftOut)
		}
	}
}

// TestCallCountsMatchOutcomes: the report counts the calls by outcome as their
// outcomes say, with calls shed by a full mailbox as overloaded, not other.
func TestCallCountsMatchOutcomes(t *testing.T) {
	res := mustRun(t, named(t, "overload"), Options{Seed: 1})
	byCode := map[string]uint64{}
	for _, o := range res.Outcomes() {
		byCode[o.Code]++
	}
	c := res.Report.Calls
	if c.Overloaded == 0 {
		t.Fatalf("overload: no call overloaded: %+v", c)
	}
	got := map[string]uint64{"ok": c.OK, "timeout": c.Timeout, "no-leader": c.NoLeader, "unreachable": c.Unreachable,
		"hop-limit": c.HopLimit, "overloaded": c.Overloaded, "lost": c.Lost}
	want := map[string]uint64{}
	for code := range got {
		if byCode[code] > 0 {
			want[code] = byCode[code]
		}
	}
	for code, n := range got {
		if n == 0 {
			delete(got, code)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls by outcome (-outcomes +report):\n%s", diff)
	}
	if c.Other != 0 {
		t.Errorf("%d calls counted as other", c.Other)
	}
}

// TestLateByPauseOrStepNeedsAPauseOrStep: a late reply dropped in a run with no
// pause and no clock step is not counted as late because of one.
func TestLateByPauseOrStepNeedsAPauseOrStep(t *testing.T) {
	s := named(t, "slow-leader")
	for _, f := range s.Faults {
		if f.Action == "pause" || f.Action == "clock-step" || f.Action == "clock-set" {
			t.Fatalf("slow-leader has a %s", f.Action)
		}
	}
	p := mustRun(t, s, Options{Seed: 1}).Report.Probes
	if p["late-reply-dropped"] == 0 {
		t.Fatalf("no late reply dropped: %v", p)
	}
	if n := p["late-by-pause-or-step"]; n != 0 {
		t.Errorf("late-by-pause-or-step = %d, want 0 in a run with no pause or clock step", n)
	}
}

// TestRiakExpectedViolationsApart: under riak, the violations of the invariants a
// spec's riak_breaks names are reported as expected, and only those; every other
// violation stays a failure.
func TestRiakExpectedViolationsApart(t *testing.T) {
	s := named(t, "slow-leader")
	opt := Options{Seed: 1, Semantics: router.Riak, Bugs: bugs.Of(bugs.SilentLate)}
	plain := mustRun(t, s, opt).Report
	if len(plain.Violations) == 0 {
		t.Fatal("slow-leader with late replies dropped silently breaks nothing under riak")
	}
	inv := plain.Violations[0].Invariant
	s.RiakBreaks = []string{inv}
	r := mustRun(t, s, opt).Report
	if len(r.Expected) == 0 || r.ExpectedTotal != plain.ViolationCounts[inv] {
		t.Errorf("%d expected violations listed, %d counted; want the %d of %s", len(r.Expected), r.ExpectedTotal, plain.ViolationCounts[inv], inv)
	}
	for _, v := range r.Expected {
		if v.Invariant != inv {
			t.Errorf("expected violation of %s, which riak_breaks %q does not name", v.Invariant, s.RiakBreaks)
		}
	}
	for _, v := range r.Violations {
		if v.Invariant == inv {
			t.Errorf("violation of %s reported as a failure, though riak_breaks names it", inv)
		}
	}
	if _, ok := r.ViolationCounts[inv]; ok || r.ViolationsTotal != plain.ViolationsTotal-plain.ViolationCounts[inv] {
		t.Errorf("violation counts %v (total %d) with %s expected; without: %v (total %d)", r.ViolationCounts, r.ViolationsTotal, inv, plain.ViolationCounts, plain.ViolationsTotal)
	}
}

// oneSource is a rand.Source that always gives 1: IntN(2) draws 1, and IntN of an
// odd n draws 0.
type oneSource struct{}

func (oneSource) Uint64() uint64 { return 1 }

// TestDrawnClockWithoutPeriodicDrift: a drawn clock whose periodic drift comes out 0
// has no period either.
func TestDrawnClockWithoutPeriodicDrift(t *testing.T) {
	got := clockRates(rand.New(oneSource{}))
	if diff := cmp.Diff(netmodel.ClockModel{}, got); diff != "" {
		t.Errorf("clock drawn (-want +got):\n%s", diff)
	}
}

// TestElectionOfADownLeaderFails: an election that names a leader whose node is
// down when it ends installs nobody: the trace says it failed, and no leader is
// elected.
func TestElectionOfADownLeaderFails(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	e := s.Ensembles[0]
	node := ""
	for _, m := range e.Members {
		if m.Name == e.Leader {
			node = m.Node
		}
	}
	if node == "" {
		t.Fatalf("%s has no leader", e.Name)
	}
	s.Faults = []Fault{
		{At: ms(200), Action: "crash", Node: node},
		{At: ms(500), Action: "restart", Node: node},
	}
	s.Elections = []Election{{At: ms(300), Ensemble: e.Name, Duration: ms(10), Leader: e.Leader}}
	for _, sem := range semantics {
		res := mustRun(t, s, Options{Seed: 1, Semantics: sem, KeepTrace: true})
		var kinds []string
		for _, r := range res.Trace {
			switch r.Kind {
			case "election", "elected", "election-failed":
				kinds = append(kinds, r.Kind)
			}
		}
		if diff := cmp.Diff([]string{"election", "election-failed"}, kinds); diff != "" {
			t.Errorf("%v: election records (-want +got):\n%s", sem, diff)
		}
	}
}

// TestLeaderImpairedUntilItsUntil: a slow or hanging leader is impaired up to its
// until, and not from that instant on, as the leader itself serves at its usual pace
// from then.
func TestLeaderImpairedUntilItsUntil(t *testing.T) {
	p := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	es := &ensState{members: []router.PeerRef{p}, slow: map[string][]slowness{"p1": {{until: ms(10).D()}}}}
	es.setLeader(0)
	for _, tc := range []struct {
		now  Duration
		want bool
	}{{0, true}, {ms(10) - 1, true}, {ms(10), false}, {ms(11), false}} {
		if got := es.impaired(tc.now.D()); got != tc.want {
			t.Errorf("impaired at %v = %v, want %v", tc.now.D(), got, tc.want)
		}
	}
	es.setLeader(-1)
	if es.impaired(0) {
		t.Error("no leader, yet impaired")
	}
}

// TestClockStepBackWaitedOut: a clock stepped far back postpones the timers its node
// had armed by the step (here, those of calls to a hung leader); the run waits for
// them to fire instead of reporting a leak.
func TestClockStepBackWaitedOut(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	s.Faults = []Fault{
		{At: ms(400), Action: "hang", Peer: "e1/p1", Until: ms(600)},
		{At: ms(500), Action: "clock-step", Node: "n1", Step: dur(-10 * time.Second)},
	}
	r := mustRun(t, s, Options{Seed: 1}).Report
	if v := r.Violations; len(v) > 0 {
		t.Fatalf("%d violations, first %+v", len(v), v[0])
	}
	if r.SimTimeNS < int64(10*time.Second) {
		t.Errorf("the run ended at %v, before the timers postponed by the step back fired", time.Duration(r.SimTimeNS))
	}
}

// TestStaleHeartbeatNotRetried: a heartbeat that finds its member unable to hear it
// is tried again a gossip interval later while its leader still leads as of its
// version, and dropped once a later election moved the version on.
func TestStaleHeartbeatNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version uint64 // the ensemble's, when the heartbeat of version 2 arrives
		retried bool
	}{
		{"current", 2, true},
		{"stale", 3, false},
	} {
		wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		wd.gossipUntil = time.Hour
		es := wd.ensBy[0]
		leader := es.members[es.leaderMI]
		i := (es.leaderMI + 1) % len(es.members)
		wd.nodes[es.members[i].Node].host.Pause()
		es.version = tc.version
		before := wd.w.Pending()
		wd.beat(es, i, leader, 2)
		if retried := wd.w.Pending() > before; retried != tc.retried {
			t.Errorf("%s: heartbeat retried %v, want %v", tc.name, retried, tc.retried)
		}
		if es.view[i].version == 2 {
			t.Errorf("%s: a paused member heard the heartbeat", tc.name)
		}
	}
}

// TestPushOnlyGossipWindow: with push-only gossip there are no anti-entropy rounds
// to outlast, and the window in which leaders retry their heartbeats (which the time
// the run is to be quiet by follows) ends two timeouts after the last change.
func TestPushOnlyGossipWindow(t *testing.T) {
	s := named(t, "steady")
	s.Gossip.PushOnly = true
	wd, err := newWorld(s, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	wd.schedule()
	to := s.Workload.Timeout.D()
	if want := s.lastChange() + 2*to; wd.gossipUntil != want {
		t.Errorf("gossip until %v, want %v (the last change and two timeouts)", wd.gossipUntil, want)
	}
}

// TestNewsFollowsTheLeadersWay: anti-entropy's news about an ensemble comes from its
// leader's node: a member that node cannot reach, behind a one-way cut, hears
// nothing, while one that only cannot reach the leader's node hears it.
func TestNewsFollowsTheLeadersWay(t *testing.T) {
	for _, tc := range []struct {
		name   string
		toward bool // the cut is from the leader's node toward the member's
		want   uint64
	}{
		{"cut from the leader", true, 1},
		{"cut toward the leader", false, 5},
	} {
		wd, err := newWorld(named(t, "steady"), Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		es := wd.ensBy[0]
		ln := es.dirLeader.Node
		var member *simNode
		for _, ref := range es.members {
			if ref.Node != ln {
				member = wd.nodes[ref.Node]
				break
			}
		}
		if member == nil {
			t.Fatalf("%s has no member away from its leader's node", es.id)
		}
		from, to := []router.NodeID{ln}, []router.NodeID{member.id}
		if !tc.toward {
			from, to = to, from
		}
		wd.net.PartitionOneWay(from, to, netmodel.InFlightDrop)
		es.version, es.dirVersion = 5, 5
		wd.antiEntropy()
		if got, _ := member.node.Directory().Lookup(es.id); got.Version != tc.want {
			t.Errorf("%s: %s holds version %d of %s, want %d", tc.name, member.id, got.Version, es.id, tc.want)
		}
	}
}

// TestFailedElectionAnnouncedAtOnce: an election that ends without a leader is
// announced at its end, from the first member node that runs (its first member's
// node being down), not left to the next anti-entropy round.
func TestFailedElectionAnnouncedAtOnce(t *testing.T) {
	s := named(t, "steady")
	s.Liveness = nil
	e := s.Ensembles[0]
	first := e.Members[0].Node
	s.Faults = []Fault{{At: ms(200), Action: "crash", Node: first}, {At: ms(500), Action: "restart", Node: first}}
	s.Elections = []Election{{At: ms(300), Ensemble: e.Name, Duration: ms(10)}}
	res := mustRun(t, s, Options{Seed: 1, KeepTrace: true})
	failed := time.Duration(-1)
	learned := false
	for _, r := range res.Trace {
		switch {
		case r.Kind == "election-failed":
			failed = r.At
		case r.Kind == "learn" && failed >= 0 && r.At == failed && r.Node != first:
			for _, a := range r.Attrs {
				if a.Key == "ens" && a.Str == e.Name {
					learned = true
				}
			}
		}
	}
	if failed < 0 {
		t.Fatal("no election-failed record")
	}
	if !learned {
		t.Errorf("no member node learned of the failed election of %s at its end, %v", e.Name, failed)
	}
}

// TestIdleSecondUnruleOfOneRule: of two unrules of a name that one rule has, the
// second finds none in force, and is named with the first that stopped it.
func TestIdleSecondUnruleOfOneRule(t *testing.T) {
	s := Spec{Faults: []Fault{
		{At: ms(100), Action: "rule", Rule: &RuleSpec{Name: "drop"}},
		{At: ms(200), Action: "unrule", Rule: &RuleSpec{Name: "drop"}},
		{At: ms(300), Action: "unrule", Rule: &RuleSpec{Name: "drop"}},
	}}
	want := []string{`faults[2]: the unrule of "drop" at 300ms finds none of its rules in force (faults[1] stopped them), and does nothing`}
	if diff := cmp.Diff(want, s.IdleFaults()); diff != "" {
		t.Errorf("IdleFaults (-want +got):\n%s", diff)
	}
}

// TestUnendedHoldNamedAtItsFirst: a link held twice and never released is named by
// the first hold, the one that left it held.
func TestUnendedHoldNamedAtItsFirst(t *testing.T) {
	hold := func(at int) Fault {
		return Fault{At: ms(at), Action: "hold", A: []string{"n1"}, B: []string{"n2"}}
	}
	s := Spec{Faults: []Fault{hold(100), hold(200)}}
	want := "faults[0]: the hold of n1 -> n2 is never released: the messages it parks never arrive (add a release of the same a and b); the run would report it as a leak"
	if err := s.checkEnded(); err == nil || err.Error() != want {
		t.Errorf("checkEnded: %v, want %q", err, want)
	}
}

// TestReportListsNoViolationsAsEmpty: a report with no violation lists them as an
// empty list, never null, in its JSON too: for a clean run, and for a riak run whose
// every violation is one riak_breaks expects.
func TestReportListsNoViolationsAsEmpty(t *testing.T) {
	clean := named(t, "steady")
	expected := named(t, "slow-leader")
	expected.RiakBreaks = []string{InvLateDiscarded}
	for _, tc := range []struct {
		name string
		spec Spec
		opt  Options
	}{
		{"clean", clean, Options{Seed: 1}},
		{"all expected", expected, Options{Seed: 1, Semantics: router.Riak, Bugs: bugs.Of(bugs.SilentLate)}},
	} {
		r := mustRun(t, tc.spec, tc.opt).Report
		if r.ViolationsTotal != 0 {
			t.Fatalf("%s: %d violations, first %+v", tc.name, r.ViolationsTotal, r.Violations)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if r.Violations == nil || !strings.Contains(string(b), `"violations":[]`) {
			t.Errorf("%s: violations %#v, JSON without \"violations\":[]", tc.name, r.Violations)
		}
	}
}
