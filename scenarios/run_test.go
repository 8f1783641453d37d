package scenarios

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
)

var update = flag.Bool("update", false, "rewrite scenarios/testdata/golden_hashes.json")

var semantics = []router.Semantics{router.Default, router.Riak}

func mustRun(t *testing.T, spec Spec, opt Options) *Result {
	t.Helper()
	res, err := Run(spec, opt)
	if err != nil {
		t.Fatalf("%s: %v", spec.Name, err)
	}
	return res
}

func named(t testing.TB, name string) Spec {
	t.Helper()
	s, ok := Named(name)
	if !ok {
		t.Fatalf("no scenario %q", name)
	}
	return s
}

// TestNamedScenariosHold runs every named scenario under both semantics: every
// invariant holds and the run did real work.
func TestNamedScenariosHold(t *testing.T) {
	for _, name := range QuickNames() { // scale is Heavy: scale_test.go runs its shape
		for _, sem := range semantics {
			t.Run(name+"/"+sem.String(), func(t *testing.T) {
				r := mustRun(t, named(t, name), Options{Seed: 1, Semantics: sem}).Report
				if len(r.Violations) > 0 {
					t.Fatalf("violations: %+v", r.Violations)
				}
				if r.Calls.Total == 0 || r.Calls.OK == 0 || r.Events == 0 || r.TraceHash == "" {
					t.Fatalf("empty run: %+v", r)
				}
				if sum := outcomesSum(r.Calls); sum != r.Calls.Total || r.Calls.Open != 0 {
					t.Fatalf("outcomes add up to %d, total %d (%d open)", sum, r.Calls.Total, r.Calls.Open)
				}
			})
		}
	}
}

// outcomesSum is the calls that c counts by outcome, lost or open.
func outcomesSum(c Calls) uint64 {
	var sum uint64
	for _, n := range []uint64{c.OK, c.Timeout, c.NoLeader, c.NotLeader, c.Unreachable, c.HopLimit, c.Overloaded, c.Other, c.Lost, c.Open} {
		sum += n
	}
	return sum
}

// seeds is how many seeds TestSeeds runs per scenario: a few in CI, more with
// ENSROUTE_SEEDS=100 go test ./scenarios -run TestSeeds.
func seeds(t *testing.T) int {
	if s := os.Getenv("ENSROUTE_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("ENSROUTE_SEEDS=%q: want a positive number", s)
		}
		return n
	}
	if testing.Short() {
		return 2
	}
	return 8
}

// TestSeeds runs many seeds of every scenario under default semantics.
func TestSeeds(t *testing.T) {
	n := seeds(t)
	for _, name := range QuickNames() { // scale is Heavy: scale_test.go runs its shape
		t.Run(name, func(t *testing.T) {
			for seed := uint64(1); seed <= uint64(n); seed++ {
				r := mustRun(t, named(t, name), Options{Seed: seed}).Report
				if len(r.Violations) > 0 {
					t.Fatalf("seed %d: %+v\nreplay: go run ./cmd/ensim run --scenario %s --seed %d", seed, r.Violations[0], name, seed)
				}
			}
		})
	}
}

// TestSlowLeaderDropsLateReplies: calls to a slow leader time out, and the answers
// that come after are dropped and counted.
func TestSlowLeaderDropsLateReplies(t *testing.T) {
	for _, sem := range semantics {
		r := mustRun(t, named(t, "slow-leader"), Options{Seed: 1, Semantics: sem}).Report
		if r.Calls.Timeout == 0 || r.LateRepliesDiscarded == 0 {
			t.Errorf("%s: timeouts %d, late replies %d: want both > 0", sem, r.Calls.Timeout, r.LateRepliesDiscarded)
		}
	}
}

