package realscenario

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/cmd/internal/netns"
	"github.com/ensroute/ensroute/cmd/internal/realcluster"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

func spec(t *testing.T, path string) scenarios.Spec {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := scenarios.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPlanRefuses: what a real run cannot do is refused, naming it, or listed as
// skipped when asked to.
func TestPlanRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*scenarios.Spec)
		want string
	}{
		{name: "hold", edit: func(s *scenarios.Spec) {
			s.Faults = append(s.Faults, scenarios.Fault{Action: "hold", A: []string{"n1"}, B: []string{"n2"}})
		}, want: "faults[4]: hold"},
		{name: "two against one", edit: func(s *scenarios.Spec) {
			s.Nodes = append(s.Nodes, "n4")
			s.Faults = []scenarios.Fault{{Action: "partition", A: []string{"n1", "n4"}, B: []string{"n2", "n3"}}}
		}, want: "does not put one node alone on a side"},
		{name: "leaderless election", edit: func(s *scenarios.Spec) { s.Elections[0].Leader = "" }, want: "leaves it leaderless"},
		{name: "saved directory", edit: func(s *scenarios.Spec) { s.Faults[3].Directory = "saved" }, want: "restart with the saved directory"},
		{name: "clock", edit: func(s *scenarios.Spec) {
			s.Clocks = []scenarios.ClockSpec{{Node: "n2"}}
		}, want: "clocks[0]: a clock of its own for n2"},
		{name: "duplicates", edit: func(s *scenarios.Spec) { s.Link.Dup = 0.02 }, want: "link.dup: 0.02"},
		{name: "reorders", edit: func(s *scenarios.Spec) { s.Link.Reorder = 0.1 }, want: "link.reorder: 0.1"},
		{name: "drops", edit: func(s *scenarios.Spec) { s.Link.Drop = 0.01 }, want: "link.drop: 0.01"},
		{name: "unordered", edit: func(s *scenarios.Spec) { s.Link.Unordered = true }, want: "link.unordered"},
		{name: "peer targets", edit: func(s *scenarios.Spec) { s.Workload.PeerShare = 0.3 }, want: "workload.peer_share"},
		{name: "casts", edit: func(s *scenarios.Spec) { s.Workload.CastShare = 0.3 }, want: "workload.cast_share"},
		{name: "client paused", edit: func(s *scenarios.Spec) {
			s.Clients = []string{"c1"}
			s.Faults[0].Node = "c1"
		}, want: "faults[0]: pause of client c1 (the client is ensctl itself)"},
		{name: "client crashed", edit: func(s *scenarios.Spec) {
			s.Clients = []string{"c1"}
			s.Faults[2].Node = "c1"
			s.Faults = s.Faults[:3]
		}, want: "faults[2]: crash of client c1"},
		{name: "client beside the cut node", edit: func(s *scenarios.Spec) {
			s.Clients = []string{"c1"}
			s.Faults = []scenarios.Fault{{Action: "partition", A: []string{"n1", "c1"}, B: []string{"n2", "n3"}}}
		}, want: "leaves client c1 with n1"},
		{name: "client on neither side", edit: func(s *scenarios.Spec) {
			s.Clients = []string{"c1"}
			s.Faults = []scenarios.Fault{{Action: "partition", A: []string{"n2", "n3"}, B: []string{"n1"}}}
		}, want: "leaves client c1 with n1"},
		{name: "bursts", edit: func(s *scenarios.Spec) {
			s.Workload.Bursts = []scenarios.Burst{{At: scenarios.Duration(time.Second), Duration: scenarios.Duration(time.Second), Rate: 2000}}
		}, want: "workload.bursts"},
		{name: "client restarted", edit: func(s *scenarios.Spec) {
			s.Clients = []string{"c1"}
			s.Faults[3].Node = "c1"
		}, want: "faults[3]: restart of client c1"},
		{name: "a node on neither side", edit: func(s *scenarios.Spec) {
			s.Faults = []scenarios.Fault{{Action: "partition", A: []string{"n1"}, B: []string{"n2"}}}
		}, want: "faults[0]: partition [n1] | [n2] does not put one node alone on a side"},
		{name: "own link", edit: func(s *scenarios.Spec) {
			s.Links = []scenarios.LinkSpec{{From: "n1", To: "n3"}}
		}, want: "links[0]: a link of its own from n1 to n3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(t, "testdata/real-smoke.json")
			tc.edit(&s)
			_, err := NewPlan(s, false)
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrUnsupported naming %q", err, tc.want)
			}
			p, err := NewPlan(s, true)
			if err != nil || len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0], tc.want) {
				t.Fatalf("with skip: %v, skipped %q", err, p.Skipped)
			}
		})
	}
	// A spec without calls (rate 0: none in the simulator) is refused even with skip:
	// the load generator would take it for a closed loop.
	s := spec(t, "testdata/real-smoke.json")
	s.Workload.Rate = 0
	if _, err := NewPlan(s, true); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "workload.rate 0: a run without calls") {
		t.Fatalf("rate 0: %v, want refused even with skip", err)
	}
	// A rate the simulator takes but the load generator cannot pace (its interval
	// between calls overflows a time.Duration) is refused before any process starts:
	// the load would otherwise refuse it only once the cluster was up.
	s = spec(t, "testdata/real-smoke.json")
	s.Workload.Rate = 1e-10
	if _, err := NewPlan(s, true); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "workload.rate 1e-10 calls a second") {
		t.Fatalf("rate 1e-10: %v, want refused even with skip", err)
	}
	s = spec(t, "testdata/real-smoke.json")
	for i := len(s.Nodes); i <= MaxNodes; i++ {
		s.Nodes = append(s.Nodes, fmt.Sprint("x", i))
	}
	if _, err := NewPlan(s, true); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "33 nodes") {
		t.Fatalf("%d nodes: %v, want refused even with skip", len(s.Nodes), err)
	}
	if _, err := NewPlan(spec(t, "testdata/real-smoke.json"), false); err != nil {
		t.Fatalf("the smoke spec: %v", err)
	}
	s = spec(t, "testdata/real-smoke.json")
	s.Clients = []string{"c1"}
	s.Faults = []scenarios.Fault{{Action: "partition", A: []string{"n2", "n3", "c1"}, B: []string{"n1"}}}
	if p, err := NewPlan(s, false); err != nil || !p.Netns || len(p.Steps) != 2 || p.Steps[0] != (Step{Action: "cut", Node: "n1"}) {
		t.Fatalf("n1 cut from the rest and the client: %v, steps %v", err, p.Steps)
	}
	// Two nodes, one on each side, the client with n1: n2 is the one to cut.
	s = spec(t, "testdata/real-smoke.json")
	s.Nodes, s.Ensembles, s.Elections = []string{"n1", "n2"}, s.Ensembles[:1], nil
	s.Ensembles[0].Members = s.Ensembles[0].Members[:2]
	s.Clients = []string{"c1"}
	s.Faults = []scenarios.Fault{{Action: "partition", A: []string{"n1", "c1"}, B: []string{"n2"}}}
	if p, err := NewPlan(s, false); err != nil || len(p.Steps) != 1 || p.Steps[0] != (Step{Action: "cut", Node: "n2"}) {
		t.Fatalf("two nodes, the client with n1: %v, steps %v; want n2 cut", err, p.Steps)
	}
	s = spec(t, "testdata/real-smoke.json")
	s.MailboxCap = 10_000_000
	if _, err := NewPlan(s, true); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "mailbox_cap 10000000: an ensnode with 7 routers has mailboxes of at most 149796 messages") {
		t.Fatalf("a mailbox past the limit: %v, want refused even with skip", err)
	}
	s = spec(t, "testdata/real-smoke.json")
	s.Ensembles[0].Members[1].Node = "n1"
	if _, err := NewPlan(s, true); err == nil || !strings.Contains(err.Error(), "two members on node n1") {
		t.Fatalf("two members on one node: %v", err)
	}
	s = spec(t, "testdata/real-smoke.json")
	s.Ensembles[1].Leader = ""
	if _, err := NewPlan(s, true); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "ensemble e2 starts without a leader") {
		t.Fatalf("an ensemble without a leader: %v, want refused even with skip", err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	realcluster.RemoveShared()
	os.Exit(code)
}

// programs builds ensnode and ensctl once per test binary; under -short it skips
// the test, which runs a cluster of processes.
func programs(t *testing.T) realcluster.Bins {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	b, err := realcluster.BuildShared()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealSmoke runs testdata/real-smoke.json against three ensnode processes on
// loopback (a freeze, a crash and restart, a leader move under 1,000 calls/s), and,
// as root, testdata/real-partition.json in network namespaces: every invariant a real
// run can observe holds.
func TestRealSmoke(t *testing.T) {
	for _, tc := range []struct {
		file  string
		netns bool
	}{{"testdata/real-smoke.json", false}, {"testdata/real-partition.json", true}} {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(tc.file, "testdata/"), ".json"), func(t *testing.T) {
			if tc.netns {
				netns.Need(t)
			}
			bins := programs(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := Run(ctx, spec(t, tc.file), Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Slack: 50 * time.Millisecond,
				ExcuseDelay: true})
			for _, st := range rep.Steps {
				t.Logf("step %s", st)
			}
			t.Logf("%s: calls %v, late replies discarded %d, latency %v, start lag %v, worst past the deadline %v (allowed: slack 50ms + the scheduling delay meanwhile, at most %v for one call)",
				rep.Scenario, rep.Calls, rep.Late, rep.LatencyNS, rep.StartLagNS, time.Duration(rep.WorstOverNS), time.Duration(rep.ExcusedNS))
			if err != nil {
				t.Fatalf("%v\nviolations: %q", err, rep.Violations)
			}
			if rep.Calls["ok"] == 0 || rep.Calls["total"] < 1000 {
				t.Fatalf("calls %v: the workload did not run", rep.Calls)
			}
			if lag := rep.StartLagNS; lag["max"] <= 0 || lag["p99"] <= 0 || lag["p99"] > lag["max"] {
				t.Fatalf("start lag %v: want a p99 and a max, the p99 no more than the max (the open load's calls start after they are due)", lag)
			}
		})
	}
}

