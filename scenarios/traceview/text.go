package traceview

import (
	"bufio"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ensroute/ensroute/sim"
)

// msgKeys are the integer fields other than "msg" that hold a message id (a relay's
// answer and relay), 0 for none.
var msgKeys = map[string]bool{"answer": true, "relay": true}

// workerReply is the msg_kind of a leader's answer to a riak worker, which relays it
// to the caller (netmodel.WorkerReply): a reply, but not to the caller.
const workerReply = "worker-reply"

// isReply reports whether msg_kind kind is a reply's: to the caller, or to a riak
// worker.
func isReply(kind string) bool { return kind == "reply" || kind == workerReply }

// durationKeys are the integer fields that hold a duration in nanoseconds.
var durationKeys = map[string]bool{"timeout": true, "budget": true, "at": true, "paused": true, "step": true, "local": true, "held": true,
	"offset": true, "period": true}

// writeText writes the heading, one aligned line per selected record, and the table
// of the lives of the calls that start among them (with a cast filter, of that
// cast's life instead; without one, and of the casts' if any start among them).
func (t *Trace) writeText(w *bufio.Writer, sel []int, f Filter) {
	if t.title != "" {
		// A spec's name may hold line breaks: every line of the heading is a comment.
		fmt.Fprintf(w, "# %s\n", strings.ReplaceAll(t.title, "\n", "\n# "))
	}
	fmt.Fprintf(w, "# %d of %d records%s\n", len(sel), t.Len(), t.describeFilter(f))
	t.writeViolations(w, sel, f)
	tw, nw, kw := len("time"), len("node"), len("kind")
	for _, i := range sel {
		r := &t.recs[i]
		tw = max(tw, len(fmtTime(r.At)))
		nw = max(nw, utf8.RuneCountInString(r.Node))
		kw = max(kw, len(r.Kind))
	}
	line := func(at, node, inst, kind, fields string) {
		l := fmt.Sprintf("%*s  %-*s  %-4s  %-*s  %s", tw, at, nw, node, inst, kw, kind, fields)
		w.WriteString(strings.TrimRight(l, " "))
		w.WriteString("\n")
	}
	w.WriteString("\n")
	line("time", "node", "inst", "kind", "fields")
	for _, i := range sel {
		r := &t.recs[i]
		node, inst := r.Node, "-"
		if node == "" {
			node = "-"
		}
		if t.inst[i] >= 0 {
			inst = "r" + strconv.Itoa(t.inst[i])
		}
		line(fmtTime(r.At), node, inst, r.Kind, t.fields(i))
	}
	blank := false    // the last line written is blank
	if f.Cast == "" { // no call starts among a cast's records
		blank = t.writeLives(w, sel) == 0
	}
	t.writeCasts(w, sel, !blank)
}

