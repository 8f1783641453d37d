package scenarios

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"

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

// Write writes r to path as indented JSON.
func (r Repro) Write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("repro %s: %w", path, err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ModuleVersion names the code that ran: the main module's version plus its VCS
// revision, and "(modified)" for a dirty tree, when the build recorded them.
func ModuleVersion() string {
	v := "(devel)"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v = bi.Main.Version
	}
	var rev string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		v += " " + rev
		if modified {
			v += " (modified)"
		}
	}
	return v
}
