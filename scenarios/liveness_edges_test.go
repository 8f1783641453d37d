package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// TestLivenessRefusalEdges: where the liveness phase's refusals lie, case by case. A
// pair's links whose round trip equals the deadline, or a delay rule whose floor
// equals it, leave a call no time and are refused, a nanosecond less is taken; a
// hold lasts into the liveness phase unless its own direction is released (a release
// of the way back does not end it); a restart with an empty directory, like a saved
// one, is trouble at liveness.from, with the current one it is not; a rule that only
// duplicates or delays gossip makes no trouble, one that drops it does.
func TestLivenessRefusalEdges(t *testing.T) {
	ms := func(n int) Duration { return dur(time.Duration(n) * time.Millisecond) }
	link := func(from, to string, d time.Duration) LinkSpec {
		return LinkSpec{From: from, To: to, Link: netmodel.Link{Latency: Dist{Kind: "constant", Min: dur(d)}}}
	}
	// floor is the least time a member's call through another node takes in steady
	// without a rule: a request and a reply over the fastest link, a router's service
	// and a peer's.
	floor := func(s *Spec) time.Duration {
		return 2*s.Link.Latency.Min.D() + s.RouterService.Min.D() + s.Peer.Service.Min.D()
	}
	routeDelay := func(at int, d time.Duration) Fault {
		return Fault{At: ms(at), Action: "rule", Rule: &RuleSpec{Name: "slow", Match: MatchSpec{Kind: "route"}, Action: "delay", Delay: dur(d)}}
	}
	gossipRule := func(action string) []Fault {
		r := &RuleSpec{Name: "g", Match: MatchSpec{Kind: "gossip"}, Action: action}
		if action == "delay" {
			r.Delay = ms(5)
		}
		return []Fault{{At: ms(300), Action: "rule", Rule: r}}
	}
	restart := func(dir string) []Fault {
		return []Fault{{At: ms(900), Action: "crash", Node: "n1"}, {At: ms(1000), Action: "restart", Node: "n1", Directory: dir}}
	}
	for _, tc := range []struct {
		name  string
		setup func(s *Spec)
		want  string // "" for a spec the liveness phase takes
	}{
		{name: "a pair's round trip equal to the timeout",
			setup: func(s *Spec) {
				s.Links = []LinkSpec{link("n1", "n2", 25*time.Millisecond), link("n2", "n1", 25*time.Millisecond)}
			},
			want: "links[0].link.latency.min: n1 to n2 and back take at least 50ms, not under workload.timeout 50ms"},
		{name: "a pair's round trip a nanosecond under the timeout",
			setup: func(s *Spec) {
				s.Links = []LinkSpec{link("n1", "n2", 25*time.Millisecond), link("n2", "n1", 25*time.Millisecond-1)}
			}},
		{name: "a route delay whose floor equals the timeout",
			setup: func(s *Spec) {
				s.Clients, s.Workload.ClientShare = nil, 0
				s.Faults = []Fault{routeDelay(1100, s.Workload.Timeout.D()-floor(s))}
			},
			want: "a delay rule of 49.745ms on 1 of the 2 messages of a call through another node makes it take at least 50ms"},
		{name: "a route delay whose floor is a nanosecond under the timeout",
			setup: func(s *Spec) {
				s.Clients, s.Workload.ClientShare = nil, 0
				s.Faults = []Fault{routeDelay(1100, s.Workload.Timeout.D()-floor(s)-1)}
			}},
		{name: "a hold released only the other way before from",
			setup: func(s *Spec) {
				s.Faults = []Fault{
					{At: ms(400), Action: "hold", A: []string{"n1"}, B: []string{"n2"}},
					{At: ms(500), Action: "release", A: []string{"n2"}, B: []string{"n1"}},
					{At: ms(1100), Action: "release", A: []string{"n1"}, B: []string{"n2"}},
				}
			},
			want: "faults[0].at: the hold at 400ms lasts past liveness.from 1s (no release of n1 -> n2 after it, before liveness.from)"},
		{name: "a hold released its own way before from",
			setup: func(s *Spec) {
				s.Faults = []Fault{
					{At: ms(400), Action: "hold", A: []string{"n1"}, B: []string{"n2"}},
					{At: ms(500), Action: "release", A: []string{"n1"}, B: []string{"n2"}},
				}
			}},
		{name: "a restart with the empty directory at from",
			setup: func(s *Spec) { s.Faults = restart("empty") },
			want:  "faults[1].at: 1s is at liveness.from 1s: a restart with the empty directory brings a node back with wrong leaders"},
		{name: "a restart with the saved directory at from",
			setup: func(s *Spec) {
				s.Faults = append([]Fault{{At: ms(800), Action: "save", Node: "n1"}}, restart("saved")...)
			},
			want: "faults[2].at: 1s is at liveness.from 1s: a restart with the saved directory brings a node back with wrong leaders"},
		{name: "a restart with the current directory at from",
			setup: func(s *Spec) { s.Faults = restart("current") }},
		{name: "a gossip drop rule in force",
			setup: func(s *Spec) { s.Faults = gossipRule("drop") },
			want:  `faults[0].at: the rule at 300ms lasts past liveness.from 1s (no unrule of "g" after it, before liveness.from)`},
		{name: "a gossip duplicate rule in force",
			setup: func(s *Spec) { s.Faults = gossipRule("duplicate") }},
		{name: "a gossip delay rule in force",
			setup: func(s *Spec) { s.Faults = gossipRule("delay") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = &Liveness{From: ms(1000)}
			tc.setup(&s)
			err := s.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrBadSpec saying %q", err, tc.want)
			}
		})
	}
}
