package scenarios

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/netmodel"
)

// TestSpecRoundTrip: every named spec survives JSON unchanged and is valid.
func TestSpecRoundTrip(t *testing.T) {
	for _, name := range Names() {
		s := named(t, name)
		got, err := Parse(bytes.NewReader(s.JSON()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(s, got); diff != "" {
			t.Fatalf("%s: round trip changed the spec (-before +after):\n%s", name, diff)
		}
	}
}

// TestBadSpecs: a bad field is refused with a message that names it.
func TestBadSpecs(t *testing.T) {
	cases := []struct {
		name string
		edit func(s string) string // edits the steady spec's JSON
		want string                // must appear in the error
	}{
		{name: "negative latency", edit: func(s string) string {
			return strings.Replace(s, `"min": "100µs"`, `"min": "-1ms"`, 1)
		}, want: "link.latency.min: -1ms is negative"},
		{name: "member on unknown node", edit: func(s string) string {
			return strings.Replace(s, `"node": "n1"`, `"node": "n9"`, 1)
		}, want: `ensembles[0].members[0].node: "n9" is not a member node`},
		{name: "zero nodes", edit: func(s string) string {
			return strings.Replace(s, `"nodes": [
    "n1",
    "n2",
    "n3",
    "n4",
    "n5"
  ]`, `"nodes": []`, 1)
		}, want: "nodes: need at least one node"},
		{name: "negative reply hold", edit: func(s string) string {
			return strings.Replace(s, `"routers": 7`, `"routers": 7, "reply_hold": "-1ms"`, 1)
		}, want: "reply_hold: -1ms is out of range: want 0 to 1h"},
		{name: "reply hold past an hour", edit: func(s string) string {
			return strings.Replace(s, `"routers": 7`, `"routers": 7, "reply_hold": "61m"`, 1)
		}, want: "reply_hold: 1h1m0s is out of range: want 0 to 1h"},
		{name: "backoff under 1ms", edit: func(s string) string {
			return strings.Replace(strings.Replace(s, `"backoff_min": "50ms"`, `"backoff_min": "1ns"`, 1), `"backoff_max": "2s"`, `"backoff_max": "1ns"`, 1)
		}, want: "backoff_min: 1ns is under 1ms: no dial loop is that fast"},
		{name: "unknown key", edit: func(s string) string {
			return strings.Replace(s, `"routers": 7`, `"routers": 7, "routerz": 3`, 1)
		}, want: `unknown field "routerz"`},
		{name: "a pair linked twice", edit: func(s string) string {
			l := `{"from": "n3", "to": "n4", "link": {"latency": {"dist": "constant", "min": "1ms"}}}`
			return strings.Replace(s, `"routers": 7`, `"routers": 7, "links": [`+l+`, {"from": "n4", "to": "n3", "link": {"latency": {"dist": "constant"}}}, `+l+`]`, 1)
		}, want: "links[2]: n3 to n4 has a link already, links[0]"},
		{name: "a node linked to itself", edit: func(s string) string {
			return strings.Replace(s, `"routers": 7`, `"routers": 7, "links": [{"from": "n3", "to": "n3", "link": {"latency": {"dist": "constant"}}}]`, 1)
		}, want: `links[0].to: "n3" is its from: a node's messages to itself cross no link`},
		{name: "wrong type", edit: func(s string) string {
			return strings.Replace(s, `"routers": 7`, `"routers": "seven"`, 1)
		}, want: "routers: want an integer, got a string"},
		{name: "bare number duration", edit: func(s string) string {
			return strings.Replace(s, `"timeout": "50ms"`, `"timeout": 50`, 1)
		}, want: `workload.timeout: got the number 50, want a quoted duration with a unit, like "250us"`},
		{name: "negative peer share", edit: func(s string) string {
			return strings.Replace(s, `"timeout": "50ms"`, `"timeout": "50ms", "peer_share": -0.1`, 1)
		}, want: "workload.peer_share: -0.1, want 0..1"},
		{name: "cast share over one", edit: func(s string) string {
			return strings.Replace(s, `"timeout": "50ms"`, `"timeout": "50ms", "cast_share": 1.5`, 1)
		}, want: "workload.cast_share: 1.5, want 0..1"},
		{name: "zero timeout", edit: func(s string) string {
			return strings.Replace(s, `"timeout": "50ms"`, `"timeout": "0s"`, 1)
		}, want: "workload.timeout: missing or 0s (the key is required), want a positive duration up to 1h"},
		{name: "unknown fault", edit: func(s string) string {
			return strings.Replace(s, `"liveness"`, `"faults": [{"at": "1s", "action": "explode"}], "liveness"`, 1)
		}, want: `faults[0].action: "explode" is unknown`},
		{name: "partition of unknown node", edit: func(s string) string {
			return strings.Replace(s, `"liveness"`, `"faults": [{"at": "1s", "action": "partition", "a": ["n1"], "b": ["zz"]}], "liveness"`, 1)
		}, want: `faults[0].b: "zz" is not a node`},
		{name: "leader not a member", edit: func(s string) string {
			return strings.Replace(s, `"leader": "p1"`, `"leader": "p7"`, 1)
		}, want: `ensembles[0].leader: "p7" is not a member`},
		{name: "malformed json", edit: func(s string) string { return s[:len(s)/2] }, want: "malformed JSON: it ends in the middle of the spec"},
		{name: "node named as no node", edit: func(s string) string { return strings.Replace(s, `"n1"`, `"-"`, 1) },
			want: `nodes[0]: "-": the name is taken: traces use it for no node or for the world`},
		{name: "node named world", edit: func(s string) string { return strings.Replace(s, `"n1"`, `"world"`, 1) },
			want: `nodes[0]: "world": the name is taken`},
		{name: "node name with a space", edit: func(s string) string { return strings.Replace(s, `"n1"`, `"n 1"`, 1) },
			want: `nodes[0]: "n 1": ' ' is not allowed in a name (white space, control characters, = and , are not)`},
		{name: "node name with a comma", edit: func(s string) string { return strings.Replace(s, `"n1"`, `"n1,n2"`, 1) },
			want: `nodes[0]: "n1,n2": ',' is not allowed in a name`},
		// A peer is written ensemble/member@node: with an "@" in a name, member "p@x"
		// on n1 and member "p" on node "x@n1" would be written alike.
		{name: "node name with an at", edit: func(s string) string { return strings.ReplaceAll(s, `"n1"`, `"x@n1"`) },
			want: `nodes[0]: "x@n1": "@" is not allowed in a name: a peer is written ensemble/member@node`},
		{name: "member name with an at", edit: func(s string) string {
			s = strings.Replace(s, `"name": "p1"`, `"name": "p@x"`, 1)
			return strings.Replace(s, `"leader": "p1"`, `"leader": "p@x"`, 1)
		}, want: `ensembles[0].members[0].name: "p@x": "@" is not allowed in a name`},
		{name: "ensemble name with an at", edit: func(s string) string { return strings.Replace(s, `"name": "e1"`, `"name": "e@1"`, 1) },
			want: `ensembles[0].name: "e@1": "@" is not allowed in a name`},
		// As ensnode and ensctl require: a space would split the demo peer's events
		// and ensctl's arguments, "=" and "," ensnode's --ensemble.
		{name: "ensemble name with a space", edit: func(s string) string { return strings.ReplaceAll(s, `"e1"`, `"e 1"`) },
			want: `ensembles[0].name: "e 1": ' ' is not allowed in a name (white space, control characters, = and , are not)`},
		{name: "ensemble name with a control character", edit: func(s string) string { return strings.ReplaceAll(s, `"e1"`, `"e\u0000"`) },
			want: `ensembles[0].name: "e\x00": '\x00' is not allowed in a name`},
		{name: "ensemble name with an equals sign", edit: func(s string) string { return strings.ReplaceAll(s, `"e1"`, `"e=1"`) },
			want: `ensembles[0].name: "e=1": '=' is not allowed in a name`},
		{name: "member name with a space", edit: func(s string) string {
			s = strings.Replace(s, `"name": "p1"`, `"name": "p 1"`, 1)
			return strings.Replace(s, `"leader": "p1"`, `"leader": "p 1"`, 1)
		}, want: `ensembles[0].members[0].name: "p 1": ' ' is not allowed in a name`},
		{name: "routers zero", edit: func(s string) string {
			return strings.Replace(s, `"routers": 7`, `"routers": 0`, 1)
		}, want: "routers: missing or 0 (the key is required), want 1..1024"},
		{name: "ambiguous peer", edit: func(s string) string {
			// e1 has a member "b/p1", and an ensemble "e1/b" a member "p1".
			s = strings.Replace(s, `"name": "p1"`, `"name": "b/p1"`, 1)
			s = strings.Replace(s, `"leader": "p1"`, `"leader": "b/p1"`, 1)
			s = strings.Replace(s, `"name": "e2"`, `"name": "e1/b"`, 1)
			return strings.Replace(s, `"liveness"`, `"faults": [{"at": "1s", "action": "hang", "peer": "e1/b/p1", "until": "2s"}], "liveness"`, 1)
		}, want: `faults[0].peer: "e1/b/p1" is ambiguous: it splits into ens/member in 2 ways`},
	}
	base := string(named(t, "steady").JSON())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			edited := tc.edit(base)
			if edited == base {
				t.Fatal("the edit changed nothing: fix the test")
			}
			_, err := Parse(strings.NewReader(edited))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrBadSpec) {
				t.Errorf("error %v does not wrap ErrBadSpec", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// TestFaultPeerWithSlash: a slow or hang fault names its peer "ens/member", and an
// ensemble's name may hold a "/" of its own.
func TestFaultPeerWithSlash(t *testing.T) {
	s := named(t, "steady")
	s.Ensembles[0].Name = "kv/users" // leader p1, on n1
	s.Liveness = nil
	s.Faults = []Fault{{At: Duration(time.Second), Action: "hang", Peer: "kv/users/p1", Until: Duration(1300 * time.Millisecond)}}
	res, err := Run(s, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	timeouts := 0
	for _, o := range res.Outcomes() {
		if o.Code == "timeout" {
			if o.Ensemble != "kv/users" {
				t.Errorf("call %s to %s timed out; only kv/users's leader hangs", o.Call, o.Ensemble)
			}
			timeouts++
		}
	}
	if timeouts == 0 {
		t.Errorf("no call timed out while kv/users's leader hung")
	}
}

// TestRunRefusesBadSpec: Run validates too, and does not panic.
func TestRunRefusesBadSpec(t *testing.T) {
	s := named(t, "steady")
	s.Ensembles[0].Members[0].Node = "nowhere"
	if _, err := Run(s, Options{Seed: 1}); !errors.Is(err, ErrBadSpec) {
		t.Fatalf("Run: %v, want ErrBadSpec", err)
	}
}

// TestFaultFieldsItDoesNotUse: a fault that sets a field its action does not read is
// refused, naming the field: the run would ignore it, and not as its writer meant (a
// crash with an until stays down; a heal with a and b ends every partition).
func TestFaultFieldsItDoesNotUse(t *testing.T) {
	svc := Dist{Kind: "constant", Min: Duration(time.Millisecond)}
	clock := netmodel.ClockModel{DriftPPM: 100}
	rule := &RuleSpec{Name: "r", Match: MatchSpec{Kind: "reply"}, Action: "drop"}
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	cases := []struct {
		name   string
		faults []Fault
		want   string
	}{
		{name: "a crash with an until", faults: []Fault{{At: ms(500), Action: "crash", Node: "n3", Until: ms(600)}},
			want: "faults[0].until: crash does not use until: a restart ends it"},
		{name: "a partition with an until", faults: []Fault{{At: ms(500), Action: "partition", A: []string{"n1"}, B: []string{"n2"}, Until: ms(600)}},
			want: "faults[0].until: partition does not use until: a heal ends it"},
		{name: "a pause with an until", faults: []Fault{{At: ms(500), Action: "pause", Node: "n1", Until: ms(600)}},
			want: "faults[0].until: pause does not use until: a resume ends it"},
		{name: "a hold with an until", faults: []Fault{{At: ms(500), Action: "hold", A: []string{"n1"}, B: []string{"n2"}, Until: ms(600)}},
			want: "faults[0].until: hold does not use until: a release ends it"},
		{name: "a heal of two nodes", faults: []Fault{
			{At: ms(500), Action: "partition", A: []string{"n1"}, B: []string{"n2"}},
			{At: ms(600), Action: "heal", A: []string{"n1"}, B: []string{"n2"}}},
			want: "faults[1].a: heal does not use a: heal ends every partition"},
		{name: "a clock set with an offset after 0s", faults: []Fault{{At: ms(100), Action: "clock-set", Node: "n1", Clock: &netmodel.ClockModel{Offset: Duration(time.Second)}}},
			want: "faults[0].clock.offset: clock-set at 100ms changes how fast the clock runs from there on, not its reading (a clock-step does that)"},
		{name: "a hold that stalls", faults: []Fault{{At: ms(500), Action: "hold", A: []string{"n1"}, B: []string{"n2"}, InFlight: "stall"}},
			want: "faults[0].in_flight: hold does not use in_flight"},
		{name: "a hang with a service", faults: []Fault{{At: ms(500), Action: "hang", Peer: "e1/p1", Service: &svc, Until: ms(600)}},
			want: "faults[0].service: hang does not use service"},
		{name: "a restart with a step", faults: []Fault{{At: ms(500), Action: "crash", Node: "n3"}, {At: ms(550), Action: "restart", Node: "n3", Step: ms(1)}},
			want: "faults[1].step: restart does not use step"},
		{name: "a clock step with a clock", faults: []Fault{{At: ms(500), Action: "clock-step", Node: "n1", Step: ms(1), Clock: &clock}},
			want: "faults[0].clock: clock-step does not use clock"},
		{name: "a save with a directory", faults: []Fault{{At: ms(500), Action: "save", Node: "n1", Directory: "saved"}},
			want: "faults[0].directory: save does not use directory"},
		{name: "a rule on a node", faults: []Fault{{At: ms(500), Action: "rule", Node: "n1", Rule: rule}},
			want: "faults[0].node: rule does not use node"},
		{name: "a slow leader on a node", faults: []Fault{{At: ms(500), Action: "slow", Peer: "e1/p1", Node: "n1", Service: &svc, Until: ms(600)}},
			want: "faults[0].node: slow does not use node"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			s.Faults = tc.faults
			err := s.Validate()
			if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want ErrBadSpec saying %q", err, tc.want)
			}
		})
	}
}

// TestSpecRefusesWhatDoesNothing: a rule that matches an ensemble the spec lacks, a
// second clock for one node, a rule's delay past MaxSpan and a workload's rate with
// no duration (and no burst) are refused, naming the field: each would do nothing,
// or not what it says.
func TestSpecRefusesWhatDoesNothing(t *testing.T) {
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	cases := []struct {
		name string
		edit func(s *Spec)
		want string
	}{
		{name: "a rule for an unknown ensemble", edit: func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "rule", Rule: &RuleSpec{Name: "r", Match: MatchSpec{Ensemble: "e9"}, Action: "duplicate"}}}
		}, want: `faults[0].rule.match.ensemble: "e9" is unknown`},
		{name: "a rule after an unknown ensemble", edit: func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "rule", Rule: &RuleSpec{Name: "r", Match: MatchSpec{Ensemble: "e1"}, Action: "duplicate", After: &MatchSpec{Ensemble: "e7"}}}}
		}, want: `faults[0].rule.after.ensemble: "e7" is unknown`},
		{name: "two clocks for a node", edit: func(s *Spec) {
			s.Clocks = []ClockSpec{{Node: "n1", Clock: netmodel.ClockModel{DriftPPM: 10}}, {Node: "n2"}, {Node: "n1", Clock: netmodel.ClockModel{DriftPPM: 20}}}
		}, want: `clocks[2].node: "n1" has a clock already, clocks[0]`},
		{name: "a clock's period without a periodic drift", edit: func(s *Spec) {
			s.Clocks = []ClockSpec{{Node: "n1", Clock: netmodel.ClockModel{Period: ms(1000)}}}
		}, want: "clocks[0].clock.period: 1s without periodic_ppm"},
		{name: "a clock set with a period without a periodic drift", edit: func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "clock-set", Node: "n1", Clock: &netmodel.ClockModel{DriftPPM: 5, Period: ms(1000)}}}
		}, want: "faults[0].clock.period: 1s without periodic_ppm"},
		{name: "a rule's delay past the span", edit: func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "rule", Rule: &RuleSpec{Name: "r", Action: "delay", Delay: dur(25 * time.Hour)}}}
		}, want: "faults[0].rule.delay: 25h0m0s, past the limit of 24h0m0s"},
		{name: "a rate without a duration", edit: func(s *Spec) {
			s.Workload.Duration = 0
		}, want: "workload.duration: missing or 0s, but workload.rate is 2000 calls per second: no call would be made"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			tc.edit(&s)
			if err := s.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want ErrBadSpec saying %q", err, tc.want)
			}
		})
	}
	// The same rule for a known ensemble, and clocks for two nodes, are fine; so is a
	// hold with both nodes on both sides, which holds both ways between them.
	s := named(t, "steady")
	s.Liveness = nil
	s.Faults = []Fault{{At: ms(500), Action: "rule", Rule: &RuleSpec{Name: "r", Match: MatchSpec{Ensemble: "e1"}, Action: "duplicate"}},
		{At: ms(600), Action: "hold", A: []string{"n1", "n2"}, B: []string{"n1", "n2"}}, {At: ms(700), Action: "release", A: []string{"n1", "n2"}, B: []string{"n1", "n2"}}}
	s.Clocks = []ClockSpec{{Node: "n1"}, {Node: "n2"}}
	if err := s.Validate(); err != nil {
		t.Fatalf("a known ensemble, two clocks: %v", err)
	}
	// A rate without a duration is inert, not wrong, beside a burst that calls.
	s.Workload.Duration = 0
	s.Workload.Bursts = []Burst{{At: ms(500), Duration: ms(300), Rate: 2000}}
	if err := s.Validate(); err != nil {
		t.Fatalf("a rate of 0s beside a burst: %v", err)
	}
}
