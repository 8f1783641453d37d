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

// The start's states, for a signal that comes before it (startState): main sets
// reading, and the node's start moves it on to started once it has read the files its
// flags name, which can wait for good (a --secret-file that is a pipe nobody writes),
// before it binds or dials anything: a node that has read nothing has nothing to stop
// gracefully. A signal while reading moves it to exiting, and ends the process.
// Tests that call run leave it at notWatched.
const (
	notWatched int32 = iota
	reading
	started
	exiting
)

var startState atomic.Int32

// filesRead says that the node has read its files: a signal from now on stops it
// gracefully. If a signal came first (main ends the process), it waits for the end.
func filesRead() {
	if !startState.CompareAndSwap(reading, started) && startState.Load() == exiting {
		select {}
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first SIGINT or SIGTERM stops the node gracefully; a second ends the process
	// at once, as the signal does by default. One that comes while the node reads the
	// files its flags name ends it at once, saying so.
	startState.Store(reading)
	go func() {
		<-ctx.Done()
		// A signal, not stop below, and before the files were read: the swap decides.
		if context.Cause(ctx) != context.Canceled && startState.CompareAndSwap(reading, exiting) {
			fmt.Fprintln(os.Stderr, "ensnode: stopped by a signal before it started, while it read its flags and the files they name (is a file such as --secret-file or --config a pipe nobody writes, or on a mount that hangs?)")
			os.Exit(1)
		}
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	filesRead() // run returned, however early: its code is the exit status
	stop()
	os.Exit(code)
}
