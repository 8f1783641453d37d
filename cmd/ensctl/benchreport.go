package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ensroute/ensroute/cmd/internal/load"
	"github.com/ensroute/ensroute/router"
)

// benchResult is what bench prints.
type benchResult struct {
	Mode        string  `json:"mode"` // closed or open
	Ensemble    string  `json:"ensemble"`
	Via         string  `json:"via"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"`
	DurationNS  int64   `json:"duration_ns"`
	// Interrupted: a signal ended the run before --duration; the figures are of the
	// time it ran.
	Interrupted bool             `json:"interrupted,omitempty"`
	Calls       int64            `json:"calls"`
	OK          int64            `json:"ok"`
	Errors      map[string]int64 `json:"errors"`
	CallsPerSec float64          `json:"calls_per_sec"`
	// LatencyNS is of the successful calls (p50, p99, p999, max); ErrorLatencyNS of
	// the failed ones (p50, p99, max: how long they took to fail), when calls failed.
	// Failures are often fast (a node down: unreachable at once), and would pull the
	// percentiles of a mix down.
	// Either is absent when there were no such calls.
	LatencyNS      map[string]int64 `json:"latency_ns,omitempty"`
	ErrorLatencyNS map[string]int64 `json:"error_latency_ns,omitempty"`
	// Scheduled is, in open loop, the calls due in --duration (rate × duration); each
	// is made (and counted in Calls) or skipped, unless a signal ends the run.
	Scheduled int64 `json:"scheduled,omitempty"`
	// Skipped is, in open loop, the scheduled calls that were not made because the
	// generator was behind: it reached them after their deadline (scheduled start and
	// --timeout), and with each such call every call of its worker's share due until
	// then; or more than 1ms late once --duration and its grace (endGrace) had
	// passed (but for the run's first call). They are not calls: not in Calls, the
	// outcomes, calls/s or the latencies.
	Skipped int64 `json:"skipped,omitempty"`
	Behind  int64 `json:"behind,omitempty"` // open loop: calls that started more than 1ms after their scheduled time
	// CutShort are the calls a signal ended before their outcome came: they have
	// none, and are not in Calls, the outcomes, calls/s or the latencies. A call the
	// signal ended before the driver started it, which sent nothing, is not among
	// them: it is no call at all (unsent).
	CutShort int64 `json:"cut_short,omitempty"`
	// StartLagNS is, in open loop, how late the calls started after their scheduled
	// time (p50, p99, max): the generator's own delay, which every call's latency
	// includes.
	StartLagNS map[string]int64 `json:"start_lag_ns,omitempty"`
	// LateReplies are the replies to this run's calls that the client dropped during
	// the run because their call had ended (timed out, most often): work a leader did
	// for a caller that had given up. Replies to an earlier ensctl of the same --id
	// (router.Stats.Stale) are not counted.
	LateReplies uint64 `json:"late_replies"`
	// IO is this client's transport during the run, over its connections to every
	// member: how many messages shared a write or a read. The writes and the reads
	// include those of the heartbeat pings that a connection sends when it has written
	// nothing for half a heartbeat interval, which are not messages (the transport
	// counts no pings of its own): at a low rate they outnumber the calls' own, and a
	// run at one call a second for 3s made 3 messages in 7 writes.
	IO struct {
		Sent     uint64 `json:"sent"`
		Writes   uint64 `json:"writes"`
		Received uint64 `json:"received"`
		Reads    uint64 `json:"reads"`
	} `json:"io"`
	latency, errLatency *hdrhistogram.Histogram
	outcomes            map[router.Code]int64
}

