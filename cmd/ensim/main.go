// Command ensim runs ensroute's deterministic simulations: named scenarios or spec
// files, under riak or default semantics, and replays the repro files it writes on
// every failure. See README.md and `ensim help`.
package main

import (
	"context"
	"os"
)

func main() {
	tuneGC(os.Args[1:])
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
