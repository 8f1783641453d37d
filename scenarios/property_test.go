package scenarios_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/specgen"
)

// Property tests over generated specs (scenarios/specgen). README.md, "Property tests and the
// failing-seed workflow", walks through what to do when one fails.

const (
	// reproEnv names the file the property writes its repro to, or a directory for
	// them, one that exists or a path ending with a separator (reproPath). Unset, the file goes to the test's artifact directory under go
	// test -artifacts, or else to a fresh directory under os.TempDir, one per test
	// process.
	reproEnv = "ENSROUTE_PROP_REPRO"
	// injectEnv makes TestPropInvariants run against a core with that bug injected (a
	// name bugs.Parse knows), to see what a failure looks like.
	injectEnv = "ENSROUTE_INJECT"
	// shrinkBugEnv makes TestShrinkChild run the property with that bug injected; only
	// TestPropShrinksBugs sets it, for a child process.
	shrinkBugEnv = "ENSROUTE_SHRINK_BUG"
)

// semantics are both semantics, as run_test.go has them for this package's own tests.
var semantics = []router.Semantics{router.Default, router.Riak}

// mustRun runs spec with opt and fails the test if Run refuses the spec.
func mustRun(t *testing.T, spec scenarios.Spec, opt scenarios.Options) *scenarios.Result {
	t.Helper()
	res, err := scenarios.Run(spec, opt)
	if err != nil {
		t.Fatalf("%s: %v", spec.Name, err)
	}
	return res
}

// ms is n milliseconds as a spec writes it.
func ms(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Millisecond) }

// propConfig is one property over generated specs.
type propConfig struct {
	name string // the test's name: the repro file's name and the printed commands
	bugs bugs.Set
	// bugsFromEnv: bugs came from ENSROUTE_INJECT (injected), which the printed
	// rerun line sets again.
	bugsFromEnv bool
	semantics   []router.Semantics
	// targets are the invariants whose violation fails the property; nil: any.
	targets []string
	// blameBugs: a case fails only if it is clean without the injected bugs, so that
	// shrinking keeps a case the bugs break, not one that fails for another reason.
	blameBugs bool
	// needs, if set, is a precondition: a spec without it is not a test case (rapid
	// draws another, and shrinking keeps it).
	needs func(scenarios.Spec) bool
	// adjust, if set, changes every drawn spec before it runs, to make a rare
	// structure common (a repro holds the spec as run).
	adjust func(*scenarios.Spec)
	// draw, if set, draws more of every spec after its seed (its retries, say), from
	// rapid so that it shrinks too; before adjust.
	draw func(*rapid.T, *scenarios.Spec)
	// artifactDir, if set, is the test's testing.T.ArtifactDir: under go test
	// -artifacts (as .ci/run runs the tests) the repro goes there, in the -outputdir
	// that CI keeps, rather than under os.TempDir on a machine that goes away.
	artifactDir func() string
}

// invariantsProp draws a spec and a seed, runs them under each semantics, and fails
// with every violation. Before failing it writes a repro file in the format of ensim's
// (ensim replay reads it). rapid runs the property again on every smaller case it tries
// while shrinking, so the file is rewritten at each failure, and the one left when
// rapid gives up is the minimal case (rapid reruns the minimal case last).
func invariantsProp(cfg propConfig) func(*rapid.T) {
	return func(t *rapid.T) {
		spec := specgen.SpecGen().Draw(t, "spec")
		seed := rapid.Uint64().Draw(t, "seed")
		if cfg.draw != nil {
			cfg.draw(t, &spec)
		}
		if cfg.adjust != nil {
			cfg.adjust(&spec)
		}
		if cfg.needs != nil && !cfg.needs(spec) {
			t.SkipNow()
		}
		for _, sem := range cfg.semantics {
			opt := scenarios.Options{Seed: seed, Semantics: sem, Bugs: cfg.bugs}
			res, err := scenarios.Run(spec, opt)
			if err != nil {
				t.Fatalf("SpecGen drew a spec that Run refuses: %v\n%s", err, spec.JSON())
			}
			vs := targeted(res.Report.Violations, cfg.targets)
			if len(vs) == 0 {
				continue
			}
			if cfg.blameBugs {
				clean, err := scenarios.Run(spec, scenarios.Options{Seed: seed, Semantics: sem})
				if err != nil {
					t.Fatal(err)
				}
				if len(targeted(clean.Report.Violations, cfg.targets)) > 0 {
					continue // broken without the bugs too: not their doing
				}
			}
			path := reproPath(cfg)
			werr := writeReproFile(path, spec, seed, sem, res.Report, cfg.bugs)
			specgen.Fail(t, vs, failureText(cfg, spec, seed, sem, vs, path, werr))
		}
	}
}

