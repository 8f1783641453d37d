package scenarios_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/specgen"
)

// TestGenSpecsValid: every spec SpecGen draws validates, round-trips through JSON, stays
// within the generator's ranges, heals every disruption before its liveness phase and
// computes that phase as Swarm does.
func TestGenSpecsValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := specgen.SpecGen().Draw(t, "spec")
		if err := s.Validate(); err != nil {
			t.Fatalf("invalid: %v\n%s", err, s.JSON())
		}
		back, err := scenarios.Parse(strings.NewReader(string(s.JSON())))
		if err != nil {
			t.Fatalf("does not parse back: %v", err)
		}
		if diff := cmp.Diff(s, back); diff != "" {
			t.Fatalf("JSON round trip changed the spec:\n%s", diff)
		}
		checkGenShape(t, s)
		checkGenHealed(t, s)
	})
}

func checkGenShape(t *rapid.T, s scenarios.Spec) {
	inRange := func(what string, v, lo, hi int) {
		if v < lo || v > hi {
			t.Fatalf("%s %d, want %d..%d", what, v, lo, hi)
		}
	}
	inRange("nodes", len(s.Nodes), 2, 6)
	inRange("clients", len(s.Clients), 0, 2)
	inRange("routers", s.Routers, 1, 7)
	inRange("ensembles", len(s.Ensembles), 1, 3)
	inRange("rate", int(s.Workload.Rate), 200, 1500)
	inRange("timeout (ms)", int(s.Workload.Timeout.D()/time.Millisecond), 20, 100)
	for _, e := range s.Ensembles {
		nodes := map[string]bool{}
		for _, m := range e.Members {
			if nodes[m.Node] {
				t.Fatalf("%s has two members on %s", e.Name, m.Node)
			}
			nodes[m.Node] = true
		}
	}
}

// checkGenHealed: each disruption has its healing counterpart, everything ends by the
// end of faults, and liveness starts (nodes+2) gossip intervals and two timeouts after
// that, with the workload going on 200..800ms past it.
func checkGenHealed(t *rapid.T, s scenarios.Spec) {
	var end time.Duration
	for _, el := range s.Elections {
		end = max(end, el.At.D()+el.Duration.D())
	}
	partitioned := false
	holds := map[string]int{}
	down := map[string]int{}
	paused := map[string]int{}
	rules := map[string]int{}
	key := func(f scenarios.Fault) string { return strings.Join(f.A, ",") + ">" + strings.Join(f.B, ",") }
	for _, f := range s.Faults {
		end = max(end, f.At.D(), f.Until.D())
		switch f.Action {
		case "partition", "partition-one-way":
			partitioned = true
		case "heal":
			partitioned = false
		case "hold":
			holds[key(f)]++
		case "release":
			holds[key(f)]--
		case "crash":
			down[f.Node]++
		case "restart":
			down[f.Node]--
		case "pause":
			paused[f.Node]++
		case "resume":
			paused[f.Node]--
		case "rule":
			rules[f.Rule.Name]++
		case "unrule":
			rules[f.Rule.Name]--
		}
	}
	if partitioned {
		t.Fatalf("a partition is never healed")
	}
	for what, m := range map[string]map[string]int{"hold": holds, "crash": down, "pause": paused, "rule": rules} {
		for k, n := range m {
			if n != 0 {
				t.Fatalf("%s %s: %d more starts than ends", what, k, n)
			}
		}
	}
	n := time.Duration(len(s.Nodes))
	want := end + (n+2)*s.Gossip.Interval.D() + 2*s.Workload.Timeout.D() + s.BackoffMax.D()*5/4
	if s.Liveness == nil || s.Liveness.From.D() != want {
		t.Fatalf("liveness %+v, want from %v", s.Liveness, want)
	}
	if tail := s.Workload.Duration.D() - want; tail < 200*time.Millisecond || tail > 800*time.Millisecond {
		t.Fatalf("workload runs %v past the start of liveness, want 200ms..800ms", tail)
	}
}

