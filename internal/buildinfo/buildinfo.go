// Package buildinfo names the code a binary runs, for the programs' --version and for
// the simulator's repro files.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// String names the code that runs: the main module's version plus its VCS revision,
// and "(modified)" for a dirty tree, when the build recorded them, then the Go release
// that built it: "v0.0.0-20261205233625-03c143bc3a39 03c143bc3a39... go1.26.8" (a
// pseudo-version, then the revision), or "(devel) go1.26.8" when the build recorded
// neither.
func String() string {
	return Module() + " " + runtime.Version()
}

// Module is String without the Go release.
func Module() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	return module(bi)
}

func module(bi *debug.BuildInfo) string {
	v := "(devel)"
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
