package main

import (
	"log/slog"
	"time"
)

// stallTick is how often the stall watch looks at the clock, and stallAfter the gap
// between two looks that it reports: the process did not run for that long.
const (
	stallTick  = 250 * time.Millisecond
	stallAfter = time.Second
)

// watchStalls logs a warning whenever two of ticks' times (taken from a ticker of
// period stallTick) are more than stallAfter apart, until done closes: nothing in the
// process ran meanwhile (it was stopped, swapped out or starved of CPU). A node that
// comes back from a stall finds its peers silent past the heartbeat timeout and says
// so; this says whose silence it was.
func watchStalls(log *slog.Logger, ticks <-chan time.Time, done <-chan struct{}) {
	var last time.Time
	for {
		select {
		case now := <-ticks:
			if gap := now.Sub(last); !last.IsZero() && gap > stallAfter {
				log.Warn("this node did not run for a while (the process was stopped, swapped out or starved of CPU): the peers' silence it reports next is its own",
					"stalled", (gap - stallTick).Round(time.Millisecond))
			}
			last = now
		case <-done:
			return
		}
	}
}
