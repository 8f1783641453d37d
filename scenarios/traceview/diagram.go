package traceview

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ensroute/ensroute/sim"
)

// The marks the diagram draws for records; page.js has the same list.
const (
	markPlain    = iota // a small dot
	markCall            // a call starts
	markOK              // a call completes with a result
	markError           // a call completes with an error other than those below
	markTimeout         // a call times out, or a riak worker answers timeout
	markLate            // a late reply is dropped
	markDrop            // a message or request is lost, dropped, refused, orphaned or shed
	markDup             // a message is duplicated on its link
	markHeld            // a message waits at a hold, a stalled cut or a paused host
	markHopLimit        // a call fails with hop-limit
	markLeader          // an ensemble elects a leader
	markDeliver         // an event is handed to a peer
	markWorld           // a fault starts or ends
	markReleased        // a held message goes on
)

// diagram is the data page.js draws, embedded in the page as JSON. Times are virtual
// nanoseconds; lanes, kinds, calls, casts and ensembles are indexes into their lists, -1
// for none. Ev holds one entry per record, column by column.
type diagram struct {
	Title     string   `json:"title"`
	Lanes     []string `json:"lanes"`
	Ensembles []string `json:"ensembles"`
	From      int64    `json:"from"` // the initial view
	To        int64    `json:"to"`
	Kinds     []string `json:"kinds"`
	Calls     [][]any  `json:"calls"` // [id, caller lane, ensemble, start, last record, code, late replies, completed or -1]
	Casts     [][]any  `json:"casts"` // [name, caster lane, ensemble, start, last record, indexes in Violations of those naming it]
	Ev        columns  `json:"ev"`
	Rec       []string `json:"rec"`   // each record's canonical JSON
	Msgs      [][]any  `json:"msgs"`  // [id, send event, from lane, to lane, sent, kind, call, ensemble, copies [arrived, ended, first kind, last kind, late], lost at sender, late (a copy)]
	Spans     [][]any  `json:"spans"` // [kind, lanes, start, end, label]
	// Violations are the run's, each [invariant, call, detail]: all of them, since the
	// page lists their calls and casts to pick from, or with a call (cast) filter
	// those about that call (cast).
	Violations [][3]string `json:"violations"`
	Filter     filterJSON  `json:"filter"`
}

// columns are the records' fields the drawing needs, one slice per field. Call and
// Cast are indexes in the diagram's Calls and Casts, -1 for none; Cast is left out
// of the page, to keep it small, when no record is about a cast (a run without
// casts), and the page then reads every record as about none.
type columns struct {
	T    []int64 `json:"t"`
	Seq  []int64 `json:"seq"`
	Lane []int   `json:"lane"`
	Kind []int   `json:"kind"`
	Call []int   `json:"call"`
	Cast []int   `json:"cast,omitempty"` // omitted when no record is about a cast
	Ens  []int   `json:"ens"`
	Inst []int   `json:"inst"`
	Mark []int   `json:"mark"`
}

// filterJSON is the filter the page was made with, to start from. Attempts are, of a
// call that is one of several attempts of its request, every attempt, in the order
// they were made: the page keeps them with the call.
type filterJSON struct {
	Call     string   `json:"call"`
	Attempts []string `json:"attempts,omitempty"`
	Cast     string   `json:"cast,omitempty"`
}