// TestNoLeader: under default semantics a call to a leaderless ensemble ends with
// ErrNoLeader long before its timeout, wherever it was routed; under riak the calls
// routed through a remote hop (from the client) wait out their whole timeout.
func TestNoLeader(t *testing.T) {
	timeout := named(t, "no-leader").Workload.Timeout.D()
	for _, sem := range semantics {
		wd, err := newWorld(named(t, "no-leader"), Options{Seed: 1, Semantics: sem})
		if err != nil {
			t.Fatal(err)
		}
		wd.schedule()
		wd.w.Run()
		var remote, noLeader int
		for i := range wd.chk.calls {
			c := &wd.chk.calls[i]
			if wd.eord[c.ens] != "e1" {
				continue
			}
			viaClient := !wd.byIdx[c.node].member
			id := wd.chk.callID(c)
			switch sem {
			case router.Default:
				if c.completions == 0 || c.class != classNoLeader {
					t.Fatalf("default: call %s to e1 ended with %v (completions %d), want no leader", id, c.code, c.completions)
				}
				if c.latency > timeout/10 {
					t.Fatalf("default: call %s took %v to learn there is no leader (timeout %v)", id, c.latency, timeout)
				}
				noLeader++
			case router.Riak:
				if c.completions == 0 || c.class != classTimeout {
					t.Fatalf("riak: call %s ended with %v (completions %d), want timeout", id, c.code, c.completions)
				}
				if viaClient {
					remote++
					if c.latency != timeout {
						t.Fatalf("riak: remote-hop call %s ended after %v, want its whole timeout %v", id, c.latency, timeout)
					}
				} else if c.latency != 0 {
					t.Fatalf("riak: call %s at the caller's node took %v, want an immediate timeout", id, c.latency)
				}
			}
		}
		if sem == router.Riak && remote == 0 || sem == router.Default && noLeader == 0 {
			t.Fatalf("%s: no calls to e1 were checked", sem)
		}
	}
}

// TestDeterministic: the same spec and seed give the same trace, record by record.
func TestDeterministic(t *testing.T) {
	for _, name := range QuickNames() { // scale is Heavy: scale_test.go runs its shape
		a := mustRun(t, named(t, name), Options{Seed: 7, KeepTrace: true})
		b := mustRun(t, named(t, name), Options{Seed: 7, KeepTrace: true})
		if a.Report.TraceHash != b.Report.TraceHash {
			t.Fatalf("%s: hashes differ", name)
		}
		// reflect.DeepEqual first: cmp.Diff of two equal traces walked them for 80%
		// of the test's time; it is kept for the message when they differ.
		if !reflect.DeepEqual(a.Trace, b.Trace) {
			t.Fatalf("%s: traces differ (-first +second):\n%s", name, cmp.Diff(a.Trace, b.Trace))
		}
		if c := mustRun(t, named(t, name), Options{Seed: 8}); c.Report.TraceHash == a.Report.TraceHash {
			t.Fatalf("%s: seeds 7 and 8 gave the same trace", name)
		}
	}
}

// TestGoldenHashes pins the trace hash of every named scenario, seed 1, both
// semantics. A change in behaviour changes a hash: review it, then rewrite with
// go test ./scenarios -run TestGoldenHashes -update
func TestGoldenHashes(t *testing.T) {
	got := map[string]string{}
	for _, name := range QuickNames() { // scale is Heavy: scale_test.go runs its shape
		for _, sem := range semantics {
			got[name+"/"+sem.String()] = mustRun(t, named(t, name), Options{Seed: 1, Semantics: sem}).Report.TraceHash
		}
	}
	for _, v := range goldenVariants {
		s := named(t, v.scenario)
		v.change(&s)
		got[v.scenario+"+"+v.name+"/default"] = mustRun(t, s, Options{Seed: 1}).Report.TraceHash
	}
	path := filepath.Join("testdata", "golden_hashes.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	var want map[string]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("trace hashes changed (-golden +now); if intended, rerun with -update:\n%s", diff)
	}
}

// goldenVariants are specs TestGoldenHashes pins beside the named scenarios: a
// workload no named scenario has, whose draws would otherwise go unwatched (a draw
// more or less changes every call after it, and the replay of a spec saved with a
// failure).
var goldenVariants = []struct {
	scenario, name string
	change         func(*Spec)
}{
	// Peer targets without casts (direct has both): the cast draw is made only when
	// there are casts.
	{"steady", "peer_share", func(s *Spec) { s.Workload.PeerShare = 0.35 }},
}

