package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// summary is the sweep's result, after wall time. An interrupted sweep's is of the
// seeds before the first of its seeds that did not run, and names the rest.
func (s *sweeper) summary(name string, wall time.Duration) sweepSummary {
	s.settle()
	sum := sweepSummary{
		Scenario:  name,
		Semantics: s.o.sem.String(),
		From:      s.o.from,
		Seeds:     s.o.seeds,
		Shard:     s.o.shard.orWhole().String(),
		SeedsRun:  s.covered.seeds,
		Rechecked: s.covered.rechecked,
		Failures:  []sweepFailure{},
		WallNS:    int64(wall),
		Events:    s.eventCount,
		Calls:     s.calls,
		Skipped:   s.skipped,
		Casts:     s.casts,
		Retries:   s.retries,
		Probes:    s.probes,
	}
	for _, seed := range sortedSeeds(s.failures) {
		if s.coveredSeed(seed) {
			sum.Failures = append(sum.Failures, *s.failures[seed])
		}
	}
	if s.interrupted && s.doneBelow < s.seeds.count {
		from, seeds := restOf(s.o, s.seeds, s.doneBelow)
		sum.Rest = []sweepRest{{From: from, Seeds: seeds, Shard: sum.Shard}}
	}
	sum.finish()
	return sum
}

// finish computes what follows from the counts: the speeds and the zero probes.
func (sum *sweepSummary) finish() {
	if sum.WallNS > 0 {
		sec := time.Duration(sum.WallNS).Seconds()
		sum.SeedsPerSec = float64(sum.SeedsRun) / sec
		sum.EventsPerSec = float64(sum.Events) / sec
	}
	if sum.Probes == nil {
		sum.Probes = map[string]uint64{}
	}
	sum.ZeroProbes, sum.NotUnder = []string{}, []string{}
	sem, _ := router.ParseSemantics(sum.Semantics) // checked where read
	for k, n := range sum.Probes {
		switch {
		case scenarios.ProbeNotUnder(k, sem) != "":
			sum.NotUnder = append(sum.NotUnder, k)
		case n == 0:
			sum.ZeroProbes = append(sum.ZeroProbes, k)
		}
	}
	sort.Strings(sum.ZeroProbes)
	sort.Strings(sum.NotUnder)
	if sum.Failures == nil {
		sum.Failures = []sweepFailure{}
	}
}

// printFailure prints one failing seed: what failed, the first violations, and how to
// run it again; for a nondeterministic seed, where its two traces part, from two more
// runs in this process with the traces kept.
func (s *sweeper) printFailure(w io.Writer, f *sweepFailure, first firstRun) {
	var rerun func(io.Writer)
	if first.hash != "" {
		rerun = func(w io.Writer) { s.printRerun(w, f.Seed) }
	}
	printSweepFailure(w, f, rerun, s.runCommand(f.Seed))
}

// printSweepFailure prints one failing seed of a sweep, as the sweep and a merge of
// sweeps do: what failed, the first violations, and how to run it again: its
// repro's replay command, or else alone, the command alone ("" when it is not
// known: then none). rerun, when not nil, prints more before that (a sweep's two
// runs more of a nondeterministic seed).
func printSweepFailure(w io.Writer, f *sweepFailure, rerun func(io.Writer), alone string) {
	const shown = 3
	switch {
	case f.ViolationsTotal > 0:
		fmt.Fprintf(w, "ensim: seed %d failed: %d invariant violation%s (%s)\n",
			f.Seed, f.ViolationsTotal, plural(f.ViolationsTotal), strings.Join(f.Invariants, ", "))
		for _, v := range f.Violations[:min(len(f.Violations), shown)] {
			fmt.Fprintf(w, "  %s\n", formatViolation(v))
		}
		if f.ViolationsTotal > shown {
			fmt.Fprintf(w, "  and %d more\n", f.ViolationsTotal-shown)
		}
		if f.Error != "" {
			fmt.Fprintf(w, "  %s\n", f.Error)
		}
	default:
		fmt.Fprintf(w, "ensim: seed %d failed: %s\n", f.Seed, f.Error)
	}
	if f.stderr != "" {
		fmt.Fprintf(w, "  the worker's stderr:%s\n", indentStderr(f.stderr))
	}
	if rerun != nil {
		rerun(w)
	}
	if f.Repro != "" {
		q := shellQuote(f.Repro)
		fmt.Fprintf(w, "  repro written to %s; replay with:\n    ensim replay %s\n", f.Repro, q)
		if atModuleRoot() {
			// As printReplay: go run builds ensim only from the module's root.
			fmt.Fprintf(w, "    go run ./cmd/ensim replay %s\n", q)
		}
		printFirstFailing(w, "  ", f.Repro, f.Violations)
		return
	}
	if alone != "" {
		fmt.Fprintf(w, "  run it alone with:\n    %s\n", alone)
	}
}

