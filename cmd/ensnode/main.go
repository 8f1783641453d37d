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

	"github.com/ensroute/ensroute/cmd/internal/cluster"
)

func main() {
	// A log line written into a pipe whose reader has gone (a log shipper that
	// restarted, "ensnode ... 2>&1 | tee n1.log" whose tee ended) fails with EPIPE and
	// is lost, rather than ending the node by SIGPIPE on the spot: without a goodbye,
	// losing the requests on their way to it, and without a word, since its log is
	// what broke. /metrics and /healthz still tell of it.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first SIGINT or SIGTERM stops the node gracefully; a second ends the process
	// at once, as the signal does by default. One that comes while the node reads the
	// files its flags name ends it at once, saying so.
	cluster.WatchStart(ctx, 1, "ensnode: stopped by a signal before it started, while it read its flags and the files they name (is a file such as --secret-file or --config a pipe nobody writes, or on a mount that hangs?)", stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cluster.FilesRead() // run returned, however early: its code is the exit status
	stop()
	os.Exit(code)
}