// targeted returns the violations of the target invariants (all of them if targets is
// empty).
func targeted(vs []scenarios.Violation, targets []string) []scenarios.Violation {
	if len(targets) == 0 {
		return vs
	}
	var out []scenarios.Violation
	for _, v := range vs {
		for _, inv := range targets {
			if v.Invariant == inv {
				out = append(out, v)
			}
		}
	}
	return out
}

// failureText is the failure message: the violations, the repro file and the commands
// to paste.
func failureText(cfg propConfig, spec scenarios.Spec, seed uint64, sem router.Semantics, vs []scenarios.Violation, path string, werr error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "invariant %s broken under %s semantics, seed %d (%d nodes, %d clients, %d ensembles, %d faults, %d elections): %d violation(s)\n",
		specgen.FirstInvariant(vs), sem, seed, len(spec.Nodes), len(spec.Clients), len(spec.Ensembles), len(spec.Faults), len(spec.Elections), len(vs))
	for i, v := range vs {
		if i == 5 {
			fmt.Fprintf(&b, "  and %d more\n", len(vs)-i)
			break
		}
		if v.Call != "" {
			fmt.Fprintf(&b, "  %s: call %s: %s\n", v.Invariant, v.Call, v.Detail)
		} else {
			fmt.Fprintf(&b, "  %s: %s\n", v.Invariant, v.Detail)
		}
	}
	env := ""
	if names := cfg.bugs.Names(); len(names) > 0 && cfg.bugsFromEnv {
		env = injectEnv + "=" + strings.Join(names, ",") + " "
	}
	if werr != nil {
		// No repro to replay, but the rerun line still sets ENSROUTE_INJECT: rapid's
		// own "To reproduce" line does not, and would pass.
		fmt.Fprintf(&b, "could not write the repro file: %v\n", werr)
	} else {
		fmt.Fprintf(&b, "repro file (rewritten at every failure while rapid shrinks; the one left at the end is the minimal case):\n  %s\n", path)
		if len(cfg.bugs.Names()) > 0 {
			fmt.Fprintf(&b, "(this run injected test-only bugs, which ensim cannot: its replay shows the run without them)\n")
		}
		q := shellWord(path)
		fmt.Fprintf(&b, "replay it, from the module root:\n  go run ./cmd/ensim replay %s\n  go run ./cmd/ensim replay %s --trace trace.jsonl\n", q, q)
	}
	// rapid's .fail file stays in the clone that failed (scenarios/testdata/rapid,
	// which git ignores): from a CI log, on another machine, the seed rapid prints
	// draws the same cases in the same order, and finds and shrinks the same one
	// within as many checks as CI ran.
	fmt.Fprintf(&b, "rerun this property on the same case: %sgo test ./scenarios -run '^%s$' -rapid.failfile=<the .fail file in rapid's \"To reproduce\" line>"+
		" (on the machine that failed; on another, from a CI log: -rapid.seed=<the seed in that line>%s in place of -rapid.failfile)", env, cfg.name, checksFlag())
	return b.String()
}

// checksFlag is " -rapid.checks=N" when this run checks another number of cases
// than rapid's default, which a rerun by seed must check too to reach the case;
// "" otherwise.
func checksFlag() string {
	f := flag.Lookup("rapid.checks")
	if f == nil || f.Value.String() == f.DefValue {
		return ""
	}
	return " -rapid.checks=" + f.Value.String()
}

// artifactsOn reports whether go test runs with -artifacts, which keeps what a
// test's ArtifactDir holds under -outputdir.
func artifactsOn() bool {
	f := flag.Lookup("test.artifacts")
	return f != nil && f.Value.String() == "true"
}

// shellWord quotes s for a POSIX shell, as ensim quotes the paths in the commands it
// prints: a path under a TMPDIR or ENSROUTE_PROP_REPRO with a space in it stays one
// argument when the printed command is pasted.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeReproFile(path string, spec scenarios.Spec, seed uint64, sem router.Semantics, rep scenarios.Report, injected bugs.Set) error {
	rp := scenarios.NewRepro(spec, seed, sem, rep)
	rp.InjectedBugs = injected.Names()
	return rp.Write(path)
}

// readReproOrSpec reads a repro file (its spec and seed) or a plain spec (seed 1).
func readReproOrSpec(path string) (scenarios.Spec, uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return scenarios.Spec{}, 0, err
	}
	rp, err := scenarios.ParseRepro(bytes.NewReader(data))
	if errors.Is(err, scenarios.ErrNotRepro) {
		spec, err := scenarios.Parse(bytes.NewReader(data))
		return spec, 1, err
	}
	return rp.Spec, rp.Seed, err
}

var (
	reproDirOnce sync.Once
	reproDir     string
	reproDirErr  error
)