// diagramOf builds the diagram of the selected records. A message is drawn whole as
// soon as one of its records is selected, so its send and arrivals come along.
func (t *Trace) diagramOf(sel []int, f Filter) *diagram {
	keep := t.drawn(sel)
	// Every list is [] when empty, never null: the page reads their lengths.
	d := &diagram{Title: t.title, Lanes: orEmpty(t.lanes), Ensembles: orEmpty(t.Ensembles()), Filter: filterJSON{Call: f.Call, Cast: f.Cast},
		Violations: [][3]string{}, Kinds: []string{}, Calls: [][]any{}, Casts: [][]any{}, Rec: []string{}, Msgs: [][]any{},
		Ev: columns{T: []int64{}, Seq: []int64{}, Lane: []int{}, Kind: []int{}, Call: []int{}, Ens: []int{}, Inst: []int{}, Mark: []int{}}}
	attempts := t.attemptSet(f.Call)
	if len(attempts) > 1 {
		// A page of a retried request holds each of its attempts: it opens on the call
		// chosen, keeping the other attempts with it, fitted to them all.
		d.Filter.Attempts = t.Attempts(f.Call)
	}
	for _, v := range t.viol {
		// A page of one call lists no other (but its request's other attempts); a page of
		// one cast, the violations about it (they name no call, and their detail names
		// the cast).
		if f.Cast != "" && v.Call == "" && namesCast(v.Detail, f.Cast) || f.Cast == "" && (f.Call == "" || attempts[v.Call]) {
			d.Violations = append(d.Violations, [3]string{v.Invariant, v.Call, v.Detail})
		}
	}
	d.From, d.To = int64(f.From), int64(f.To)
	if f.To == 0 {
		d.To = max(int64(t.end()), d.From) // a window that starts after the run is empty, not reversed
	}
	if f.Cast != "" && f.From == 0 && f.To == 0 {
		// The page opens fitted to the cast, not to the faults of the whole run.
		d.From, d.To = t.span(sel, func(i int) bool { return t.cast[i] == f.Cast }, d.From, d.To)
	}
	if len(attempts) > 1 && f.From == 0 && f.To == 0 {
		// The same for a request's attempts.
		d.From, d.To = t.span(sel, func(i int) bool { return attempts[t.call[i]] }, d.From, d.To)
	}
	ensIdx := indexOf(d.Ensembles)
	kindIdx := map[string]int{}
	callIdx := map[string]int{}
	castIdx := map[string]int{}
	// The violations that name each cast, by its name, read once.
	castViol := map[string][]int{}
	for k, v := range d.Violations {
		if v[1] == "" {
			for _, name := range CastsNamed(v[2]) {
				if l := castViol[name]; len(l) == 0 || l[len(l)-1] != k { // a cast named twice in one detail
					castViol[name] = append(l, k)
				}
			}
		}
	}
	evOf := make(map[int]int, len(sel))
	for i, k := range keep {
		if !k {
			continue
		}
		r := &t.recs[i]
		ki, ok := kindIdx[r.Kind]
		if !ok {
			ki = len(d.Kinds)
			kindIdx[r.Kind] = ki
			d.Kinds = append(d.Kinds, r.Kind)
		}
		ci := -1
		if c := t.cals[t.call[i]]; c != nil {
			if ci, ok = callIdx[c.id]; !ok {
				ci = len(d.Calls)
				callIdx[c.id] = ci
				d.Calls = append(d.Calls, t.callRow(c, ensIdx))
			}
		}
		si := -1
		if c := t.castBy[t.cast[i]]; c != nil {
			if si, ok = castIdx[c.name]; !ok {
				si = len(d.Casts)
				castIdx[c.name] = si
				d.Casts = append(d.Casts, t.castRow(c, ensIdx, castViol[c.name]))
			}
		}
		ei, ok := ensIdx[t.ensembleOfRecord(i)]
		if !ok {
			ei = -1
		}
		evOf[i] = len(d.Ev.T)
		d.Ev.T = append(d.Ev.T, int64(r.At))
		d.Ev.Seq = append(d.Ev.Seq, int64(r.Seq))
		d.Ev.Lane = append(d.Ev.Lane, t.laneOf(i))
		d.Ev.Kind = append(d.Ev.Kind, ki)
		d.Ev.Call = append(d.Ev.Call, ci)
		d.Ev.Cast = append(d.Ev.Cast, si)
		d.Ev.Ens = append(d.Ev.Ens, ei)
		d.Ev.Inst = append(d.Ev.Inst, t.inst[i])
		d.Ev.Mark = append(d.Ev.Mark, markOf(r))
		d.Rec = append(d.Rec, string(r.AppendJSON(nil)))
	}
	for _, m := range t.msgs {
		if !keep[m.send] {
			continue
		}
		ci, ok := callIdx[m.call]
		if !ok {
			ci = -1
		}
		// A message is about its call's ensemble, or, sent for a cast, the cast's.
		ei, ok := ensIdx[t.ensembleOfRecord(m.send)]
		if !ok {
			ei = -1
		}
		copies := make([][]int64, 0, len(m.copies))
		for _, c := range m.copies {
			first, last := &t.recs[c.steps[0]], &t.recs[c.steps[len(c.steps)-1]]
			late := int64(0)
			if c.late {
				late = 1
			}
			copies = append(copies, []int64{int64(first.At), int64(last.At), int64(kindIdx[first.Kind]), int64(kindIdx[last.Kind]), late})
		}
		lost := -1
		if j, ok := evOf[m.lostAt]; ok {
			lost = j
		}
		late := 0
		if m.late {
			late = 1
		}
		d.Msgs = append(d.Msgs, []any{m.id, evOf[m.send], t.lane[m.from], t.lane[m.to], int64(t.recs[m.send].At), m.kind, ci, ei, copies, lost, late})
	}
	d.Spans = orEmpty(t.spans(keep))
	if len(d.Casts) == 0 {
		d.Ev.Cast = nil
	}
	return d
}

