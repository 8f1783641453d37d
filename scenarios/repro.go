package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/internal/buildinfo"
	"github.com/ensroute/ensroute/internal/strictjson"
	"github.com/ensroute/ensroute/router"
)

// ReproKey is the key that marks a JSON file as a repro file; its value is the
// format version, ReproFormat.
const ReproKey = "ensroute_repro"

// ReproFormat is the version of the repro format written and read by this module.
const ReproFormat = 1

// Repro is a repro file: everything needed to run a failing run again, and to keep
// running it after the code changes, because the spec, not only the seed, fixes the
// world and its faults. ensim replay reads it; ensim run, ensim sweep and the
// property tests write it.
type Repro struct {
	Format        int    `json:"ensroute_repro"`
	ModuleVersion string `json:"module_version"`
	Scenario      string `json:"scenario"`
	Seed          uint64 `json:"seed"`
	Semantics     string `json:"semantics"`
	Spec          Spec   `json:"spec"`
	// Violations are the run's violations as its report kept them: the first
	// MaxViolationsKept of each invariant. ViolationsTotal counts every one found, and
	// ViolationCounts by invariant.
	Violations      []Violation       `json:"violations"`
	ViolationsTotal uint64            `json:"violations_total"`
	ViolationCounts map[string]uint64 `json:"violation_counts,omitempty"`
	TraceHash       string            `json:"trace_hash"`
	// InjectedBugs names the test-only bugs the run injected into the router core or
	// the simulator (a property test's ENSROUTE_INJECT), which no other run injects: a
	// replay runs the same world without them.
	InjectedBugs []string `json:"injected_bugs,omitempty"`
	// Crash says how the run that wrote the repro ended when something outside the
	// simulation ended it: a sweep worker killed (for want of memory, say) leaves a
	// repro of the seed it was running, which need not fail alone. (A panic is not
	// recorded here: a replay shows it again.)
	Crash string `json:"crash,omitempty"`
}

// NewRepro records the run of spec with seed and sem that produced rep.
func NewRepro(spec Spec, seed uint64, sem router.Semantics, rep Report) Repro {
	v := rep.Violations
	if v == nil {
		v = []Violation{}
	}
	return Repro{
		Format:          ReproFormat,
		ModuleVersion:   ModuleVersion(),
		Scenario:        spec.Name,
		Seed:            seed,
		Semantics:       sem.String(),
		Spec:            spec,
		Violations:      v,
		ViolationsTotal: rep.ViolationsFound(),
		ViolationCounts: rep.ViolationCounts,
		TraceHash:       rep.TraceHash,
	}
}

// Write writes r to path as indented JSON (Encode), truncating a file already there.
func (r Repro) Write(path string) error {
	b, err := r.marshal()
	if err != nil {
		return fmt.Errorf("repro %s: %w", path, err)
	}
	return os.WriteFile(path, b, 0o644)
}

// Encode writes r to w as Write writes it to a file: indented JSON and a newline.
func (r Repro) Encode(w io.Writer) error {
	b, err := r.marshal()
	if err != nil {
		return fmt.Errorf("repro: %w", err)
	}
	_, err = w.Write(b)
	return err
}

func (r Repro) marshal() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	return append(b, '\n'), err
}

