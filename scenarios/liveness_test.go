package scenarios

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// TestLivenessRefusesFaultsInIt: a fault that makes trouble at or after
// liveness.from, or lasts past it, is refused with a message that names the fault's
// field and liveness.from; faults that end trouble, or start none, are not.
func TestLivenessRefusesFaultsInIt(t *testing.T) {
	ms := func(n int) Duration { return dur(time.Duration(n) * time.Millisecond) }
	all := []string{"n2", "n3", "n4", "n5", "c1"}
	svc := Dist{Kind: "constant", Min: ms(5)}
	cases := []struct {
		name   string
		from   int // ms
		faults []Fault
		want   string // "" for a valid spec
		// members, if set, leaves the clients out: every call is a member's.
		members bool
		// pauseDetect is pause_detect_after, in ms (0: a pause goes unnoticed).
		pauseDetect int
		// casts, if set, makes a tenth of the arrivals casts.
		casts bool
		// unended, if set, is why the faults are refused without a liveness phase
		// too: they never end (checkEnded).
		unended string
	}{
		{name: "a crash after from", from: 0, faults: []Fault{{At: ms(1000), Action: "crash", Node: "n3"}, {At: ms(1100), Action: "restart", Node: "n3"}},
			want: "faults[0].at: 1s is after liveness.from 0s: a crash takes a node down, and from liveness.from on faults must have stopped"},
		{name: "a partition at from", from: 0, faults: []Fault{{At: 0, Action: "partition", A: []string{"n1"}, B: all}},
			want: "faults[0].at: 0s is at liveness.from 0s: a partition cuts links"},
		{name: "a partition healed after from", from: 1000, faults: []Fault{{At: ms(400), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(1100), Action: "heal"}},
			want: "faults[0].at: the partition at 400ms lasts past liveness.from 1s (no heal after it, before liveness.from)"},
		{name: "a one-way partition never healed", from: 1000, faults: []Fault{{At: ms(400), Action: "partition-one-way", A: []string{"n1"}, B: []string{"n2"}}},
			want: "faults[0].at: the partition-one-way at 400ms lasts past liveness.from 1s (no heal after it, before liveness.from)"},
		{name: "a hold released in part", from: 1000, faults: []Fault{
			{At: ms(400), Action: "hold", A: []string{"n1"}, B: []string{"n2", "n3"}},
			{At: ms(500), Action: "release", A: []string{"n1"}, B: []string{"n2"}}},
			want:    "faults[0].at: the hold at 400ms lasts past liveness.from 1s (no release of n1 -> n3 after it, before liveness.from)",
			unended: "faults[0]: the hold of n1 -> n3 is never released"},
		{name: "a crash restarted after from", from: 1000, faults: []Fault{{At: ms(400), Action: "crash", Node: "n3"}, {At: ms(1200), Action: "restart", Node: "n3"}},
			want: "faults[0].at: the crash at 400ms lasts past liveness.from 1s (no restart of n3 after it, before liveness.from)"},
		{name: "a pause never resumed", from: 1000, faults: []Fault{{At: ms(400), Action: "pause", Node: "n2"}, {At: ms(500), Action: "resume", Node: "n3"}},
			want:    "faults[0].at: the pause at 400ms lasts past liveness.from 1s (no resume of n2 after it, before liveness.from)",
			unended: "faults[0]: n2 is paused and never resumed"},
		{name: "a pause after from", from: 1000, faults: []Fault{{At: ms(1500), Action: "pause", Node: "n2"}, {At: ms(1600), Action: "resume", Node: "n2"}},
			want: "faults[0].at: 1.5s is after liveness.from 1s: a pause stops a node"},
		{name: "a slow leader into liveness", from: 1000, faults: []Fault{{At: ms(400), Action: "slow", Peer: "e1/p1", Service: &svc, Until: ms(1001)}},
			want: "faults[0].until: 1.001s is after liveness.from 1s: the slow peer e1/p1 lasts into the liveness phase"},
		{name: "a hang after from", from: 1000, faults: []Fault{{At: ms(1000), Action: "hang", Peer: "e1/p1", Until: ms(1100)}},
			want: "faults[0].at: 1s is at liveness.from 1s: a hang peer fails calls"},
		{name: "a clock step after from", from: 1000, faults: []Fault{{At: ms(1500), Action: "clock-step", Node: "n2", Step: ms(30)}},
			want: "faults[0].at: 1.5s is after liveness.from 1s: a clock step makes a node's clock and timers jump"},
		{name: "a restart with a saved directory after from", from: 1000, faults: []Fault{
			{At: ms(900), Action: "save", Node: "n1"}, {At: ms(1100), Action: "crash", Node: "n1"}, {At: ms(1200), Action: "restart", Node: "n1", Directory: "saved"}},
			want: "faults[1].at: 1.1s is after liveness.from 1s: a crash"},
		{name: "a drop rule after from", from: 1500, faults: []Fault{{At: ms(1600), Action: "rule", Rule: &RuleSpec{Name: "d", Match: MatchSpec{Kind: "route"}, Action: "drop"}}},
			want: "faults[0].at: 1.6s is after liveness.from 1.5s: a drop rule loses calls' messages"},
		{name: "a drop rule of any kind never removed", from: 1000, faults: []Fault{{At: ms(300), Action: "rule", Rule: &RuleSpec{Name: "d", Action: "drop", Count: 5}}},
			want: `faults[0].at: the rule at 300ms lasts past liveness.from 1s (no unrule of "d" after it, before liveness.from)`},
		{name: "a drop rule removed after from", from: 1000, faults: []Fault{
			{At: ms(300), Action: "rule", Rule: &RuleSpec{Name: "d", Match: MatchSpec{Kind: "reply"}, Action: "drop"}}, {At: ms(1001), Action: "unrule", Rule: &RuleSpec{Name: "d"}}},
			want: `faults[0].at: the rule at 300ms lasts past liveness.from 1s (no unrule of "d" after it, before liveness.from)`},
		{name: "a cast drop rule into liveness, with casts", from: 1000, casts: true, faults: []Fault{{At: ms(300), Action: "rule", Rule: &RuleSpec{Name: "c", Match: MatchSpec{Kind: "cast"}, Action: "drop"}}},
			want: `faults[0].at: the rule at 300ms lasts past liveness.from 1s (no unrule of "c" after it, before liveness.from)`},
		{name: "a cast drop rule into liveness, without casts", from: 1000, faults: []Fault{{At: ms(300), Action: "rule", Rule: &RuleSpec{Name: "c", Match: MatchSpec{Kind: "cast"}, Action: "drop"}}}},
		{name: "a gossip drop rule never removed", from: 1000, faults: []Fault{{At: ms(300), Action: "rule", Rule: &RuleSpec{Name: "g", Match: MatchSpec{Kind: "gossip"}, Action: "drop"}}},
			want: `faults[0].at: the rule at 300ms lasts past liveness.from 1s (no unrule of "g" after it, before liveness.from)`},
		{name: "a delay as long as the timeout after from", from: 1000, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Match: MatchSpec{Kind: "peer"}, Action: "delay", Delay: ms(60)}}},
			want: "faults[0].at: 1.1s is after liveness.from 1s: a delay rule of 60ms on 1 of the 3 messages of a client's call makes it take at least 60.36ms with the links' latency and the services' least times, not under workload.timeout 50ms, and fails it"},
		{name: "a delay of every kind, of more than half the timeout, after from", from: 1000, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Action: "delay", Delay: ms(25)}}},
			want: "faults[0].at: 1.1s is after liveness.from 1s: a delay rule of 25ms on 3 of the 3 messages of a client's call makes it take at least 75.36ms with the links' latency and the services' least times, not under workload.timeout 50ms, and fails it"},
		{name: "a delay of every kind, of more than half the timeout, after from, members only", from: 1000, members: true, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Action: "delay", Delay: ms(25)}}},
			want: "faults[0].at: 1.1s is after liveness.from 1s: a delay rule of 25ms on 2 of the 2 messages of a call through another node makes it take at least 50.255ms with the links' latency and the services' least times, not under workload.timeout 50ms, and fails it"},
		{name: "a delay of every kind, of less than half the timeout, after from, members only", from: 1000, members: true, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Action: "delay", Delay: ms(24)}}}},
		{name: "a delay of every kind from one node, of more than half the timeout, after from", from: 1000, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Match: MatchSpec{From: "c1", To: "n1"}, Action: "delay", Delay: ms(30)}}}},
		{name: "a delay of every kind for one ensemble, of more than half the timeout, after from", from: 1000, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Match: MatchSpec{Ensemble: "e1"}, Action: "delay", Delay: ms(30)}}},
			want: "faults[0].at: 1.1s is after liveness.from 1s: a delay rule of 30ms on 3 of the 3 messages of a client's call makes it take at least 90.36ms"},
		{name: "a delay of every kind for one ensemble, of more than a third of the timeout, after from", from: 1000, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Match: MatchSpec{Ensemble: "e1"}, Action: "delay", Delay: ms(17)}}},
			want: "faults[0].at: 1.1s is after liveness.from 1s: a delay rule of 17ms on 3 of the 3 messages of a client's call makes it take at least 51.36ms"},
		{name: "a delay of routes that leaves a client's call time, after from", from: 1000, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Match: MatchSpec{Kind: "route"}, Action: "delay", Delay: ms(24)}}}},
		{name: "a delay of every kind, of less than a third of the timeout, after from", from: 1000, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Action: "delay", Delay: ms(16)}}}},
		{name: "a delay of replies, of less than the timeout, after from", from: 1000, faults: []Fault{{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "slow", Match: MatchSpec{Kind: "reply"}, Action: "delay", Delay: ms(49)}}}},
		{name: "the later fault is named by its index", from: 1000, faults: []Fault{
			{At: ms(200), Action: "crash", Node: "n2"}, {At: ms(300), Action: "restart", Node: "n2"}, {At: ms(100), Action: "partition", A: []string{"n1"}, B: all}},
			want: "faults[2].at: the partition at 100ms lasts past liveness.from 1s (no heal after it, before liveness.from)"},

		{name: "faults that end before from", from: 1000, faults: []Fault{
			{At: ms(100), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(200), Action: "heal"},
			{At: ms(300), Action: "hold", A: []string{"n1"}, B: []string{"n2"}}, {At: ms(400), Action: "release", A: []string{"n1"}, B: []string{"n2"}},
			{At: ms(500), Action: "crash", Node: "n3"}, {At: ms(600), Action: "restart", Node: "n3", Directory: "saved"},
			{At: ms(700), Action: "pause", Node: "n4"}, {At: ms(800), Action: "resume", Node: "n4"},
			{At: ms(850), Action: "slow", Peer: "e1/p1", Service: &svc, Until: ms(1000)},
			{At: ms(900), Action: "clock-step", Node: "n5", Step: ms(-40)}}},
		// A cut the nodes notice (after detect_after, 200ms) leaves them redialing,
		// their waits growing: after 400ms of it one may wait up to 400ms (and its
		// jitter) more. It used to be accepted, and failed its first calls.
		{name: "a noticed partition healed at from", from: 1000, faults: []Fault{{At: ms(400), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(1000), Action: "heal"}},
			want: "faults[1].at: the heal at 1s ends an outage of n1 (from faults[0] at 400ms) that the nodes noticed at 600ms: they reconnect at their next redial, up to 501ms later (backoff_min 50ms, backoff_max 2s, with jitter), past liveness.from 1s"},
		{name: "a noticed partition healed in time", from: 1000, faults: []Fault{{At: ms(100), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(600), Action: "heal"}}},
		{name: "an unnoticed partition healed at from", from: 1000, faults: []Fault{{At: ms(850), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(1000), Action: "heal"}}},
		{name: "a noticed crash restarted late", from: 1500, faults: []Fault{{At: ms(100), Action: "crash", Node: "n1"}, {At: ms(1400), Action: "restart", Node: "n1"}},
			want: "faults[1].at: the restart at 1.4s ends an outage of n1 (from faults[0] at 100ms) that the nodes noticed at 300ms: they reconnect at their next redial, up to 1.001s later"},
		{name: "a noticed pause resumed at from", from: 1000, pauseDetect: 100, faults: []Fault{{At: ms(400), Action: "pause", Node: "n1"}, {At: ms(1000), Action: "resume", Node: "n1"}},
			want: "faults[1].at: the resume at 1s ends an outage of n1 (from faults[0] at 400ms) that the nodes noticed at 500ms: they reconnect at their next redial, up to 501ms later"},
		{name: "a noticed pause resumed in time", from: 1000, pauseDetect: 100, faults: []Fault{{At: ms(100), Action: "pause", Node: "n1"}, {At: ms(450), Action: "resume", Node: "n1"}}},
		// A second cut of links the first cut finds them redialing: the loop goes on
		// from the first, and its waits are as long.
		{name: "a partition cut again before its heal", from: 1000, faults: []Fault{
			{At: ms(100), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(650), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(700), Action: "heal"}},
			want: "faults[2].at: the heal at 700ms ends an outage of n1 (from faults[0] at 100ms) that the nodes noticed at 300ms: they reconnect at their next redial, up to 501ms later"},
		{name: "a partition cut again while redialing", from: 700, faults: []Fault{
			{At: ms(100), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(400), Action: "heal"},
			{At: ms(450), Action: "partition", A: []string{"n1"}, B: all}, {At: ms(500), Action: "heal"}},
			want: "faults[3].at: the heal at 500ms ends an outage of n1 (from faults[0] at 100ms) that the nodes noticed at 300ms: they reconnect at their next redial, up to 251ms later"},
		// A pause noticed, then a crash: the clients' loops run from the pause.
		{name: "a noticed pause, then a crash", from: 1000, pauseDetect: 100, faults: []Fault{
			{At: ms(100), Action: "pause", Node: "n3"}, {At: ms(650), Action: "crash", Node: "n3"}, {At: ms(700), Action: "restart", Node: "n3"}},
			want: "faults[2].at: the restart at 700ms ends an outage of n3 (from faults[0] at 100ms) that the nodes noticed at 200ms: they reconnect at their next redial, up to 501ms later"},
		// Without clients a restarted node dials every member at once, and a resumed
		// one after its first wait.
		{name: "a noticed crash restarted at from, members only", from: 1000, members: true, faults: []Fault{{At: ms(100), Action: "crash", Node: "n1"}, {At: ms(1000), Action: "restart", Node: "n1"}}},
		{name: "a noticed pause resumed just in time, members only", from: 1000, members: true, pauseDetect: 100, faults: []Fault{{At: ms(100), Action: "pause", Node: "n1"}, {At: ms(936), Action: "resume", Node: "n1"}}},
		{name: "a noticed pause resumed too late, members only", from: 1000, members: true, pauseDetect: 100, faults: []Fault{{At: ms(100), Action: "pause", Node: "n1"}, {At: ms(937), Action: "resume", Node: "n1"}},
			want: "faults[1].at: the resume at 937ms ends an outage of n1 (from faults[0] at 100ms) that the nodes noticed at 200ms: they reconnect at their next redial, up to 63.5ms later"},
		// At run time a crash ends a pause: a resume after it finds nothing to do.
		{name: "a pause ended by a crash", from: 1000, faults: []Fault{{At: ms(100), Action: "pause", Node: "n1"}, {At: ms(200), Action: "crash", Node: "n1"}, {At: ms(300), Action: "restart", Node: "n1"}}},
		{name: "faults that start no trouble after from", from: 1000, faults: []Fault{
			{At: ms(1100), Action: "heal"}, {At: ms(1200), Action: "release", A: []string{"n1"}, B: []string{"n2"}},
			{At: ms(1300), Action: "resume", Node: "n2"}, {At: ms(1400), Action: "save", Node: "n2"},
			{At: ms(1500), Action: "restart", Node: "n2"},
			{At: ms(1600), Action: "clock-set", Node: "n2", Clock: &netmodel.ClockModel{DriftPPM: 500}},
			{At: ms(1700), Action: "rule", Rule: &RuleSpec{Name: "dup", Match: MatchSpec{Kind: "reply"}, Action: "duplicate"}},
			{At: ms(1800), Action: "unrule", Rule: &RuleSpec{Name: "dup"}}}},
		{name: "rules that fail no call in the liveness phase", from: 1000, faults: []Fault{
			{At: ms(300), Action: "rule", Rule: &RuleSpec{Name: "d", Action: "drop"}}, {At: ms(1000), Action: "unrule", Rule: &RuleSpec{Name: "d"}},
			{At: ms(1100), Action: "rule", Rule: &RuleSpec{Name: "short", Match: MatchSpec{Kind: "route"}, Action: "delay", Delay: ms(10)}},
			{At: ms(1200), Action: "rule", Rule: &RuleSpec{Name: "gossip", Match: MatchSpec{Kind: "gossip"}, Action: "delay", Delay: ms(5)}},
			{At: ms(1300), Action: "rule", Rule: &RuleSpec{Name: "casts", Match: MatchSpec{Kind: "cast"}, Action: "delay", Delay: ms(500)}}}},
	}
	// A network too slow for any call: refused with a liveness phase, as what it
	// would report is no router bug.
	slow := named(t, "steady")
	slow.Link.Latency = Dist{Kind: "constant", Min: ms(25)}
	if err := slow.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "link.latency.min: 25ms each way is not under half workload.timeout 50ms") {
		t.Errorf("a 25ms link with a 50ms timeout: %v", err)
	}
	slow.Liveness.Within = ms(2)
	slow.Link.Latency = Dist{Kind: "constant", Min: ms(1)}
	if err := slow.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "link.latency.min: 1ms each way is not under half liveness.within 2ms") {
		t.Errorf("a 1ms link with liveness.within 2ms: %v", err)
	}
	slow.Liveness.Within = 0
	slow.Link.Latency = Dist{Kind: "constant", Min: dur(20 * time.Hour)}
	if err := slow.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "link.latency.min: 20h0m0s each way") {
		t.Errorf("a link of twenty hours: %v", err)
	}
	slow.Liveness = nil
	if err := slow.Validate(); err != nil {
		t.Errorf("the same without a liveness phase: %v", err)
	}
	// A lossy link: refused with a liveness phase, in the spec's link or a link of its
	// own, since each call it loses would fail liveness; taken without one.
	lossy := named(t, "steady")
	lossy.Link.Drop = 0.001
	if err := lossy.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "link.drop: 0.001 loses messages in the liveness phase too") {
		t.Errorf("a link that loses 0.1%%: %v", err)
	}
	lossy = named(t, "steady")
	lossy.Links = []LinkSpec{{From: "n2", To: "n1", Link: netmodel.Link{Latency: Dist{Kind: "constant", Min: ms(1)}, Drop: 0.5}}}
	if err := lossy.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "links[0].link.drop: 0.5 from n2 to n1 loses messages") {
		t.Errorf("a link of its own that loses half: %v", err)
	}
	lossy.Liveness = nil
	if err := lossy.Validate(); err != nil {
		t.Errorf("the same without a liveness phase: %v", err)
	}
	// A link of its own too slow to go there and back: refused the same, naming it;
	// slow one way only, with the spec's link back, it leaves time and is taken.
	slow = named(t, "steady")
	lk := func(from, to string, d time.Duration) LinkSpec {
		return LinkSpec{From: from, To: to, Link: netmodel.Link{Latency: Dist{Kind: "constant", Min: dur(d)}}}
	}
	slow.Links = []LinkSpec{lk("n1", "n2", 30*time.Millisecond), lk("n2", "n1", 30*time.Millisecond)}
	if err := slow.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "links[0].link.latency.min: n1 to n2 and back take at least 60ms, not under workload.timeout 50ms") {
		t.Errorf("links of 30ms each way with a 50ms timeout: %v", err)
	}
	slow.Links = slow.Links[:1]
	if err := slow.Validate(); err != nil {
		t.Errorf("a link of 30ms one way only: %v", err)
	}
	// Past MaxSpan (where twice the latency would overflow), the limit refuses it
	// first, with or without a liveness phase.
	slow.Link.Latency = Dist{Kind: "constant", Min: dur(2_000_000 * time.Hour)}
	if err := slow.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "link.latency.min: 2000000h0m0s, past the limit of 24h0m0s") {
		t.Errorf("a link of two million hours: %v", err)
	}
	slow = named(t, "steady")
	slow.Link.Latency = Dist{Kind: "constant", Min: ms(24)}
	if err := slow.Validate(); err != nil {
		t.Errorf("a 24ms link with a 50ms timeout: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = &Liveness{From: ms(tc.from)}
			s.Faults = tc.faults
			if tc.members {
				s.Clients, s.Workload.ClientShare = nil, 0
			}
			s.PauseDetectAfter = ms(tc.pauseDetect)
			if tc.casts {
				s.Workload.CastShare = 0.1
			}
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
			// Without a liveness phase the faults are fine, unless they never end.
			s.Liveness = nil
			err = s.Validate()
			switch {
			case tc.unended == "" && err != nil:
				t.Fatalf("without liveness: %v", err)
			case tc.unended != "" && (!errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.unended)):
				t.Fatalf("without liveness: error %v, want ErrBadSpec saying %q", err, tc.unended)
			}
		})
	}
}