// TestQuietBound: the run ends by itself well before its safety cap.
func TestQuietBound(t *testing.T) {
	for _, name := range QuickNames() { // scale is Heavy: scale_test.go runs its shape
		wd, err := newWorld(named(t, name), Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		wd.schedule()
		wd.w.Run()
		if wd.w.Now() > wd.quietBy {
			t.Fatalf("%s: went quiet at %v, after the cap %v", name, wd.w.Now(), wd.quietBy)
		}
		if wd.w.Now() < time.Second {
			t.Fatalf("%s: ended at %v: the workload did not run", name, wd.w.Now())
		}
	}
}

// TestNotQuietIsALeak: a world that never goes quiet is cut short just past its cap,
// after the first event past it, and reported as a leak.
func TestNotQuietIsALeak(t *testing.T) {
	wd, err := newWorld(named(t, "steady"), Options{Seed: 1, NoHash: true})
	if err != nil {
		t.Fatal(err)
	}
	var tick func()
	tick = func() { wd.w.After(time.Second, tick) } // forever
	wd.w.Schedule(0, tick)
	res := wd.run()
	if now := wd.w.Now(); now <= wd.quietBy || now > wd.quietBy+time.Second {
		t.Fatalf("run stopped at %v, want the first event past the cap %v", now, wd.quietBy)
	}
	// The detail names the cap as the time it is, and how long after the last
	// change (steady's workload ends at 2s) it comes.
	limit := wd.quietBy
	want := fmt.Sprintf("world not quiet by %v, %v after the last scheduled change, where the run stops: ", limit, limit-2*time.Second)
	for _, v := range res.Report.Violations {
		if v.Invariant == InvNoLeak && strings.HasPrefix(v.Detail, want) {
			return
		}
	}
	t.Fatalf("no leak %q... among the violations %v", want, res.Report.Violations)
}

// TestStopDoesNotEndTheRun: a World.Stop from inside an event (which nothing in the
// scenarios calls) does not end a run early or make it count as quiet: the run goes
// on to the same end, with the same report, as a loop of Steps would. The run it is
// compared with has events that do nothing at the same times.
func TestStopDoesNotEndTheRun(t *testing.T) {
	spec := named(t, "steady")
	report := func(event func(wd *world) func()) Report {
		wd, err := newWorld(spec, Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Duration{time.Millisecond, time.Second, 2 * time.Second} {
			wd.w.Schedule(at, event(wd))
		}
		return wd.run().Report
	}
	want := report(func(*world) func() { return func() {} })
	got := report(func(wd *world) func() { return wd.w.Stop })
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("a run with Stops differs from one without (-without +with):\n%s", d)
	}
	if len(got.Violations) != 0 || got.Events < 20_000 {
		t.Fatalf("the run with Stops: %d events, violations %v; want a whole quiet run", got.Events, got.Violations)
	}
}

// TestPeerWorkShare: the share of the leaders' service time spent for callers that had
// given up. Under overload, riak's unbounded mailboxes hand leaders requests long
// after their callers timed out; default sheds them or drops them once their budget is
// spent. In slow-leader the peer stops when the budget default hands it runs out, so
// almost nothing is wasted; naive-peer is the same world with a peer that ignores its
// budget, as the original's peer (which is handed none) does, and a third of its work
// is for callers that are gone.
func TestPeerWorkShare(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scenario string
		sem      router.Semantics
		min, max float64
	}{
		{name: "overload-riak", scenario: "overload", sem: router.Riak, min: 0.3, max: 1},
		{name: "overload-default", scenario: "overload", sem: router.Default, min: 0, max: 0},
		{name: "slow-leader-default", scenario: "slow-leader", sem: router.Default, min: 0, max: 0.1},
		{name: "naive-peer-default", scenario: "naive-peer", sem: router.Default, min: 0.2, max: 1},
		{name: "naive-peer-riak", scenario: "naive-peer", sem: router.Riak, min: 0.2, max: 1},
		{name: "steady", scenario: "steady", sem: router.Default, min: 0, max: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := mustRun(t, named(t, tc.scenario), Options{Seed: 1, Semantics: tc.sem}).Report.AfterGiveUp
			if g.PeerWorkTotalNS <= 0 || g.PeerWorkNS < 0 || g.PeerWorkNS > g.PeerWorkTotalNS {
				t.Fatalf("peer work %dns of %dns: want 0 <= wasted <= total, total > 0", g.PeerWorkNS, g.PeerWorkTotalNS)
			}
			if s := g.PeerWorkShare(); s < tc.min || s > tc.max {
				t.Errorf("share of peer work after give-up %.3f (%dns of %dns), want within [%v, %v]", s, g.PeerWorkNS, g.PeerWorkTotalNS, tc.min, tc.max)
			}
		})
	}
}