// failedLine says how many of the seeds a summary covers failed, and which.
func failedLine(sum sweepSummary) string {
	var seeds []string
	for _, f := range sum.Failures {
		seeds = append(seeds, strconv.FormatUint(f.Seed, 10))
	}
	return fmt.Sprintf("%d of %d seed%s run failed: %s", len(seeds), sum.SeedsRun, plural(int(sum.SeedsRun)), listSome(seeds, 20))
}

// timedOutLine says which of a summary's failing seeds took longer than
// --seed-timeout, if any ("" when none did).
func timedOutLine(sum sweepSummary) string {
	var seeds []string
	for _, f := range sum.Failures {
		if f.TimedOut {
			seeds = append(seeds, strconv.FormatUint(f.Seed, 10))
		}
	}
	if len(seeds) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of them ran longer than --seed-timeout and %s stopped: %s; a time limit, not an invariant violation (ensim replay of the repro, or ensim run of the seed, runs it with no limit)",
		len(seeds), map[bool]string{true: "was", false: "were"}[len(seeds) == 1], listSome(seeds, 20))
}

// onlyTimedOut reports whether every one of fs, at least one, failed by taking
// longer than --seed-timeout alone, with no violation (a seed whose first run broke
// an invariant may time out in its second): the sweep then exits exitTimeLimit.
func onlyTimedOut(fs []sweepFailure) bool {
	for _, f := range fs {
		if !f.TimedOut || f.ViolationsTotal > 0 {
			return false
		}
	}
	return len(fs) > 0
}

// printRerun runs a seed twice in this process and prints where their traces part
// (determinism.go); the first diverging record names the culprit.
func (s *sweeper) printRerun(w io.Writer, seed uint64) {
	opt := scenarios.Options{Seed: seed, Semantics: s.o.sem, Bugs: injectBugs}
	// Guarded (twice runs simulateGuarded): a seed that panics in one of the reruns
	// must not end the sweep and lose its summary.
	a, d, err := twice(s.specOf(seed), opt, nil)
	if err != nil {
		fmt.Fprintf(w, "  rerun: %v\n", err)
		return
	}
	fmt.Fprintf(w, "  seed %d run twice more, in this process, their traces compared:\n", seed)
	var buf strings.Builder
	printDeterminism(&buf, a, d)
	if d == nil {
		fmt.Fprintf(&buf, "the runs agree here: what differed lies outside one run (state a worker kept from an earlier seed, or the process's environment)\n")
	}
	for _, l := range strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		fmt.Fprintf(w, "    %s", l)
	}
	fmt.Fprintln(w)
}

// runCommand is the ensim run command that runs one seed of the sweep alone.
func (s *sweeper) runCommand(seed uint64) string {
	return seedRunCommand(s.o.scenario, s.o.spec, seed, s.o.sem.String(), s.o.routers)
}

// seedRunCommand is the ensim run command that runs one seed of a sweep of the named
// scenario, or of the spec file when scenario is "", alone; routers is the sweep's
// --routers (0: not given).
func seedRunCommand(scenario, spec string, seed uint64, sem string, routers int) string {
	src := "--scenario " + shellQuote(scenario)
	if scenario == "" {
		src = "--spec " + shellQuote(spec)
	}
	cmd := fmt.Sprintf("ensim run %s --seed %d --semantics %s", src, seed, sem)
	if routers > 0 {
		cmd += fmt.Sprintf(" --routers %d", routers)
	}
	return cmd
}

