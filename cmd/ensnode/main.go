// Command ensnode runs one production node of an ensroute cluster: the router core
// over TCP (router/nettransport, router/driver), an in-memory key/value demo peer for
// each ensemble it is a member of, directory gossip, and an admin HTTP server with
// /metrics, /healthz, /readyz and /debug/pprof. See the README, "Run a real cluster".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first SIGINT or SIGTERM stops the node gracefully; a second ends the process
	// at once, as the signal does by default (a node stuck before it runs, reading
	// its --secret-file from a pipe nobody writes, say, hears only that one).
	go func() { <-ctx.Done(); stop() }()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
