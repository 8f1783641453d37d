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
)

func mergeFlags(fs *flag.FlagSet) commandFunc {
	var human, partial bool
	fs.BoolVar(&human, "human", false, "print the merged summary for humans instead of as JSON")
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
		sum, err := mergeSummaries(inputs)
		if err != nil {
			fmt.Fprintf(stderr, "ensim: sweep merge: %v\n", err)
			return exitUsage
		}
		// A shard that ran fewer of its seeds than it had, and found no failure, was
		// stopped (an interrupt, a CI time limit): the merge does not cover the seeds
		// it names, and must not pass for a sweep that did.
		var stopped []mergeInput
		for _, in := range inputs {
			if in.sum.SeedsRun < in.share && len(in.sum.Failures) == 0 || in.sum.Interrupted {
				stopped = append(stopped, in)
				sum.Interrupted = true
			}
		}
		var werr error
		if human {
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
		for _, in := range stopped {
			fmt.Fprintf(stderr, "ensim: sweep merge: %s (shard %s) ran %d of its %d seeds and was stopped early: the seeds it did not run are not covered\n",
				in.path, in.sum.Shard, in.sum.SeedsRun, in.share)
		}
		short := len(stopped) > 0
		// A shard that is missing altogether (an artifact lost, a job that never ran)
		// leaves seeds uncovered just the same.
		if missing := missingSeeds(inputs, sum); missing != "" && !partial {
			fmt.Fprintf(stderr, "ensim: sweep merge: %s: the merge does not cover the whole sweep (--partial accepts that)\n", missing)
			short = true
		}
		switch {
		case len(sum.Failures) > 0 || short:
			return exitFail
		case !ok:
			return exitUsage
		}
		return exitOK
	}
}

