package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/ensroute/ensroute/cmd/internal/limitfile"
	"github.com/ensroute/ensroute/internal/strictjson"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

func mergeFlags(fs *flag.FlagSet) commandFunc {
	var human, partial bool
	fs.BoolVar(&human, "human", false, "print the merged summary for humans instead of as JSON, after each failure on stderr as sweep prints it")
	fs.BoolVar(&partial, "partial", false, "accept shards that do not cover the whole sweep (exit 0 if they found no failure)")
	return func(_ context.Context, pos []string, stdout, stderr io.Writer) int {
		if len(pos) == 0 {
			return usageErr(stderr, synMerge, "sweep merge takes the --json summaries of the shards to merge")
		}
		inputs := make([]mergeInput, len(pos))
		for k, path := range pos {
			in, err := readSummary(path)
			if err != nil {
				fmt.Fprintf(stderr, "ensim: %v\n", err)
				return exitUsage
			}
			inputs[k] = in
		}
		m, err := mergeSummaries(inputs)
		if err != nil {
			fmt.Fprintf(stderr, "ensim: sweep merge: %v\n", err)
			return exitUsage
		}
		sum := m.sum
		var werr error
		if human {
			// Each failure as the sweep printed it, before its summary: what failed,
			// and its repro's replay command (the repro's path as the sweep wrote it).
			alone := func(uint64) string { return "" }
			if slices.ContainsFunc(sum.Failures, func(f sweepFailure) bool { return f.Repro == "" }) {
				alone = mergeRunCommand(sum)
			}
			for i := range sum.Failures {
				printSweepFailure(stderr, &sum.Failures[i], nil, alone(sum.Failures[i].Seed))
			}
			_, werr = io.WriteString(stdout, sweepText(sum, 0))
		} else {
			b, err := json.MarshalIndent(sum, "", "  ")
			if err != nil {
				fmt.Fprintf(stderr, "ensim: %v\n", err)
				return exitUsage
			}
			_, werr = stdout.Write(append(b, '\n'))
		}
		ok := printed(stderr, werr)
		for _, why := range m.short {
			fmt.Fprintf(stderr, "ensim: sweep merge: %s\n", why)
		}
		short := len(m.short) > 0
		// A shard that is missing altogether (an artifact lost, a job that never ran)
		// leaves seeds uncovered just the same.
		if missing := missingSeeds(m.shards, sum); missing != "" && !partial {
			fmt.Fprintf(stderr, "ensim: sweep merge: %s: the merge does not cover the whole sweep (--partial accepts that)\n", missing)
			short = true
		}
		if len(sum.Failures) > 0 {
			see := " (the summary's failures name their repros)"
			if human {
				see = "" // listed above
			}
			fmt.Fprintf(stderr, "ensim: sweep merge: %s%s\n", failedLine(sum), see)
			if line := timedOutLine(sum); line != "" {
				fmt.Fprintf(stderr, "ensim: sweep merge: %s\n", line)
			}
		}
		switch {
		case len(sum.Failures) > 0 && onlyTimedOut(sum.Failures) && !short:
			return exitTimeLimit
		case len(sum.Failures) > 0 || short:
			return exitFail
		case !ok:
			return exitUsage
		}
		return exitOK
	}
}

// mergeRunCommand returns the function that gives the ensim run command of one seed
// of the merged sweep sum, when it swept a named scenario as this build draws it (its
// spec hash says so), and "" otherwise: the path of a spec file swept is not in the
// summary.
func mergeRunCommand(sum sweepSummary) func(seed uint64) string {
	specOf := func(seed uint64) scenarios.Spec {
		s, _ := scenarios.ForSeed(sum.Scenario, seed)
		return withRouters(s, sum.Routers)
	}
	if _, ok := scenarios.Named(sum.Scenario); !ok || sum.SpecHash != sweepSpecHash(specOf, sum.From, scenarios.Drawn(sum.Scenario)) {
		return func(uint64) string { return "" }
	}
	return func(seed uint64) string { return seedRunCommand(sum.Scenario, "", seed, sum.Semantics, sum.Routers) }
}

