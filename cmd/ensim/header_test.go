package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/scenarios"
)

func TestSwarmHeader(t *testing.T) {
	labels := []string{"drawn", "nodes", "routers", "link", "detect after", "redial", "mailbox cap", "ensembles", "peer service",
		"clocks", "workload", "gossip", "elections", "faults", "liveness"}
	tests := []struct {
		name       string
		args       []string
		wantHeader bool
	}{
		{name: "swarm", args: []string{"run", "--scenario", "swarm", "--seed", "4"}, wantHeader: true},
		{name: "steady", args: []string{"run", "--scenario", "steady"}, wantHeader: false},
		{name: "swarm json", args: []string{"run", "--scenario", "swarm", "--seed", "4", "--json"}, wantHeader: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, tc.args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if got := strings.HasPrefix(stdout, "drawn         swarm configuration for seed 4\n"); got != tc.wantHeader {
				t.Fatalf("header shown: %v, want %v\n%s", got, tc.wantHeader, stdout)
			}
			if !tc.wantHeader {
				return
			}
			header, rest, ok := strings.Cut(stdout, "\n\n")
			if !ok || !strings.HasPrefix(rest, "scenario      swarm\n") {
				t.Fatalf("want the header, a blank line, then the summary:\n%s", stdout)
			}
			var got []string
			for _, l := range strings.Split(header, "\n") {
				if label := strings.TrimSpace(l[:min(len(l), 13)]); label != "" {
					got = append(got, label)
				}
			}
			if diff := cmp.Diff(labels, got); diff != "" {
				t.Errorf("header labels (-want +got):\n%s\n%s", diff, header)
			}
		})
	}
}

func TestSwarmHeaderSpecFile(t *testing.T) {
	path := writeFile(t, "swarm.json", scenarios.Swarm(5).JSON())
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "the seed that drew it", args: []string{"--seed", "5"}, want: "drawn         swarm configuration for seed 5\n"},
		{name: "with --routers", args: []string{"--seed", "5", "--routers", "9"}, want: "drawn         swarm configuration for seed 5\nnodes "},
		{name: "another seed", args: []string{"--seed", "6"}, want: "drawn         swarm configuration from a spec, not as seed 6 draws it\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := ensim(t, append([]string{"run", "--spec", path}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if !strings.HasPrefix(stdout, tc.want) {
				t.Errorf("stdout starts %q, want %q", stdout[:min(len(stdout), 120)], tc.want)
			}
		})
	}
}

func TestSwarmHeaderOnReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if code, _, stderr := ensim(t, "run", "--scenario", "swarm", "--seed", "3", "--repro", path); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := ensim(t, "replay", path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "drawn         swarm configuration for seed 3\n") {
		t.Errorf("replay of a swarm repro lacks the header:\n%s", stdout)
	}
}

