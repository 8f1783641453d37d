package main

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ensroute/ensroute/scenarios"
)

// compareTable renders a comparison for humans: a line naming what ran, one row per
// measure with the riak and default columns side by side, then any violations.
func compareTable(c comparison) string {
	var b strings.Builder
	name := c.Scenario
	if name == "" {
		name = "(unnamed spec)"
	}
	routers := "routers drawn per seed"
	if c.Routers != nil {
		routers = fmt.Sprintf("%d router%s per node", *c.Routers, plural(*c.Routers))
	}
	fmt.Fprintf(&b, "%s, seeds %d..%d (%d run%s per semantics), %s\n\n",
		name, c.From, c.From+c.Seeds-1, c.Seeds, plural(int(min(c.Seeds, 2))), routers)

	sides := [2]*sideStats{&c.Riak, &c.Default}
	rows := [][3]string{{"", compareSemantics[0].String(), compareSemantics[1].String()}}
	row := func(label string, f func(s *sideStats) string) {
		rows = append(rows, [3]string{label, f(sides[0]), f(sides[1])})
	}
	row("calls", func(s *sideStats) string { return fmt.Sprint(s.Calls) })
	row("success rate", func(s *sideStats) string { return pctString(s.SuccessRatePct) })
	for _, k := range errorKinds {
		row(k.label, func(s *sideStats) string {
			e := s.Errors[k.key]
			return fmt.Sprintf("%d (%s)", e.Count, pctString(e.Pct))
		})
	}
	row("lost with caller", func(s *sideStats) string { return fmt.Sprint(s.LostWithCaller) })
	if sides[0].OpenCalls > 0 || sides[1].OpenCalls > 0 {
		row("open at the end", func(s *sideStats) string { return fmt.Sprint(s.OpenCalls) })
	}
	row("skipped (node down)", func(s *sideStats) string { return fmt.Sprint(s.SkippedCalls) })
	if sides[0].Retries != nil || sides[1].Retries != nil {
		retries := func(f func(*scenarios.Retries) string) func(s *sideStats) string {
			return func(s *sideStats) string {
				if s.Retries == nil {
					return "-"
				}
				return f(s.Retries)
			}
		}
		row("requests", retries(func(q *scenarios.Retries) string { return fmt.Sprint(q.Requests) }))
		row("requests ok", retries(func(q *scenarios.Retries) string {
			return fmt.Sprintf("%d (%s)", q.OK, pctString(pctOf(q.OK, q.Requests)))
		}))
		row("ok after a retry", retries(func(q *scenarios.Retries) string { return fmt.Sprint(q.OKAfterRetry) }))
		row("failed every attempt", retries(func(q *scenarios.Retries) string { return fmt.Sprint(q.FailedEveryAttempt) }))
		row("failed, attempts left", retries(func(q *scenarios.Retries) string { return fmt.Sprint(q.FailedEarly) }))
		// The rest of the requests, so that the rows add up to requests, when any.
		some := func(f func(*scenarios.Retries) uint64) bool {
			return slices.ContainsFunc(sides[:], func(s *sideStats) bool { return s.Retries != nil && f(s.Retries) > 0 })
		}
		if some(func(q *scenarios.Retries) uint64 { return q.Lost }) {
			row("requests lost with caller", retries(func(q *scenarios.Retries) string { return fmt.Sprint(q.Lost) }))
		}
		if some(func(q *scenarios.Retries) uint64 { return q.Open }) {
			row("requests open at the end", retries(func(q *scenarios.Retries) string { return fmt.Sprint(q.Open) }))
		}
		row("attempts per request", retries(func(q *scenarios.Retries) string { return fmt.Sprintf("%.2f", q.Amplification) }))
	}
	if sides[0].Casts != nil || sides[1].Casts != nil {
		casts := func(f func(*scenarios.Casts) uint64) func(s *sideStats) string {
			return func(s *sideStats) string {
				if s.Casts == nil {
					return "0"
				}
				return fmt.Sprint(f(s.Casts))
			}
		}
		row("casts", casts(func(c *scenarios.Casts) uint64 { return c.Total }))
		row("casts lost", casts(func(c *scenarios.Casts) uint64 { return c.Total - min(c.Served, c.Total) }))
		if (sides[0].Casts != nil && sides[0].Casts.Skipped > 0) || (sides[1].Casts != nil && sides[1].Casts.Skipped > 0) {
			row("casts skipped (node down)", casts(func(c *scenarios.Casts) uint64 { return c.Skipped }))
		}
	}
	dur := func(failedOnly bool, get func(percentiles) int64) func(s *sideStats) string {
		return func(s *sideStats) string {
			p, n := s.Latency, len(s.lat)
			if failedOnly {
				p, n = s.TimeToError, len(s.failedLat)
			}
			if n == 0 {
				return "-"
			}
			return humanNS(get(p))
		}
	}
	p50 := func(p percentiles) int64 { return p.P50 }
	p99 := func(p percentiles) int64 { return p.P99 }
	row("time to error p50", dur(true, p50))
	row("time to error p99", dur(true, p99))
	row("latency p50", dur(false, p50))
	row("latency p99", dur(false, p99))
	row("late replies discarded", func(s *sideStats) string { return fmt.Sprint(s.LateRepliesDiscarded) })
	row("messages after give-up", func(s *sideStats) string { return fmt.Sprint(s.AfterGiveUp.Messages) })
	row("peer work after give-up", func(s *sideStats) string {
		return pctString(s.PeerWorkAfterGiveUpPct)
	})
	row("orphan messages", func(s *sideStats) string { return fmt.Sprint(s.OrphanMessages) })
	row("hop-limit hits", func(s *sideStats) string { return fmt.Sprint(s.HopLimitHits) })
	row("violations", func(s *sideStats) string { return fmt.Sprint(s.ViolationsTotal) })
	if c.Riak.ExpectedTotal+c.Default.ExpectedTotal > 0 {
		row("expected (riak_breaks)", func(s *sideStats) string { return fmt.Sprint(s.ExpectedTotal) })
	}
	row("events/s", func(s *sideStats) string { return si(s.EventsPerSec) })

	// fmt pads to a width in runes, so "µs" lines up.
	var w [3]int
	for _, r := range rows {
		for i, cell := range r {
			w[i] = max(w[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %*s  %*s\n", w[0], r[0], w[1], r[1], w[2], r[2])
	}

	for k, s := range sides {
		sem := compareSemantics[k]
		listSeedViolations(&b, fmt.Sprintf("violations under %s", sem), s.Violations, s.ViolationsTotal)
		listSeedViolations(&b, fmt.Sprintf("expected under %s (riak_breaks: the original does not keep these)", sem), s.Expected, s.ExpectedTotal)
	}
	return b.String()
}

// listSeedViolations lists the first violations under a title, each with its seed;
// vs are the violations kept, total counts them all.
func listSeedViolations(b *strings.Builder, title string, vs []seedViolation, total uint64) {
	total = max(total, uint64(len(vs)))
	if total == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s: %d\n", title, total)
	for _, v := range vs[:min(len(vs), maxViolations)] {
		fmt.Fprintf(b, "  seed %d: %s\n", v.Seed, formatViolation(v.Violation))
	}
	if shown := uint64(min(len(vs), maxViolations)); total > shown {
		note := "see --json"
		if total > uint64(len(vs)) {
			note = fmt.Sprintf("--json lists %d: the first %d of each invariant in each run", len(vs), scenarios.MaxViolationsKept)
		}
		fmt.Fprintf(b, "  and %d more (%s)\n", total-shown, note)
	}
}

// pctOf is n as a percentage of of, 0 when of is.
func pctOf(n, of uint64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// pctString renders a percentage with one decimal, "<0.1%" for a small non-zero one.
func pctString(p float64) string {
	if p > 0 && p < 0.05 {
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", p)
}