// TestSpecRefusesUnendedFaults: without a liveness phase, a fault whose messages or
// calls would wait for ever is refused as the spec's mistake, not run and reported as
// a leak; one whose losses are final is fine.
func TestSpecRefusesUnendedFaults(t *testing.T) {
	cases := []struct {
		name   string
		faults []Fault
		want   string // "" for a valid spec
	}{
		{name: "a hold never released", faults: []Fault{{At: ms(100), Action: "hold", A: []string{"n1"}, B: []string{"n2"}}},
			want: "faults[0]: the hold of n1 -> n2 is never released"},
		{name: "a release of the other way", faults: []Fault{{At: ms(100), Action: "hold", A: []string{"n1"}, B: []string{"n2"}},
			{At: ms(200), Action: "release", A: []string{"n2"}, B: []string{"n1"}}},
			want: "faults[0]: the hold of n1 -> n2 is never released"},
		{name: "a hold released", faults: []Fault{{At: ms(100), Action: "hold", A: []string{"n1"}, B: []string{"n2"}},
			{At: ms(200), Action: "release", A: []string{"n1"}, B: []string{"n2"}}}},
		{name: "a stalling partition never healed", faults: []Fault{{At: ms(100), Action: "partition", A: []string{"n1"}, B: []string{"n2"}, InFlight: "stall"}},
			want: "faults[0]: the partition stalls the messages in flight and is never healed"},
		{name: "a stalling partition healed", faults: []Fault{{At: ms(100), Action: "partition-one-way", A: []string{"n1"}, B: []string{"n2"}, InFlight: "stall"},
			{At: ms(200), Action: "heal"}}},
		{name: "a dropping partition never healed", faults: []Fault{{At: ms(100), Action: "partition", A: []string{"n1"}, B: []string{"n2"}}}},
		{name: "a pause never resumed", faults: []Fault{{At: ms(100), Action: "pause", Node: "n2"}},
			want: "faults[0]: n2 is paused and never resumed"},
		{name: "a pause ended by a crash", faults: []Fault{{At: ms(100), Action: "pause", Node: "n2"}, {At: ms(200), Action: "crash", Node: "n2"}}},
		{name: "a crash never restarted", faults: []Fault{{At: ms(100), Action: "crash", Node: "n2"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			s.Faults = tc.faults
			err := s.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				res, err := Run(s, Options{Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				if v := res.Report.Violations; len(v) > 0 {
					t.Fatalf("accepted, and the run reports %d violations, first %+v", len(v), v[0])
				}
				return
			}
			if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrBadSpec saying %q", err, tc.want)
			}
		})
	}
}

// TestRedialBoundSuffices: a spec whose liveness phase starts where the refusal of
// an earlier one says it may (its links back after the slowest redial) is accepted,
// a millisecond earlier refused, and runs without a liveness failure, seed after
// seed, under both semantics: the bound is not too short. The outages: a partition
// of n1 from the others, a crash of n2, a pause of n3, each noticed; a partition cut
// again before its heal, and a pause noticed and then a crash, whose dial loops run
// from the first; and without clients (whom nobody dials) a crash, after which the
// restarted node dials every member at once, and a pause.
func TestRedialBoundSuffices(t *testing.T) {
	others := []string{"n2", "n3", "n4", "n5", "c1"}
	for _, tc := range []struct {
		name    string
		faults  []Fault
		members bool
	}{
		{"partition", []Fault{{At: ms(100), Action: "partition", A: []string{"n1"}, B: others}, {At: ms(700), Action: "heal"}}, false},
		{"crash", []Fault{{At: ms(100), Action: "crash", Node: "n2"}, {At: ms(700), Action: "restart", Node: "n2"}}, false},
		{"pause", []Fault{{At: ms(100), Action: "pause", Node: "n3"}, {At: ms(700), Action: "resume", Node: "n3"}}, false},
		{"partition cut again", []Fault{{At: ms(100), Action: "partition", A: []string{"n1"}, B: others},
			{At: ms(650), Action: "partition", A: []string{"n1"}, B: others}, {At: ms(700), Action: "heal"}}, false},
		{"pause then crash", []Fault{{At: ms(100), Action: "pause", Node: "n3"}, {At: ms(650), Action: "crash", Node: "n3"}, {At: ms(700), Action: "restart", Node: "n3"}}, false},
		{"crash, members only", []Fault{{At: ms(100), Action: "crash", Node: "n2"}, {At: ms(700), Action: "restart", Node: "n2"}}, true},
		{"pause, members only", []Fault{{At: ms(100), Action: "pause", Node: "n3"}, {At: ms(700), Action: "resume", Node: "n3"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.PauseDetectAfter = ms(100)
			if tc.members {
				s.Clients, s.Workload.ClientShare = nil, 0
				for i := range tc.faults {
					tc.faults[i].B = slices.DeleteFunc(slices.Clone(tc.faults[i].B), func(n string) bool { return n == "c1" })
				}
			}
			s.Faults = tc.faults
			// The edge: the last fault, or where its refusal says.
			from := tc.faults[len(tc.faults)-1].At.D()
			s.Liveness = &Liveness{From: dur(from)}
			s.Workload.Duration = dur(from + 600*time.Millisecond)
			if err := s.Validate(); err != nil {
				m := regexp.MustCompile(`move liveness.from to (\S+) or later`).FindStringSubmatch(err.Error())
				if m == nil {
					t.Fatal(err)
				}
				if from, err = time.ParseDuration(m[1]); err != nil {
					t.Fatal(err)
				}
				s.Liveness.From = dur(from)
				if err := s.Validate(); err != nil {
					t.Fatalf("at the edge its refusal named: %v", err)
				}
				early := s
				early.Liveness = &Liveness{From: dur(from - time.Millisecond)}
				if err := early.Validate(); err == nil {
					t.Fatalf("liveness.from %v, a millisecond before the edge, accepted", from-time.Millisecond)
				}
			}
			for seed := uint64(1); seed <= 12; seed++ {
				for _, sem := range []router.Semantics{router.Default, router.Riak} {
					res := mustRun(t, s, Options{Seed: seed, Semantics: sem})
					for _, v := range res.Report.Violations {
						t.Errorf("liveness.from %v, seed %d, %v: %+v", from, seed, sem, v)
						break
					}
				}
			}
		})
	}
}

// TestLivenessRefusesHopLimitOne: a hop limit of 1 fails every call a client makes
// through a member, and every call a follower forwards (two hops each): with a
// liveness phase each would read as a router bug, so the spec is refused, naming it.
// Without clients or calls to members it is fine; so is a hop limit of 2.
func TestLivenessRefusesHopLimitOne(t *testing.T) {
	s := named(t, "steady") // client_share 0.2
	s.HopLimit = 1
	if err := s.Validate(); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "hop_limit: 1 fails every call that a client makes through a member that does not host the leader, or that a follower forwards") {
		t.Fatalf("hop limit 1 with clients: %v", err)
	}
	members := s
	members.Clients, members.Workload.ClientShare = nil, 0
	if err := members.Validate(); err != nil {
		t.Fatalf("hop limit 1, members only: %v", err)
	}
	res := mustRun(t, members, Options{Seed: 1})
	if v := res.Report.Violations; len(v) > 0 {
		t.Fatalf("hop limit 1, members only: %d violations, first %+v", len(v), v[0])
	}
	members.Workload.PeerShare = 0.1
	if err := members.Validate(); err == nil {
		t.Fatal("hop limit 1 with calls to members: accepted")
	}
	s.HopLimit = 2
	if err := s.Validate(); err != nil {
		t.Fatalf("hop limit 2: %v", err)
	}
}
