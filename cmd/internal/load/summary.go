package load

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ensroute/ensroute/router"
)

// agg accumulates the outcomes of some calls, per outcome name.
type agg struct {
	by  map[string]*hist
	bad int64
}

func (a *agg) add(outcome string, took time.Duration, bad bool) {
	if a.by == nil {
		a.by = map[string]*hist{}
	}
	h := a.by[outcome]
	if h == nil {
		h = &hist{}
		a.by[outcome] = h
	}
	h.add(took)
	if bad {
		a.bad++
	}
}

func (a *agg) merge(o *agg) {
	if a.by == nil {
		a.by = map[string]*hist{}
	}
	for name, h := range o.by {
		if a.by[name] == nil {
			a.by[name] = &hist{}
		}
		a.by[name].merge(h)
	}
	a.bad += o.bad
}

// Outcomes describes a set of calls.
type Outcomes struct {
	// Calls is how many ended; Codes splits them by outcome: "ok", a router.Code name
	// ("timeout", "unreachable", "overloaded", ...), "cancelled" (cut off by the
	// cancel of Start's context: an interrupt) or "other".
	Calls int64            `json:"calls"`
	Codes map[string]int64 `json:"outcomes"`
	// Fast counts, per failing outcome, the calls that ended within Config.Fast.
	Fast map[string]int64 `json:"fast,omitempty"`
	// Violations counts the calls that broke a promise (Summary.Violations says how).
	Violations int64 `json:"violations"`
	// Latency percentiles of every call, and the slowest call's time past its
	// deadline (negative: it ended before its deadline).
	P50NS       int64 `json:"p50_ns"`
	P99NS       int64 `json:"p99_ns"`
	MaxNS       int64 `json:"max_ns"`
	WorstOverNS int64 `json:"worst_over_deadline_ns"`
	// MaxByCode is the slowest call of each outcome.
	MaxByCode map[string]int64 `json:"max_ns_by_outcome"`
}

func (a *agg) outcomes(cfg Config) Outcomes {
	o := Outcomes{Codes: map[string]int64{}, Fast: map[string]int64{}, MaxByCode: map[string]int64{}, Violations: a.bad}
	var all hist
	for name, h := range a.by {
		o.Calls += h.n
		o.Codes[name] = h.n
		o.MaxByCode[name] = int64(h.max)
		if name != "ok" {
			if f := h.below(cfg.Fast); f > 0 {
				o.Fast[name] = f
			}
		}
		all.merge(h)
	}
	o.P50NS, o.P99NS, o.MaxNS = int64(all.quantile(0.5)), int64(all.quantile(0.99)), int64(all.max)
	o.WorstOverNS = int64(all.max - cfg.Timeout)
	return o
}

// Phase is the outcomes of the calls to one ensemble that started during one phase.
type Phase struct {
	Phase    string            `json:"phase"`
	Ensemble router.EnsembleID `json:"ensemble"`
	Outcomes
}

// Summary is what a load did and every promise it saw broken.
type Summary struct {
	TimeoutNS int64 `json:"timeout_ns"`
	SlackNS   int64 `json:"slack_ns"`
	FastNS    int64 `json:"fast_ns"`
	ElapsedNS int64 `json:"elapsed_ns"`
	// Started and Ended count calls; Unfinished = Started - Ended, calls that never
	// returned (a violation).
	Started    int64 `json:"started"`
	Ended      int64 `json:"ended"`
	Unfinished int64 `json:"unfinished"`
	// Skipped counts the calls an open load did not start: Callers were in flight.
	Skipped int64 `json:"skipped,omitempty"`
	// StartLagP99NS and StartLagMaxNS say, for an open load, how late its calls
	// started after they were due (the generator wakes every millisecond, and may be
	// held up besides): latencies count from the start, so this is the queueing they
	// leave out.
	StartLagP99NS int64    `json:"start_lag_p99_ns,omitempty"`
	StartLagMaxNS int64    `json:"start_lag_max_ns,omitempty"`
	Total         Outcomes `json:"total"`
	Phases        []Phase  `json:"phases"`
	// Violations holds the first broken promises, one line each; ViolationCount counts
	// them all (unfinished calls included).
	Violations     []string `json:"violations"`
	ViolationCount int64    `json:"violation_count"`
	// Overdue counts the calls that ended past their deadline and the slack; whether
	// that breaks the deadline promise is CheckExcused's to say.
	Overdue int64 `json:"overdue"`
	overdue []overdue
	slow    []slowFail
	slack   time.Duration
	timeout time.Duration
	start   time.Time
}

