package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/sim"
)

// printReport prints a run's report: as one indented JSON object with asJSON, else as
// the human summary.
func printReport(w io.Writer, r scenarios.Report, asJSON bool) error {
	if !asJSON {
		_, err := io.WriteString(w, summary(r))
		return err
	}
	return printJSON(w, forJSON(r))
}

// forJSON returns r with its empty lists and maps empty rather than null.
func forJSON(r scenarios.Report) scenarios.Report {
	if r.Violations == nil {
		r.Violations = []scenarios.Violation{} // an empty array, never null
	}
	if r.ViolationCounts == nil {
		r.ViolationCounts = map[string]uint64{}
	}
	return r
}

// printJSON prints v as indented JSON and a newline.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// summary renders a report for humans, one labelled line per aspect.
func summary(r scenarios.Report) string {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-13s %s\n", label, fmt.Sprintf(format, args...))
	}
	name := r.Scenario
	if name == "" {
		name = "(unnamed spec)"
	}
	line("scenario", "%s", name)
	line("seed", "%d", r.Seed)
	line("semantics", "%s", r.Semantics)
	line("cluster", "%d node%s, %d client%s, %d router%s per node",
		r.Nodes, plural(r.Nodes), r.Clients, plural(r.Clients), r.RoutersPerNode, plural(r.RoutersPerNode))

	c := r.Calls
	line("calls", "%s", callsText(c))
	if r.SkippedCalls > 0 {
		line("", "%d more not started: their caller was down", r.SkippedCalls)
	}
	if cs := r.Casts; cs != nil {
		line("casts", "%d made: %d reached a leader, %d lost on the way (nobody waits for a cast)", cs.Total, cs.Served, cs.Total-min(cs.Served, cs.Total))
		if cs.Skipped > 0 {
			line("", "%d more not made: their node was down", cs.Skipped)
		}
	}
	if q := r.Retries; q != nil {
		line("requests", "%s", retriesText(*q))
	}
	line("late replies", "%d dropped", r.LateRepliesDiscarded)
	line("orphans", "%d message%s", r.OrphanMessages, plural(int(min(r.OrphanMessages, 2))))
	lat := "p50 %s, p99 %s, max %s"
	// Calls lost with their caller or open when the run ended have no outcome, and
	// the report's latencies leave them out: they did not fail.
	failed := c.Total - c.OK - c.Lost - c.Open
	if failed > 0 {
		lat += " (every call, the failed ones too)"
	}
	line("latency", lat, humanNS(r.Latency.P50), humanNS(r.Latency.P99), humanNS(r.Latency.Max))
	if failed > 0 {
		line("error latency", "p50 %s, p99 %s, max %s (how long the %d failed call%s took to fail)",
			humanNS(r.ErrorLatency.P50), humanNS(r.ErrorLatency.P99), humanNS(r.ErrorLatency.Max), failed, plural(int(min(failed, 2))))
	} else {
		line("error latency", "none: no call failed")
	}
	g := r.AfterGiveUp
	line("after give-up", "%d message%s sent, %d event%s handed to peers, %s of peer work (%s of %s), for calls already over",
		g.Messages, plural(int(min(g.Messages, 2))), g.PeerEvents, plural(int(min(g.PeerEvents, 2))),
		pctString(100*g.PeerWorkShare()), humanNS(g.PeerWorkNS), humanNS(g.PeerWorkTotalNS))
	if b := r.Backlog; b != nil {
		quiet := "it did not go quiet (see no-leak)"
		if b.QuietNS >= 0 {
			quiet = "quiet at " + humanNS(b.QuietNS)
		}
		line("backlog", "%d message%s queued at the busiest router at %s, when the world was to be quiet (arrivals faster than the routers serve): the run went on while they were served; %s",
			b.Messages, plural(b.Messages), humanNS(b.AtNS), quiet)
	}
	line("events", "%d, %s/s", r.Events, si(r.EventsPerSec))
	ratio := "n/a"
	if r.WallTimeNS > 0 {
		ratio = strconv.FormatFloat(r.SimPerWall, 'f', 1, 64) + "x"
	}
	line("time", "%s simulated, %s wall, %s simulated/wall", humanNS(r.SimTimeNS), humanNS(r.WallTimeNS), ratio)

	probeLines(line, r.Probes, nil)

	// The counts are of every violation found; the lists, of those the report kept.
	more := func(total uint64, kept int) {
		if shown := uint64(min(kept, maxViolations)); total > shown {
			note := "see --json"
			if total > uint64(kept) {
				note = fmt.Sprintf("--json lists %d: the first %d of each invariant", kept, scenarios.MaxViolationsKept)
			}
			line("", "and %d more (%s)", total-shown, note)
		}
	}
	if total := r.ViolationsFound(); total == 0 {
		line("violations", "none")
	} else {
		line("violations", "%d%s", total, byInvariant(r.ViolationCounts))
		for _, v := range r.Violations[:min(len(r.Violations), maxViolations)] {
			line("", "%s", formatViolation(v))
		}
		more(total, len(r.Violations))
	}
	if total := max(r.ExpectedTotal, uint64(len(r.Expected))); total > 0 {
		fmt.Fprintf(&b, "expected under riak (the original does not keep these): %d\n", total)
		for _, v := range r.Expected[:min(len(r.Expected), maxViolations)] {
			line("", "%s", formatViolation(v))
		}
		more(total, len(r.Expected))
	}
	line("trace hash", "%s", r.TraceHash)
	return b.String()
}

