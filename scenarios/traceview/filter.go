package traceview

import (
	"fmt"
	"slices"
	"time"
)

// Filter picks the records a view shows. The zero Filter picks every record.
type Filter struct {
	// Call keeps only the records about one call: those that name it and those about
	// its messages (queued, lost, held, duplicated, ...). "" keeps every call. Of a
	// workload that retries (workload.retry), it keeps every attempt of the call's
	// request, whichever attempt it names (Trace.Attempts).
	Call string
	// Cast keeps only the records about one workload cast, named as the trace names
	// it ("s1", "s2", ...): its cast and cast-taken records and those about its
	// messages (inferCasts). "" keeps every cast. A filter keeps one call or one cast,
	// not both.
	Cast string
	// From and To keep the records whose virtual time t has From <= t <= To. To == 0
	// means the end of the run.
	From, To time.Duration
	// World keeps, with Call or Cast set, the records of the world around the call or
	// cast too: faults (partitions, holds, pauses, crashes, clock steps) and
	// elections. The diagram sets it so that a single call or cast is drawn with the
	// faults it met.
	World bool
}

// worldKinds are the records of faults and leader changes: the context of a call.
var worldKinds = map[string]bool{
	"partition": true, "heal": true, "hold": true, "release": true, "release-all": true,
	"crash": true, "restart": true, "pause": true, "resume": true,
	"clock-set": true, "clock-step": true,
	"election": true, "elected": true, "election-failed": true,
}

// Validate reports a filter that can pick nothing by construction: a negative time,
// To before From, a Cast that is no cast's name, or both a Call and a Cast. The error
// wraps ErrBadFilter and names the field.
func (f Filter) Validate() error {
	switch {
	case f.Cast != "" && !validCastName(f.Cast):
		return fmt.Errorf("%w: cast: %q is not a cast's name (s1, s2, ...: s and the cast's number)", ErrBadFilter, f.Cast)
	case f.Cast != "" && f.Call != "":
		return fmt.Errorf("%w: call %s and cast %s: a filter keeps one call or one cast", ErrBadFilter, f.Call, f.Cast)
	case f.From < 0:
		return fmt.Errorf("%w: from: %v is negative", ErrBadFilter, f.From)
	case f.To < 0:
		return fmt.Errorf("%w: to: %v is negative", ErrBadFilter, f.To)
	case f.To != 0 && f.To < f.From:
		return fmt.Errorf("%w: to: %v is before from %v", ErrBadFilter, f.To, f.From)
	}
	return nil
}

// Select returns the indexes of the records f picks, in trace order. A call the trace
// does not start returns an error wrapping ErrUnknownCall; a cast it does not make
// one wrapping ErrUnknownCast; a bad filter one wrapping ErrBadFilter.
func (t *Trace) Select(f Filter) ([]int, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	calls, casts := len(t.calls), len(t.casts)
	if t.whole != nil {
		calls, casts = t.whole.Calls, t.whole.Casts
	}
	if f.Call != "" && t.cals[f.Call] == nil {
		return nil, fmt.Errorf("%w: %s (the trace starts %d call%s)", ErrUnknownCall, f.Call, calls, plural(calls))
	}
	if f.Cast != "" && t.castBy[f.Cast] == nil {
		return nil, fmt.Errorf("%w: %s (the trace makes %d cast%s)", ErrUnknownCast, f.Cast, casts, plural(casts))
	}
	if recs, ok := t.indexed(f); ok {
		// The records of the call's attempts or the cast, as their lives index them:
		// a selection of one call or cast costs its records, not the trace's.
		var sel []int
		for _, i := range recs {
			if r := &t.recs[i]; r.At >= f.From && (f.To == 0 || r.At <= f.To) {
				sel = append(sel, i)
			}
		}
		return sel, nil
	}
	return t.scan(f), nil
}

// indexed returns, for a filter of a call or a cast without World, every record
// about the call's attempts or the cast, in trace order, as their lives index them
// (callLife.recs, castLife.recs); false for any other filter, or when one of those
// calls or the cast has a record before the record that starts its life (a part of
// a trace may hold one), which its life does not index: scan finds it.
func (t *Trace) indexed(f Filter) ([]int, bool) {
	switch {
	case f.World:
		return nil, false
	case f.Cast != "":
		if t.unlived[f.Cast] {
			return nil, false
		}
		return t.castBy[f.Cast].recs, true
	case f.Call != "":
		ids := t.Attempts(f.Call)
		if len(ids) == 1 && !t.unlived[ids[0]] {
			return t.cals[ids[0]].recs, true
		}
		var recs []int
		for _, id := range ids {
			if t.unlived[id] {
				return nil, false
			}
			recs = append(recs, t.cals[id].recs...)
		}
		slices.Sort(recs)
		return recs, true
	}
	return nil, false
}

// scan returns the indexes of the records f picks, walking the whole trace.
func (t *Trace) scan(f Filter) []int {
	attempts := t.attemptSet(f.Call)
	var sel []int
	for i := range t.recs {
		r := &t.recs[i]
		if r.At < f.From || f.To != 0 && r.At > f.To {
			continue
		}
		if f.Call != "" && !attempts[t.call[i]] && !(f.World && worldKinds[r.Kind]) {
			continue
		}
		if f.Cast != "" && t.cast[i] != f.Cast && !(f.World && worldKinds[r.Kind]) {
			continue
		}
		sel = append(sel, i)
	}
	return sel
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Attempts returns the calls that Filter.Call keeps for call: every attempt of the
// request call is an attempt of (workload.retry), in the order they started, the
// first attempt's id first (the request's); call alone when it is not retried, and
// nil when the trace does not start it.
func (t *Trace) Attempts(call string) []string {
	c := t.cals[call]
	if c == nil {
		return nil
	}
	var ids []string
	for _, o := range t.calls {
		if o.request == c.request {
			ids = append(ids, o.id)
		}
	}
	return ids
}

// attemptSet returns Attempts(call) as a set; nil for "".
func (t *Trace) attemptSet(call string) map[string]bool {
	if call == "" {
		return nil
	}
	set := map[string]bool{}
	for _, id := range t.Attempts(call) {
		set[id] = true
	}
	return set
}
