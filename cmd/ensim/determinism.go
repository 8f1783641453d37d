package main

import (
	"fmt"
	"io"

	"github.com/zeebo/xxh3"

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

// twice runs spec twice with opt, as --check-determinism and a sweep's rerun do, and
// returns the first run and where the two part (nil when their trace hashes agree).
// sink, if not nil, is handed the first run's records as well (--trace). Neither run
// keeps its trace, which at scale takes gigabytes: see diverge.
func twice(spec scenarios.Spec, opt scenarios.Options, sink func(*sim.Record)) (*scenarios.Result, *divergence, error) {
	var first *scenarios.Result
	d, err := diverge(func(k int, each func(*sim.Record)) (string, error) {
		o := opt
		o.TraceSink = each
		if k == 0 && sink != nil {
			o.TraceSink = func(r *sim.Record) { each(r); sink(r) }
		}
		res, err := simulateGuarded(spec, o)
		if err != nil {
			return "", err
		}
		if k == 0 {
			first = res
		}
		return res.Report.TraceHash, nil
	})
	return first, d, err
}

// diverge finds where two runs part. run(k, each) makes run k (0, 1, then 2 if
// needed), handing each record to each as it is emitted, and returns its trace hash.
// The first run leaves a fingerprint of each record (xxh3 of its JSON line: 8 bytes
// where the record takes hundreds); the second is checked against them as it goes,
// and keeps the record where they part and the one before. Only when the two part
// where the first still had records is a third run made, to read the first's record
// there: it is checked against the first's fingerprints too, and a third run that
// parts from the first before that record says so instead.
func diverge(run func(k int, each func(*sim.Record)) (string, error)) (*divergence, error) {
	var sums []uint64
	var buf []byte
	sum := func(r *sim.Record) uint64 {
		buf = r.AppendJSON(buf[:0])
		return xxh3.Hash(buf)
	}
	h0, err := run(0, func(r *sim.Record) { sums = append(sums, sum(r)) })
	if err != nil {
		return nil, err
	}
	n, index := 0, -1
	var at, prev string
	var last sim.Record
	var lastAttrs []sim.Attr
	h1, err := run(1, func(r *sim.Record) {
		i := n
		n++
		if index >= 0 {
			return
		}
		if i >= len(sums) || sum(r) != sums[i] {
			index, at = i, r.String()
			if i > 0 {
				prev = last.String()
			}
			return
		}
		last, lastAttrs = *r, append(lastAttrs[:0], r.Attrs...)
		last.Attrs = lastAttrs
	})
	if err != nil {
		return nil, err
	}
	if h0 == h1 {
		return nil, nil
	}
	if index < 0 && n < len(sums) { // the second run ended first
		index = n
		if n > 0 {
			prev = last.String()
		}
	}
	d := &divergence{hash: [2]string{h0, h1}, n: [2]int{len(sums), n}, index: index, at: [2]string{"", at}, prev: prev}
	if index < 0 || index >= len(sums) {
		return d, nil
	}
	m, parted := 0, -1
	if _, err := run(2, func(r *sim.Record) {
		i := m
		m++
		if parted >= 0 || i > index {
			return
		}
		if i >= len(sums) || sum(r) != sums[i] {
			parted = i
			return
		}
		if i == index {
			d.at[0] = r.String()
		}
	}); err != nil {
		d.at[0] = fmt.Sprintf("(not known: a third run, made to read it, failed: %v)", err)
		return d, nil
	}
	switch {
	case parted >= 0:
		d.at[0] = fmt.Sprintf("(not known: a third run, made to read it, parted from run 1 at #%d)", parted)
	case m <= index:
		d.at[0] = fmt.Sprintf("(not known: a third run, made to read it, ended after %d records)", m)
	}
	return d, nil
}

// printDeterminism reports the outcome of --check-determinism: a match, or the first
// diverging record of each run, one above the other so they line up.
func printDeterminism(w io.Writer, res *scenarios.Result, d *divergence) {
	if d == nil {
		fmt.Fprintf(w, "determinism: 2 runs, same trace hash %s (%d records)\n", res.Report.TraceHash, res.Report.TraceEvents)
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