// Summary returns the outcomes so far; Stop returns the final ones. While the load
// runs, the aggregates may hold a few calls more than Ended.
func (r *Run) Summary() Summary {
	sum := Summary{TimeoutNS: int64(r.cfg.Timeout), SlackNS: int64(r.cfg.Slack), FastNS: int64(r.cfg.Fast),
		ElapsedNS: int64(time.Since(r.start)), Skipped: r.skipped.Load()}
	// Ended before Started: a call counted as ended has always been counted as started.
	sum.Ended = r.ended.Load()
	sum.Started = r.started.Load()
	// The aggregates are read after Ended: they hold at least the calls it counts.
	merged := map[key]*agg{}
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		for k, a := range s.aggs {
			m := merged[k]
			if m == nil {
				m = &agg{}
				merged[k] = m
			}
			m.merge(a)
		}
		s.mu.Unlock()
	}
	sum.Unfinished = sum.Started - sum.Ended
	var total agg
	for k, a := range merged {
		sum.Phases = append(sum.Phases, Phase{Phase: k.phase, Ensemble: k.ensemble, Outcomes: a.outcomes(r.cfg)})
		total.merge(a)
	}
	sort.Slice(sum.Phases, func(i, j int) bool {
		a, b := sum.Phases[i], sum.Phases[j]
		return a.Phase < b.Phase || (a.Phase == b.Phase && a.Ensemble < b.Ensemble)
	})
	sum.Total = total.outcomes(r.cfg)
	r.viol.mu.Lock()
	sum.Violations = append([]string{}, r.viol.first...)
	sum.ViolationCount = r.viol.n
	r.viol.mu.Unlock()
	_, sum.slow = r.slow.snapshot()
	sum.Overdue, sum.overdue = r.overdue.snapshot()
	sum.slack, sum.timeout, sum.start = r.cfg.Slack, r.cfg.Timeout, r.start
	r.lagMu.Lock()
	sum.StartLagP99NS, sum.StartLagMaxNS = int64(r.lag.quantile(0.99)), int64(r.lag.max)
	r.lagMu.Unlock()
	return sum
}

// Phase returns the outcomes of the calls to ensemble e that started in phase name
// ("" for every ensemble together). It adds up the entries of Phases, so it leaves
// P50NS and P99NS 0: percentiles do not add up. Each entry of Phases has its own.
func (s Summary) Phase(name string, e router.EnsembleID) Outcomes {
	var out Outcomes
	out.Codes, out.Fast, out.MaxByCode = map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, p := range s.Phases {
		if p.Phase != name || (e != "" && p.Ensemble != e) {
			continue
		}
		out.Calls += p.Calls
		out.Violations += p.Violations
		for k, v := range p.Codes {
			out.Codes[k] += v
		}
		for k, v := range p.Fast {
			out.Fast[k] += v
		}
		for k, v := range p.MaxByCode {
			out.MaxByCode[k] = max(out.MaxByCode[k], v)
		}
		out.MaxNS = max(out.MaxNS, p.MaxNS)
	}
	out.WorstOverNS = out.MaxNS - s.TimeoutNS
	return out
}

// Line is the summary on one line: the calls, their outcomes, the slowest against
// the deadline, and the violations.
func (s Summary) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "calls=%d", s.Total.Calls)
	names := make([]string, 0, len(s.Total.Codes))
	for n := range s.Total.Codes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, " %s=%d", n, s.Total.Codes[n])
	}
	d := func(ns int64) time.Duration { return time.Duration(ns).Round(10 * time.Microsecond) }
	fmt.Fprintf(&b, " p50=%v p99=%v max=%v deadline=%v slack=%v worst_past_deadline=%v past_slack=%d unfinished=%d violations=%d",
		d(s.Total.P50NS), d(s.Total.P99NS), d(s.Total.MaxNS), d(s.TimeoutNS), d(s.SlackNS), d(s.Total.WorstOverNS),
		s.Overdue, s.Unfinished, s.ViolationCount)
	if s.Skipped > 0 {
		fmt.Fprintf(&b, " skipped=%d", s.Skipped)
	}
	if s.StartLagMaxNS > 0 {
		fmt.Fprintf(&b, " start_lag_p99=%v start_lag_max=%v", d(s.StartLagP99NS), d(s.StartLagMaxNS))
	}
	return b.String()
}

