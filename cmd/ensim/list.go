package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ensroute/ensroute/scenarios"
)

func listFlags(*flag.FlagSet) commandFunc {
	return func(_ context.Context, pos []string, stdout, stderr io.Writer) int {
		if len(pos) > 0 {
			return usageErr(stderr, synList, "list takes no arguments, got %q", pos)
		}
		names := scenarios.Names()
		width := 0
		for _, n := range names {
			width = max(width, len(n))
		}
		var b strings.Builder
		for _, n := range names {
			s, _ := scenarios.Named(n)
			b.WriteString(listLine(n, s.Description, scenarios.RiakBreaks(n), width))
		}
		if _, err := io.WriteString(stdout, b.String()); !printed(stderr, err) {
			return exitUsage
		}
		return exitOK
	}
}

// listLine is one scenario's line in ensim list: its name padded to width, its
// description, and what the original router is known to break there, if anything.
func listLine(name, description string, riakBreaks []string, width int) string {
	line := fmt.Sprintf("%-*s  %s", width, name, description)
	if len(riakBreaks) > 0 {
		line += "  [riak breaks: " + strings.Join(riakBreaks, ", ") + "]"
	}
	return line + "\n"
}

func showFlags(fs *flag.FlagSet) commandFunc {
	var seed uint64
	uintVar(fs, &seed, "seed", 1, "show the spec as seed `N` draws it (only swarm depends on the seed)")
	return func(_ context.Context, pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 {
			return usageErr(stderr, synShow, "show takes one scenario name, got %d arguments", len(pos))
		}
		s, ok := named(pos[0], seed, stderr)
		if !ok {
			return exitUsage
		}
		seeded := false
		fs.Visit(func(f *flag.Flag) { seeded = seeded || f.Name == "seed" })
		if seeded && !scenarios.Drawn(pos[0]) {
			fmt.Fprintf(stderr, "ensim: warning: --seed: %s is the same spec for every seed (only swarm draws its spec from the seed); the seed goes to ensim run\n", pos[0])
		}
		if _, err := stdout.Write(s.JSON()); !printed(stderr, err) {
			return exitUsage
		}
		return exitOK
	}
}

// named looks up a named scenario as it is for seed (swarm draws its spec from the
// seed); for an unknown name it says so on stderr, listing the valid ones.
func named(name string, seed uint64, stderr io.Writer) (scenarios.Spec, bool) {
	s, ok := scenarios.ForSeed(name, seed)
	if !ok {
		fmt.Fprintf(stderr, "ensim: unknown scenario %q; valid scenarios: %s\n", name, strings.Join(scenarios.Names(), ", "))
	}
	return s, ok
}
