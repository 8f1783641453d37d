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

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// A signal while ensctl reads the files its flags name (a read that may never
	// return: a pipe nobody writes) ends it at once; after, the command acts on it.
	cluster.WatchStart(ctx, exitInterrupted, "ensctl: interrupted while it read its flags and the files they name (is a file such as --secret-file, --config or --spec a pipe nobody writes, or on a mount that hangs?)", nil)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cluster.FilesRead() // run returned, however early: its code is the exit status
	stop()
	os.Exit(code)
}