// verdict is what bench's exit status says: nil (exit 0) when at least one call
// succeeded, even if others failed (the report counts them); an error (exit 1) when
// none did, since then nothing was measured but how fast calls fail.
func (r *benchResult) verdict() error {
	if r.OK > 0 {
		return nil
	}
	if r.Calls == 0 {
		return fmt.Errorf("bench %s: no call was made: nothing was measured", r.Ensemble)
	}
	codes := make([]string, 0, len(r.Errors))
	for code := range r.Errors {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for i, code := range codes {
		codes[i] = fmt.Sprintf("%d %s", r.Errors[code], code)
	}
	if r.Calls == 1 {
		return fmt.Errorf("bench %s: its one call did not succeed (%s): nothing was measured", r.Ensemble, codes[0])
	}
	return fmt.Errorf("bench %s: none of the %d calls succeeded (%s): nothing was measured", r.Ensemble, r.Calls, strings.Join(codes, ", "))
}

func (r *benchResult) finish(elapsed time.Duration) {
	r.DurationNS = elapsed.Nanoseconds()
	r.Errors = map[string]int64{}
	for c, n := range r.outcomes {
		r.Calls += n
		if c == router.CodeOK {
			r.OK = n
		} else {
			r.Errors[c.String()] = n
		}
	}
	r.CallsPerSec = float64(r.Calls) / elapsed.Seconds()
	r.LatencyNS = percentiles(r.latency, true)
	r.ErrorLatencyNS = percentiles(r.errLatency, false)
}

// percentiles are h's p50, p99, p999 (withP999) and max, or nil when h is empty: an
// empty histogram has no percentiles, only its zero values.
func percentiles(h *hdrhistogram.Histogram, withP999 bool) map[string]int64 {
	if h.TotalCount() == 0 {
		return nil
	}
	p := map[string]int64{"p50": nearestRank(h, 0.5), "p99": nearestRank(h, 0.99), "max": h.Max()}
	if withP999 {
		p["p999"] = nearestRank(h, 0.999)
	}
	return p
}

// nearestRank is the value of rank ⌈q·n⌉ of h's n values (the top of its bucket,
// at most 0.1% above the value itself, as h.Max() is of the largest), as the
// project's percentiles are everywhere:
// the histogram's own ValueAtQuantile rounds the rank to the nearest, and its p99 of
// 1,060 values was the 1,049th, below which lie only 98.96% of them (load.Rank).
func nearestRank(h *hdrhistogram.Histogram, q float64) int64 {
	rank := load.Rank(q, h.TotalCount())
	var seen int64
	for _, b := range h.Distribution() {
		if seen += b.Count; seen >= rank {
			return b.To
		}
	}
	return h.Max()
}

func (r *benchResult) print(w io.Writer, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	// To the microsecond, but under one (a failure answered at once), which would read 0s.
	d := func(ns int64) time.Duration {
		if ns < int64(time.Microsecond) {
			return time.Duration(ns)
		}
		return time.Duration(ns).Round(time.Microsecond)
	}
	mode := fmt.Sprintf("closed loop, %s", plural(int64(r.Concurrency), "caller"))
	// Open loop's latencies count from each call's scheduled start: its lines say so,
	// lest they be read as closed loop's, which leave the generator's delay out.
	from := ""
	if r.Mode == "open" {
		mode = fmt.Sprintf("open loop at %s calls/s, up to %d in flight", plain(r.Rate), r.Concurrency)
		from = ", from their scheduled start"
	}
	interrupted := ""
	if r.Interrupted {
		interrupted = " (interrupted)"
	}
	// To the millisecond, but under one (a closed loop of one short call, --duration
	// 1ns), which would read 0s beside the calls a second it made.
	took := time.Duration(r.DurationNS)
	if took >= time.Millisecond {
		took = took.Round(time.Millisecond)
	} else {
		took = d(r.DurationNS)
	}
	fmt.Fprintf(w, "bench %s via %s: %s, %v%s\n", r.Ensemble, r.Via, mode, took, interrupted)
	fmt.Fprintf(w, "calls       %d (%s calls/s)\n", r.Calls, perSecond(r.CallsPerSec))
	fmt.Fprintf(w, "ok          %d\n", r.OK)
	codes := make([]string, 0, len(r.Errors))
	for code := range r.Errors {
		codes = append(codes, code)
	}
	sort.Strings(codes) // the same order every run
	for _, code := range codes {
		fmt.Fprintf(w, "%-11s %d\n", code, r.Errors[code])
	}
	if r.Mode == "open" {
		// The skipped calls only when there were some, as --json gives them: a line
		// of "skipped 0" read as if the run had a problem to report.
		cut := ""
		n := r.Scheduled - r.Calls - r.Skipped - r.CutShort
		if r.Interrupted && n > 0 {
			// Due after the signal, or stopped by it before they started (unsent):
			// neither made nor skipped.
			cut = fmt.Sprintf("; %d not made: the run was interrupted", n)
		}
		switch {
		case r.Skipped > 0:
			fmt.Fprintf(w, "skipped     %d of %d scheduled (generator behind: not started by their deadline, or by the end of the run)%s\n", r.Skipped, r.Scheduled, cut)
		case cut != "":
			fmt.Fprintf(w, "not made    %d of %d scheduled: the run was interrupted\n", n, r.Scheduled)
		}
		if l := r.StartLagNS; l != nil {
			fmt.Fprintf(w, "started late %d (over 1ms); start lag p50 %v  p99 %v  max %v\n", r.Behind, d(l["p50"]), d(l["p99"]), d(l["max"]))
		} else {
			fmt.Fprintf(w, "started late 0 (over 1ms); start lag none: no call started\n")
		}
	}
	if r.CutShort > 0 {
		fmt.Fprintf(w, "cut short   %d (calls in flight at the signal: no outcome, not among the calls above)\n", r.CutShort)
	}
	if r.LateReplies > 0 {
		fmt.Fprintf(w, "late        %d replies dropped: their calls had ended (timed out, most often), so a leader worked for callers that had given up\n", r.LateReplies)
	}
	// How many messages shared a write (a read), only when there were writes: with
	// none, messages queued and not yet written when the run ended read as all of
	// them in one write.
	per := func(n, ops uint64, op, done string) string {
		s := plural(int64(ops), op)
		switch {
		case ops > 0:
			return s + fmt.Sprintf(" (%.1f a %s)", float64(n)/float64(ops), op)
		case n > 0:
			return s + fmt.Sprintf(" (none %s by the end of the run)", done)
		}
		return s
	}
	// The line says that pings are in the writes and reads: at a low rate "2 messages
	// in 6 writes" read as a transport that needed three writes for a message.
	fmt.Fprintf(w, "client io   %s in %s, %d in %s; the writes and reads include heartbeat pings\n",
		plural(int64(r.IO.Sent), "message"), per(r.IO.Sent, r.IO.Writes, "write", "written"), r.IO.Received, per(r.IO.Received, r.IO.Reads, "read", "read"))
	var err error
	if l := r.LatencyNS; l != nil {
		_, err = fmt.Fprintf(w, "latency     p50 %v  p99 %v  p99.9 %v  max %v (the %s%s)\n",
			d(l["p50"]), d(l["p99"]), d(l["p999"]), d(l["max"]), plural(r.OK, "successful call"), from)
	} else {
		_, err = fmt.Fprintf(w, "latency     none: no call succeeded\n")
	}
	if e := r.ErrorLatencyNS; e != nil {
		_, err = fmt.Fprintf(w, "error latency p50 %v  p99 %v  max %v (how long the %s took to fail%s)\n",
			d(e["p50"]), d(e["p99"]), d(e["max"]), plural(r.Calls-r.OK, "failed call"), from)
	}
	return err
}

// perSecond is v, calls a second, as the text report gives it: a whole number from
// 100 up, and below that to three significant figures, without an exponent. Rounded
// to a whole number, the 0.5 calls/s of a run at 0.5 calls a second read 0, beside
// the call it made.
func perSecond(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return figures3(v)
}

// figures3 is v to three significant figures, as plain writes it.
func figures3(v float64) string {
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64) // cannot fail
	return plain(v)
}

// plain is v as people write a number, a rate above all: --rate 100000000 is
// "100000000", which %g wrote "1e+08", and 123456789 keeps its digits ("1.23456789e+08").
// Every rate a run takes (1/86400 to 100000000 calls a second, of up to 17 significant
// figures) is at most 23 characters so written; a number that would be longer, which
// only a message refusing it shows (--rate 1e-300), keeps %g's exponent.
func plain(v float64) string {
	if s := strconv.FormatFloat(v, 'f', -1, 64); len(s) <= 24 {
		return s
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// plural is "1 caller" or "n callers": n of what, a noun that takes an s.
func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
