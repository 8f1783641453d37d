package main

import (
	"log/slog"
	"sync"
	"time"
)

// reloader runs the reloads SIGHUP asks for (node.reload) away from the signal loop,
// one at a time. A reload reads files, and a read takes as long as the file makes it
// (a FIFO nobody writes, a hung network mount: for ever): run in the loop, it kept the
// loop from hearing SIGTERM, and the node ran on until a second SIGTERM ended it at
// once, without its goodbye.
//
// A SIGHUP that comes while a reload runs is neither lost nor run beside it: the files
// are read once more when that reload ends, however many SIGHUPs came meanwhile, since
// one read after the last of them sees every change made before it. Two reloads at
// once could finish in either order, the one that read the older files last. A reload
// still running when the node stops is left to the exit: the node does not wait for a
// read that may never end.
type reloader struct {
	reload func() // one reload, which logs what became of it
	log    *slog.Logger
	files  []string // the files a reload reads, for the warning that one is slow

	mu      sync.Mutex
	running bool      // a reload runs, in a goroutine of its own
	since   time.Time // when it began
	again   bool      // a SIGHUP came while it ran: the files are read again after it
	closed  bool      // the node is stopping: no reload begins
}

// reloadSlow is how long a reload runs before the node warns that it waits on a file:
// reading a few small files takes milliseconds. A variable for the tests.
var reloadSlow = 10 * time.Second

// hup starts a reload, or, if one runs, has the files read again once it ends.
func (r *reloader) hup() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	if r.running {
		r.again = true
		runFor := time.Since(r.since)
		r.mu.Unlock()
		// Logged after the lock: a logger may block.
		r.log.Info("SIGHUP during a reload: the files are read again once it ends (more SIGHUPs until then add nothing)",
			"running_for", runFor.Round(time.Millisecond))
		return
	}
	r.running, r.since = true, time.Now()
	r.mu.Unlock()
	go r.loop()
}

// loop runs reloads until none is asked for: the first, and one more after each that
// a SIGHUP came during.
func (r *reloader) loop() {
	for {
		after := reloadSlow
		slow := time.AfterFunc(after, func() {
			r.log.Warn("SIGHUP: the reload has waited on its files for a while and still waits (a FIFO nobody writes, a hung network mount?); the node goes on with the credentials it had, and SIGTERM still stops it",
				"waited", after, "files", r.files)
		})
		r.reload()
		slow.Stop()
		r.mu.Lock()
		if !r.again || r.closed {
			r.running, r.again = false, false
			r.mu.Unlock()
			return
		}
		r.again, r.since = false, time.Now()
		r.mu.Unlock()
	}
}

// close stops reloads from beginning, as the node stops, and logs a reload that still
// runs: it is not waited for.
func (r *reloader) close() {
	r.mu.Lock()
	r.closed = true
	running, runFor := r.running, time.Since(r.since)
	r.mu.Unlock()
	if running {
		r.log.Info("stopping with a SIGHUP reload still running, which is not waited for",
			"running_for", runFor.Round(time.Millisecond))
	}
}
