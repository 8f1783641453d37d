package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// compareOptions are the flags of ensim compare.
type compareOptions struct {
	scenario, spec string
	seeds, from    uint64
	routers        int // 0: the spec's own
	json           bool
}

func compareFlags(fs *flag.FlagSet) commandFunc {
	o := &compareOptions{}
	fs.StringVar(&o.scenario, "scenario", "", "compare on the named scenario `NAME` (see ensim list)")
	fs.StringVar(&o.spec, "spec", "", "compare on the spec in JSON `FILE` (see ensim show)")
	countVar(fs, &o.seeds, "seeds", 20, "run `N` seeds under each semantics")
	uintVar(fs, &o.from, "from", 1, "the first seed `S`")
	fs.Var(routersFlag{&o.routers}, "routers", "run `N` router instances per node instead of the spec's (1..1024)")
	fs.BoolVar(&o.json, "json", false, "print the comparison as one JSON object")
	return func(_ context.Context, pos []string, stdout, stderr io.Writer) int { return o.do(pos, stdout, stderr) }
}

// compareSemantics are the semantics compare runs, in column order.
var compareSemantics = [2]router.Semantics{router.Riak, router.Default}

// errorKinds are the failure outcomes compare counts, in row order: the label, the
// JSON key (as in the report's calls) and the count.
var errorKinds = []struct {
	label, key string
	count      func(scenarios.Calls) uint64
}{
	{"timeout", "timeout", func(c scenarios.Calls) uint64 { return c.Timeout }},
	{"no-leader", "no_leader", func(c scenarios.Calls) uint64 { return c.NoLeader }},
	{"not-leader", "not_leader", func(c scenarios.Calls) uint64 { return c.NotLeader }},
	{"unreachable", "unreachable", func(c scenarios.Calls) uint64 { return c.Unreachable }},
	{"hop-limit", "hop_limit", func(c scenarios.Calls) uint64 { return c.HopLimit }},
	{"overloaded", "overloaded", func(c scenarios.Calls) uint64 { return c.Overloaded }},
	{"other", "other", func(c scenarios.Calls) uint64 { return c.Other }},
}

// comparison is compare's result; its JSON is compare --json.
type comparison struct {
	Scenario string `json:"scenario"`
	Seeds    uint64 `json:"seeds"`
	From     uint64 `json:"from"`
	// Routers is the router instances per node of every run; null when the seeds
	// drew different counts (swarm without --routers).
	Routers *int      `json:"routers"`
	Riak    sideStats `json:"riak"`
	Default sideStats `json:"default"`
}

// sideStats is what one semantics did across every seed.
type sideStats struct {
	Runs           int                  `json:"runs"`
	Calls          uint64               `json:"calls"`
	OK             uint64               `json:"ok"`
	SuccessRatePct float64              `json:"success_rate_pct"`
	Errors         map[string]kindCount `json:"errors"`
	// LostWithCaller are the calls that never completed because their caller's node
	// crashed first; OpenCalls those with no outcome when their run ended (a run
	// stopped at its message budget, or a violation): with OK and Errors they add up
	// to Calls. SkippedCalls were never made, their node being down when they were
	// due (not in Calls).
	LostWithCaller uint64 `json:"lost_with_caller"`
	OpenCalls      uint64 `json:"open_calls"`
	SkippedCalls   uint64 `json:"skipped_calls"`
	// Casts sums the runs' casts, for a workload that makes some (left out otherwise).
	Casts *scenarios.Casts `json:"casts,omitempty"`
	// Retries sums the runs' requests, for a workload that retries (left out
	// otherwise); its amplification is the sum's.
	Retries *scenarios.Retries `json:"retries,omitempty"`
	// TimeToError pools the latencies of failed calls; Latency those of every
	// completed call. Nearest-rank percentiles, in nanoseconds; 0 when there are none.
	TimeToError          percentiles           `json:"time_to_error_ns"`
	Latency              percentiles           `json:"latency_ns"`
	LateRepliesDiscarded uint64                `json:"late_replies_discarded"`
	AfterGiveUp          scenarios.AfterGiveUp `json:"after_give_up"`
	// PeerWorkAfterGiveUpPct is AfterGiveUp's PeerWorkNS as a percentage of its
	// PeerWorkTotalNS: the share of the leaders' service time spent for callers that
	// had given up.
	PeerWorkAfterGiveUpPct float64 `json:"peer_work_after_give_up_pct"`
	OrphanMessages         uint64  `json:"orphan_messages"`
	HopLimitHits           uint64  `json:"hop_limit_hits"`
	// Violations are those the runs' reports kept (the first
	// scenarios.MaxViolationsKept of each invariant in each run); ViolationsTotal
	// counts every one found, and ExpectedTotal every expected one.
	Violations      []seedViolation `json:"violations"`
	ViolationsTotal uint64          `json:"violations_total"`
	Expected        []seedViolation `json:"expected_riak_violations"`
	ExpectedTotal   uint64          `json:"expected_riak_violations_total"`
	EventsPerSec    float64         `json:"events_per_sec"`

	failedLat, lat []time.Duration
	events         uint64
	wallNS         int64
}

