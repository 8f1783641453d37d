package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/sim"
)

// repro is a repro file (scenarios.Repro); ensim writes it on every failure and reads
// it for replay.
type repro = scenarios.Repro

const (
	reproKey    = scenarios.ReproKey
	reproFormat = scenarios.ReproFormat
)

// readRepro reads and checks a repro file; the spec inside is validated as a spec
// file would be.
func readRepro(path string) (repro, router.Semantics, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return repro{}, 0, err
	}
	var raw reproFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		var keys map[string]json.RawMessage
		if json.Unmarshal(data, &keys) == nil && keys[reproKey] == nil {
			return repro{}, 0, fmt.Errorf("%s: not a repro file (no %q key); for a spec use ensim run --spec %s", path, reproKey, shellQuote(path))
		}
		return repro{}, 0, fmt.Errorf("%s: bad repro file: %v", path, strings.TrimPrefix(err.Error(), "json: "))
	}
	bad := func(format string, args ...any) (repro, router.Semantics, error) {
		return repro{}, 0, fmt.Errorf("%s: bad repro file: %s", path, fmt.Sprintf(format, args...))
	}
	if msg := reproKeys(data); msg != "" {
		return bad("%s", msg)
	}
	switch {
	case raw.Format == nil:
		return repro{}, 0, fmt.Errorf("%s: not a repro file (no %q key); for a spec use ensim run --spec %s", path, reproKey, shellQuote(path))
	case *raw.Format != reproFormat:
		return bad("%s: format %d, this ensim reads format %d", reproKey, *raw.Format, reproFormat)
	case raw.Seed == nil:
		return bad("seed: missing")
	case raw.Semantics == "":
		return bad("semantics: missing")
	case len(raw.Spec) == 0:
		return bad("spec: missing")
	}
	// A repro written before the violations were counted, or by hand, lists them all.
	total := uint64(len(raw.Violations))
	if raw.ViolationsTotal != nil {
		if *raw.ViolationsTotal < total {
			return bad("violations_total: %d, fewer than the %d violations listed", *raw.ViolationsTotal, total)
		}
		total = *raw.ViolationsTotal
	}
	sem, err := router.ParseSemantics(raw.Semantics)
	if err != nil {
		return bad("semantics: %q, want default or riak", raw.Semantics)
	}
	spec, err := scenarios.Parse(bytes.NewReader(raw.Spec))
	if err != nil {
		return repro{}, 0, fmt.Errorf("%s: spec: %w", path, err)
	}
	return repro{
		Format:          *raw.Format,
		ModuleVersion:   raw.ModuleVersion,
		Scenario:        raw.Scenario,
		Seed:            *raw.Seed,
		Semantics:       sem.String(),
		Spec:            spec,
		Violations:      raw.Violations,
		ViolationsTotal: total,
		ViolationCounts: raw.ViolationCounts,
		TraceHash:       raw.TraceHash,
	}, sem, nil
}

// reproFile is a repro file as read: what must be there is a pointer, and the spec
// is parsed on its own.
type reproFile struct {
	Format          *int                  `json:"ensroute_repro"`
	ModuleVersion   string                `json:"module_version"`
	Scenario        string                `json:"scenario"`
	Seed            *uint64               `json:"seed"`
	Semantics       string                `json:"semantics"`
	Spec            json.RawMessage       `json:"spec"`
	Violations      []scenarios.Violation `json:"violations"`
	ViolationsTotal *uint64               `json:"violations_total"`
	ViolationCounts map[string]uint64     `json:"violation_counts"`
	TraceHash       string                `json:"trace_hash"`
}

// reproKeys checks the keys of a repro file's object, which decoded: encoding/json
// keeps the last of a key given twice ("seed" twice replays another seed than the
// reader sees first) and takes a key in any case for its field. It says what is
// wrong, or "". (The spec inside gets the same check from scenarios.Parse.)
func reproKeys(data []byte) string {
	var names []string
	t := reflect.TypeFor[reproFile]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "" // it decoded into an object: cannot happen
	}
	var seen []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := tok.(string)
		if !slices.Contains(names, key) {
			for _, n := range names {
				if strings.EqualFold(n, key) {
					return fmt.Sprintf("unknown field %q: keys are case-sensitive, want %q", key, n)
				}
			}
		}
		if slices.Contains(seen, key) {
			return fmt.Sprintf("key %q appears twice", key)
		}
		seen = append(seen, key)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// defaultReproPath is where a failing run writes its repro when --repro is not given:
// the current directory.
func defaultReproPath(scenario string, sem router.Semantics, seed uint64) string {
	if scenario == "" {
		scenario = "spec"
	}
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, scenario)
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
// first failing call of vs.
func printReplay(w io.Writer, path string, vs []scenarios.Violation) {
	q := shellQuote(path)
	fmt.Fprintf(w, "ensim: repro written to %s\nreplay with:\n  ensim replay %s\n  go run ./cmd/ensim replay %s\n", path, q, q)
	if call := firstCall(vs); call != "" {
		fmt.Fprintf(w, "the first failing call is %s; draw it with:\n  %s\n", call, traceCommand(path, call))
	}
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

// replay runs a repro file's spec, seed and semantics again and says whether the
// trace is the one recorded.
func replay(path string, asJSON bool, trace string, stdout, stderr io.Writer) int {
	rp, sem, err := readRepro(path)
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	res, err := simulate(rp.Spec, scenarios.Options{Seed: rp.Seed, Semantics: sem, KeepTrace: trace != ""})
	if err != nil {
		fmt.Fprintf(stderr, "ensim: %s: %v\n", path, err)
		return exitUsage
	}
	if trace != "" {
		if err := writeTrace(trace, res.Trace); err != nil {
			fmt.Fprintf(stderr, "ensim: %v\n", err)
			return exitUsage
		}
	}
	if !asJSON {
		io.WriteString(stdout, swarmHeader(rp.Spec, rp.Seed))
	}
	if err := printReport(stdout, res.Report, asJSON); err != nil {
		fmt.Fprintf(stderr, "ensim: %v\n", err)
		return exitUsage
	}
	w := stdout
	if asJSON {
		w = stderr // keep stdout a single JSON object
	}
	switch now := res.Report.TraceHash; {
	case rp.TraceHash == "":
		// A hand-written or trimmed repro: nothing to compare, and no sign that
		// the code changed.
		fmt.Fprintln(w, "the repro records no trace hash to compare with")
	case now == rp.TraceHash:
		fmt.Fprintln(w, "trace hash matches the repro")
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
	default:
		fmt.Fprintf(w, "trace hash differs from the repro: was %s, now %s\n", rp.TraceHash, now)
		fmt.Fprintf(w, "the code changed since the repro was written (then %s, now %s): the same spec and seed now run differently\n",
			rp.ModuleVersion, scenarios.ModuleVersion())
	}
	if vs := res.Report.Violations; len(vs) > 0 {
		printViolations(stderr, &res.Report)
		fmt.Fprintf(stderr, "ensim: the repro still fails\n")
		if call := firstCall(vs); call != "" {
			fmt.Fprintf(stderr, "the first failing call is %s; draw it with:\n  %s\n", call, traceCommand(path, call))
		}
		return exitFail
	}
	if n := rp.ViolationsTotal; n > 0 {
		fmt.Fprintf(w, "every invariant holds now; the repro recorded %d violation%s\n", n, plural(int(min(n, 2))))
	}
	return exitOK
}