// drawn marks the records the diagram of sel draws: the selected records and every
// record of a message one of them is about, so that a message is drawn whole.
func (t *Trace) drawn(sel []int) []bool {
	keep := make([]bool, len(t.recs))
	for _, i := range sel {
		keep[i] = true
		if m := t.msgOf[num(&t.recs[i], "msg")]; m != nil && has(&t.recs[i], "msg") {
			for _, j := range m.recs {
				keep[j] = true
			}
		}
	}
	return keep
}

// drawnData returns how many records the diagram of sel draws, and the length of
// their JSON lines, which its data holds each of at least (quoted): a lower bound on
// the data, found without building it.
func (t *Trace) drawnData(sel []int) (records, least int) {
	var buf []byte
	for i, k := range t.drawn(sel) {
		if k {
			buf = t.recs[i].AppendJSON(buf[:0])
			records, least = records+1, least+len(buf)
		}
	}
	return records, least
}

// castRow is one cast of the diagram's list; named are the indexes of the diagram's
// violations that name it.
func (t *Trace) castRow(c *castLife, ensIdx map[string]int, named []int) []any {
	ei, ok := ensIdx[t.ens.of(c.target)]
	if !ok {
		ei = -1
	}
	if named == nil {
		named = []int{} // [] in the page's data, never null
	}
	start, end := t.recs[c.start].At, t.recs[c.recs[len(c.recs)-1]].At
	return []any{c.name, t.lane[c.node], ei, int64(start), int64(end), named}
}

// callRow is one call of the diagram's list.
func (t *Trace) callRow(c *callLife, ensIdx map[string]int) []any {
	ei, ok := ensIdx[c.ensemble]
	if !ok {
		ei = -1
	}
	start := t.recs[c.start].At
	end, code, done := t.recs[c.recs[len(c.recs)-1]].At, "none", int64(-1)
	if c.complete >= 0 {
		code, done = str(&t.recs[c.complete], "code"), int64(t.recs[c.complete].At)
	}
	return []any{c.id, t.lane[c.node], ei, int64(start), int64(end), code, len(c.late), done}
}

// laneOf returns the lane record i is drawn on: its node's; for a record of the
// network that names no node, the lane where it happened (a loss at the sender, a
// hold or a loss at the receiver); for an election, the new leader's node; -1 (the
// row of the world) for the rest.
func (t *Trace) laneOf(i int) int {
	r := &t.recs[i]
	if r.Node != "" {
		return t.lane[r.Node]
	}
	if m := t.msgOf[num(r, "msg")]; m != nil && has(r, "msg") {
		if m.lostAt == i {
			return t.lane[m.from]
		}
		return t.lane[m.to]
	}
	if r.Kind == "elected" {
		if _, node, ok := strings.Cut(str(r, "leader"), "@"); ok {
			if l, ok := t.lane[node]; ok {
				return l
			}
		}
	}
	return -1
}

// markOf returns the mark of a record.
func markOf(r *sim.Record) int {
	switch r.Kind {
	case "call":
		return markCall
	case "complete":
		switch str(r, "code") {
		case "ok":
			return markOK
		case "timeout":
			return markTimeout
		case "hop-limit":
			return markHopLimit
		}
		return markError
	case "send":
		// The node where a request runs out of hops answers hop-limit.
		if str(r, "msg_kind") == "reply" && str(r, "code") == "hop-limit" {
			return markHopLimit
		}
	case "worker-timeout":
		return markTimeout
	case "late":
		return markLate
	case "drop", "lost", "orphan", "shed", "unreachable":
		return markDrop
	case "dup":
		return markDup
	case "held", "stalled", "parked":
		return markHeld
	case "released":
		return markReleased
	case "elected":
		return markLeader
	case "deliver":
		return markDeliver
	}
	if worldKinds[r.Kind] {
		return markWorld
	}
	return markPlain
}

