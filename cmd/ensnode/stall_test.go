package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestWatchStalls: ticks that come at their period say nothing; a gap of more than
// stallAfter between two is one warning with how long the process did not run.
func TestWatchStalls(t *testing.T) {
	var logged bytes.Buffer
	ticks := make(chan time.Time)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		watchStalls(slog.New(slog.NewTextHandler(&logged, nil)), ticks, done)
		close(finished)
	}()
	t0 := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 1250 * time.Millisecond, 4250 * time.Millisecond, 4500 * time.Millisecond} {
		ticks <- t0.Add(at)
	}
	close(done)
	<-finished
	if n := strings.Count(logged.String(), "level=WARN"); n != 1 || !strings.Contains(logged.String(), "stalled=2.75s") {
		t.Fatalf("want one warning, of a 2.75s stall (the 3s gap less a tick):\n%s", logged.String())
	}
}