// reproPath is where the property cfg writes its repro file: $ENSROUTE_PROP_REPRO
// (name.json in it if it is a directory, or ends with a separator: such a one is made
// if missing), or, under go test -artifacts, name.json in the test's artifact
// directory, or name.json in a directory made for this process under os.TempDir,
// which outlives the test.
func reproPath(cfg propConfig) string {
	name := cfg.name
	if p := os.Getenv(reproEnv); p != "" {
		// A path written as a directory's, "repros/", is one: filepath.Abs drops the
		// separator, and the repro went to a file named repros beside it.
		dir := os.IsPathSeparator(p[len(p)-1])
		// go test runs the test in the package's directory: a relative path is
		// made absolute, so that the replay command printed works from anywhere.
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if dir {
			_ = os.MkdirAll(p, 0o755) // if it fails, so does the write, which the failure says
		}
		return claimReproPath(p, name)
	}
	if cfg.artifactDir != nil && artifactsOn() {
		return filepath.Join(cfg.artifactDir(), reproSafeName(name)+".json")
	}
	reproDirOnce.Do(func() { reproDir, reproDirErr = os.MkdirTemp("", "ensroute-prop-") })
	if reproDirErr != nil {
		return filepath.Join(os.TempDir(), reproSafeName(name)+".json")
	}
	return filepath.Join(reproDir, reproSafeName(name)+".json")
}

var (
	reproClaimsMu sync.Mutex
	// reproClaims maps each file named by ENSROUTE_PROP_REPRO to the property that
	// writes it.
	reproClaims = map[string]string{}
)

// claimReproPath is the file the property named name writes its repro to when
// ENSROUTE_PROP_REPRO is p (absolute): name.json in p if p is a directory; p itself
// for the first property of this process that fails; for any other (go test -run
// TestPropInvariants runs TestPropInvariantsChurn too), p with -name before its
// .json, so that a second failure does not overwrite the first's minimal case, which
// the first failure's message names.
func claimReproPath(p, name string) string {
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return filepath.Join(p, reproSafeName(name)+".json")
	}
	reproClaimsMu.Lock()
	defer reproClaimsMu.Unlock()
	if owner, ok := reproClaims[p]; !ok || owner == name {
		reproClaims[p] = name
		return p
	}
	own := strings.TrimSuffix(p, ".json") + "-" + reproSafeName(name) + ".json"
	reproClaims[own] = name
	return own
}

func reproSafeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// TestPropInvariants: every invariant holds, under both semantics, for every spec
// SpecGen draws and every seed. rapid runs 100 cases by default (20 with -short); run
// many more locally with
//
//	go test ./scenarios -run TestPropInvariants -rapid.checks=5000
//
// ENSROUTE_INJECT=<bug> runs it against a core with that bug injected, to see a
// failure and its shrunk repro.
func TestPropInvariants(t *testing.T) {
	rapid.Check(t, invariantsProp(withInjected(t, propConfig{name: t.Name(), semantics: semantics, artifactDir: t.ArtifactDir})))
}

// withInjected returns cfg with the bug ENSROUTE_INJECT names, if any, injected,
// and its rerun line setting the variable again.
func withInjected(t *testing.T, cfg propConfig) propConfig {
	t.Helper()
	cfg.bugs, cfg.bugsFromEnv = injected(t), true
	return cfg
}

// injected returns the bug ENSROUTE_INJECT names, if any.
func injected(t *testing.T) bugs.Set {
	t.Helper()
	name := os.Getenv(injectEnv)
	if name == "" {
		return bugs.Set{}
	}
	b, ok := bugs.Parse(name)
	if !ok {
		t.Fatalf("%s=%q: no such bug; the bugs are %s", injectEnv, name, bugs.NameList())
	}
	return bugs.Of(b)
}

// TestPropInvariantsChurn is TestPropInvariants where redirects happen: specs with an
// election, busier, on links that duplicate a quarter of the messages (churnAdjust).
// SpecGen alone redirects a call after a nack in about 4 worlds of 1,000, too few for
// 100 cases to try the redirect's rules; with an election and churnAdjust, about 1 in
// 15 does (6 of the 90 of TestGeneratorReachesRarePaths).
// ENSROUTE_INJECT works as for TestPropInvariants.
func TestPropInvariantsChurn(t *testing.T) {
	rapid.Check(t, invariantsProp(withInjected(t, propConfig{name: t.Name(), semantics: semantics, needs: hasElection, adjust: churnAdjust, artifactDir: t.ArtifactDir})))
}

// hasElection reports whether s has an election: a nack, and so a redirect, needs one.
func hasElection(s scenarios.Spec) bool { return len(s.Elections) > 0 }

// churnAdjust makes a drawn spec's links duplicate a quarter of the messages, so
// that copies of requests and of nacks meet the redirects an election brings, and
// its workload call at least 5,000 times a second, so that calls are under way when
// an election's news arrives (a redirect needs a nack that comes after it). A
// bounded mailbox holds at least 64 messages: an ordered link delivers together what
// was sent while one slow message held it up (as TCP does), and at that rate a draw
// of 1.4ms, one in 200,000 of the generator's latencies, brought nine routes at once
// to a mailbox of 8, shedding a call of the liveness phase (the 9,294th case of a
// run of 20,000).
func churnAdjust(s *scenarios.Spec) {
	s.Link.Dup = 0.25
	s.Workload.Rate = max(s.Workload.Rate, 5000)
	if s.MailboxCap > 0 {
		s.MailboxCap = max(s.MailboxCap, 64)
	}
}