// sweepText renders a sweep summary for humans; planned is how many seeds the sweep
// set out to run (0 when unknown, as for a merge).
func sweepText(sum sweepSummary, planned uint64) string {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-13s %s\n", label, fmt.Sprintf(format, args...))
	}
	name := sum.Scenario
	if name == "" {
		name = "(unnamed spec)"
	}
	if sum.SpecHash != "" {
		name += " (spec " + sum.SpecHash + ")"
	}
	line("scenario", "%s", name)
	line("semantics", "%s", sum.Semantics)
	seeds := fmt.Sprintf("%d..%d", sum.From, sum.From+sum.Seeds-1)
	if sum.Shard != "1/1" {
		seeds += ", shard " + sum.Shard
	}
	line("seeds", "%s", seeds)
	run := fmt.Sprintf("%d", sum.SeedsRun)
	if planned > 0 && planned != sum.SeedsRun {
		run = fmt.Sprintf("%d of %d", sum.SeedsRun, planned)
	}
	if sum.Rechecked > 0 {
		run += fmt.Sprintf(", %d of them twice (the determinism recheck)", sum.Rechecked)
	}
	line("seeds run", "%s", run)
	for k, r := range sum.Rest {
		label := ""
		if k == 0 {
			label = "rest"
		}
		shard := ""
		if r.Shard != "1/1" {
			shard = " --shard " + r.Shard
		}
		line(label, "not covered: --from %d --seeds %d%s", r.From, r.Seeds, shard)
	}
	if len(sum.Failures) == 0 {
		line("failures", "none")
	} else {
		var seeds []string
		for _, f := range sum.Failures {
			seeds = append(seeds, strconv.FormatUint(f.Seed, 10))
		}
		line("failures", "%d: seed%s %s", len(seeds), plural(len(seeds)), listSome(seeds, 20))
	}
	line("speed", "%s seeds/s, %s wall", strconv.FormatFloat(sum.SeedsPerSec, 'f', 1, 64), humanNS(sum.WallNS))
	line("events", "%d, %s/s", sum.Events, si(sum.EventsPerSec))
	line("calls", "%s", callsText(sum.Calls))
	if sum.Skipped > 0 {
		line("skipped", "%d calls not made, their node down when they were due", sum.Skipped)
	}
	if cs := sum.Casts; cs != nil {
		line("casts", "%d made: %d reached a leader, %d lost on the way; %d not made, their node down", cs.Total, cs.Served, cs.Total-min(cs.Served, cs.Total), cs.Skipped)
	}
	if q := sum.Retries; q != nil {
		line("requests", "%s", retriesText(*q))
	}

	sem, _ := router.ParseSemantics(sum.Semantics)
	probeLines(line, sum.Probes, func(k string) string {
		if why := scenarios.ProbeNotUnder(k, sem); why != "" {
			return "  (not under " + sum.Semantics + ": " + why + ")"
		}
		return "  (never hit)"
	})
	if len(sum.Probes) > 0 {
		zero := fmt.Sprintf("%d of %d", len(sum.ZeroProbes), len(sum.Probes)-len(sum.NotUnder))
		if len(sum.NotUnder) > 0 {
			zero += fmt.Sprintf(" that can fire under %s (%d more cannot)", sum.Semantics, len(sum.NotUnder))
		}
		line("zero probes", "%s", zero)
	}
	return b.String()
}

// addCasts adds the casts c (nil for none) to *sum, which it makes when there are.
func addCasts(sum **scenarios.Casts, c *scenarios.Casts) {
	if c == nil {
		return
	}
	if *sum == nil {
		*sum = &scenarios.Casts{}
	}
	(*sum).Total += c.Total
	(*sum).Served += c.Served
	(*sum).Skipped += c.Skipped
}

// addRetries adds the requests r (nil for none) to *sum, which it makes when there
// are.
func addRetries(sum **scenarios.Retries, r *scenarios.Retries) {
	if r == nil {
		return
	}
	if *sum == nil {
		*sum = &scenarios.Retries{}
	}
	(*sum).Add(*r)
}

// addCalls adds c to sum.
func addCalls(sum *scenarios.Calls, c scenarios.Calls) {
	sum.Total += c.Total
	sum.OK += c.OK
	sum.Timeout += c.Timeout
	sum.NoLeader += c.NoLeader
	sum.NotLeader += c.NotLeader
	sum.Unreachable += c.Unreachable
	sum.HopLimit += c.HopLimit
	sum.Overloaded += c.Overloaded
	sum.Other += c.Other
	sum.Lost += c.Lost
	sum.Open += c.Open
}

func sortedSeeds(m map[uint64]*sweepFailure) []uint64 {
	seeds := make([]uint64, 0, len(m))
	for s := range m {
		seeds = append(seeds, s)
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	return seeds
}

// listSome joins the first n items with commas, then says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}