// Excuse is how much longer than the slack a call that started at begin and ended at
// end may overrun its deadline: the scheduling delay that the calling process
// suffered while the call ran, which no router can make up for
// (realcluster.LatenessProbe.During measures it). A stall before the deadline counts
// too: what the process could not do meanwhile (read the answer, run the callers
// whose deadlines passed) waits behind it, the call's end with it. A nil Excuse
// excuses nothing.
type Excuse func(begin, end time.Time) time.Duration

// Within excuses every call the same d, whenever it ran.
func Within(d time.Duration) Excuse { return func(time.Time, time.Time) time.Duration { return d } }

// FastExcused counts the calls of phase (to ensemble e, or to any if e is "") that
// failed with outcome before their deadline but slower than Config.Fast, which
// Outcomes.Fast leaves out, and within Config.Fast plus what excuse allows them: a failure the router gave at once
// that the caller's process, not running, took longer to see. Outcomes.Fast plus
// FastExcused are the calls that failed fast. Past the first failures that slow that
// the run kept (2^18), none is excused.
func (s Summary) FastExcused(phase string, e router.EnsembleID, outcome string, excuse Excuse) int64 {
	if excuse == nil {
		return 0
	}
	var n int64
	for _, c := range s.slow {
		if c.phase == phase && (e == "" || c.ensemble == e) && c.outcome == outcome &&
			c.took <= time.Duration(s.FastNS)+excuse(c.begin, c.begin.Add(c.took)) {
			n++
		}
	}
	return n
}

// Check is CheckExcused(nil): no call may end later than its deadline plus the slack.
func (s Summary) Check() error { return s.CheckExcused(nil) }

// PastDeadline returns how many calls ended past their deadline by more than the
// slack plus what excuse allows each, the first few of them in words (at most 20, one
// line each, naming the delay excuse measured while the call ran when there is an
// excuse), and the largest excuse a call was granted.
func (s Summary) PastDeadline(excuse Excuse) (n int64, first []string, granted time.Duration) {
	for _, c := range s.overdue {
		past, ex := c.took-s.timeout, time.Duration(0)
		if excuse != nil {
			ex = excuse(c.begin, c.begin.Add(c.took))
		}
		if past <= s.slack+ex {
			granted = max(granted, ex)
			continue
		}
		n++
		if len(first) < keepViolations {
			line := fmt.Sprintf("call %s to %s via %s at +%v: deadline: ended %v after its start, %v past its %v deadline (%s)",
				c.token, c.target.Ensemble, c.target.Via, c.begin.Sub(s.start).Round(time.Microsecond), c.took, past, s.timeout, c.outcome)
			if excuse != nil { // without one, no delay was measured: none is named
				line += fmt.Sprintf("; scheduling delay meanwhile %v", ex)
			}
			first = append(first, line)
		}
	}
	if s.Overdue > int64(len(s.overdue)) {
		n += s.Overdue - int64(len(s.overdue)) // beyond the record: count them all
	}
	return n, first, granted
}

// CheckExcused returns an error listing the violations, or nil. A call that ended
// past its deadline breaks its promise when it did so by more than the slack plus
// what excuse allows it: the scheduling delay measured in the calling process while
// it ran (a realcluster.LatenessProbe's During), which no router can make up for.
func (s Summary) CheckExcused(excuse Excuse) error {
	late, lateLines, _ := s.PastDeadline(excuse)
	if s.ViolationCount == 0 && late == 0 && s.Unfinished == 0 && s.Total.Calls == s.Ended {
		return nil
	}
	lines := append(append([]string{}, s.Violations...), lateLines...)
	allowed := fmt.Sprintf("the slack %v", s.slack)
	if excuse != nil {
		allowed += " plus the scheduling delay measured meanwhile"
	}
	msg := fmt.Sprintf("%d violations, %d calls past their deadline by more than %s, "+
		"%d unfinished calls, %d calls recorded of %d ended", s.ViolationCount, late, allowed,
		s.Unfinished, s.Total.Calls, s.Ended)
	if len(lines) > 0 {
		msg += ":\n  " + strings.Join(lines, "\n  ")
	}
	return fmt.Errorf("%w: %s", ErrViolation, msg)
}
