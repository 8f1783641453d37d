package traceview

import (
	"bufio"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
)

// writeLives writes one row per call whose start is among the selected records: its
// caller and target, when it started, the path it took (each message and decision,
// with its time since the start), its outcome, when and after how long (virtual
// time), and what came after (late replies). It returns the number of rows.
func (t *Trace) writeLives(w *bufio.Writer, sel []int) int {
	var rows []*callLife
	for _, i := range sel {
		if r := &t.recs[i]; r.Kind == "call" {
			if c := t.cals[t.call[i]]; c != nil && c.start == i {
				rows = append(rows, c)
			}
		}
	}
	fmt.Fprintf(w, "\n# %d call%s\n\n", len(rows), plural(len(rows)))
	if len(rows) == 0 {
		return 0
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "call\tcaller\ttarget\tstart\toutcome\tat\ttook\tpath\tafter")
	var crashes map[string][]int // each node's crash records, read once a call needs them
	for _, c := range rows {
		crash := -1 // a call that never completed: the crash of its caller that ended it
		if c.complete < 0 {
			if crashes == nil {
				crashes = t.crashes()
			}
			if k, ok := slices.BinarySearch(crashes[c.node], c.start); k < len(crashes[c.node]) && !ok {
				crash = crashes[c.node][k]
			}
		}
		start := t.recs[c.start].At
		outcome, at, took := "none", "-", "-"
		if c.complete >= 0 {
			r := &t.recs[c.complete]
			outcome, at, took = str(r, "code"), fmtTime(r.At), (r.At - start).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.id, c.node, strings.TrimPrefix(c.target, "ens:"),
			fmtTime(start), outcome, at, took, t.path(c, crash), t.after(c))
	}
	tw.Flush()
	return len(rows)
}

// path renders the steps of a call's life, up to its completion, each with its time
// since the call started: "route n3->n1/r6 +0s, deliver e1/p1@n1 +367.616µs, ...".
// Steps after the completion are what after shows. A call that never completed
// shows every step, among them the crash of its caller (record crash, -1 for none)
// and the late replies its node dropped once it had restarted.
func (t *Trace) path(c *callLife, crash int) string {
	start := t.recs[c.start].At
	var steps []string
	for _, i := range c.recs {
		if c.complete >= 0 && i >= c.complete {
			break
		}
		if crash >= 0 && crash < i {
			steps = append(steps, fmt.Sprintf("caller crashed +%v", t.recs[crash].At-start))
			crash = -1
		}
		s := t.step(i)
		if r := &t.recs[i]; r.Kind == "late" && c.complete < 0 {
			s = fmt.Sprintf("late %s dropped (%s)", str(r, "code"), str(r, "reason"))
		}
		if s != "" {
			steps = append(steps, fmt.Sprintf("%s +%v", s, t.recs[i].At-start))
		}
	}
	if crash >= 0 {
		steps = append(steps, fmt.Sprintf("caller crashed +%v", t.recs[crash].At-start))
	}
	if len(steps) == 0 {
		return "-"
	}
	return strings.Join(steps, ", ")
}

// crashes returns the indexes of each node's crash records, in order.
func (t *Trace) crashes() map[string][]int {
	out := map[string][]int{}
	for i := range t.recs {
		if r := &t.recs[i]; r.Kind == "crash" {
			out[r.Node] = append(out[r.Node], i)
		}
	}
	return out
}

// after renders what happened to a call once it had completed: messages still sent
// for it, late replies dropped, repeated completions. "-" for nothing.
func (t *Trace) after(c *callLife) string {
	if c.complete < 0 {
		return "-"
	}
	end := t.recs[c.complete].At
	var steps []string
	for _, i := range c.recs {
		if i <= c.complete {
			continue
		}
		r := &t.recs[i]
		s := t.step(i)
		switch r.Kind {
		case "late":
			s = fmt.Sprintf("late %s dropped (%s)", str(r, "code"), str(r, "reason"))
		case "complete":
			s = "completed again: " + str(r, "code")
		}
		if s != "" {
			steps = append(steps, fmt.Sprintf("%s +%v", s, r.At-end))
		}
	}
	if len(steps) == 0 {
		return "-"
	}
	return strings.Join(steps, ", ")
}

// step renders record i as a step of a call's life, or "" for a record that is not
// one (the hand-over of a message, a queueing).
func (t *Trace) step(i int) string {
	r := &t.recs[i]
	switch r.Kind {
	case "send":
		m := t.msgOf[num(r, "msg")]
		s := fmt.Sprintf("%s %s->%s", m.kind, m.from, m.to)
		if m.inst >= 0 {
			s += fmt.Sprintf("/r%d", m.inst)
		}
		if isReply(m.kind) {
			s += " " + str(r, "code")
		}
		return s
	case "deliver", "forward", "redirect":
		return r.Kind + " " + str(r, "peer")
	case "drop", "lost", "orphan":
		return fmt.Sprintf("%s(%s)", r.Kind, str(r, "reason"))
	case "held", "stalled", "parked", "released", "shed", "dup", "unreachable", "worker-timeout", "abandon", "hang", "reply-held":
		return r.Kind
	case "reply-released":
		return fmt.Sprintf("%s(%s)", r.Kind, str(r, "by"))
	case "reply-dropped":
		return fmt.Sprintf("%s(%s)", r.Kind, str(r, "reason"))
	}
	return ""
}

// writeCasts writes, when casts start among the selected records, one row per cast:
// its caster and target, when it was made, the leaders that took it up (the first,
// when and after how long, and how many times in all) and the path it took (each
// message and decision, with its time since the cast was made). It writes nothing
// when no cast starts among them; sep asks for a blank line first.
func (t *Trace) writeCasts(w *bufio.Writer, sel []int, sep bool) {
	var rows []*castLife
	for _, i := range sel {
		if r := &t.recs[i]; r.Kind == "cast" {
			if c := t.castBy[t.cast[i]]; c != nil && c.start == i {
				rows = append(rows, c)
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	if sep {
		w.WriteString("\n")
	}
	fmt.Fprintf(w, "# %d cast%s\n\n", len(rows), plural(len(rows)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "cast\tcaster\ttarget\tstart\ttaken by\tat\ttook\ttimes\tpath")
	for _, c := range rows {
		start := t.recs[c.start].At
		by, at, took := "none", "-", "-"
		if len(c.taken) > 0 {
			r := &t.recs[c.taken[0]]
			by, at, took = str(r, "peer"), fmtTime(r.At), (r.At - start).String()
		}
		var steps []string
		for _, i := range c.recs {
			s := t.step(i)
			if t.recs[i].Kind == "cast-taken" {
				s = "taken " + str(&t.recs[i], "peer")
			}
			if s != "" {
				steps = append(steps, fmt.Sprintf("%s +%v", s, t.recs[i].At-start))
			}
		}
		path := "-"
		if len(steps) > 0 {
			path = strings.Join(steps, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", c.name, c.node, strings.TrimPrefix(c.target, "ens:"),
			fmtTime(start), by, at, took, len(c.taken), path)
	}
	tw.Flush()
}
