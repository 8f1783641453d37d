package main

import (
	"strings"
	"testing"
	"time"
)

// TestRunningAtInterruptListReadsOneItemPerRun: the line of the runs under way at an
// interrupt joins them with commas (listSome), so each run's item has no comma
// outside its parentheses: split at the commas outside parentheses, the line gives
// back each run, second runs of rechecked seeds among them. An item "seed 501, its
// second run (--recheck) (...)" read as two runs.
func TestRunningAtInterruptListReadsOneItemPerRun(t *testing.T) {
	now := time.Unix(1000, 0)
	s := &sweeper{workers: []*worker{
		{id: 1, jobs: []*job{{seed: 501, first: &firstRun{hash: "h", worker: 2}}}, since: now.Add(-448 * time.Millisecond)},
		{id: 2, jobs: []*job{{seed: 507}, {seed: 508}}, since: now.Add(-103 * time.Millisecond)},
		{id: 3, jobs: []*job{{seed: 502, first: &firstRun{hash: "h", worker: 1}}}, since: now.Add(-50 * time.Millisecond)},
	}}
	runs := s.inFlight(now)
	line := listSome(runs, 20)
	var items []string
	depth, start := 0, 0
	for i, c := range line {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, strings.TrimSpace(line[start:i]))
				start = i + 1
			}
		}
	}
	items = append(items, strings.TrimSpace(line[start:]))
	if len(items) != len(runs) {
		t.Fatalf("the line %q reads as %d items %q, want the %d runs", line, len(items), items, len(runs))
	}
	for k, it := range items {
		if it != runs[k] || !strings.Contains(it, "seed 50") || !strings.HasSuffix(it, ")") {
			t.Errorf("item %d: %q, want run %q, a seed with its time and worker in parentheses", k, it, runs[k])
		}
	}
	if !strings.Contains(line, "the second run of seed 502 (--recheck, for 50ms, worker 3)") {
		t.Errorf("the line %q does not name seed 502's second run", line)
	}
}