type kindCount struct {
	Count uint64  `json:"count"`
	Pct   float64 `json:"pct"`
}

type percentiles struct {
	P50 int64 `json:"p50"`
	P99 int64 `json:"p99"`
}

// seedViolation is a violation and the seed of the run that found it.
type seedViolation struct {
	Seed uint64 `json:"seed"`
	scenarios.Violation
}

func (o *compareOptions) do(pos []string, stdout, stderr io.Writer) int {
	syn := synCompare
	switch {
	case len(pos) > 0:
		return usageErr(stderr, syn, "compare takes no positional arguments, got %q", pos)
	case (o.scenario == "") == (o.spec == ""):
		return usageErr(stderr, syn, "compare needs exactly one of --scenario and --spec")
	case o.from+o.seeds-1 < o.from:
		return usageErr(stderr, syn, "--from %d --seeds %d runs past the largest seed", o.from, o.seeds)
	}
	var fixed scenarios.Spec
	if o.scenario != "" {
		if _, ok := named(o.scenario, o.from, stderr); !ok {
			return exitUsage
		}
	} else {
		s, err := loadSpec(o.spec, "ensim replay %s runs it; its \"spec\" is a spec to compare on", stderr)
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
		fixed = s
	}
	c := comparison{Scenario: o.scenario, Seeds: o.seeds, From: o.from}
	if o.scenario == "" {
		c.Scenario = fixed.Name
	}
	sides := [2]*sideStats{&c.Riak, &c.Default}
	routers := map[int]bool{}
	progress := isTerminal(stderr)
	for i := range o.seeds {
		seed := o.from + i
		if progress {
			fmt.Fprintf(stderr, "\rensim: seed %d/%d", i+1, o.seeds)
		}
		spec := fixed
		if o.scenario != "" {
			spec, _ = scenarios.ForSeed(o.scenario, seed)
		}
		spec = withRouters(spec, o.routers)
		routers[spec.Routers] = true
		for k, sem := range compareSemantics {
			res, err := simulateGuarded(spec, scenarios.Options{Seed: seed, Semantics: sem})
			if err != nil {
				if progress {
					fmt.Fprintln(stderr)
				}
				if p, ok := err.(*simPanic); ok {
					// A crash is a failure of the seed, not bad usage: its run command
					// writes the repro.
					fmt.Fprintf(stderr, "ensim: seed %d under %s crashed\n", seed, sem)
					printPanic(stderr, p)
					fmt.Fprintf(stderr, "run it alone with: %s\n", replayCommand(o, seed, sem))
					if note := specNotAFile(o.spec); note != "" {
						fmt.Fprintf(stderr, "(%s)\n", note)
					}
					return exitFail
				}
				fmt.Fprintf(stderr, "ensim: seed %d: %v\n", seed, err)
				return exitUsage
			}
			sides[k].add(seed, res)
		}
	}
	if progress {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if len(routers) == 1 {
		for n := range routers {
			c.Routers = &n
		}
	}
	for _, s := range sides {
		s.finish()
	}

	var werr error
	if o.json {
		b, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
		_, werr = stdout.Write(append(b, '\n'))
	} else {
		_, werr = io.WriteString(stdout, compareTable(c))
	}
	ok := printed(stderr, werr)
	failed := false
	for k, s := range sides {
		if len(s.Violations) > 0 {
			failed = true
			printCompareFailures(stderr, o, compareSemantics[k], s.Violations, s.ViolationsTotal)
		}
	}
	switch {
	case failed:
		return exitFail
	case !ok:
		return exitUsage
	}
	return exitOK
}

// add folds one run into s.
func (s *sideStats) add(seed uint64, res *scenarios.Result) {
	r := res.Report
	s.Runs++
	c := r.Calls
	s.Calls += c.Total
	s.OK += c.OK
	s.LostWithCaller += c.Lost
	s.OpenCalls += c.Open
	s.SkippedCalls += r.SkippedCalls
	addCasts(&s.Casts, r.Casts)
	if r.Retries != nil {
		if s.Retries == nil {
			s.Retries = &scenarios.Retries{}
		}
		s.Retries.Add(*r.Retries)
	}
	if s.Errors == nil {
		s.Errors = map[string]kindCount{}
	}
	for _, k := range errorKinds {
		e := s.Errors[k.key]
		e.Count += k.count(c)
		s.Errors[k.key] = e
	}
	for _, o := range res.Outcomes() {
		switch o.Code {
		case "lost":
		case "ok":
			s.lat = append(s.lat, o.Latency)
		default:
			s.lat = append(s.lat, o.Latency)
			s.failedLat = append(s.failedLat, o.Latency)
		}
	}
	s.LateRepliesDiscarded += r.LateRepliesDiscarded
	s.AfterGiveUp.Messages += r.AfterGiveUp.Messages
	s.AfterGiveUp.PeerEvents += r.AfterGiveUp.PeerEvents
	s.AfterGiveUp.PeerWorkNS += r.AfterGiveUp.PeerWorkNS
	s.AfterGiveUp.PeerWorkTotalNS += r.AfterGiveUp.PeerWorkTotalNS
	s.OrphanMessages += r.OrphanMessages
	s.HopLimitHits += r.Probes["hop-limit"]
	for _, v := range r.Violations {
		s.Violations = append(s.Violations, seedViolation{seed, v})
	}
	for _, v := range r.Expected {
		s.Expected = append(s.Expected, seedViolation{seed, v})
	}
	s.ViolationsTotal += r.ViolationsTotal
	s.ExpectedTotal += r.ExpectedTotal
	s.events += r.Events
	s.wallNS += r.WallTimeNS
}

// finish computes the rates and percentiles once every run is in.
func (s *sideStats) finish() {
	pct := func(n uint64) float64 {
		if s.Calls == 0 {
			return 0
		}
		return 100 * float64(n) / float64(s.Calls)
	}
	s.SuccessRatePct = pct(s.OK)
	for k, e := range s.Errors {
		e.Pct = pct(e.Count)
		s.Errors[k] = e
	}
	s.PeerWorkAfterGiveUpPct = 100 * s.AfterGiveUp.PeerWorkShare()
	s.TimeToError = nearestRank(s.failedLat)
	s.Latency = nearestRank(s.lat)
	if s.wallNS > 0 {
		s.EventsPerSec = float64(s.events) / time.Duration(s.wallNS).Seconds()
	}
	if s.Violations == nil {
		s.Violations = []seedViolation{}
	}
	if s.Expected == nil {
		s.Expected = []seedViolation{}
	}
}

// nearestRank returns the p50 and p99 of ds (which it sorts) by the nearest-rank
// method: the smallest value with at least p% of the values at or below it.
func nearestRank(ds []time.Duration) percentiles {
	if len(ds) == 0 {
		return percentiles{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) int64 {
		rank := int(math.Ceil(p * float64(len(ds)) / 100))
		return int64(ds[min(max(rank, 1), len(ds))-1])
	}
	return percentiles{P50: at(50), P99: at(99)}
}

// printCompareFailures names every failing seed of one semantics with the command
// that runs it alone (which writes its repro).
// vs are the violations kept, total counts them all.
func printCompareFailures(w io.Writer, o *compareOptions, sem router.Semantics, vs []seedViolation, total uint64) {
	var seeds []uint64
	seen := map[uint64]bool{}
	for _, v := range vs {
		if !seen[v.Seed] {
			seen[v.Seed] = true
			seeds = append(seeds, v.Seed)
		}
	}
	fmt.Fprintf(w, "ensim: %d invariant violation%s under %s, in %d seed%s; run each alone (which writes its repro) with:\n",
		total, plural(int(min(total, 2))), sem, len(seeds), plural(len(seeds)))
	// Every one: a seed left out here would be one to dig out of --json's violations.
	for _, seed := range seeds {
		fmt.Fprintf(w, "  %s\n", replayCommand(o, seed, sem))
	}
	if note := specNotAFile(o.spec); note != "" {
		fmt.Fprintf(w, "  (%s)\n", note)
	}
}

// specNotAFile says, for a --spec that is no regular file (a pipe: /dev/stdin,
// <(jq ...)), that the commands printed to run it again need the spec in a file;
// it returns "" for a regular file, and for no --spec.
func specNotAFile(spec string) string {
	if spec == "" {
		return ""
	}
	if fi, err := os.Stat(spec); err == nil && fi.Mode().IsRegular() {
		return ""
	}
	return fmt.Sprintf("--spec %s is not a regular file, a pipe say, which cannot be read again: write the spec to a file and name that instead", shellQuote(spec))
}

// replayCommand is the ensim run command that reruns one seed of a comparison.
func replayCommand(o *compareOptions, seed uint64, sem router.Semantics) string {
	src := "--scenario " + shellQuote(o.scenario)
	if o.scenario == "" {
		src = "--spec " + shellQuote(o.spec)
	}
	cmd := fmt.Sprintf("ensim run %s --seed %d --semantics %s", src, seed, sem)
	if o.routers > 0 {
		cmd += fmt.Sprintf(" --routers %d", o.routers)
	}
	return cmd
}

// isTerminal reports whether w is a terminal, where compare shows its progress.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
