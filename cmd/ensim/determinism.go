package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/sim"
)

// divergence is how two runs of the same spec, seed and semantics differ.
type divergence struct {
	hash  [2]string
	n     [2]int
	index int       // the first record that differs, or -1 when every record is equal
	at    [2]string // the record at index in each run; "" for a run that ended first
	prev  string    // the last record both runs share, "" when none
}

// compareRuns returns nil when the two runs left the same trace hash, else where their
// traces (kept with Options.KeepTrace) first differ.
func compareRuns(a, b *scenarios.Result) *divergence {
	if a.Report.TraceHash == b.Report.TraceHash {
		return nil
	}
	d := &divergence{
		hash:  [2]string{a.Report.TraceHash, b.Report.TraceHash},
		n:     [2]int{len(a.Trace), len(b.Trace)},
		index: firstDivergence(a.Trace, b.Trace),
	}
	if i := d.index; i >= 0 {
		for k, t := range [2][]sim.Record{a.Trace, b.Trace} {
			if i < len(t) {
				d.at[k] = t[i].String()
			}
		}
		if i > 0 {
			d.prev = a.Trace[i-1].String()
		}
	}
	return d
}

// firstDivergence returns the index of the first record whose canonical encoding
// differs between a and b, the length of the shorter one when it is a prefix of the
// other, or -1 when they are equal.
func firstDivergence(a, b []sim.Record) int {
	var ea, eb []byte
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ea = a[i].AppendJSON(ea[:0])
		eb = b[i].AppendJSON(eb[:0])
		if !bytes.Equal(ea, eb) {
			return i
		}
	}
	if len(a) != len(b) {
		return n
	}
	return -1
}

// printDeterminism reports the outcome of --check-determinism: a match, or the first
// diverging record of each run, one above the other so they line up.
func printDeterminism(w io.Writer, res *scenarios.Result, d *divergence) {
	if d == nil {
		fmt.Fprintf(w, "determinism: 2 runs, same trace hash %s (%d records)\n", res.Report.TraceHash, len(res.Trace))
		return
	}
	fmt.Fprintf(w, "ensim: determinism check failed: the same spec, seed and semantics gave two different traces\n")
	for k := range 2 {
		fmt.Fprintf(w, "  run %d: trace hash %s, %d records\n", k+1, d.hash[k], d.n[k])
	}
	if d.index < 0 {
		fmt.Fprintf(w, "every kept record is equal, yet the hashes differ\n")
		return
	}
	fmt.Fprintf(w, "first diverging record: #%d\n", d.index)
	if d.prev != "" {
		fmt.Fprintf(w, "  both:  %s\n", d.prev)
	}
	for k := range 2 {
		at := d.at[k]
		if at == "" {
			at = "(the run ended here)"
		}
		fmt.Fprintf(w, "  run %d: %s\n", k+1, at)
	}
}