// missingSeeds says how much of the sweep the merged shards leave out, naming the
// missing shards that hold seeds when the shards split the seeds one way, at most
// maxNamedShards ways, or "" when they cover it all. The shards do not overlap
// (mergeSummaries checked). A shard whose rest no summary covers is not missing:
// mergeSummaries names its rest.
func missingSeeds(shards []shardSpec, sum sweepSummary) string {
	var covered uint64
	n := shards[0].n
	have := map[uint64]bool{}
	for _, sh := range shards {
		covered += shardSeeds(sum.From, sum.Seeds, sh).count
		if sh.n != n {
			n = 0 // split more than one way: count the seeds only
		}
		have[sh.i] = true
	}
	if covered >= sum.Seeds {
		return ""
	}
	msg := fmt.Sprintf("%d of the sweep's %d seeds (%d..%d) are in no shard given", sum.Seeds-covered, sum.Seeds, sum.From, sum.From+sum.Seeds-1)
	if n == 0 || n > maxNamedShards {
		return msg
	}
	var lost []string
	for i := uint64(1); i <= n; i++ {
		if sh := (shardSpec{i: i, n: n}); !have[i] && shardSeeds(sum.From, sum.Seeds, sh).count > 0 {
			lost = append(lost, sh.String())
		}
	}
	return msg + ": missing shard " + strings.Join(lost, ", ")
}

// maxNamedShards is the most ways a split may go for missingSeeds to name the
// shards it misses, one by one.
const maxNamedShards = 64

// mergeInput is one shard's summary and the file it came from.
type mergeInput struct {
	path   string
	sum    sweepSummary
	shards []shardSpec  // the shards the summary covers
	share  uint64       // how many seeds those shards hold
	pieces []mergePiece // what it covers of each of its shards, in their order
}

// mergePiece is what one summary covers of one of its shards: the shard's seeds from
// the summary's from on, up to its rest (when it has one for the shard) or to the
// last.
type mergePiece struct {
	in      int // the summary's index among the inputs (set by mergeSummaries)
	sh      shardSpec
	from    uint64     // the summary's from
	covered seedRange  // the seeds it covers
	rest    *sweepRest // the shard's seeds past them, nil when there are none
}

// leadsTo reports whether q is the rest of what p covers: q starts where p stopped.
func (p *mergePiece) leadsTo(q *mergePiece) bool {
	return p.rest != nil && p.rest.From == q.from
}

