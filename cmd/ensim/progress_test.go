package main

import (
	"bytes"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name                  string
		done, total, failures uint64
		elapsed               time.Duration
		want                  string
	}{
		{name: "the example", done: 512, total: 1000, failures: 2, elapsed: 3580 * time.Millisecond,
			want: "[#####.....] 512/1000 seeds  2 failures  143 seeds/s"},
		{name: "start", done: 0, total: 7, elapsed: 0, want: "[..........] 0/7 seeds  0 failures  0 seeds/s"},
		{name: "one failure, slow", done: 3, total: 4, failures: 1, elapsed: 2 * time.Second,
			want: "[#######...] 3/4 seeds  1 failure  1.5 seeds/s"},
		{name: "done", done: 4, total: 4, elapsed: time.Second, want: "[##########] 4/4 seeds  0 failures  4.0 seeds/s"},
		{name: "nothing to do", done: 0, total: 0, elapsed: time.Second, want: "[##########] 0/0 seeds  0 failures  0.0 seeds/s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := progressLine(tc.done, tc.total, tc.failures, tc.elapsed); got != tc.want {
				t.Errorf("progressLine = %q\nwant           %q", got, tc.want)
			}
		})
	}
}

func TestProgressBarRedraws(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	var buf bytes.Buffer
	p := newProgressBar(&buf, 10, clock)

	steps := []struct {
		name    string
		advance time.Duration
		done    uint64
		force   bool
		want    string // what the step draws; "" for nothing
	}{
		{name: "first draw", advance: time.Second, done: 1, want: "\r[#.........] 1/10 seeds  0 failures  1.0 seeds/s\033[K"},
		{name: "too soon", advance: progressEvery / 2, done: 2},
		{name: "due", advance: progressEvery, done: 3, want: "\r[###.......] 3/10 seeds  0 failures  2.6 seeds/s\033[K"},
		{name: "forced", advance: 0, done: 10, force: true, want: "\r[##########] 10/10 seeds  0 failures  8.7 seeds/s\033[K"},
	}
	for _, s := range steps {
		buf.Reset()
		now = now.Add(s.advance)
		p.update(s.done, 0, s.force)
		if got := buf.String(); got != s.want {
			t.Errorf("%s: drew %q, want %q", s.name, got, s.want)
		}
	}
	buf.Reset()
	p.clear()
	if got := buf.String(); got != "\r\033[K" {
		t.Errorf("clear drew %q", got)
	}

	var none *progressBar // not a terminal
	none.update(1, 0, true)
	none.clear()
}

// TestRunProgress: a single run's line shows nothing in the run's first second, then
// the virtual time reached, the events and their rate, redrawn at most every
// progressEvery; clear erases a line drawn, and nothing if none was. A second run
// (its events start over) is numbered, its rate counted from its own start. A run whose
// stderr is no terminal gets no line at all.
func TestRunProgress(t *testing.T) {
	start := time.Unix(1000, 0)
	now := start
	var buf bytes.Buffer
	p := &runProgress{w: &buf, now: func() time.Time { return now }, start: start}
	p.clear()
	now = start.Add(runWait / 2)
	p.update(200*time.Millisecond, 1_000_000)
	if buf.Len() != 0 {
		t.Fatalf("drew %q within the first second", buf.String())
	}
	now = start.Add(2 * time.Second)
	p.update(3200*time.Millisecond, 8_200_000)
	if want := "\rsimulating: 3.2s of virtual time, 8.20M events, 4.10M events/s\033[K"; buf.String() != want {
		t.Fatalf("drew %q, want %q", buf.String(), want)
	}
	buf.Reset()
	now = now.Add(progressEvery / 2)
	p.update(3300*time.Millisecond, 8_400_000)
	if buf.Len() != 0 {
		t.Fatalf("redrew %q within progressEvery", buf.String())
	}
	// --check-determinism's second run: the events start over, and so does the rate.
	now = now.Add(progressEvery)
	p.update(100*time.Millisecond, 1_000_000)
	if buf.Len() != 0 {
		t.Fatalf("drew %q when the second run began", buf.String())
	}
	now = now.Add(2 * time.Second)
	p.update(2*time.Second, 7_000_000)
	if want := "\rsimulating, run 2: 2s of virtual time, 7.00M events, 3.00M events/s\033[K"; buf.String() != want { // 6M made in the 2s since its first update
		t.Fatalf("drew %q, want %q", buf.String(), want)
	}
	buf.Reset()
	p.clear()
	if buf.String() != "\r\033[K" {
		t.Fatalf("clear wrote %q", buf.String())
	}
	if newRunProgress(&buf) != nil || newRunProgress(&buf).hook() != nil {
		t.Error("a run whose stderr is a buffer shows its progress")
	}
}