// TestRegressions runs every case kept under testdata/regressions (a repro file as the
// property or ensim wrote it, or a plain spec, run with seed 1) under both semantics:
// every invariant must hold.
func TestRegressions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "regressions", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no regression cases in testdata/regressions")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			spec, seed, err := readReproOrSpec(f)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, sem := range semantics {
				r := mustRun(t, spec, scenarios.Options{Seed: seed, Semantics: sem}).Report
				if len(r.Violations) > 0 {
					t.Errorf("%s under %s semantics, seed %d: %d violation(s), first %+v\n"+
						"run it from the module root with %s",
						f, sem, seed, r.ViolationsFound(), r.Violations[0], regressionRerun(f, seed, sem))
				}
			}
		})
	}
}

// regressionRerun is the command, from the module root, that runs the case kept in
// file f (a path under the package's directory) with seed and sem as TestRegressions
// ran it. ensim run --spec refuses a repro file: a repro recorded under sem is
// replayed, and one recorded under the other semantics has its spec taken out first.
func regressionRerun(f string, seed uint64, sem router.Semantics) string {
	file := shellWord(filepath.ToSlash(filepath.Join("scenarios", f)))
	run := func(spec string) string {
		return fmt.Sprintf("go run ./cmd/ensim run --spec %s --seed %d --semantics %s", spec, seed, sem)
	}
	data, err := os.ReadFile(f)
	if err != nil {
		return run(file)
	}
	rp, err := scenarios.ParseRepro(bytes.NewReader(data))
	switch {
	case errors.Is(err, scenarios.ErrNotRepro):
		return run(file)
	case err == nil && rp.Semantics == sem.String():
		return "go run ./cmd/ensim replay " + file
	}
	spec := shellWord(strings.TrimSuffix(filepath.Base(f), ".json") + "-spec.json")
	return "jq .spec " + file + " > " + spec + " && " + run(spec)
}

// shrinkCase is one bug for TestPropShrinksBugs: the invariants that show it and,
// where it needs one, the structure its search looks for.
type shrinkCase struct {
	bug     bugs.Bug
	targets []string
	// needs narrows the search to specs with the structure the bug needs to show, so
	// that the child finds a failing case within a few hundred runs; shrinking keeps it.
	needs func(scenarios.Spec) bool
	// adjust changes each drawn spec to make that structure common.
	adjust func(*scenarios.Spec)
	// sem is the semantics the search runs under: Default, or Riak for a bug of riak's
	// workers alone.
	sem router.Semantics
	// elections, if not 0, is the most elections the shrunk case may hold, for a shape
	// adjust adds that holds more than maxShrunkElections itself.
	elections int
}

