package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zeebo/xxh3"

	"github.com/ensroute/ensroute/cmd/internal/limitfile"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/sim"
)

// repro is a repro file (scenarios.Repro); ensim writes it on every failure and reads
// it for replay.
type repro = scenarios.Repro

const reproKey = scenarios.ReproKey

// isTrace reports whether data begins with a trace record (ensim run --trace): an
// object with the time and kind every record has.
func isTrace(data []byte) bool {
	var keys map[string]json.RawMessage
	return json.NewDecoder(bytes.NewReader(data)).Decode(&keys) == nil && keys["t"] != nil && keys["kind"] != nil
}

// readRepro reads and checks a repro file (scenarios.ParseRepro): the file, and the
// spec inside it, are held to what a spec file is. cmd is the ensim command that
// reads it, whose --spec a spec file given instead wants.
func readRepro(path, cmd string) (repro, router.Semantics, error) {
	data, err := limitfile.Read(path, maxInput)
	if errors.Is(err, fs.ErrNotExist) && !filepath.IsAbs(path) {
		// The path ensim run or sweep printed is relative to where it ran: say so.
		if wd, werr := os.Getwd(); werr == nil {
			return repro{}, 0, fmt.Errorf("%w (a relative path is taken from the current directory, %s; the path a run or a sweep printed is relative to the directory it ran in: run this command there, or give the path from here)", err, wd)
		}
	}
	if err != nil {
		return repro{}, 0, err
	}
	rp, err := scenarios.ParseRepro(bytes.NewReader(data))
	if errors.Is(err, scenarios.ErrNotRepro) && isTrace(data) {
		return repro{}, 0, fmt.Errorf("%s: not a repro file but a JSON-lines trace (ensim writes a repro with --repro, or on a failure)", path)
	}
	if errors.Is(err, scenarios.ErrNotRepro) {
		return repro{}, 0, fmt.Errorf("%s: not a repro file (no %q key); for a spec use ensim %s --spec %s", path, reproKey, cmd, shellQuote(path))
	}
	if err != nil {
		return repro{}, 0, fmt.Errorf("%s: %w", path, err)
	}
	sem, err := router.ParseSemantics(rp.Semantics)
	if err != nil { // ParseRepro checked it
		return repro{}, 0, fmt.Errorf("%s: %w", path, err)
	}
	return rp, sem, nil
}

// writeRepro writes rp to path (scenarios.Repro.Encode), putting it in place only
// once it is written whole: a repro that cannot be written leaves an older file at
// path as it was.
func writeRepro(path string, rp repro) error {
	return writeOut(path, rp.Encode)
}

// maxReproName is the most bytes of a scenario's name that a repro's file name keeps:
// with the rest of the name it stays well under the 255 bytes a file name may have.
const maxReproName = 96

// defaultReproPath is where a failing run writes its repro when --repro is not given:
// the current directory. A name longer than maxReproName keeps its start and a hash of
// the whole, so that two long names apart only at their ends get files of their own.
// routers is --routers (0: not given), named too, so that runs of one seed with
// another number of routers (two sweeps into one --out) do not replace each other's.
func defaultReproPath(scenario string, sem router.Semantics, seed uint64, routers int) string {
	if scenario == "" {
		scenario = "spec"
	}
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, scenario)
	if len(safe) > maxReproName {
		safe = fmt.Sprintf("%s-%016x", safe[:maxReproName-17], xxh3.HashString(scenario))
	}
	if routers > 0 {
		return fmt.Sprintf("ensim-repro-%s-%s-%d-routers-%d.json", safe, sem, seed, routers)
	}
	return fmt.Sprintf("ensim-repro-%s-%s-%d.json", safe, sem, seed)
}

// shellQuote quotes s for a POSIX shell when it needs quoting, so printed commands can
// be pasted as they are.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// maxViolations is how many violations ensim prints before "and N more".
const maxViolations = 10

// printViolations prints how many violations r found, by invariant, the first of
// them, then how many more there are and how many of those the report (and so the
// repro) keeps.
func printViolations(w io.Writer, r *scenarios.Report) {
	vs, total := r.Violations, r.ViolationsFound()
	fmt.Fprintf(w, "ensim: %d invariant violation%s%s:\n", total, plural(int(min(total, 2))), byInvariant(r.ViolationCounts))
	for i, v := range vs {
		if i == maxViolations {
			break
		}
		fmt.Fprintf(w, "  %s\n", formatViolation(v))
	}
	if shown := uint64(min(len(vs), maxViolations)); total > shown {
		fmt.Fprintf(w, "  and %d more%s\n", total-shown, keptNote(r))
	}
}