// missingSeeds says how much of the sweep the merged inputs leave out, naming the
// missing shards that hold seeds when every input splits the seeds the same way, at
// most maxNamedShards ways, or "" when they cover it all. The inputs do not overlap
// (mergeSummaries checked).
func missingSeeds(inputs []mergeInput, sum sweepSummary) string {
	var covered uint64
	n := inputs[0].shards[0].n
	have := map[uint64]bool{}
	for _, in := range inputs {
		covered += in.share
		for _, sh := range in.shards {
			if sh.n != n {
				n = 0 // split more than one way: count the seeds only
			}
			have[sh.i] = true
		}
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
	shards []shardSpec // the shards the summary covers
	share  uint64      // how many seeds those shards hold
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
	if sum.WallNS < 0 {
		return bad("wall_ns %d is negative", sum.WallNS)
	}
	failed := map[uint64]bool{}
	for i, f := range sum.Failures {
		switch {
		case !slices.ContainsFunc(shards, func(sh shardSpec) bool { return shardSeeds(sum.From, sum.Seeds, sh).holds(f.Seed) }):
			return bad("failures[%d]: seed %d is no seed of shard %s", i, f.Seed, sum.Shard)
		case failed[f.Seed]:
			return bad("failures[%d]: seed %d fails twice", i, f.Seed)
		case f.ViolationsTotal < 0:
			return bad("failures[%d]: violations_total %d is negative", i, f.ViolationsTotal)
		}
		failed[f.Seed] = true
	}
	return mergeInput{path: path, sum: sum, shards: shards, share: share}, nil
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

// mergeSummaries merges the summaries of shards of one sweep: the same scenario,
// semantics and seeds, no seed in two of them. Counts, events, calls and probes are
// summed, failures concatenated in seed order, and the zero probes recomputed. The
// shards ran side by side, so the merged wall time is the slowest shard's, and the
// speeds are the summed seeds and events over it.
func mergeSummaries(inputs []mergeInput) (sweepSummary, error) {
	first := inputs[0]
	sum := sweepSummary{
		Scenario:      first.sum.Scenario,
		SpecHash:      first.sum.SpecHash,
		ModuleVersion: first.sum.ModuleVersion,
		Semantics:     first.sum.Semantics,
		From:          first.sum.From,
		Seeds:         first.sum.Seeds,
		Probes:        map[string]uint64{},
	}
	var shards []shardSpec
	versionFrom := first.path // the summary that named the build, when one did
	for k, in := range inputs {
		s := in.sum
		switch {
		case s.Scenario != sum.Scenario:
			return sweepSummary{}, fmt.Errorf("%s is a sweep of %q, %s of %q: merge takes shards of one sweep", first.path, sum.Scenario, in.path, s.Scenario)
		case s.SpecHash != sum.SpecHash && (s.SpecHash == "" || sum.SpecHash == ""):
			return sweepSummary{}, fmt.Errorf("%s and %s: one has no spec_hash (an older ensim wrote it), so merge cannot tell they swept one spec: run that shard again",
				first.path, in.path)
		case s.SpecHash != sum.SpecHash:
			return sweepSummary{}, fmt.Errorf("%s and %s are sweeps of different specs (spec_hash %q and %q), both named %q: merge takes shards of one sweep",
				first.path, in.path, sum.SpecHash, s.SpecHash, cmp.Or(sum.Scenario, "(unnamed spec)"))
		case s.ModuleVersion != "" && sum.ModuleVersion != "" && s.ModuleVersion != sum.ModuleVersion:
			// Another revision, tagged version, modified tree or Go release may run a
			// seed otherwise.
			return sweepSummary{}, fmt.Errorf("%s was swept by %s, %s by %s: merge takes shards of one sweep, run by one build (run the shard again with the other's)",
				versionFrom, sum.ModuleVersion, in.path, s.ModuleVersion)
		case s.Semantics != sum.Semantics:
			return sweepSummary{}, fmt.Errorf("%s ran under %s semantics, %s under %s: merge takes shards of one sweep", first.path, sum.Semantics, in.path, s.Semantics)
		case s.From != sum.From || s.Seeds != sum.Seeds:
			return sweepSummary{}, fmt.Errorf("%s shards seeds %d..%d, %s seeds %d..%d: merge takes shards of one sweep (the same --from and --seeds)",
				first.path, sum.From, sum.From+sum.Seeds-1, in.path, s.From, s.From+s.Seeds-1)
		}
		for _, prev := range inputs[:k] {
			for _, a := range prev.shards {
				for _, b := range in.shards {
					if seed, ok := shardsOverlap(sum.From, sum.Seeds, a, b); ok {
						return sweepSummary{}, fmt.Errorf("%s (shard %s) and %s (shard %s) overlap: both ran seed %d",
							prev.path, prev.sum.Shard, in.path, s.Shard, seed)
					}
					// A shard without seeds (more shards than seeds) overlaps none, but
					// given twice it would be listed twice, in a merge that merge refuses.
					if a == b {
						return sweepSummary{}, fmt.Errorf("%s (shard %s) and %s (shard %s) both hold shard %s: merge takes each shard once",
							prev.path, prev.sum.Shard, in.path, s.Shard, a)
					}
				}
			}
		}
		if sum.ModuleVersion == "" && s.ModuleVersion != "" {
			sum.ModuleVersion, versionFrom = s.ModuleVersion, in.path // a summary without one came first (an older ensim)
		}
		shards = append(shards, in.shards...)
		sum.SeedsRun += s.SeedsRun
		sum.Rechecked += s.Rechecked
		sum.Failures = append(sum.Failures, s.Failures...)
		sum.WallNS = max(sum.WallNS, s.WallNS)
		sum.Events += s.Events
		addCalls(&sum.Calls, s.Calls)
		sum.Skipped += s.Skipped
		addCasts(&sum.Casts, s.Casts)
		for p, n := range s.Probes {
			sum.Probes[p] += n
		}
	}
	sort.SliceStable(sum.Failures, func(i, j int) bool { return sum.Failures[i].Seed < sum.Failures[j].Seed })
	sum.Shard = shardListString(shards)
	sum.finish()
	return sum, nil
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
	sort.Slice(shards, func(i, j int) bool {
		if shards[i].n != shards[j].n {
			return shards[i].n < shards[j].n
		}
		return shards[i].i < shards[j].i
	})
	if n := shards[0].n; uint64(len(shards)) == n {
		whole := true
		for k, s := range shards {
			whole = whole && s.n == n && s.i == uint64(k)+1
		}
		if whole {
			return "1/1"
		}
	}
	parts := make([]string, len(shards))
	for k, s := range shards {
		parts[k] = s.String()
	}
	return strings.Join(parts, ",")
}
