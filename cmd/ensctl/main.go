// Command ensctl is a client-only node of an ensroute cluster: it connects to the
// members (it has no peers and no directory of its own) and calls ensembles through
// one of them. Subcommands: call, cast, leader get|set, bench, and scenario, which
// runs a simulator spec against ensnode processes it starts.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