// TestGenCovers: among the first few hundred specs SpecGen draws, every action kind
// appears, and so does the structure each injected bug needs to show (the search of
// TestPropShrinksBugs relies on it).
func TestGenCovers(t *testing.T) {
	gen := specgen.PlanGen()
	kinds := map[string]int{}
	shapes := map[string]int{}
	for i := range 500 {
		p := gen.Example(i)
		for _, a := range p.Actions {
			kinds[a.Kind]++
		}
		s := p.Spec()
		if len(s.Clients) > 0 && s.Workload.ClientShare > 0 {
			shapes["client calls"]++
		}
		if len(s.Elections) > 0 && hasRestart(s, "saved") {
			shapes["election then restart with a saved directory"]++
		}
		if restartWhileDelayed(s) {
			shapes["restart while replies are delayed"]++
		}
		if hasFault(s, "slow") {
			shapes["slow leader"]++
		}
		if hasFault(s, "save") {
			shapes["save"]++
		}
		for _, e := range s.Ensembles {
			if e.Leader == "" {
				shapes["leaderless ensemble"]++
			}
			if len(e.Members) >= 3 {
				shapes["ensemble of 3 or more"]++
			}
		}
		if len(s.Nodes) == 6 {
			shapes["6 nodes"]++
		}
	}
	for _, k := range specgen.ActionKinds {
		if kinds[k] == 0 {
			t.Errorf("action %s never drawn", k)
		}
	}
	for _, sh := range []string{"client calls", "election then restart with a saved directory", "restart while replies are delayed",
		"slow leader", "save", "leaderless ensemble", "ensemble of 3 or more", "6 nodes"} {
		if shapes[sh] == 0 {
			t.Errorf("never drew: %s", sh)
		}
	}
	t.Logf("kinds %v", kinds)
	t.Logf("shapes %v", shapes)
}

// TestGenPlanSpecNormalises: Plan.Spec makes a valid spec of any plan, even one written
// by hand with indices out of range, negative times and nothing set.
func TestGenPlanSpecNormalises(t *testing.T) {
	plans := []specgen.Plan{
		{},
		{Nodes: 2, Latency: scenarios.Dist{Kind: "exponential"}, Dup: 7, Rate: -5, Timeout: -time.Second},
		{Nodes: 1, Ensembles: []specgen.PlanEnsemble{{Members: []int{7, 9}, Leader: 4}}, Actions: []specgen.Action{
			{Kind: "partition", A: []int{0, 1, 2}}, {Kind: "hold"}, {Kind: "crash", Node: -3, At: -time.Second},
			{Kind: "elect", Ensemble: 5, Member: 9}, {Kind: "slow", Leader: true, Ensemble: -1}, {Kind: "skew"},
			{Kind: "duplicate", Match: "nonsense", To: 42, Count: -1}, {Kind: "no-such-kind"},
		}},
		{Nodes: 3, Clients: 2, Ensembles: []specgen.PlanEnsemble{{Members: []int{0, 0, 1}, Leader: -1}}, ClientShare: 2, Actions: []specgen.Action{
			{Kind: "hold", A: []int{0, 1, 2, 3, 4}}, {Kind: "pause", Node: 100}, {Kind: "save", Leader: true},
			{Kind: "skew", Clock: netmodel.ClockModel{DriftPPM: 1e9}}, {Kind: "hang", Member: 3, For: -time.Second},
		}},
	}
	for i, p := range plans {
		s := p.Spec()
		if err := s.Validate(); err != nil {
			t.Errorf("plan %d: %v\n%s", i, err, s.JSON())
		}
	}
}

// TestGenRunsSmall: generated runs stay small, so a property check costs milliseconds:
// a bound on simulated events and time that does not depend on the machine. The wall
// time is logged.
func TestGenRunsSmall(t *testing.T) {
	gen := specgen.SpecGen()
	var events uint64
	start := time.Now()
	const n = 40
	for i := range n {
		s := gen.Example(i)
		r := mustRun(t, s, scenarios.Options{Seed: uint64(i), Semantics: router.Default}).Report
		if r.Events > 40000 || time.Duration(r.SimTimeNS) > 4*time.Second {
			t.Errorf("example %d: %d events over %v of simulated time", i, r.Events, time.Duration(r.SimTimeNS))
		}
		events += r.Events
	}
	t.Logf("%d runs: %d events on average, %v of wall time on average", n, events/n, time.Since(start)/n)
}