var shrinkCases = []shrinkCase{
	{bug: bugs.LateReply, targets: []string{scenarios.InvLateDiscarded}},
	// An old incarnation's reply must meet the new one's call of the same number: a
	// crash, and something that delays replies past the restart.
	{bug: bugs.ReuseCallID, targets: []string{scenarios.InvReplyMatchesCall}, needs: restartWhileDelayed},
	{bug: bugs.IgnoreDeadline, targets: []string{scenarios.InvDeadline}},
	// hop-bound sees every transfer count itself: the caller's first one carries 0.
	{bug: bugs.DropHopCount, targets: []string{scenarios.InvHopBound}},
	{bug: bugs.CrossReply, targets: []string{scenarios.InvReplyMatchesCall, scenarios.InvResultFromPeer}},
	{bug: bugs.NoDeadlineTimer, targets: []string{scenarios.InvExactlyOnce, scenarios.InvNoLeak}},
	{bug: bugs.FreezeDirectory, targets: []string{scenarios.InvLiveness}},
	// A route shared needs two ensembles whose names have the same length.
	{bug: bugs.SharedRoute, targets: []string{scenarios.InvReplyMatchesCall}, needs: func(s scenarios.Spec) bool { return len(s.Ensembles) > 1 }},
	{bug: bugs.DropRequest, targets: []string{scenarios.InvLiveness}},
	{bug: bugs.KeepCompleted, targets: []string{scenarios.InvNoLeak}},
	{bug: bugs.SilentLate, targets: []string{scenarios.InvLateDiscarded}},
	// The workload must make peer-target calls or casts at all.
	{bug: bugs.DropPeerCall, targets: []string{scenarios.InvLiveness}, needs: func(s scenarios.Spec) bool { return s.Workload.PeerShare > 0 }},
	{bug: bugs.CastTwice, targets: []string{scenarios.InvExactlyOnce}, needs: func(s scenarios.Spec) bool { return s.Workload.CastShare > 0 }},
	{bug: bugs.DropCast, targets: []string{scenarios.InvLiveness}, needs: func(s scenarios.Spec) bool { return s.Workload.CastShare > 0 }},
	// Calls straight to a follower are forwarded on every run.
	{bug: bugs.ForwardHopsReset, targets: []string{scenarios.InvHopBound}, needs: func(s scenarios.Spec) bool { return s.Workload.PeerShare > 0 }},
	// A redirect needs a nack: an election.
	{bug: bugs.RedirectHopsReset, targets: []string{scenarios.InvHopBound}, needs: func(s scenarios.Spec) bool { return len(s.Elections) > 0 }},
	{bug: bugs.RedirectTwice, targets: []string{scenarios.InvHopBound}, needs: func(s scenarios.Spec) bool { return len(s.Elections) > 0 }},
	{bug: bugs.UncountedLate, targets: []string{scenarios.InvLateDiscarded}},
	// A copy of a nack needs a nack (an election), a redirect and a copy of that nack
	// arriving before the redirected answer: the network duplicates a quarter of the
	// messages, as churnWithCopies's does.
	{bug: bugs.NackCopyAfterRedirect, targets: []string{scenarios.InvReplyMatchesCall}, needs: func(s scenarios.Spec) bool { return len(s.Elections) > 0 },
		adjust: func(s *scenarios.Spec) { s.Link.Dup = 0.25 }},
	{bug: bugs.LeakTimers, targets: []string{scenarios.InvNoLeak}},
	{bug: bugs.UnchargedWait, targets: []string{scenarios.InvDeadline}},
	{bug: bugs.EarlyDeadline, targets: []string{scenarios.InvDeadline}},
	{bug: bugs.RedirectFullBudget, targets: []string{scenarios.InvDeadline}, needs: func(s scenarios.Spec) bool { return len(s.Elections) > 0 }},
	// Past the limit, a request must bounce between nodes that disagree on the leader.
	{bug: bugs.HopLimitOffByOne, targets: []string{scenarios.InvHopBound}},
	// Only riak has workers.
	{bug: bugs.KeepWorkers, targets: []string{scenarios.InvNoLeak}, sem: router.Riak},
	// A riak worker relays only what its follower forwarded: a routed call must reach a
	// member that no longer leads, after an election.
	{bug: bugs.DropRelay, targets: []string{scenarios.InvLateDiscarded}, sem: router.Riak, needs: func(s scenarios.Spec) bool { return len(s.Elections) > 0 }},
	{bug: bugs.RelayTwice, targets: []string{scenarios.InvLateDiscarded}, sem: router.Riak, needs: func(s scenarios.Spec) bool { return len(s.Elections) > 0 }},
	{bug: bugs.HandSpentBudget, targets: []string{scenarios.InvDeadline}},
	// A clock must step back while requests wait in the node's mailboxes: the node is
	// stopped across each step back, from 1ms before it to 1ms after.
	{bug: bugs.UnclampedWait, targets: []string{scenarios.InvDeadline}, needs: func(s scenarios.Spec) bool {
		return slices.ContainsFunc(s.Faults, func(f scenarios.Fault) bool { return f.Action == "clock-step" && f.Step < 0 })
	}, adjust: pauseAcrossStepsBack},
	// The leader believed in differs from the one that answers only after a leader
	// change: an election.
	{bug: bugs.CreditBelievedLeader, targets: []string{scenarios.InvResultFromPeer}, needs: func(s scenarios.Spec) bool { return len(s.Elections) > 0 }},
	// A copy of a first request served ok after its call was redirected: rare in drawn
	// worlds (1 in 200 runs of churnWithCopies), so every drawn spec is shaped to make
	// one 40ms in (okCopyShape).
	{bug: bugs.DropOKAfterRedirect, targets: []string{scenarios.InvLateDiscarded}, needs: func(s scenarios.Spec) bool { return scenarios.HasRule(s, "ok-copies") },
		adjust: func(s *scenarios.Spec) { scenarios.OKCopyShape(s, 40*time.Millisecond) }, elections: 2},
	{bug: bugs.ForeignCallID, targets: []string{scenarios.InvExactlyOnce}},
	// A detour shows only in a call's latency: liveness.within, bounding the calls of
	// the liveness phase, with latencies that do not vary (detourShape).
	{bug: bugs.Detour, targets: []string{scenarios.InvLiveness}, needs: func(s scenarios.Spec) bool { return s.Liveness != nil }, adjust: scenarios.DetourShape},
	// The simulator's own defects: a crash while calls are open, and a heal of a
	// partition that stalls the messages in flight.
	{bug: bugs.CrashFiresTimers, targets: []string{scenarios.InvExactlyOnce}, needs: func(s scenarios.Spec) bool {
		return slices.ContainsFunc(s.Faults, func(f scenarios.Fault) bool { return f.Action == "crash" })
	}},
	{bug: bugs.HealKeepsStalled, targets: []string{scenarios.InvNoLeak}, needs: func(s scenarios.Spec) bool {
		return slices.ContainsFunc(s.Faults, func(f scenarios.Fault) bool { return f.InFlight == "stall" })
	}},
	// Timers a crash leaves armed: a crash while calls are open.
	{bug: bugs.CrashKeepsTimers, targets: []string{scenarios.InvNoLeak}, needs: func(s scenarios.Spec) bool {
		return slices.ContainsFunc(s.Faults, func(f scenarios.Fault) bool { return f.Action == "crash" })
	}},
	// A reply held for a node that never comes back: the drawn crashes last
	// (crashForGood; a restart drops the replies held for its node).
	{bug: bugs.HoldNeverExpires, targets: []string{scenarios.InvNoLeak}, needs: func(s scenarios.Spec) bool {
		return slices.ContainsFunc(s.Faults, func(f scenarios.Fault) bool { return f.Action == "crash" })
	}, adjust: scenarios.CrashForGood},
	// A dial loop, of a sender that noticed a cut or a crash, ended by a reconnect
	// (which has held replies sent: a reply hold). The generator draws a redial
	// backoff for half of its specs: the search gives the others production's.
	{bug: bugs.RedialOn, targets: []string{scenarios.InvNoLeak}, needs: func(s scenarios.Spec) bool { return s.ReplyHold > 0 }, adjust: func(s *scenarios.Spec) {
		if s.BackoffMax == 0 {
			s.BackoffMin, s.BackoffMax = ms(50), ms(2000) // production's (nettransport.DefaultBackoffMin, DefaultBackoffMax)
		}
	}},
}

