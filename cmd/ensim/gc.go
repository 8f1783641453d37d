package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is ensim's garbage-collection target when GOGC is not set. A simulation
// allocates short-lived garbage at a high rate over a modest live heap, so collecting
// less often buys about a tenth of its time for a heap about a fifth larger (see
// README.md, "Performance"). GOGC in the environment still wins.
const gcPercent = 400

// tuneGC applies gcPercent unless the environment sets GOGC.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