// readSummary reads and checks one sweep --json summary.
func readSummary(path string) (mergeInput, error) {
	data, err := limitfile.Read(path, maxInput)
	if err != nil {
		return mergeInput{}, err
	}
	var sum sweepSummary
	if err := strictjson.Decode(data, &sum, strictjson.Options{What: "sweep summary"}); err != nil {
		return mergeInput{}, fmt.Errorf("%s: not a sweep --json summary: %v", path, err)
	}
	bad := func(format string, args ...any) (mergeInput, error) {
		return mergeInput{}, fmt.Errorf("%s: bad sweep summary: %s", path, fmt.Sprintf(format, args...))
	}
	if _, err := router.ParseSemantics(sum.Semantics); err != nil || sum.Semantics == "" {
		return bad("semantics %q, want default or riak", sum.Semantics)
	}
	if sum.Seeds == 0 || sum.From+sum.Seeds-1 < sum.From {
		return bad("from %d, seeds %d", sum.From, sum.Seeds)
	}
	if sum.Routers < 0 || sum.Routers > router.MaxRouters {
		return bad("routers %d, want 1..%d or none", sum.Routers, router.MaxRouters)
	}
	shards, err := parseShardList(sum.Shard)
	if err != nil {
		return bad("shard %v", err)
	}
	// A merge's list holds shards that share no seed: shares that overlap would be
	// counted twice, and pass for seeds that never ran.
	for k, a := range shards {
		for _, b := range shards[k+1:] {
			if seed, ok := shardsOverlap(sum.From, sum.Seeds, a, b); ok {
				return bad("shard %q: %s and %s overlap: both hold seed %d", sum.Shard, a, b, seed)
			}
		}
	}
	var share uint64
	for _, sh := range shards {
		share += shardSeeds(sum.From, sum.Seeds, sh).count
	}
	if sum.SeedsRun > share {
		return bad("seeds_run %d, more than the %d seeds of shard %s", sum.SeedsRun, share, sum.Shard)
	}
	// What it covers: every seed of its shards, or of an interrupted one (and of a
	// merge that names some) the seeds of each shard before its rest, exactly.
	last := sum.From + sum.Seeds - 1
	pieces := make([]mergePiece, len(shards))
	for k, sh := range shards {
		pieces[k] = mergePiece{sh: sh, from: sum.From, covered: shardSeeds(sum.From, sum.Seeds, sh)}
	}
	for i := range sum.Rest {
		r := &sum.Rest[i]
		sh, err := parseShard(r.Shard)
		if err != nil {
			return bad("rest[%d]: shard %v", i, err)
		}
		k := slices.Index(shards, sh)
		switch {
		case k < 0:
			return bad("rest[%d]: shard %s is not one of the summary's, %s", i, r.Shard, sum.Shard)
		case pieces[k].rest != nil:
			return bad("rest[%d]: shard %s has two rests", i, r.Shard)
		case r.From < sum.From || r.From > last || r.Seeds != last-r.From+1:
			return bad("rest[%d]: from %d, seeds %d: not the last seeds of the summary's %d..%d", i, r.From, r.Seeds, sum.From, last)
		case (r.From-sum.From)%sh.n != 0:
			return bad("rest[%d]: from %d is not a whole number of rounds of shard %s's %d seeds after the summary's from, %d", i, r.From, r.Shard, sh.n, sum.From)
		}
		rest := shardSeeds(r.From, r.Seeds, sh)
		if rest.count == 0 {
			return bad("rest[%d]: holds no seed of shard %s", i, r.Shard)
		}
		pieces[k].rest = r
		pieces[k].covered.count -= rest.count
	}
	if len(sum.Rest) > 0 {
		var covered uint64
		for _, p := range pieces {
			covered += p.covered.count
		}
		// Fewer, only with a failure: a merge's shard that stopped at its first
		// failure ran fewer than it holds (mergeSummaries takes it as it is).
		if sum.SeedsRun > covered || sum.SeedsRun < covered && len(sum.Failures) == 0 {
			return bad("seeds_run %d, but its shards hold %d seeds before their rests", sum.SeedsRun, covered)
		}
	}
	if sum.WallNS < 0 {
		return bad("wall_ns %d is negative", sum.WallNS)
	}
	failed := map[uint64]bool{}
	for i, f := range sum.Failures {
		switch {
		case !slices.ContainsFunc(shards, func(sh shardSpec) bool { return shardSeeds(sum.From, sum.Seeds, sh).holds(f.Seed) }):
			return bad("failures[%d]: seed %d is no seed of shard %s", i, f.Seed, sum.Shard)
		case !slices.ContainsFunc(pieces, func(p mergePiece) bool { return p.covered.holds(f.Seed) }):
			return bad("failures[%d]: seed %d is in the rest, which the summary does not cover", i, f.Seed)
		case failed[f.Seed]:
			return bad("failures[%d]: seed %d fails twice", i, f.Seed)
		case f.ViolationsTotal < 0:
			return bad("failures[%d]: violations_total %d is negative", i, f.ViolationsTotal)
		}
		failed[f.Seed] = true
	}
	return mergeInput{path: path, sum: sum, shards: shards, share: share, pieces: pieces}, nil
}