func TestConfigHeader(t *testing.T) {
	ms := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Millisecond) }
	exp := scenarios.Dist{Kind: "exponential", Min: ms(1), Mean: ms(2)}
	s := scenarios.Spec{
		Name: "swarm", Nodes: []string{"n1", "n2", "n3"}, Clients: []string{"c1"},
		Routers: 4, RouterService: netmodel.Const(5 * time.Microsecond), HopLimit: 4,
		Link:        netmodel.Link{Latency: scenarios.Dist{Kind: "uniform", Min: ms(1), Max: ms(3)}, Dup: 0.02, Reorder: 0.1},
		Links:       []scenarios.LinkSpec{{From: "n1", To: "n2", Link: netmodel.Link{Latency: exp, Drop: 0.5, Unordered: true}}},
		DetectAfter: ms(200), MailboxCap: 16,
		Clocks: []scenarios.ClockSpec{{Node: "n2", Clock: netmodel.ClockModel{Offset: ms(-5), DriftPPM: 300}}},
		Ensembles: []scenarios.Ensemble{
			{Name: "e1", Members: []scenarios.Member{{Name: "p1", Node: "n1"}, {Name: "p2", Node: "n2"}}, Leader: "p2"},
			{Name: "e2", Members: []scenarios.Member{{Name: "p1", Node: "n3"}}},
		},
		Peer:     scenarios.PeerSpec{Service: scenarios.Dist{Kind: "lognormal", Min: ms(1), Mean: ms(4), Sigma: 0.5}},
		Workload: scenarios.Workload{Rate: 500, Duration: ms(2000), Timeout: ms(50), ClientShare: 0.25},
		Gossip:   scenarios.Gossip{Interval: ms(100)},
		Elections: []scenarios.Election{
			{At: ms(900), Ensemble: "e1", Duration: ms(20)},
			{At: ms(300), Ensemble: "e1", Duration: ms(20), Leader: "p1"},
		},
		Faults: []scenarios.Fault{
			{At: ms(1200), Action: "unrule", Rule: &scenarios.RuleSpec{Name: "r1"}},
			{At: ms(100), Action: "partition", A: []string{"n1"}, B: []string{"n2", "n3"}, InFlight: "stall"},
			{At: ms(150), Action: "restart", Node: "n3", Directory: "saved"},
			{At: ms(160), Action: "slow", Peer: "e1/p2", Service: &exp, Until: ms(400)},
			{At: ms(170), Action: "clock-step", Node: "n1", Step: ms(-20)},
			{At: ms(1000), Action: "rule", Rule: &scenarios.RuleSpec{Name: "r1", Action: "delay", Delay: ms(9),
				Match: scenarios.MatchSpec{Kind: "reply", To: "n2"}, Count: 3, After: &scenarios.MatchSpec{Kind: "gossip"}}},
		},
		Liveness: &scenarios.Liveness{From: ms(1500)},
	}
	want := `drawn         swarm configuration from a spec, not as seed 9 draws it
nodes         3 (n1 n2 n3), 1 client (c1)
routers       4 per node, service 5µs; hop limit 4
link          latency 1ms..3ms, dup 2%, reorder 10%
              n1->n2: latency 1ms+exp(2ms), dup 0%, reorder 0%, drop 50%, unordered
detect after  200ms
mailbox cap   16 per router (default semantics)
ensembles     e1: p1@n1 p2@n2, leader p2
              e2: p1@n3, leader none
peer service  1ms+lognormal(4ms, σ 0.5)
clocks        n2: offset -5ms, drift 300ppm
workload      500/s for 2s, timeout 50ms, client share 25%
gossip        every 100ms
elections     2
              300ms e1 leaderless for 20ms, then p1
              900ms e1 leaderless for 20ms, then no leader
faults        6
              100ms partition n1 <-> n2,n3 in-flight stall
              150ms restart n3 directory saved
              160ms slow e1/p2 service 1ms+exp(2ms) until 400ms
              170ms clock-step n1 step -20ms
                 1s rule r1: delay 9ms on reply *->n2, first 3, after a gossip
               1.2s unrule r1
liveness      from 1.5s
`
	if diff := cmp.Diff(want, configHeader(s, 9)); diff != "" {
		t.Errorf("configHeader (-want +got):\n%s", diff)
	}
	if got := swarmHeader(s, 9); got != want+"\n" {
		t.Errorf("swarmHeader = %q, want the header and a blank line", got)
	}
	s.Name = "steady"
	if got := swarmHeader(s, 9); got != "" {
		t.Errorf("swarmHeader of a spec not named swarm = %q, want nothing", got)
	}
}

// TestRuleString: a rule's delay is shown for the actions that take one, and only
// when it is set.
func TestRuleString(t *testing.T) {
	ms := scenarios.Duration(time.Millisecond)
	tests := []struct {
		name string
		rule scenarios.RuleSpec
		want string
	}{
		{name: "delay", rule: scenarios.RuleSpec{Name: "r1", Action: "delay", Delay: 9 * ms}, want: "r1: delay 9ms on every message"},
		{name: "duplicate, its copy later", rule: scenarios.RuleSpec{Name: "r2", Action: "duplicate", Delay: 2 * ms}, want: "r2: duplicate (copy +2ms) on every message"},
		{name: "duplicate, its copy at once", rule: scenarios.RuleSpec{Name: "r3", Action: "duplicate"}, want: "r3: duplicate on every message"},
		{name: "drop", rule: scenarios.RuleSpec{Name: "r4", Action: "drop", Match: scenarios.MatchSpec{Kind: "gossip"}}, want: "r4: drop on gossip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ruleString(tc.rule); got != tc.want {
				t.Errorf("ruleString = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestConfigHeaderLiveness: the liveness line says from when, and within what, when
// the spec bounds it.
func TestConfigHeaderLiveness(t *testing.T) {
	s := scenarios.Swarm(1)
	ms := scenarios.Duration(time.Millisecond)
	for _, tc := range []struct {
		liveness *scenarios.Liveness
		want     string
	}{
		{nil, "liveness      not checked\n"},
		{&scenarios.Liveness{From: 1500 * ms}, "liveness      from 1.5s\n"},
		{&scenarios.Liveness{From: 1500 * ms, Within: 300 * ms}, "liveness      from 1.5s, within 300ms\n"},
	} {
		s.Liveness = tc.liveness
		if got := configHeader(s, 1); !strings.HasSuffix(got, "\n"+tc.want) {
			t.Errorf("liveness %+v: the header ends %q, want %q", tc.liveness, got[strings.LastIndex(got[:len(got)-1], "\n")+1:], tc.want)
		}
	}
}
