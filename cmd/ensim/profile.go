package main

import (
	"fmt"
	"runtime/pprof"
)

// startCPUProfile starts writing a CPU profile to path (ensim run --cpuprofile) and
// returns the function that ends it. The profile covers the simulation and what
// follows it in the same command; `go tool pprof FILE` reads it. The profile takes
// the place of a file at path only when stop is called with keep true (a run that
// ended); with keep false it is dropped and an older file stays as it was.
func startCPUProfile(path string) (stop func(keep bool) error, err error) {
	o, err := createOut(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(o); err != nil {
		o.discard()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func(keep bool) error {
		pprof.StopCPUProfile()
		if !keep {
			o.discard()
			return nil
		}
		if err := o.commit(); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		return nil
	}, nil
}