// spans returns the faults that last a while, each from the record that starts it to
// the one that ends it (or the end of the trace), when either is kept: partitions
// (on the smaller side), holds (on the senders), pauses and crashes.
func (t *Trace) spans(keep []bool) [][]any {
	var out [][]any
	type open struct {
		start int
		lanes []int
		label string
	}
	add := func(kind string, o open, end time.Duration, endIdx int) {
		if !keep[o.start] && (endIdx < 0 || !keep[endIdx]) {
			return
		}
		out = append(out, []any{kind, o.lanes, int64(t.recs[o.start].At), int64(end), o.label})
	}
	var parts []open
	// A hold's span lasts until its last link is released: releases may each free
	// some of its links (n1 -> n2, then n1 -> n3), or more than it holds.
	type held struct {
		open
		links map[[2]string]bool // from, to: those not released yet
	}
	var holds []held
	down := map[string]open{}
	paused := map[string]open{}
	for i := range t.recs {
		r := &t.recs[i]
		switch r.Kind {
		case "partition":
			a, b := str(r, "a"), str(r, "b")
			label := "partition " + a + " | " + b
			if a == "" {
				a, b = str(r, "from"), str(r, "to")
				label = "partition " + a + " -> " + b + " (one way)"
			} else if len(strings.Split(b, ",")) < len(strings.Split(a, ",")) {
				a = b
			}
			parts = append(parts, open{start: i, lanes: t.lanesOf(a), label: label})
		case "heal":
			for _, o := range parts {
				add("partition", o, r.At, i)
			}
			parts = nil
		case "hold":
			h := held{open: open{start: i, lanes: t.lanesOf(str(r, "from")), label: "hold " + str(r, "from") + " -> " + str(r, "to")},
				links: links(str(r, "from"), str(r, "to"))}
			if len(h.links) > 0 {
				holds = append(holds, h)
			}
		case "release", "release-all":
			freed := links(str(r, "from"), str(r, "to"))
			holds = slices.DeleteFunc(holds, func(h held) bool {
				for l := range h.links {
					if r.Kind == "release-all" || freed[l] {
						delete(h.links, l)
					}
				}
				if len(h.links) > 0 {
					return false
				}
				add("hold", h.open, r.At, i)
				return true
			})
		case "pause":
			paused[r.Node] = open{start: i, lanes: []int{t.lane[r.Node]}, label: "pause " + r.Node}
		case "resume":
			if o, ok := paused[r.Node]; ok {
				add("pause", o, r.At, i)
				delete(paused, r.Node)
			}
		case "crash":
			down[r.Node] = open{start: i, lanes: []int{t.lane[r.Node]}, label: "crash " + r.Node}
		case "restart":
			if o, ok := down[r.Node]; ok {
				add("crash", o, r.At, i)
				delete(down, r.Node)
			}
		}
	}
	end := t.end()
	for _, o := range parts {
		add("partition", o, end, -1)
	}
	for _, h := range holds {
		add("hold", h.open, end, -1)
	}
	for _, n := range sortedKeys(paused) {
		add("pause", paused[n], end, -1)
	}
	for _, n := range sortedKeys(down) {
		add("crash", down[n], end, -1)
	}
	return out
}

// links returns the links from each node of from to each of to (comma-separated
// lists), but a node's to itself, which is none.
func links(from, to string) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, a := range strings.Split(from, ",") {
		for _, b := range strings.Split(to, ",") {
			if a != b && a != "" && b != "" {
				out[[2]string{a, b}] = true
			}
		}
	}
	return out
}

// lanesOf returns the lanes of a comma-separated list of nodes.
func (t *Trace) lanesOf(nodes string) []int {
	var out []int
	for _, n := range strings.Split(nodes, ",") {
		if l, ok := t.lane[n]; ok {
			out = append(out, l)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// orEmpty returns s, or an empty slice for nil: JSON [], not null.
func orEmpty[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}

func indexOf(s []string) map[string]int {
	m := make(map[string]int, len(s))
	for i, v := range s {
		m[v] = i
	}
	return m
}

// span returns the view a page of one cast (or of a retried request's attempts)
// opens on: the time from the first to the last of the records among sel that ours
// picks, their messages' arrivals included, with a margin; from and to when ours
// picks none of sel.
func (t *Trace) span(sel []int, ours func(int) bool, from, to int64) (int64, int64) {
	a, b := int64(-1), int64(-1)
	for _, i := range sel {
		if !ours(i) {
			continue
		}
		at := int64(t.recs[i].At)
		if a < 0 {
			a = at
		}
		b = max(b, at)
		if m := t.msgOf[num(&t.recs[i], "msg")]; m != nil && has(&t.recs[i], "msg") {
			for _, c := range m.copies {
				b = max(b, int64(t.recs[c.steps[len(c.steps)-1]].At))
			}
		}
	}
	if a < 0 {
		return from, to
	}
	pad := max((b-a)*8/100, 20000) // as the page pads a call it fits to
	return max(a-pad, 0), b + pad
}