// ParseRepro reads a repro file as Parse reads a spec, and the spec in it as Parse
// does: a key that is unknown, in another case than the format's or given twice in
// one object, a value of the wrong type and data after the object are refused, and
// named by their path ("spec.workload: unknown field \"rat\""). The format, the
// seed, the semantics and the spec must be there; a format other than ReproFormat is
// refused as such before any key is looked at, as a later format may add keys. A repro without
// violations_total (written by hand, or before violations were counted) counts the
// violations it lists.
//
// The error wraps ErrNotRepro for a JSON object without ReproKey, ErrBadSpec when
// the spec fails Validate or leaves out an "at", as Parse refuses it ("spec: " and
// the spec's error), and ErrBadRepro for anything else.
func ParseRepro(r io.Reader) (Repro, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Repro{}, fmt.Errorf("%w: %v", ErrBadRepro, err)
	}
	data = strictjson.TrimBOM(data)
	bad := func(format string, args ...any) (Repro, error) {
		return Repro{}, fmt.Errorf("%w: %s", ErrBadRepro, fmt.Sprintf(format, args...))
	}
	// The first JSON value decides: a JSON-lines trace holds many objects, none a
	// repro.
	var keys map[string]json.RawMessage
	first := json.NewDecoder(bytes.NewReader(data)).Decode(&keys) == nil
	if first && keys[ReproKey] == nil {
		return Repro{}, fmt.Errorf("%w: no %q key", ErrNotRepro, ReproKey)
	}
	// The format is judged first: a file of a later format may hold keys this module
	// does not know, and its format, not they, is what this module cannot read. A
	// format that is no integer is left to strictjson, which names its type.
	if first {
		var format *int
		if json.Unmarshal(keys[ReproKey], &format) == nil {
			switch {
			case format == nil:
				return bad("%s: null, want the format, %d", ReproKey, ReproFormat)
			case *format != ReproFormat:
				return bad("%s: format %d, this module reads format %d", ReproKey, *format, ReproFormat)
			}
		}
	}
	var raw reproJSON
	if err := strictjson.Decode(data, &raw, jsonOptions("", "repro")); err != nil {
		return bad("%v", err)
	}
	switch {
	case raw.Seed == nil:
		return bad("seed: missing")
	case raw.Semantics == "":
		return bad("semantics: missing")
	case raw.Spec == nil:
		return bad("spec: missing")
	}
	sem, err := router.ParseSemantics(raw.Semantics)
	if err != nil {
		return bad("semantics: %q, want default or riak", raw.Semantics)
	}
	// A trace hash is bytes in lower-case hex: 32 digits now, 64 (a SHA-256) before
	// the v4 hash, another even number in another format. Anything else was not
	// written by a run, and would pass for a hash of another format.
	if h := raw.TraceHash; len(h)%2 != 0 || strings.Trim(h, "0123456789abcdef") != "" {
		return bad("trace_hash: %q, want lower-case hex digits (32 of them since the v4 trace hash), or none", h)
	}
	// The violations are a run's: each of an invariant the checker has, and the counts
	// by invariant add up to the total, at least what the list holds of each.
	listed := map[string]uint64{}
	for i, v := range raw.Violations {
		if !isInvariant(v.Invariant) {
			return bad("violations[%d].invariant: %q is not an invariant: want one of %s", i, v.Invariant, strings.Join(Invariants, ", "))
		}
		listed[v.Invariant]++
	}
	total := uint64(len(raw.Violations))
	if raw.ViolationsTotal != nil {
		if *raw.ViolationsTotal < total {
			return bad("violations_total: %d, fewer than the %d violations listed", *raw.ViolationsTotal, total)
		}
		total = *raw.ViolationsTotal
	}
	if len(raw.ViolationCounts) > 0 {
		for _, inv := range slices.Sorted(maps.Keys(raw.ViolationCounts)) {
			if !isInvariant(inv) {
				return bad("violation_counts: %q is not an invariant: want one of %s", inv, strings.Join(Invariants, ", "))
			}
		}
		var sum uint64
		for _, inv := range Invariants {
			n := raw.ViolationCounts[inv]
			if n < listed[inv] {
				return bad("violation_counts.%s: %d, fewer than the %d violations of it listed", inv, n, listed[inv])
			}
			if sum+n < sum {
				return bad("violation_counts: they add up to more than %d", uint64(math.MaxUint64))
			}
			sum += n
		}
		if sum != total {
			return bad("violation_counts: they add up to %d, not the total of %d", sum, total)
		}
	}
	for i, name := range raw.InjectedBugs {
		if _, ok := bugs.Parse(name); !ok {
			return bad("injected_bugs[%d]: %q is no bug this module knows (%s)", i, name, bugs.NameList())
		}
	}
	// The spec decoded as a spec file's does (Parse): an "at" left out is refused,
	// not taken for 0s. keys holds the file's one object here (strictjson took it).
	if err := checkAt(keys["spec"]); err != nil {
		return Repro{}, fmt.Errorf("spec: %w", err)
	}
	if err := raw.Spec.Validate(); err != nil {
		return Repro{}, fmt.Errorf("spec: %w", err)
	}
	return Repro{
		Format:          ReproFormat,
		ModuleVersion:   raw.ModuleVersion,
		Scenario:        raw.Scenario,
		Seed:            *raw.Seed,
		Semantics:       sem.String(),
		Spec:            *raw.Spec,
		Violations:      raw.Violations,
		ViolationsTotal: total,
		ViolationCounts: raw.ViolationCounts,
		TraceHash:       raw.TraceHash,
		InjectedBugs:    raw.InjectedBugs,
		Crash:           raw.Crash,
	}, nil
}

// reproJSON is a repro file as ParseRepro reads it: Repro's keys, with what must be
// there a pointer.
type reproJSON struct {
	Format          *int              `json:"ensroute_repro"`
	ModuleVersion   string            `json:"module_version"`
	Scenario        string            `json:"scenario"`
	Seed            *uint64           `json:"seed"`
	Semantics       string            `json:"semantics"`
	Spec            *Spec             `json:"spec"`
	Violations      []Violation       `json:"violations"`
	ViolationsTotal *uint64           `json:"violations_total"`
	ViolationCounts map[string]uint64 `json:"violation_counts"`
	TraceHash       string            `json:"trace_hash"`
	InjectedBugs    []string          `json:"injected_bugs"`
	Crash           string            `json:"crash"`
}

// ModuleVersion names the code that ran: the main module's version plus its VCS
// revision, and "(modified)" for a dirty tree, when the build recorded them, and the
// Go release that built it, whose math and math/rand/v2 the simulation draws on:
// "(devel) 6306882... go1.26.8".
func ModuleVersion() string { return buildinfo.String() }