// parseShardList reads a summary's shard: "I/N", or a merge's "I/N,J/M,...".
func parseShardList(v string) ([]shardSpec, error) {
	var out []shardSpec
	seen := map[shardSpec]bool{}
	for _, part := range strings.Split(v, ",") {
		s, err := parseShard(part)
		if err != nil {
			return nil, err
		}
		if seen[s] {
			return nil, fmt.Errorf("%q lists shard %s twice", v, part)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// merged is what mergeSummaries makes of its inputs.
type merged struct {
	sum    sweepSummary
	shards []shardSpec // the shards merged, each once, in the order given
	short  []string    // why seeds are not covered: a summary stopped short
}

// mergeSummaries merges the summaries of shards of one sweep: the same scenario,
// semantics and seeds, no seed in two of them. Counts, events, calls and probes are
// summed, failures concatenated in seed order, and the zero probes recomputed. The
// shards ran side by side, so the merged wall time is the slowest shard's, and the
// speeds are the summed seeds and events over it.
//
// An interrupted sweep's summary covers its shard up to its rest; the summary of
// the rest (the same shard, from the rest's from to the same last seed) follows it,
// and may be interrupted in turn. Each shard's summaries must follow one another
// so, from the first seed on, with no seed in two and none left out between them;
// the merge is of the seeds from the first on, and the wall time of a shard is its
// summaries' summed, since they ran one after another. A shard whose last summary
// names a rest leaves it uncovered: the merge names it, in its own rest.
func mergeSummaries(inputs []mergeInput) (merged, error) {
	first := inputs[0]
	last := first.sum.From + first.sum.Seeds - 1
	// Only the rest of an interrupted sweep sweeps other seeds than the first, and
	// ends where it does.
	anyRest := slices.ContainsFunc(inputs, func(in mergeInput) bool { return len(in.sum.Rest) > 0 })
	from := first.sum.From
	for _, in := range inputs {
		if anyRest && in.sum.From+in.sum.Seeds-1 == last {
			from = min(from, in.sum.From)
		}
	}
	sum := sweepSummary{
		Scenario:      first.sum.Scenario,
		SpecHash:      first.sum.SpecHash,
		ModuleVersion: first.sum.ModuleVersion,
		Semantics:     first.sum.Semantics,
		Routers:       first.sum.Routers, // the spec hash tells apart any that differ
		From:          from,
		Seeds:         last - from + 1,
		Probes:        map[string]uint64{},
	}
	var pieces []mergePiece   // every summary's, in the order given
	versionFrom := first.path // the summary that named the build, when one did
	for k, in := range inputs {
		s := in.sum
		switch {
		case s.Scenario != sum.Scenario:
			return merged{}, fmt.Errorf("%s is a sweep of %q, %s of %q: merge takes shards of one sweep", first.path, sum.Scenario, in.path, s.Scenario)
		case s.SpecHash != sum.SpecHash && (s.SpecHash == "" || sum.SpecHash == ""):
			return merged{}, fmt.Errorf("%s and %s: one has no spec_hash (an older ensim wrote it), so merge cannot tell they swept one spec: run that shard again",
				first.path, in.path)
		case s.SpecHash != sum.SpecHash:
			return merged{}, fmt.Errorf("%s and %s are sweeps of different specs (spec_hash %q and %q), both named %q: merge takes shards of one sweep",
				first.path, in.path, sum.SpecHash, s.SpecHash, cmp.Or(sum.Scenario, "(unnamed spec)"))
		case s.ModuleVersion != "" && sum.ModuleVersion != "" && s.ModuleVersion != sum.ModuleVersion:
			// Another revision, tagged version, modified tree or Go release may run a
			// seed otherwise.
			return merged{}, fmt.Errorf("%s was swept by %s, %s by %s: merge takes shards of one sweep, run by one build (run the shard again with the other's)",
				versionFrom, sum.ModuleVersion, in.path, s.ModuleVersion)
		case s.Semantics != sum.Semantics:
			return merged{}, fmt.Errorf("%s ran under %s semantics, %s under %s: merge takes shards of one sweep", first.path, sum.Semantics, in.path, s.Semantics)
		case anyRest && s.From+s.Seeds-1 != last, !anyRest && (s.From != first.sum.From || s.Seeds != first.sum.Seeds):
			return merged{}, fmt.Errorf("%s shards seeds %d..%d, %s seeds %d..%d: merge takes shards of one sweep (the same --from and --seeds)",
				first.path, first.sum.From, last, in.path, s.From, s.From+s.Seeds-1)
		}
		mine := slices.Clone(in.pieces)
		for j := range mine {
			mine[j].in = k
		}
		for _, p := range pieces {
			for _, q := range mine {
				if err := clash(inputs, sum.From, sum.Seeds, &p, &q); err != nil {
					return merged{}, err
				}
			}
		}
		pieces = append(pieces, mine...)
		if sum.ModuleVersion == "" && s.ModuleVersion != "" {
			sum.ModuleVersion, versionFrom = s.ModuleVersion, in.path // a summary without one came first (an older ensim)
		}
		sum.SeedsRun += s.SeedsRun
		sum.Rechecked += s.Rechecked
		sum.Failures = append(sum.Failures, s.Failures...)
		sum.Events += s.Events
		addCalls(&sum.Calls, s.Calls)
		sum.Skipped += s.Skipped
		addCasts(&sum.Casts, s.Casts)
		addRetries(&sum.Retries, s.Retries)
		for p, n := range s.Probes {
			sum.Probes[p] += n
		}
	}
	var m merged
	// A summary that ran fewer of its seeds than it had, and found no failure, was
	// stopped (an interrupt, a CI time limit) and does not say which it ran: the
	// merge does not cover the seeds it names, and must not pass for a sweep that
	// did. One that names its rest says what it covers, exactly.
	exact := true
	for _, in := range inputs {
		if len(in.sum.Rest) == 0 && (in.sum.SeedsRun < in.share && len(in.sum.Failures) == 0 || in.sum.Interrupted) {
			why := fmt.Sprintf("%s (shard %s) ran %d of its %d seeds and was stopped early: the seeds it did not run are not covered",
				in.path, in.sum.Shard, in.sum.SeedsRun, in.share)
			if in.sum.SeedsRun >= in.share {
				// Not "the seeds it did not run": it counts every one as run.
				why = fmt.Sprintf("%s (shard %s) counts %d of its %d seeds as run, but says it was interrupted and names no rest (an older ensim's summary): what it covers is not known",
					in.path, in.sum.Shard, in.sum.SeedsRun, in.share)
			}
			m.short = append(m.short, why)
			exact = false
		}
	}
	for _, p := range pieces {
		if !slices.Contains(m.shards, p.sh) {
			m.shards = append(m.shards, p.sh)
		}
	}
	for _, sh := range m.shards {
		var chain []mergePiece
		for _, p := range pieces {
			if p.sh == sh {
				chain = append(chain, p)
			}
		}
		// By where they start; one that covers nothing (interrupted before its first
		// seed) before the summary of its rest, which starts there too.
		slices.SortStableFunc(chain, func(p, q mergePiece) int {
			return cmp.Or(cmp.Compare(p.from, q.from), cmp.Compare(p.covered.count, q.covered.count))
		})
		wall, next := int64(0), sum.From // where the next piece must start
		for k := range chain {
			p := &chain[k]
			wall += inputs[p.in].sum.WallNS
			switch {
			case k == 0 && p.from != next:
				return merged{}, fmt.Errorf("%s (shard %s) starts at --from %d, and no summary given covers the seeds of shard %s before it, from %d on: merge takes the rest of an interrupted sweep, swept with its --shard, with the summary of that sweep",
					inputs[p.in].path, inputs[p.in].sum.Shard, p.from, sh, next)
			case k == 0:
			case chain[k-1].rest == nil || p.from < next:
				q := &chain[k-1]
				return merged{}, fmt.Errorf("%s (shard %s) sweeps shard %s from --from %d on, where %s (shard %s) covers it already: they do not fit together",
					inputs[p.in].path, inputs[p.in].sum.Shard, sh, p.from, inputs[q.in].path, inputs[q.in].sum.Shard)
			case p.from > next:
				q := &chain[k-1]
				return merged{}, fmt.Errorf("%s (shard %s) stopped where its rest begins, --from %d, and %s (shard %s) sweeps shard %s from --from %d on: the seeds between them are in no summary given",
					inputs[q.in].path, inputs[q.in].sum.Shard, next, inputs[p.in].path, inputs[p.in].sum.Shard, sh, p.from)
			}
			if p.rest != nil {
				next = p.rest.From
			}
		}
		sum.WallNS = max(sum.WallNS, wall)
		if end := &chain[len(chain)-1]; end.rest != nil {
			sum.Rest = append(sum.Rest, sweepRest{From: end.rest.From, Seeds: end.rest.Seeds, Shard: sh.String()})
			shard := ""
			if sh.n > 1 {
				shard = " --shard " + sh.String()
			}
			m.short = append(m.short, fmt.Sprintf("%s (shard %s) was interrupted: no summary given covers the rest of shard %s, --from %d --seeds %d%s",
				inputs[end.in].path, inputs[end.in].sum.Shard, sh, end.rest.From, end.rest.Seeds, shard))
		}
	}
	sort.SliceStable(sum.Failures, func(i, j int) bool { return sum.Failures[i].Seed < sum.Failures[j].Seed })
	switch {
	case !exact:
		// Some seeds are not covered, and which is not known: the merge names no rest
		// (a merge of it with the rest's summary would pass for the whole).
		sum.Rest = nil
		sum.Shard = shardListString(slices.Clone(m.shards))
	case len(sum.Rest) > 0:
		// Each shard by name, to which its rest belongs.
		sortShards(sum.Rest)
		sum.Shard = shardList(slices.Clone(m.shards))
	default:
		sum.Shard = shardListString(slices.Clone(m.shards))
	}
	sum.Interrupted = len(m.short) > 0
	sum.finish()
	m.sum = sum
	return m, nil
}

// clash refuses two summaries' pieces (p given first) that share a seed, or shards
// that do, of the merge's seeds from..from+n-1; or one shard given twice.
func clash(inputs []mergeInput, from, n uint64, p, q *mergePiece) error {
	a, b := &inputs[p.in], &inputs[q.in]
	if seed, ok := rangesMeet(p.covered, q.covered); ok {
		return fmt.Errorf("%s (shard %s) and %s (shard %s) overlap: both ran seed %d", a.path, a.sum.Shard, b.path, b.sum.Shard, seed)
	}
	switch {
	case p.sh != q.sh && p.from == from && q.from == from:
		// One of them has not run the seed yet: an interrupted sweep's shard.
		if seed, ok := shardsOverlap(from, n, p.sh, q.sh); ok {
			return fmt.Errorf("%s (shard %s) and %s (shard %s) overlap: both hold seed %d", a.path, a.sum.Shard, b.path, b.sum.Shard, seed)
		}
	case p.sh == q.sh && p.from == q.from && !p.leadsTo(q) && !q.leadsTo(p):
		// A shard without seeds (more shards than seeds) overlaps none, but given
		// twice it would be listed twice, in a merge that merge refuses.
		return fmt.Errorf("%s (shard %s) and %s (shard %s) both hold shard %s: merge takes each shard once",
			a.path, a.sum.Shard, b.path, b.sum.Shard, p.sh)
	}
	return nil
}

// rangesMeet reports whether seed ranges a and b share a seed, and the least they
// share. The seeds of a are a.first + a.step*t: they meet b's iff their residues
// meet, modulo a.step and b.step, in one class modulo the lcm (the Chinese remainder
// theorem), whose least member from the higher of the two firsts on is the first
// shared seed if neither range has ended before it. math/big's, as shardsOverlap.
func rangesMeet(a, b seedRange) (uint64, bool) {
	if a.count == 0 || b.count == 0 {
		return 0, false
	}
	lo, hi := max(a.first, b.first), min(a.at(a.count-1), b.at(b.count-1))
	if lo > hi {
		return 0, false
	}
	fa, fb := new(big.Int).SetUint64(a.first), new(big.Int).SetUint64(b.first)
	na, nb := new(big.Int).SetUint64(a.step), new(big.Int).SetUint64(b.step)
	g := new(big.Int).GCD(nil, nil, na, nb)
	diff := new(big.Int).Sub(fb, fa)
	if new(big.Int).Mod(diff, g).Sign() != 0 {
		return 0, false
	}
	// x = fa + na*t, with (na/g)*t == (fb-fa)/g modulo nb/g.
	m := new(big.Int).Quo(nb, g)
	t := new(big.Int)
	if m.Cmp(big.NewInt(1)) != 0 {
		inv := new(big.Int).ModInverse(new(big.Int).Quo(na, g), m)
		t.Mul(new(big.Int).Quo(diff, g), inv)
		t.Mod(t, m)
	}
	x := t.Mul(t, na).Add(t, fa)
	lcm := new(big.Int).Mul(m, na)
	low := new(big.Int).SetUint64(lo)
	x.Sub(x, low).Mod(x, lcm).Add(x, low) // the least from lo on
	if !x.IsUint64() || x.Uint64() > hi {
		return 0, false
	}
	return x.Uint64(), true
}

// shardsOverlap reports whether shards a and b of the n seeds from from on share a
// seed, and the first one they share. Shard I/N holds the offsets k = s - from with
// k mod N == I-1: two such classes, ra mod na and rb mod nb, meet iff ra == rb modulo
// g = gcd(na, nb), and then in one class modulo lcm(na, nb), whose least member (the
// Chinese remainder theorem) is the first shared offset; they share a seed iff it is
// below n. The lcm can pass 2^64, so the arithmetic is math/big's; it takes the same
// few steps for any split.
func shardsOverlap(from, n uint64, a, b shardSpec) (uint64, bool) {
	a, b = a.orWhole(), b.orWhole()
	ra, rb := new(big.Int).SetUint64(a.i-1), new(big.Int).SetUint64(b.i-1)
	na, nb := new(big.Int).SetUint64(a.n), new(big.Int).SetUint64(b.n)
	g := new(big.Int).GCD(nil, nil, na, nb)
	diff := new(big.Int).Sub(rb, ra)
	if new(big.Int).Mod(diff, g).Sign() != 0 {
		return 0, false
	}
	// k = ra + na*t, with (na/g)*t == (rb-ra)/g modulo nb/g.
	m := new(big.Int).Quo(nb, g)
	t := new(big.Int)
	if m.Cmp(big.NewInt(1)) != 0 {
		inv := new(big.Int).ModInverse(new(big.Int).Quo(na, g), m) // na/g and m are coprime
		t.Mul(new(big.Int).Quo(diff, g), inv)
		t.Mod(t, m)
	}
	k := t.Mul(t, na).Add(t, ra)
	if !k.IsUint64() || k.Uint64() >= n {
		return 0, false
	}
	return from + k.Uint64(), true
}

// shardListString names the shards of a merge: "1/1" when they are every shard of
// one split, else the list in order ("1/4,3/4").
func shardListString(shards []shardSpec) string {
	sort.Slice(shards, func(i, j int) bool { return shardLess(shards[i], shards[j]) })
	if n := shards[0].n; uint64(len(shards)) == n {
		whole := true
		for k, s := range shards {
			whole = whole && s.n == n && s.i == uint64(k)+1
		}
		if whole {
			return "1/1"
		}
	}
	return shardList(shards)
}

// shardList lists shards in order ("1/2,2/2"), as they are.
func shardList(shards []shardSpec) string {
	sort.Slice(shards, func(i, j int) bool { return shardLess(shards[i], shards[j]) })
	parts := make([]string, len(shards))
	for k, s := range shards {
		parts[k] = s.String()
	}
	return strings.Join(parts, ",")
}

// shardLess orders shards by split, then by index.
func shardLess(a, b shardSpec) bool {
	if a.n != b.n {
		return a.n < b.n
	}
	return a.i < b.i
}

// sortShards orders rests by their shards, as shardList does.
func sortShards(rests []sweepRest) {
	sort.SliceStable(rests, func(i, j int) bool {
		a, _ := parseShard(rests[i].Shard)
		b, _ := parseShard(rests[j].Shard)
		return shardLess(a, b)
	})
}
