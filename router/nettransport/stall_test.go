package nettransport

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStallClock: the process seen running at a tick's period says nothing; a gap of
// more than stallAfter is one warning, however many observe its end, with how long
// the process did not run; stalledSince tells a wait that spans the stall's end from
// one that began after it.
func TestStallClock(t *testing.T) {
	var logged bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), nil))
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	s := newStallClock(t0, log)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	if s.stalledSince(at(-3*time.Second), at(100*time.Millisecond)) {
		t.Fatal("a clock younger than the wait, which never saw a stall, reports one")
	}
	for _, d := range []time.Duration{500 * time.Millisecond, 1250 * time.Millisecond} {
		s.observe(at(d))
	}
	if s.stalledSince(at(0), at(1300*time.Millisecond)) {
		t.Fatal("a stall reported after gaps of at most 750ms")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { s.observe(at(4250 * time.Millisecond)) })
	}
	wg.Wait()
	s.observe(at(4500 * time.Millisecond))
	if n := strings.Count(logged.String(), "level=WARN"); n != 1 || !strings.Contains(logged.String(), "stalled=2.7s") {
		t.Fatalf("want one warning, of a 2.7s stall (the 2.95s gap since 1.3s less a tick):\n%s", logged.String())
	}
	if !s.stalledSince(at(4*time.Second), at(4600*time.Millisecond)) {
		t.Error("a wait from 4s, across the stall's end at 4.25s: not stalled")
	}
	if s.stalledSince(at(4250*time.Millisecond), at(4600*time.Millisecond)) {
		t.Error("a wait from the stall's end on: stalled")
	}
	if !s.stalledSince(at(4600*time.Millisecond), at(6*time.Second)) {
		t.Error("not seen running from 4.5s to 6s: not stalled")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