// TestOutcomesNameCallsAsTheirIDs: every outcome names its call as the call's id
// renders itself (the trace's spelling), through restarts (a node's names change
// prefix with its incarnation), calls made while their node was down (never named),
// and the bug that reuses incarnation 0.
func TestOutcomesNameCallsAsTheirIDs(t *testing.T) {
	cases := []struct {
		spec Spec
		opt  Options
	}{
		{named(t, "steady"), Options{Seed: 1}},
		{named(t, "directory-regression"), Options{Seed: 2}},
		{named(t, "leader-churn"), Options{Seed: 3, Semantics: router.Riak}},
		{reuseSpec(t), Options{Seed: 1, Bugs: bugs.Of(bugs.ReuseCallID)}},
	}
	for _, tc := range cases {
		wd, err := newWorld(tc.spec, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		res := wd.run()
		prefixes := map[string]bool{}
		for i := range wd.chk.calls {
			want := wd.chk.callID(&wd.chk.calls[i]).String()
			if got := res.Outcomes()[i].Call; got != want {
				t.Fatalf("%s: outcome %d names %q, want %q", tc.spec.Name, i, got, want)
			}
			prefixes[want[:strings.LastIndexByte(want, '.')+1]] = true
		}
		if len(res.Outcomes()) != len(wd.chk.calls) || len(prefixes) < 2 {
			t.Fatalf("%s: %d outcomes of %d calls, %d name prefixes", tc.spec.Name, len(res.Outcomes()), len(wd.chk.calls), len(prefixes))
		}
	}
}

// TestReportTalliesCalls: a report's outcome counts, latency percentiles (of every
// completed call, and of the failed ones) and leaders' work are what the call
// records hold, tallied the plain way (sorted latencies at the nearest ranks), in
// runs with successes, failures of several kinds, calls lost to crashes and leaders
// that worked on a call more than once.
func TestReportTalliesCalls(t *testing.T) {
	var sawLost, sawFailed, sawSpans, sawNoLeader bool
	for _, tc := range []struct {
		scenario string
		sem      router.Semantics
	}{
		{"steady", router.Default},
		{"overload", router.Riak},
		{"naive-peer", router.Default},
		{"leader-churn", router.Riak},
		{"crash-restart", router.Default},
		{"dup-reorder", router.Default},
		{"no-leader", router.Default}, // the one scenario whose calls fail no-leader
	} {
		res := mustRun(t, named(t, tc.scenario), Options{Seed: 1, Semantics: tc.sem})
		chk := res.wd.chk
		var want Calls
		var lat, failed []time.Duration
		var wasted, work int64
		add := func(r *callRec, from, to time.Duration) {
			work += int64(to - from)
			if r.completions > 0 && r.endGlobal < to {
				wasted += int64(to - max(from, r.endGlobal))
			}
		}
		for i := range chk.calls {
			r := &chk.calls[i]
			want.Total++
			if r.worked {
				add(r, r.workFrom, r.workTo)
			}
			if r.completions == 0 {
				if r.lost {
					want.Lost++
				}
				continue
			}
			lat = append(lat, r.latency)
			if r.class != classOK {
				failed = append(failed, r.latency)
			}
			*map[errClass]*uint64{
				classOK: &want.OK, classTimeout: &want.Timeout, classNoLeader: &want.NoLeader,
				classNotLeader: &want.NotLeader, classUnreachable: &want.Unreachable,
				classHopLimit: &want.HopLimit, classOverloaded: &want.Overloaded, classOther: &want.Other,
			}[r.class]++
		}
		for _, s := range chk.work {
			add(&chk.calls[s.call], s.from, s.to)
		}
		sorted := func(ds []time.Duration) Latency {
			if len(ds) == 0 {
				return Latency{}
			}
			slices.Sort(ds)
			return Latency{P50: int64(ds[rank(len(ds), 0.5)]), P99: int64(ds[rank(len(ds), 0.99)]), Max: int64(ds[len(ds)-1])}
		}
		got := res.Report
		if got.Calls != want {
			t.Errorf("%s %s: calls %+v, want %+v", tc.scenario, tc.sem, got.Calls, want)
		}
		if w := sorted(lat); got.Latency != w {
			t.Errorf("%s %s: latency %+v, want %+v", tc.scenario, tc.sem, got.Latency, w)
		}
		if w := sorted(failed); got.ErrorLatency != w {
			t.Errorf("%s %s: error latency %+v, want %+v", tc.scenario, tc.sem, got.ErrorLatency, w)
		}
		if g := got.AfterGiveUp; g.PeerWorkNS != wasted || g.PeerWorkTotalNS != work {
			t.Errorf("%s %s: peer work %d of %d, want %d of %d", tc.scenario, tc.sem, g.PeerWorkNS, g.PeerWorkTotalNS, wasted, work)
		}
		sawLost = sawLost || want.Lost > 0
		sawFailed = sawFailed || len(failed) > 0 && want.OK > 0 && want.Timeout > 0 && len(failed) > int(want.Timeout)
		sawSpans = sawSpans || len(chk.work) > 0
		sawNoLeader = sawNoLeader || want.NoLeader > 0
	}
	if !sawLost || !sawFailed || !sawSpans || !sawNoLeader {
		t.Fatalf("the runs cover: lost calls %v, failures of several kinds beside successes %v, second stretches of work %v, no-leader failures %v; want all",
			sawLost, sawFailed, sawSpans, sawNoLeader)
	}
}

// TestLongCrashNoticed: once the leader's node has been down for detect_after, calls
// to its ensemble fail at once under both semantics (ErrUnreachable under default,
// the original's timeout under riak, whose sends to a node known to be down fail
// too), instead of waiting out their timeout for a reply nobody will send. Until
// then they wait: nothing has noticed.
func TestLongCrashNoticed(t *testing.T) {
	spec := named(t, "crash-restart")
	spec.Name = "long-crash"
	spec.Elections = nil // e2's leader stays on n3 while n3 is down
	crashAt, restartAt := 500*time.Millisecond, 1500*time.Millisecond
	spec.Faults = []Fault{
		{At: Duration(crashAt), Action: "crash", Node: "n3"},
		{At: Duration(restartAt), Action: "restart", Node: "n3"},
	}
	livenessAfter(&spec, restartAt) // its peers redial the restarted n3
	checkNoticed(t, spec, "e2", "n3", crashAt, restartAt, spec.DetectAfter.D())
}

// TestLongPauseNoticed: e1's leader's node, n1, is paused for a second, with
// pause_detect_after 300ms (a real transport's heartbeat timeout, scaled down). Calls
// to e1 that end before the pause is noticed wait out their timeout; calls made once
// it is noticed end at once, as over a real transport once the heartbeat timeout has
// closed the paused node's connections (the reliability test TestPausedLeader).
func TestLongPauseNoticed(t *testing.T) {
	spec := named(t, "gc-pause")
	spec.Name = "long-pause"
	pauseAt, resumeAt := 500*time.Millisecond, 1500*time.Millisecond
	spec.Faults = []Fault{
		{At: Duration(pauseAt), Action: "pause", Node: "n1"},
		{At: Duration(resumeAt), Action: "resume", Node: "n1"},
	}
	spec.PauseDetectAfter = Duration(300 * time.Millisecond)
	livenessAfter(&spec, resumeAt) // its peers redial the resumed n1
	checkNoticed(t, spec, "e1", "n1", pauseAt, resumeAt, spec.PauseDetectAfter.D())
}

// TestReplyHeldAcrossCut: n1, e1's leader's node, cannot reach n4, n5 and c1 from
// 400ms to 700ms, and notices it after 50ms; calls have a second. The calls those
// nodes make to e1 once the cut is noticed reach n1, whose replies cannot go back.
// With reply_hold (as the production transport holds replies for a node that is not
// connected) each is sent once n1 has reconnected to the caller's node: at the heal
// with no redial backoff, at n1's next redial after it with production's (up to
// backoff_max and a quarter later); without, each call waits out its timeout. Under
// riak neither knob applies (the original's transport holds no reply), so each call
// waits out its timeout whatever they say. With no invariant broken.
func TestReplyHeldAcrossCut(t *testing.T) {
	const (
		cutAt, healAt = 400 * time.Millisecond, 700 * time.Millisecond
		detect        = 50 * time.Millisecond
		timeout       = time.Second
	)
	spec := named(t, "asymmetric-partition")
	spec.Name = "reply-hold"
	spec.DetectAfter = Duration(detect)
	spec.Workload.Timeout = Duration(timeout)
	spec.Faults = []Fault{
		{At: Duration(cutAt), Action: "partition-one-way", A: []string{"n1"}, B: []string{"n4", "n5", "c1"}},
		{At: Duration(healAt), Action: "heal"},
	}
	cutOff := map[string]bool{"n4": true, "n5": true, "c1": true}
	for _, sem := range semantics {
		for _, hold := range []time.Duration{0, 3 * time.Second} {
			for _, backoffMax := range []time.Duration{0, 2 * time.Second} {
				spec.BackoffMin, spec.BackoffMax = 0, Duration(backoffMax)
				if backoffMax > 0 {
					spec.BackoffMin = Duration(50 * time.Millisecond)
				}
				replyHeldAcrossCut(t, spec, sem, hold, cutOff)
			}
		}
	}
}

// TestRiakRedialsAtOnce: partition-heal's spec models production's redial window
// (backoff_min 50ms, backoff_max 2s), which the original's transport does not have:
// under riak a link is back as soon as its outage ends, so the run traces no
// reconnect, where under default each noticed outage ends at a redial.
func TestRiakRedialsAtOnce(t *testing.T) {
	spec := named(t, "partition-heal")
	if spec.BackoffMax == 0 || spec.DetectAfter == 0 {
		t.Fatalf("partition-heal: backoff_max %v, detect_after %v: want a redial window and noticed cuts", spec.BackoffMax.D(), spec.DetectAfter.D())
	}
	for _, sem := range semantics {
		res := mustRun(t, spec, Options{Seed: 1, Semantics: sem, KeepTrace: true})
		reconnects := 0
		for _, r := range res.Trace {
			if r.Kind == "reconnect" {
				reconnects++
			}
		}
		if want := sem == router.Default; (reconnects > 0) != want {
			t.Errorf("%s: %d reconnect records; want some: %v", sem, reconnects, want)
		}
	}
}

// replyHeldAcrossCut runs TestReplyHeldAcrossCut's spec under sem with reply_hold
// hold, and checks the calls of the nodes in cutOff.
func replyHeldAcrossCut(t *testing.T, spec Spec, sem router.Semantics, hold time.Duration, cutOff map[string]bool) {
	t.Helper()
	const (
		cutAt, healAt = 400 * time.Millisecond, 700 * time.Millisecond
		detect        = 50 * time.Millisecond
		timeout       = time.Second
	)
	// The latest a reply held for a node can be sent: its sender's redial.
	back := healAt + spec.reconnectBound() + 10*time.Millisecond
	spec.ReplyHold = Duration(hold)
	res := mustRun(t, spec, Options{Seed: 1, Semantics: sem})
	if sem == router.Riak {
		hold = 0 // the original holds no reply: the spec's reply_hold does not apply
	}
	if n := res.Report.ViolationsFound(); n > 0 {
		t.Fatalf("%s, reply_hold %v: %d violations: %v", sem, hold, n, res.Report.Violations)
	}
	calls := 0
	for _, o := range res.Outcomes() {
		// Made once the cut is noticed, and answered before the heal.
		if o.Ensemble != "e1" || !cutOff[o.Node] || o.Start < cutAt+detect+10*time.Millisecond || o.Start > healAt-10*time.Millisecond {
			continue
		}
		calls++
		end := o.Start + o.Latency
		if hold == 0 {
			if o.Code != "timeout" || o.Latency != timeout {
				t.Errorf("%s, no reply hold: call %s at %v ended %s after %v; want timeout after %v", sem, o.Call, o.Start, o.Code, o.Latency, timeout)
			}
		} else if o.Code != "ok" || end < healAt || end > back {
			t.Errorf("%s, reply_hold %v, backoff_max %v: call %s at %v ended %s at %v; want ok from the heal at %v to %v", sem, hold, spec.BackoffMax.D(), o.Call, o.Start, o.Code, end, healAt, back)
		}
	}
	if calls == 0 {
		t.Fatalf("%s, reply_hold %v: no call to e1 from the nodes cut off while the cut was noticed", sem, hold)
	}
	held, dropped := res.Report.Probes["net-replies-held"], res.Report.Probes["net-replies-held-dropped"]
	t.Logf("%s, reply_hold %v (applied: %v): %d calls, held %d dropped %d", sem, spec.ReplyHold.D(), hold, calls, held, dropped)
	if hold == 0 && held != 0 || hold > 0 && (held < uint64(calls) || dropped != 0) {
		t.Errorf("%s, reply_hold %v: %d replies held, %d dropped, for %d calls answered during the cut", sem, hold, held, dropped, calls)
	}
}

// checkNoticed runs spec, in which node (which leads ensemble e) is out of action from
// `from` to `to` and noticed after detect, under both semantics, and checks the calls
// to e that other nodes make meanwhile: those that end before it is noticed time out,
// those made after end at once (unreachable; riak says timeout).
func checkNoticed(t *testing.T, spec Spec, e, node string, from, to, detect time.Duration) {
	t.Helper()
	timeout := spec.Workload.Timeout.D()
	for _, sem := range semantics {
		res := mustRun(t, spec, Options{Seed: 1, Semantics: sem})
		if n := res.Report.ViolationsFound(); n > 0 {
			t.Fatalf("%s: %d violations: %v", sem, n, res.Report.Violations)
		}
		want := "unreachable"
		if sem == router.Riak {
			want = "timeout"
		}
		var early, noticed int
		for _, o := range res.Outcomes() {
			if o.Ensemble != e || o.Node == node || o.Start < from || o.Start+timeout > to {
				continue
			}
			switch {
			case o.Start+timeout <= from+detect:
				early++ // unnoticed for the whole call: it waits
				if o.Code != "timeout" || o.Latency != timeout {
					t.Errorf("%s: call %s at %v, before %s is noticed, ended %s after %v; want timeout after %v", sem, o.Call, o.Start, node, o.Code, o.Latency, timeout)
				}
			case o.Start >= from+detect:
				noticed++
				if o.Code != want || o.Latency > timeout/10 {
					t.Errorf("%s: call %s at %v, after %s is noticed, ended %s after %v; want %s at once", sem, o.Call, o.Start, node, o.Code, o.Latency, want)
				}
			}
		}
		if early == 0 || noticed == 0 {
			t.Fatalf("%s: %d calls before %s was noticed and %d after: want some of each", sem, early, node, noticed)
		}
	}
}

// TestProgressChangesNothing: a run with a Progress hook is the same run, event for
// event and record for record, as one without; the hook is called in order of virtual
// time, about every ProgressEvery, with the events run so far.
func TestProgressChangesNothing(t *testing.T) {
	for _, name := range []string{"steady", "partition-heal", "gc-pause"} {
		spec := named(t, name)
		plain := mustRun(t, spec, Options{Seed: 3})
		var times []time.Duration
		var events []uint64
		watched := mustRun(t, spec, Options{Seed: 3, ProgressEvery: 10 * time.Millisecond, Progress: func(now time.Duration, n uint64) {
			times, events = append(times, now), append(events, n)
		}})
		if d := cmp.Diff(plain.Report, watched.Report, cmpopts.IgnoreFields(Report{}, "WallTimeNS", "EventsPerSec", "SimPerWall")); d != "" {
			t.Errorf("%s: the report with a Progress hook differs (-without +with):\n%s", name, d)
		}
		if want := int(watched.Report.SimTimeNS / int64(10*time.Millisecond)); len(times) < want/2 || len(times) > want+1 {
			t.Errorf("%s: %d calls of the hook over %v; want about %d", name, len(times), time.Duration(watched.Report.SimTimeNS), want)
		}
		for i := 1; i < len(times); i++ {
			if times[i] <= times[i-1] || events[i] < events[i-1] {
				t.Fatalf("%s: call %d of the hook at %v with %d events, after %v with %d", name, i, times[i], events[i], times[i-1], events[i-1])
			}
		}
	}
}