// faultsLeft is the smoke spec at a lower rate for 1.5s, without routers (ensnode's
// own count), with faults that the workload's end leaves in place: n2 paused, n3
// crashed and, with cut, n1 cut off. A crash of n1 at 10s comes after the last
// call's deadline (1.6s).
func faultsLeft(t *testing.T, cut bool) scenarios.Spec {
	s := spec(t, "testdata/real-smoke.json")
	sec := func(f float64) scenarios.Duration { return scenarios.Duration(f * float64(time.Second)) }
	s.Routers, s.Elections = 0, nil
	s.Workload.Rate, s.Workload.Duration = 300, sec(1.5)
	s.Faults = []scenarios.Fault{{At: sec(0.5), Action: "pause", Node: "n2"}, {At: sec(0.7), Action: "crash", Node: "n3"}}
	if cut {
		s.Faults = append(s.Faults, scenarios.Fault{At: sec(0.9), Action: "partition", A: []string{"n1"}, B: []string{"n2", "n3"}})
	}
	s.Faults = append(s.Faults, scenarios.Fault{At: sec(10), Action: "crash", Node: "n1"})
	return s
}

// stepsRun are a report's steps without their times (a step not run has none).
func stepsRun(rep Report) []string {
	var out []string
	for _, line := range rep.Steps {
		if strings.HasPrefix(line, "+") {
			_, line, _ = strings.Cut(line, " ")
		}
		out = append(out, strings.Join(strings.Fields(line), " "))
	}
	return out
}