// pauseAcrossStepsBack stops a node from 1ms before each step back of its clock to 1ms
// after, so that requests wait in its mailboxes across the step.
func pauseAcrossStepsBack(s *scenarios.Spec) {
	for _, f := range slices.Clone(s.Faults) {
		if f.Action == "clock-step" && f.Step < 0 {
			s.Faults = append(s.Faults, scenarios.Fault{At: max(f.At-ms(1), 0), Action: "pause", Node: f.Node},
				scenarios.Fault{At: f.At + ms(1), Action: "resume", Node: f.Node})
		}
	}
}

// How small rapid must shrink each bug's failing case: member nodes, fault actions
// (faults that are not the end of another: heal, release, restart, resume, unrule),
// elections and ensembles. The generator draws up to 6 nodes, 8 actions (elections
// among them) and 3 ensembles.
const (
	maxShrunkNodes     = 4
	maxShrunkActions   = 3
	maxShrunkElections = 1
	maxShrunkEnsembles = 2
)

// TestShrinkChild is the property of TestPropShrinksBugs, run in a child process with
// one bug injected (ENSROUTE_SHRINK_BUG): a case fails if it breaks one of the bug's
// invariants under default semantics (riak for a bug of riak's alone) and is clean
// without the bug.
func TestShrinkChild(t *testing.T) {
	name := os.Getenv(shrinkBugEnv)
	if name == "" {
		t.Skip("run by TestPropShrinksBugs in a child process")
	}
	b, ok := bugs.Parse(name)
	if !ok {
		t.Fatalf("%s=%q: no such bug", shrinkBugEnv, name)
	}
	for _, c := range shrinkCases {
		if c.bug == b {
			rapid.Check(t, invariantsProp(propConfig{name: "TestShrinkChild", bugs: bugs.Of(b),
				semantics: []router.Semantics{c.sem}, targets: c.targets, blameBugs: true, needs: c.needs, adjust: c.adjust}))
			return
		}
	}
	t.Fatalf("no shrink case for %s", b)
}