// describeFilter says what a filter kept, for the heading.
func (t *Trace) describeFilter(f Filter) string {
	var parts []string
	if f.Call != "" {
		parts = append(parts, "call "+f.Call+t.describeAttempts(f.Call))
	}
	if f.Cast != "" {
		parts = append(parts, "cast "+f.Cast)
	}
	if f.From != 0 || f.To != 0 {
		to := "end"
		if f.To != 0 {
			to = f.To.String()
		}
		parts = append(parts, fmt.Sprintf("from %v to %s", f.From, to))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

// fmtTime renders a virtual time in milliseconds with every nanosecond:
// "586.161103ms".
func fmtTime(d time.Duration) string {
	sign := ""
	u := uint64(d)
	if d < 0 {
		sign, u = "-", -u
	}
	return fmt.Sprintf("%s%d.%06dms", sign, u/1e6, u%1e6)
}

// fmtDur renders a duration field: Go's notation, "inf" for none.
func fmtDur(ns int64) string {
	if ns == math.MaxInt64 {
		return "inf"
	}
	return time.Duration(ns).String()
}

// fields renders the fields of record i that matter, in the record's order. A send
// reads "#12 route ->n1/r6 call=... hops=1 budget=50ms"; a hand-over says where the
// message came from and how long it took; "-" values and fields a message kind does
// not use are left out.
func (t *Trace) fields(i int) string {
	r := &t.recs[i]
	var b strings.Builder
	switch r.Kind {
	case "send":
		m := t.msgOf[num(r, "msg")]
		fmt.Fprintf(&b, "#%d %s ->%s", m.id, m.kind, m.to)
		if m.inst >= 0 {
			fmt.Fprintf(&b, "/r%d", m.inst)
		}
		b.WriteString(" ")
		skip := map[string]bool{"msg": true, "to": true, "msg_kind": true, "inst": true}
		if !isReply(m.kind) {
			skip["code"] = true
		}
		if isReply(m.kind) || m.kind == "gossip" {
			skip["budget"] = true
		}
		if m.kind == "gossip" { // a cast counts its hops, as a route does (the hop limit)
			skip["hops"] = true
		}
		appendAttrs(&b, r, skip)
		return b.String()
	case "handed":
		appendAttrs(&b, r, nil)
		if m := t.msgOf[num(r, "msg")]; m != nil {
			fmt.Fprintf(&b, "from=%s after=%v", m.from, r.At-t.recs[m.send].At)
		}
		return b.String()
	}
	appendAttrs(&b, r, map[string]bool{"inst": r.Kind == "queued" || r.Kind == "shed"})
	return b.String()
}

// appendAttrs writes r's attributes but those in skip as "key=value ", a message id
// as "#12" and a message kind as its bare name.
func appendAttrs(b *strings.Builder, r *sim.Record, skip map[string]bool) {
	for _, a := range r.Attrs {
		if skip[a.Key] {
			continue
		}
		switch {
		case a.Key == "msg" && a.IsInt:
			fmt.Fprintf(b, "#%d ", a.Int)
		case a.Key == "msg_kind":
			fmt.Fprintf(b, "%s ", a.Str)
		case a.IsInt && msgKeys[a.Key] && a.Int == 0:
		case a.IsInt && msgKeys[a.Key]:
			fmt.Fprintf(b, "%s=#%d ", a.Key, a.Int)
		case a.IsInt && durationKeys[a.Key]:
			fmt.Fprintf(b, "%s=%s ", a.Key, fmtDur(a.Int))
		case a.IsInt:
			fmt.Fprintf(b, "%s=%d ", a.Key, a.Int)
		case a.Str == "-":
		case quoted(a.Str):
			fmt.Fprintf(b, "%s=%q ", a.Key, a.Str)
		default:
			fmt.Fprintf(b, "%s=%s ", a.Key, a.Str)
		}
	}
}

// quoted reports whether the text view quotes value s: empty, with a space, a quote,
// '=' or '\\', a byte that is not UTF-8, or a rune that does not print (a newline or
// an escape in an ensemble's name would break the line, or steer the terminal).
func quoted(s string) bool {
	if s == "" || strings.ContainsAny(s, " \"=\\") || !utf8.ValidString(s) {
		return true
	}
	for _, c := range s {
		if !strconv.IsPrint(c) {
			return true
		}
	}
	return false
}

// describeAttempts says, after a call's id, which attempts of its request a view of
// the call holds besides it (Filter.Call): "" for a call that is not retried.
func (t *Trace) describeAttempts(call string) string {
	ids := t.Attempts(call)
	if len(ids) < 2 {
		return ""
	}
	return fmt.Sprintf(" with every attempt of its request %s (%s)", ids[0], strings.Join(ids, ", "))
}

// maxViolationLines is the most violations the text view lists; the rest it counts.
const maxViolationLines = 20

// writeViolations lists the run's violations under the title, as comments: those of
// the calls among the records sel holds (with a call filter, that call's), and those
// of no call when the view is of the whole run (with a cast filter, those of no call
// that name the cast, when a record of it is in view); the first maxViolationLines of
// them.
func (t *Trace) writeViolations(w *bufio.Writer, sel []int, f Filter) {
	whole := f == Filter{}
	inView := map[string]bool{}
	castInView := false // with a cast filter, whether a record of the cast is in view
	attempts := t.attemptSet(f.Call)
	if !whole {
		for _, i := range sel {
			if c := t.call[i]; c != "" && (f.Call == "" || attempts[c]) {
				inView[c] = true
			}
			castInView = castInView || f.Cast != "" && t.cast[i] == f.Cast
		}
	}
	var vs []Violation
	for _, v := range t.viol {
		// A violation about a cast names no call; its detail names the cast.
		if whole || v.Call != "" && inView[v.Call] || castInView && v.Call == "" && namesCast(v.Detail, f.Cast) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return
	}
	fmt.Fprintf(w, "# %d violation%s:\n", len(vs), plural(len(vs)))
	for k, v := range vs {
		if k == maxViolationLines {
			fmt.Fprintf(w, "#   ... and %d more (--call ID shows a call's own)\n", len(vs)-k)
			break
		}
		call := ""
		if v.Call != "" {
			call = " " + v.Call
		}
		fmt.Fprintf(w, "#   %s%s: %s\n", v.Invariant, call, v.Detail)
	}
}