// TestRealFaultsLeft: faults the workload leaves in place are ended before the
// no-leak and shutdown checks (a paused node resumed, a crashed one restarted, a cut
// one restored), so the run passes; a step after the last call's deadline is reported
// as not run;
// a spec without routers runs ensnode's own count; Options.Netns runs the nodes in
// namespaces without a cut.
func TestRealFaultsLeft(t *testing.T) {
	bins := programs(t)
	const notRun = "not run crash n1 (due at +10s, after the last call's deadline, +1.6s)"
	for _, tc := range []struct {
		name       string
		cut, netns bool
		want       []string
	}{
		{name: "loopback", want: []string{"pause n2: ok", "crash n3: ok", notRun}},
		{name: "namespaces", netns: true, want: []string{"pause n2: ok", "crash n3: ok", notRun}},
		{name: "cut", cut: true, want: []string{"pause n2: ok", "crash n3: ok", "cut n1: ok", notRun}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cut || tc.netns {
				netns.Need(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := Run(ctx, faultsLeft(t, tc.cut), Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Netns: tc.netns,
				Slack: 50 * time.Millisecond, ExcuseDelay: true})
			if err != nil {
				t.Fatalf("%v\nviolations: %q\nsteps: %q", err, rep.Violations, rep.Steps)
			}
			if diff := cmp.Diff(tc.want, stepsRun(rep)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if rep.Netns != (tc.cut || tc.netns) || rep.RoutersPerNode != router.DefaultRouters || rep.Calls["total"] == 0 {
				t.Errorf("netns %v, routers per node %d, calls %v; want netns %v, %d routers, calls made",
					rep.Netns, rep.RoutersPerNode, rep.Calls, tc.cut || tc.netns, router.DefaultRouters)
			}
		})
	}
}

// stepAt is when a report's step line says its step ran (or ended, for a lead).
func stepAt(t *testing.T, line string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(strings.TrimPrefix(strings.Fields(line)[0], "+"))
	if err != nil {
		t.Fatalf("step %q: %v", line, err)
	}
	return d
}

// TestRealStepsOnTime: each step runs at its own time, and steps run until the last
// call's deadline. A lead on n2, paused, waits 1s for an answer that does not come:
// the pause and resume of n3 meanwhile run when they are due, not after it, and the
// failed lead is reported as such, named once. n2's resume, due after the workload
// but before the last call's deadline, runs, as in the simulator; a crash due after
// that deadline does not.
func TestRealStepsOnTime(t *testing.T) {
	bins := programs(t)
	s := spec(t, "testdata/real-smoke.json")
	sec := func(f float64) scenarios.Duration { return scenarios.Duration(f * float64(time.Second)) }
	s.Workload.Rate, s.Workload.Duration, s.Workload.Timeout = 200, sec(1.5), sec(1)
	s.Elections = []scenarios.Election{{At: sec(0.25), Ensemble: "e1", Duration: sec(0.05), Leader: "p2"}}
	s.Faults = []scenarios.Fault{
		{At: sec(0.2), Action: "pause", Node: "n2"},
		{At: sec(0.5), Action: "pause", Node: "n3"},
		{At: sec(0.6), Action: "resume", Node: "n3"},
		{At: sec(2.2), Action: "resume", Node: "n2"},
		{At: sec(5), Action: "crash", Node: "n1"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, s, Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Slack: 50 * time.Millisecond, ExcuseDelay: true})
	for _, st := range rep.Steps {
		t.Logf("step %s", st)
	}
	if err != nil {
		t.Fatalf("%v\nviolations: %q", err, rep.Violations)
	}
	const lead = "lead e1 on n2: router: timeout"
	want := []string{"pause n2: ok", "pause n3: ok", "resume n3: ok", lead, "resume n2: ok",
		"not run crash n1 (due at +5s, after the last call's deadline, +2.5s)"}
	if diff := cmp.Diff(want, stepsRun(rep)); diff != "" {
		t.Fatalf("steps (-want +got):\n%s", diff)
	}
	// Late by no more than a loaded machine makes them; the lead ends at +1.3s.
	if at := stepAt(t, rep.Steps[2]); at > time.Second {
		t.Errorf("n3 resumed at +%v, due at +600ms: it waited for the lead", at)
	}
	if at := stepAt(t, rep.Steps[4]); at < 2200*time.Millisecond {
		t.Errorf("n2 resumed at +%v, due at +2.2s", at)
	}
	if diff := cmp.Diff([]string{lead + " (due at +300ms)"}, rep.FailedSteps); diff != "" {
		t.Errorf("failed steps (-want +got):\n%s", diff)
	}
}

// progressFunc is an io.Writer calling itself with each write.
type progressFunc func(line string)

func (f progressFunc) Write(b []byte) (int, error) { f(string(b)); return len(b), nil }

// TestRealInterrupted: a run whose ctx ends midway returns ctx's error and the report
// of what ran until then, marked interrupted; the steps after the end are neither run
// nor reported.
func TestRealInterrupted(t *testing.T) {
	bins := programs(t)
	s := spec(t, "testdata/real-smoke.json")
	sec := func(f float64) scenarios.Duration { return scenarios.Duration(f * float64(time.Second)) }
	s.Elections = nil
	s.Workload.Rate = 300
	s.Faults = []scenarios.Fault{
		{At: sec(0.3), Action: "pause", Node: "n2"},
		{At: sec(0.5), Action: "resume", Node: "n2"},
		{At: sec(3), Action: "crash", Node: "n3"},
		{At: sec(10), Action: "crash", Node: "n1"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The run is cancelled once n2 is resumed, 2.5s before the crash of n3.
	stop := progressFunc(func(line string) {
		if strings.Contains(line, "resume n2") {
			cancel()
		}
	})
	rep, err := Run(ctx, s, Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Slack: 50 * time.Millisecond, Progress: stop})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled\nviolations: %q", err, rep.Violations)
	}
	if diff := cmp.Diff([]string{"pause n2: ok", "resume n2: ok"}, stepsRun(rep)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if !rep.Interrupted || rep.Calls["total"] == 0 {
		t.Errorf("interrupted %v, calls %v; want interrupted, with the calls made until then", rep.Interrupted, rep.Calls)
	}
}