// TestPropShrinksBugs proves that failures shrink: for each bug of internal/bugs, a
// child process searches generated specs for one the bug breaks (and that is clean
// without it) and lets rapid shrink it; the minimal case it leaves in its repro file
// must be small, must still break the bug's invariant with the bug, and must be clean
// without it.
func TestPropShrinksBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("searches and shrinks a failing case per bug in child processes (about 50s); skipped with -short")
	}
	for _, b := range bugs.All() {
		if !slices.ContainsFunc(shrinkCases, func(c shrinkCase) bool { return c.bug == b }) {
			t.Errorf("bug %s has no shrink case", b)
		}
	}
	for _, c := range shrinkCases {
		t.Run(c.bug.String(), func(t *testing.T) {
			// In parallel (go test's -parallel, GOMAXPROCS by default): each is a
			// child process of its own, and run one after another they made the
			// package the last to finish in CI, one core idle.
			t.Parallel()
			path := filepath.Join(t.TempDir(), "repro.json")
			start := time.Now()
			cmd := exec.CommandContext(t.Context(), os.Args[0],
				"-test.run=^TestShrinkChild$", "-test.count=1",
				// Shrinking ends when no pass makes the case smaller (5-14s for the
				// slowest bugs on a quiet machine); rapid's bound is wall time, and a busy
				// machine that cut it short would leave a larger case than the checks
				// below allow: the bound is for a shrink that never ends.
				"-rapid.nofailfile", "-rapid.checks=300", "-rapid.shrinktime=2m",
				"-rapid.seed=1")
			cmd.Env = append(os.Environ(), shrinkBugEnv+"="+c.bug.String(), reproEnv+"="+path)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("no generated case broke %v with %s injected (err %v); output:\n%s", c.targets, c.bug, err, lastLines(out, 40))
			}
			spec, seed, err := readReproOrSpec(path)
			if err != nil {
				t.Fatalf("the child failed but left no readable repro (%v); output:\n%s", err, lastLines(out, 40))
			}
			sz := sizeOf(spec)
			found := "?"
			if m := regexp.MustCompile(`failed after (\d+) tests`).FindSubmatch(out); m != nil {
				found = string(m[1])
			}
			t.Logf("%s: found after %s passing cases, found and shrunk in %v to %s, seed %d", c.bug, found, time.Since(start).Round(time.Millisecond), sz, seed)
			t.Logf("shrunk spec:\n%s", compactSpec(spec))

			broken := mustRun(t, spec, scenarios.Options{Seed: seed, Semantics: c.sem, Bugs: bugs.Of(c.bug)}).Report
			if len(targeted(broken.Violations, c.targets)) == 0 {
				t.Fatalf("the shrunk case does not break %v with %s injected: %+v", c.targets, c.bug, broken.Violations)
			}
			for _, sem := range semantics {
				if clean := mustRun(t, spec, scenarios.Options{Seed: seed, Semantics: sem}).Report; len(clean.Violations) > 0 {
					t.Fatalf("the shrunk case fails without the bug under %s: %+v", sem, clean.Violations[0])
				}
			}
			elections := cmp.Or(c.elections, maxShrunkElections)
			if sz.nodes > maxShrunkNodes || sz.actions > maxShrunkActions || sz.elections > elections || sz.ensembles > maxShrunkEnsembles {
				t.Fatalf("shrunk to %s; want at most %d nodes, %d fault actions, %d elections, %d ensembles",
					sz, maxShrunkNodes, maxShrunkActions, elections, maxShrunkEnsembles)
			}
		})
	}
}

// restartWhileDelayed reports whether a node crashes and restarts within an episode
// that delays replies (a slow leader, a hold, a partition, a pause): replies to its
// previous incarnation's calls, sent after the restart, reach the new one (a message
// on its way at the crash dies with the incarnation it was sent to).
func restartWhileDelayed(s scenarios.Spec) bool {
	type span struct{ from, to time.Duration }
	var delays, restarts []span
	open := map[string]time.Duration{} // episode start by its key
	for _, f := range s.Faults {
		at := f.At.D()
		switch f.Action {
		case "slow", "hang":
			delays = append(delays, span{at, f.Until.D()})
		case "hold", "partition", "partition-one-way", "pause", "crash":
			if _, ok := open[f.Action+f.Node]; !ok {
				open[f.Action+f.Node] = at
			}
		case "release", "heal", "resume", "restart":
			for k, from := range open {
				match := map[string]string{"release": "hold", "heal": "partition", "resume": "pause", "restart": "crash"}[f.Action]
				if strings.HasPrefix(k, match) && (f.Node == "" || k == match+f.Node) {
					delete(open, k)
					if f.Action == "restart" {
						restarts = append(restarts, span{from, at})
					} else {
						delays = append(delays, span{from, at})
					}
				}
			}
		}
	}
	for _, r := range restarts {
		for _, d := range delays {
			if d.from < r.from && d.to > r.to {
				return true
			}
		}
	}
	return false
}

func hasFault(s scenarios.Spec, actions ...string) bool {
	for _, f := range s.Faults {
		for _, a := range actions {
			if f.Action == a {
				return true
			}
		}
	}
	return false
}

func hasRestart(s scenarios.Spec, dir string) bool {
	for _, f := range s.Faults {
		if f.Action == "restart" && f.Directory == dir {
			return true
		}
	}
	return false
}

type specSize struct {
	nodes, clients, ensembles, faults, actions, elections int
}

func (s specSize) String() string {
	return fmt.Sprintf("%d nodes, %d clients, %d ensembles, %d fault actions (%d faults), %d elections",
		s.nodes, s.clients, s.ensembles, s.actions, s.faults, s.elections)
}

// sizeOf measures a spec; actions counts the faults that are not the end of another
// (heal, release, restart, resume, unrule).
func sizeOf(s scenarios.Spec) specSize {
	sz := specSize{nodes: len(s.Nodes), clients: len(s.Clients), ensembles: len(s.Ensembles), faults: len(s.Faults), elections: len(s.Elections)}
	for _, f := range s.Faults {
		switch f.Action {
		case "heal", "release", "restart", "resume", "unrule":
		default:
			sz.actions++
		}
	}
	return sz
}

