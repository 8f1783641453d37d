package cluster

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
)

// The start's states, for a signal that comes before a program has read the files its
// flags name (WatchStart): a read can wait for good (a --secret-file that is a pipe
// nobody writes, a file on a mount that hangs), and nothing acts on the context then.
// Tests that call a program's run leave the state at notWatched.
const (
	notWatched int32 = iota
	reading
	started
	exiting
)

var startState atomic.Int32

// WatchStart is for main, with the context a signal cancels: a signal that comes
// before FilesRead ends the process with exit status code, after printing msg to
// stderr (it has read nothing it could lose, and started nothing it must stop). After
// FilesRead, a signal is the program's to act on; then, if not nil, runs once ctx is
// done either way (ensnode's stop of the signal's capture, so that a second signal
// ends the process).
func WatchStart(ctx context.Context, code int, msg string, then func()) {
	startState.Store(reading)
	go func() {
		<-ctx.Done()
		// A signal (not main's own cancel, whose cause is Canceled) before the files
		// were read: the swap decides against FilesRead.
		if context.Cause(ctx) != context.Canceled && startState.CompareAndSwap(reading, exiting) {
			fmt.Fprintln(os.Stderr, msg)
			os.Exit(code)
		}
		if then != nil {
			then()
		}
	}()
}

// FilesRead says that the program has read the files its flags name: a signal from
// now on is its own to act on. If a signal came first (WatchStart's goroutine ends the
// process), it waits for the end. main calls it too once run returns, however early,
// so that the exit status is run's.
func FilesRead() {
	if !startState.CompareAndSwap(reading, started) && startState.Load() == exiting {
		select {}
	}
}