// retriesText renders the requests of a workload that retries on one line.
func retriesText(q scenarios.Retries) string {
	s := fmt.Sprintf("%d made as %d attempts (%.2f per request): %d ok (%d after a retry), %d failed every attempt, %d failed with attempts left",
		q.Requests, q.Attempts, q.Amplification, q.OK, q.OKAfterRetry, q.FailedEveryAttempt, q.FailedEarly)
	if q.Lost > 0 {
		s += fmt.Sprintf(", %d lost with their caller", q.Lost)
	}
	if q.Open > 0 {
		s += fmt.Sprintf(", %d open when the run ended", q.Open)
	}
	return s
}

// callsText renders calls by outcome on one line.
func callsText(c scenarios.Calls) string {
	calls := fmt.Sprintf("%d total: %d ok, %d timeout, %d no-leader, %d not-leader, %d unreachable, %d hop-limit, %d overloaded, %d other",
		c.Total, c.OK, c.Timeout, c.NoLeader, c.NotLeader, c.Unreachable, c.HopLimit, c.Overloaded, c.Other)
	if c.Lost > 0 {
		calls += fmt.Sprintf(", %d lost with their caller", c.Lost)
	}
	if c.Open > 0 {
		calls += fmt.Sprintf(", %d open when the run ended", c.Open)
	}
	return calls
}

// humanNS renders nanoseconds as a Go duration rounded to four significant digits
// ("50.01ms", "520.1µs", "2.05s").
func humanNS(ns int64) string {
	d := time.Duration(ns)
	if d < 0 {
		return "-" + humanNS(-ns)
	}
	unit := time.Duration(1)
	for v := d; v >= 10000; v /= 10 {
		unit *= 10
	}
	return d.Round(unit).String()
}

// si renders a rate with a k/M/G suffix and three significant digits.
func si(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	suffix := ""
	for _, s := range []string{"k", "M", "G"} {
		if v < 1000 {
			break
		}
		v /= 1000
		suffix = s
	}
	prec := 0
	switch {
	case v < 10:
		prec = 2
	case v < 100:
		prec = 1
	}
	return strconv.FormatFloat(v, 'f', prec, 64) + suffix
}

// createTrace opens the file of --trace before the run, so that a path that cannot
// be written is bad usage found before the run, not an error after it that would
// hide what the run found. The file takes the path's place only once a traceWriter
// has written it whole: a run that ends early, or a trace that cannot be written, leaves
// an older file at the path as it was. A path of "" is no file (nil).
func createTrace(path string) (*outFile, error) {
	if path == "" {
		return nil, nil
	}
	o, err := createOut(path)
	if err != nil {
		return nil, fmt.Errorf("--trace: %w", err)
	}
	return o, nil
}

// traceWriter writes a run's records to a file from createTrace as the run emits
// them, as JSON lines (each record's sim.Record.AppendJSON and a '\n'): the records
// the trace hash is computed over, though the hash reads their binary encoding, not
// this text. A nil traceWriter is no file.
type traceWriter struct {
	o   *outFile
	w   *bufio.Writer
	buf []byte
	err error // the first write that failed; the rest are skipped
}

// newTraceWriter returns a traceWriter to o, or nil for a nil o.
func newTraceWriter(o *outFile) *traceWriter {
	if o == nil {
		return nil
	}
	return &traceWriter{o: o, w: bufio.NewWriterSize(o, 1<<16)}
}

// sink returns what the run hands each record to (scenarios.Options.TraceSink), or
// nil for no file.
func (t *traceWriter) sink() func(*sim.Record) {
	if t == nil {
		return nil
	}
	return t.add
}

func (t *traceWriter) add(r *sim.Record) {
	if t.err != nil {
		return
	}
	t.buf = append(r.AppendJSON(t.buf[:0]), '\n')
	_, t.err = t.w.Write(t.buf)
}

// finish puts the file written in place, or discards it on an error, and returns
// the error.
func (t *traceWriter) finish() error {
	if t == nil {
		return nil
	}
	if t.err == nil {
		t.err = t.w.Flush()
	}
	if t.err != nil {
		t.o.discard()
		return fmt.Errorf("--trace: %w", t.err)
	}
	if err := t.o.commit(); err != nil {
		return fmt.Errorf("--trace: %w", err)
	}
	return nil
}

// probeLines writes one line per probe, sorted and aligned, under the label
// "probes"; a probe at zero gets what zeroMark (if set) says of it after its count.
func probeLines(line func(label, format string, args ...any), probes map[string]uint64, zeroMark func(probe string) string) {
	names := make([]string, 0, len(probes))
	width := 0
	for k := range probes {
		names = append(names, k)
		width = max(width, len(k))
	}
	sort.Strings(names)
	label := "probes"
	if len(names) == 0 {
		line(label, "none")
	}
	for _, k := range names {
		mark := ""
		if probes[k] == 0 && zeroMark != nil {
			mark = zeroMark(k)
		}
		line(label, "%-*s %d%s", width, k, probes[k], mark)
		label = ""
	}
}