// byInvariant renders counts of violations by invariant, in the order of
// scenarios.Invariants, as " (exactly-once 3, liveness 1)"; "" when there are fewer
// than two invariants to tell apart.
func byInvariant(counts map[string]uint64) string {
	if len(counts) < 2 {
		return ""
	}
	var parts []string
	for _, inv := range scenarios.Invariants {
		if n, ok := counts[inv]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", inv, n))
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// keptNote says, when r left violations out, how many it kept: "" when it kept
// them all.
func keptNote(r *scenarios.Report) string {
	if r.ViolationsLeftOut() == 0 {
		return ""
	}
	return fmt.Sprintf(" (the report and the repro keep %d: the first %d of each invariant)", len(r.Violations), scenarios.MaxViolationsKept)
}

// formatViolation renders one violation on one line: invariant, call, detail.
func formatViolation(v scenarios.Violation) string {
	if v.Call == "" {
		return fmt.Sprintf("%s: %s", v.Invariant, v.Detail)
	}
	return fmt.Sprintf("%s: call %s: %s", v.Invariant, v.Call, v.Detail)
}

// printReplay says where the repro went and how to replay it, and how to draw the
// first failing call or cast of vs. The go run command builds ensim from the
// module's source, and path is relative to the current directory: it is printed
// only when that is the module's root, the one place where it works as printed.
func printReplay(w io.Writer, path string, vs []scenarios.Violation) {
	q := shellQuote(path)
	fmt.Fprintf(w, "ensim: repro written to %s\nreplay with:\n  ensim replay %s\n", path, q)
	if atModuleRoot() {
		fmt.Fprintf(w, "  go run ./cmd/ensim replay %s\n", q)
	}
	printFirstFailing(w, "", path, vs)
}

// modulePath is the path of ensim's module, as its go.mod names it.
const modulePath = "github.com/ensroute/ensroute"

// atModuleRoot reports whether the current directory is the root of ensim's module:
// it holds a go.mod that names the module.
func atModuleRoot() bool {
	data, err := limitfile.Read("go.mod", 1<<20)
	return err == nil && goModPath(data) == modulePath
}

// goModPath is the module path a go.mod declares, "" when it declares none.
func goModPath(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "module" {
			continue
		}
		if p, err := strconv.Unquote(f[1]); err == nil {
			return p
		}
		return f[1]
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func replayFlags(fs *flag.FlagSet) commandFunc {
	var asJSON bool
	var trace string
	fs.BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	fs.StringVar(&trace, "trace", "", "write the trace to `FILE` as JSON lines")
	return func(_ context.Context, pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 {
			return usageErr(stderr, synReplay, "replay takes one repro file, got %d arguments", len(pos))
		}
		return replay(pos[0], asJSON, trace, stdout, stderr)
	}
}

// replayJSON is replay --json's output: the run's report, the trace hash the repro
// recorded ("" for none) and whether the run's matches it (null when there is
// nothing to compare: no recorded hash, or one of another format).
type replayJSON struct {
	scenarios.Report
	RecordedTraceHash string `json:"recorded_trace_hash"`
	TraceHashMatches  *bool  `json:"trace_hash_matches"`
}

// replay runs a repro file's spec, seed and semantics again and says whether the
// trace is the one recorded.
func replay(path string, asJSON bool, trace string, stdout, stderr io.Writer) int {
	if err := clobbers(path, map[string]string{"--trace": trace}); err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	rp, sem, err := readRepro(path, "run")
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	traceFile, err := createTrace(trace)
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	defer traceFile.discard() // written as the run goes and put in place after it; this is for an early return
	tw := newTraceWriter(traceFile)
	progress := newRunProgress(stderr)
	res, err := simulateGuarded(rp.Spec, scenarios.Options{Seed: rp.Seed, Semantics: sem, TraceSink: tw.sink(), Progress: progress.hook()})
	progress.clear()
	var crash *simPanic
	if errors.As(err, &crash) {
		printPanic(stderr, crash)
		fmt.Fprintf(stderr, "ensim: the repro still fails: its simulation panics\n")
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %s: %v\n", path, err)
		return exitUsage
	}
	// A trace that could not be written is reported, and the replay with it; so is
	// a report that could not be printed.
	traceErr := tw.finish()
	if traceErr != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", traceErr)
	}
	now := res.Report.TraceHash
	var reported bool
	if asJSON {
		// The report with what the repro recorded: a script checks the match here.
		out := replayJSON{Report: forJSON(res.Report), RecordedTraceHash: rp.TraceHash}
		if rp.TraceHash != "" && len(rp.TraceHash) == len(now) {
			m := now == rp.TraceHash
			out.TraceHashMatches = &m
		}
		reported = printed(stderr, printJSON(stdout, out))
	} else {
		io.WriteString(stdout, swarmHeader(rp.Spec, rp.Seed))
		reported = printed(stderr, printReport(stdout, res.Report, false))
	}
	w := stdout
	if asJSON {
		w = stderr // keep stdout a single JSON object
	}
	notes := &errWriter{w: w} // in text mode a script greps them: one lost is lost output
	hashNote(notes, rp, now)
	if vs := res.Report.Violations; len(vs) > 0 {
		printViolations(stderr, &res.Report)
		if rp.ViolationsTotal == 0 && rp.Crash == "" {
			// Written by --repro of a run that passed, or edited: it failed
			// nothing when it was written.
			fmt.Fprintf(stderr, "ensim: the repro's run fails now; it recorded no violation when it was written\n")
		} else {
			fmt.Fprintf(stderr, "ensim: the repro still fails\n")
		}
		printFirstFailing(stderr, "", path, vs)
		return exitFail
	}
	holdsNote(notes, rp, rp.TraceHash != "" && now == rp.TraceHash)
	if !asJSON && reported {
		reported = printed(stderr, notes.err)
	}
	if traceErr != nil || !reported {
		return exitUsage
	}
	return exitOK
}

// hashNote says whether the trace hash now of a repro's run matches the one it
// recorded, and what a difference means.
func hashNote(w io.Writer, rp repro, now string) {
	switch {
	case rp.TraceHash == "":
		// A hand-written or trimmed repro: nothing to compare, and no sign that
		// the code changed.
		fmt.Fprintln(w, "the repro records no trace hash to compare with")
	case now == rp.TraceHash:
		fmt.Fprintln(w, "trace hash matches the repro")
	case len(rp.InjectedBugs) > 0:
		// A property test's run with a bug injected: ensim runs the router as built.
		fmt.Fprintf(w, "trace hash differs from the repro: was %s, now %s\n", rp.TraceHash, now)
		fmt.Fprintf(w, "the repro was recorded with test-only bugs injected into the router core or the simulator (%s), which ensim never injects: this is the same world run without them\n",
			strings.Join(rp.InjectedBugs, ", "))
	case len(rp.TraceHash) != len(now):
		// A hash of another format says nothing about the run: before the v4 trace
		// hash, a trace hash was a SHA-256 (64 hex digits) of another encoding.
		format := "another format"
		if len(rp.TraceHash) == 64 {
			format = "the format before v4 (SHA-256)"
		}
		fmt.Fprintf(w, "trace hash not compared: the repro's is in %s: was %s, now %s (%s)\n", format, rp.TraceHash, now, sim.TraceHashFormat)
		fmt.Fprintf(w, "the hash format changed, which says nothing of the run: to compare the runs, write their traces with --trace, with the build that wrote the repro and with this one (then %s, now %s), and diff them\n",
			rp.ModuleVersion, scenarios.ModuleVersion())
	case rp.ModuleVersion == scenarios.ModuleVersion():
		fmt.Fprintf(w, "trace hash differs from the repro: was %s, now %s\n", rp.TraceHash, now)
		fmt.Fprintf(w, "the same spec and seed now run differently, though the build names itself as the repro's did (%s): the repro's seed, semantics or spec were edited after it was written, or a build without its revision (a tree outside version control) or with uncommitted changes (\"(modified)\") cannot tell its code from another's, or the run is not deterministic (ensim run --check-determinism runs a world twice and compares)\n",
			rp.ModuleVersion)
	default:
		fmt.Fprintf(w, "trace hash differs from the repro: was %s, now %s\n", rp.TraceHash, now)
		fmt.Fprintf(w, "the code changed since the repro was written, or the Go release that built it (then %s, now %s): the same spec and seed now run differently\n",
			rp.ModuleVersion, scenarios.ModuleVersion())
	}
}

// holdsNote says, of a repro's run in which every invariant holds now, how many
// violations the repro recorded, if any; same says the run is the one recorded (its
// trace hash matches), so that only what is checked can have changed.
func holdsNote(w io.Writer, rp repro, same bool) {
	if rp.Crash != "" {
		fmt.Fprintf(w, "the run that wrote the repro did not finish: %s; this one ran to its end: the seed does not fail alone, and what ended that run came from outside the simulation\n", rp.Crash)
	}
	if n := rp.ViolationsTotal; n > 0 && len(rp.InjectedBugs) > 0 {
		fmt.Fprintf(w, "every invariant holds without the injected bugs; the repro recorded %d violation%s with them\n", n, plural(int(min(n, 2))))
	} else if n > 0 {
		fmt.Fprintf(w, "every invariant holds now; the repro recorded %d violation%s\n", n, plural(int(min(n, 2))))
		if same {
			fmt.Fprintln(w, "the run is the one recorded, so what is checked changed: the spec's liveness, riak_breaks or send_budget were edited, or the checker changed since the repro was written")
		}
	}
}
