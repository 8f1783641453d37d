// Command ensnode runs one production node of an ensroute cluster: the router core
// over TCP (router/nettransport, router/driver), an in-memory key/value demo peer for
// each ensemble it is a member of, directory gossip, and an admin HTTP server with
// /metrics, /healthz, /readyz and /debug/pprof. See the README, "Run a real cluster".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// starting is set until run has started the node: until then it reads its flags
// and the files they name, which can wait for good (a --secret-file that is a pipe
// nobody writes), and a node that has not started has nothing to stop gracefully.
var starting atomic.Bool

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first SIGINT or SIGTERM stops the node gracefully; a second ends the process
	// at once, as the signal does by default. One that comes before the node has
	// started (while it reads the files its flags name) ends it at once, saying so.
	starting.Store(true)
	go func() {
		<-ctx.Done()
		if starting.Load() && context.Cause(ctx) != context.Canceled { // a signal, not stop below
			fmt.Fprintln(os.Stderr, "ensnode: stopped by a signal before it started, while it read its flags and the files they name (is a file such as --secret-file or --config a pipe nobody writes, or on a mount that hangs?)")
			os.Exit(1)
		}
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	starting.Store(false) // run returned: its code is the exit status, however early
	stop()
	os.Exit(code)
}
