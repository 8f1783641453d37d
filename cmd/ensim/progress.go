package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressWidth is the number of cells in the progress bar.
const progressWidth = 10

// progressEvery is the least time between two redraws, so that a fast sweep does
// not spend its time drawing.
const progressEvery = 100 * time.Millisecond

// progressBar redraws one line on a terminal while a sweep runs:
//
//	[#####.....] 512/1000 seeds  2 failures  143 seeds/s
//
// It is used from one goroutine only. A nil *progressBar draws nothing, which is what
// a sweep uses when stderr is not a terminal.
type progressBar struct {
	w     io.Writer
	total uint64
	now   func() time.Time
	start time.Time
	last  time.Time // when the line was last drawn; zero before the first draw
}

// newProgressBar starts a bar for total seeds on w, timed by now.
func newProgressBar(w io.Writer, total uint64, now func() time.Time) *progressBar {
	t := now()
	return &progressBar{w: w, total: total, now: now, start: t}
}

// update redraws the line for done seeds and failures, at most every progressEvery
// unless force is set.
func (p *progressBar) update(done, failures uint64, force bool) {
	if p == nil {
		return
	}
	t := p.now()
	if !force && !p.last.IsZero() && t.Sub(p.last) < progressEvery {
		return
	}
	p.last = t
	fmt.Fprintf(p.w, "\r%s\033[K", progressLine(done, p.total, failures, t.Sub(p.start)))
}

// clear erases the line, leaving the cursor at its start, once the sweep is over.
func (p *progressBar) clear() {
	if p == nil || p.last.IsZero() {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
}

// progressLine renders the bar's line: done of total seeds, failures so far, and the
// rate over elapsed.
func progressLine(done, total, failures uint64, elapsed time.Duration) string {
	filled := progressWidth
	if total > 0 && done < total {
		filled = int(done * progressWidth / total)
	}
	bar := strings.Repeat("#", filled) + strings.Repeat(".", progressWidth-filled)
	return fmt.Sprintf("[%s] %d/%d seeds  %d failure%s  %s seeds/s",
		bar, done, total, failures, plural(int(min(failures, 2))), rate(done, elapsed))
}

// rate renders n per elapsed as a per-second rate: no decimals from 10 up, one below.
func rate(n uint64, elapsed time.Duration) string {
	if elapsed <= 0 {
		return "0"
	}
	r := float64(n) / elapsed.Seconds()
	if r >= 10 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}

// runWait is how long a single run goes before runProgress shows anything: most runs
// end well within it, and print nothing more than before.
const runWait = time.Second

// runProgress shows a long single run's progress on a terminal (ensim run, replay,
// trace), a line redrawn at most every progressEvery once the run has taken runWait:
//
//	simulating: 3.2s of virtual time, 12.3M events, 4.10M events/s
//
// Its update is a scenarios.Options.Progress. A command that runs the spec again
// (--check-determinism, trace's --call of a later attempt) hands it every run's
// updates: one whose count of events went down began another run, as did the first
// after again (trace's first run may stop before the second run's updates go below
// its own), which the line numbers ("simulating, run 2: ...") and whose rate it
// counts from its own start. A nil *runProgress draws nothing, which is what a run
// uses when stderr is not a terminal.
type runProgress struct {
	w      io.Writer
	now    func() time.Time
	start  time.Time // when the run began (the first, until another does)
	last   time.Time // when the line was last drawn; zero before the first draw
	events uint64    // the events the last update gave
	base   uint64    // the events the run had made when it was found to have begun
	run    int       // the runs that began before this one
}

// newRunProgress returns a runProgress on w, or nil when w is not a terminal.
func newRunProgress(w io.Writer) *runProgress {
	if !isTerminal(w) {
		return nil
	}
	return &runProgress{w: w, now: time.Now, start: time.Now()}
}

// hook returns the run's Progress hook, nil for a nil p.
func (p *runProgress) hook() func(time.Duration, uint64) {
	if p == nil {
		return nil
	}
	return p.update
}

func (p *runProgress) update(sim time.Duration, events uint64) {
	t := p.now()
	if events < p.events { // another run began, some time before t
		p.run++
		p.start, p.events, p.base = t, events, events
		return // nothing to measure its rate by yet
	}
	p.events = events
	if p.last.IsZero() && t.Sub(p.start) < runWait || !p.last.IsZero() && t.Sub(p.last) < progressEvery {
		return
	}
	p.last = t
	label := "simulating"
	if p.run > 0 {
		label = fmt.Sprintf("simulating, run %d", p.run+1)
	}
	fmt.Fprintf(p.w, "\r%s: %s of virtual time, %s events, %s events/s\033[K",
		label, humanNS(int64(sim)), si(float64(events)), si(float64(events-p.base)/t.Sub(p.start).Seconds()))
}

// again tells p that another run of the same spec begins, for a command that knows
// it (trace's --call of a later attempt, whose first run stops early): its updates
// need not go below the last run's, which stopped before it reached them. The line
// numbers it and counts its rate from now.
func (p *runProgress) again() {
	if p == nil {
		return
	}
	p.run++
	p.start, p.events, p.base = p.now(), 0, 0
}

// clear erases the line, if one was drawn, once the run is over.
func (p *runProgress) clear() {
	if p == nil || p.last.IsZero() {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
	p.last = time.Time{}
}