// compactSpec renders the parts of a spec that shrinking is about, one JSON line each.
func compactSpec(s scenarios.Spec) string {
	line := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	var b strings.Builder
	fmt.Fprintf(&b, "  nodes %v clients %v routers %d hop_limit %d\n", s.Nodes, s.Clients, s.Routers, s.HopLimit)
	fmt.Fprintf(&b, "  ensembles %s\n", line(s.Ensembles))
	fmt.Fprintf(&b, "  workload %s liveness %s gossip %s\n", line(s.Workload), line(s.Liveness), line(s.Gossip))
	for _, e := range s.Elections {
		fmt.Fprintf(&b, "  election %s\n", line(e))
	}
	for _, f := range s.Faults {
		fmt.Fprintf(&b, "  fault %s\n", line(f))
	}
	return b.String()
}

// lastLines returns the last n lines of out.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestGeneratorReachesRarePaths: the generator's worlds reach paths that the named
// scenarios reach by design: requests bouncing to the hop limit (regress actions),
// directory regressions, calls straight to members and casts; and, in worlds with an
// election made busier and lossier by churnAdjust (TestPropInvariantsChurn's), a
// redirect after a nack, a race between a nack and the news of a new leader, which
// SpecGen's own worlds reach in about 4 of 1,000. Examples by fixed seeds: the same
// 300 worlds on every run.
func TestGeneratorReachesRarePaths(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs 300 generated worlds (about a second)")
	}
	hits := map[string]int{}
	gen := specgen.SpecGen()
	for i := range 300 {
		spec := gen.Example(i)
		res, err := scenarios.Run(spec, scenarios.Options{Seed: uint64(i)})
		if err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		for _, p := range []string{"hop-limit", "redirect-after-nack", "directory-regression"} {
			if res.Report.Probes[p] > 0 {
				hits[p]++
			}
		}
		if spec.Workload.PeerShare > 0 {
			hits["peer targets"]++
		}
		if res.Report.Casts != nil && res.Report.Casts.Total > 0 {
			hits["casts"]++
		}
		if hasElection(spec) {
			churnAdjust(&spec)
			res, err := scenarios.Run(spec, scenarios.Options{Seed: uint64(i)})
			if err != nil {
				t.Fatalf("example %d, churned: %v", i, err)
			}
			hits["churned worlds"]++
			if res.Report.Probes["redirect-after-nack"] > 0 {
				hits["churned redirect-after-nack"]++
			}
		}
	}
	t.Logf("worlds of 300 that reach each path: %v", hits)
	if got, of := hits["churned redirect-after-nack"], hits["churned worlds"]; got*20 < of {
		t.Errorf("%d of %d churned worlds with an election redirect a call after a nack; want 1 in 20 at least", got, of)
	}
	for _, p := range []string{"hop-limit", "directory-regression", "peer targets", "casts"} {
		if hits[p] == 0 {
			t.Errorf("no generated world of 300 reaches %s", p)
		}
	}
}

// TestRerunLineSetsInjectedBug: a failure of a property run with ENSROUTE_INJECT
// (TestPropInvariants and TestPropInvariantsChurn alike, as `-run TestPropInvariants`
// runs both) prints a rerun line that sets it again, or the pasted line would pass
// and the case look fixed; a failure with a bug injected otherwise (TestShrinkChild,
// told by its parent) names no variable the rerun would not read.
func TestRerunLineSetsInjectedBug(t *testing.T) {
	t.Setenv(injectEnv, "drop-hop-count")
	spec, _ := scenarios.Named("steady")
	for _, tc := range []struct {
		cfg     propConfig
		wantEnv bool
	}{
		{withInjected(t, propConfig{name: "TestPropInvariants"}), true},
		{withInjected(t, propConfig{name: "TestPropInvariantsChurn"}), true},
		{propConfig{name: "TestShrinkChild", bugs: bugs.Of(bugs.DropHopCount)}, false},
	} {
		text := failureText(tc.cfg, spec, 1, router.Default, []scenarios.Violation{{Invariant: scenarios.InvHopBound, Detail: "a call made 9 hops"}}, "x.json", nil)
		line := text[strings.LastIndex(text, "\n")+1:]
		want := "rerun this property on the same case: go test ./scenarios -run '^" + tc.cfg.name + "$'"
		if tc.wantEnv {
			want = "rerun this property on the same case: " + injectEnv + "=drop-hop-count go test ./scenarios -run '^" + tc.cfg.name + "$'"
		}
		if !strings.HasPrefix(line, want) {
			t.Errorf("%s: rerun line %q, want it to begin %q", tc.cfg.name, line, want)
		}
	}
}
