package traceview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/sim"
)

// rec is a record of a hand-written trace, at a virtual time in milliseconds.
func rec(ms float64, node, kind string, attrs ...sim.Attr) sim.Record {
	return sim.Record{At: time.Duration(ms * float64(time.Millisecond)), Node: node, Kind: kind, Attrs: attrs}
}

// handTrace numbers recs and analyses them, with lanes n1, n2, n3.
func handTrace(recs ...sim.Record) *Trace {
	for i := range recs {
		recs[i].Seq = uint64(i)
	}
	return New(recs, Meta{Title: "by hand", Nodes: []string{"n1", "n2", "n3"}})
}

func callRec(ms float64, node, call string) sim.Record {
	return rec(ms, node, "call", sim.String("call", call), sim.String("target", "ens:e1"))
}

func sendRec(ms float64, node string, msg int64, to, kind, call string, attrs ...sim.Attr) sim.Record {
	return rec(ms, node, "send", append([]sim.Attr{sim.Int("msg", msg), sim.String("to", to), sim.String("msg_kind", kind),
		sim.String("call", call)}, attrs...)...)
}

func textOf(t *testing.T, tr *Trace, f Filter) string {
	t.Helper()
	var b bytes.Buffer
	if err := tr.Write(&b, Text, f); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// callRow returns the row of the text view's table of calls about call, its columns
// split on runs of two spaces or more.
func callRow(t *testing.T, text, call string) []string {
	t.Helper()
	_, table, ok := strings.Cut(text, "\ncall  ")
	if !ok {
		t.Fatalf("no table of calls in:\n%s", text)
	}
	for _, l := range strings.Split(table, "\n") {
		if strings.HasPrefix(l, call+" ") {
			var cols []string
			for _, c := range strings.Split(l, "  ") {
				if c = strings.TrimSpace(c); c != "" {
					cols = append(cols, c)
				}
			}
			return cols
		}
	}
	t.Fatalf("no row for call %s in the table:\n%s", call, table)
	return nil
}

// TestSelectWorldKinds: with World, a call's filter keeps every fault and leader
// change of the run, each start and each end; without it, none of them.
func TestSelectWorldKinds(t *testing.T) {
	for _, kind := range []string{"partition", "heal", "hold", "release", "release-all", "crash", "restart",
		"pause", "resume", "clock-set", "clock-step", "election", "elected", "election-failed"} {
		tr := handTrace(
			callRec(1, "n1", "n1.1.1"),
			rec(2, "n2", kind),
			rec(3, "n2", "learn", sim.String("ens", "e1")),
			rec(4, "n1", "complete", sim.String("call", "n1.1.1"), sim.String("code", "ok")),
		)
		world, err := tr.Select(Filter{Call: "n1.1.1", World: true})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{0, 1, 3}; !slices.Equal(world, want) {
			t.Errorf("%s: the call with its world selects %v, want %v", kind, world, want)
		}
		alone, _ := tr.Select(Filter{Call: "n1.1.1"})
		if want := []int{0, 3}; !slices.Equal(alone, want) {
			t.Errorf("%s: the call alone selects %v, want %v", kind, alone, want)
		}
	}
}

// TestCompletedTwice: a call that completes twice has the first completion's outcome,
// time and duration in the table of calls, and the second among what came after.
func TestCompletedTwice(t *testing.T) {
	tr := handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(3, "n1", "complete", sim.String("call", "n1.1.1"), sim.String("code", "timeout")),
		rec(4, "n1", "complete", sim.String("call", "n1.1.1"), sim.String("code", "ok")),
	)
	row := callRow(t, textOf(t, tr, Filter{}), "n1.1.1")
	want := []string{"n1.1.1", "n1", "e1", "1.000000ms", "timeout", "3.000000ms", "2ms", "route n1->n2/r0 +0s", "completed again: ok +1ms"}
	if strings.Join(row, "|") != strings.Join(want, "|") {
		t.Errorf("row %q\nwant %q", row, want)
	}
}

// TestLossOnArrival: a message lost to a partition it meets on arrival, after its send
// time, is lost at the far end (a copy that ends lost, drawn on the receiver's lane);
// one lost at its send time, before any arrival, is lost at the sender, as is one a
// rule or the link's loss drops.
func TestLossOnArrival(t *testing.T) {
	tr := handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		sendRec(1, "n1", 2, "n3", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(1, "", "lost", sim.Int("msg", 2), sim.String("reason", "partition")),
		rec(2, "", "lost", sim.Int("msg", 1), sim.String("reason", "partition")),
		sendRec(3, "n1", 3, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(3, "", "rule", sim.Int("msg", 3), sim.String("rule", "r")),
		rec(3, "", "lost", sim.Int("msg", 3), sim.String("reason", "rule")),
		sendRec(3, "n1", 4, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(3, "", "lost", sim.Int("msg", 4), sim.String("reason", "loss")),
	)
	m1, m2 := tr.msgOf[1], tr.msgOf[2]
	if m1.lostAt != -1 || len(m1.copies) != 1 || m1.copies[0].last != "lost" {
		t.Errorf("#1, lost on arrival: lost at sender %d, %d copies", m1.lostAt, len(m1.copies))
	}
	if got, want := tr.laneOf(4), tr.lane["n2"]; got != want {
		t.Errorf("#1's loss on arrival is drawn on lane %d, want n2's %d", got, want)
	}
	if m2.lostAt != 3 || len(m2.copies) != 0 {
		t.Errorf("#2, lost at its send: lost at sender %d, %d copies", m2.lostAt, len(m2.copies))
	}
	if got, want := tr.laneOf(3), tr.lane["n1"]; got != want {
		t.Errorf("#2's loss at the sender is drawn on lane %d, want n1's %d", got, want)
	}
	for _, l := range []struct {
		msg  int64
		lost int
	}{{3, 7}, {4, 9}} {
		if m := tr.msgOf[l.msg]; m.lostAt != l.lost || len(m.copies) != 0 {
			t.Errorf("#%d, lost at its send: lost at sender %d, want %d; %d copies", l.msg, m.lostAt, l.lost, len(m.copies))
		}
	}
}

// TestRuleRecordsAreNoArrival: the records a rule makes about a message (armed,
// judged) are not steps on its way: the message's one arrival is its hand-over.
func TestRuleRecordsAreNoArrival(t *testing.T) {
	tr := handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(1, "n1", "rule-armed", sim.Int("msg", 1), sim.String("rule", "r")),
		rec(1, "", "rule", sim.Int("msg", 1), sim.String("rule", "r")),
		rec(2, "n2", "handed", sim.Int("msg", 1)),
	)
	m := tr.msgOf[1]
	if len(m.copies) != 1 || len(m.copies[0].steps) != 1 || m.copies[0].steps[0] != 4 {
		var got [][]int
		for _, c := range m.copies {
			got = append(got, c.steps)
		}
		t.Errorf("#1's copies %v, want one: the hand-over [4]", got)
	}
}

// TestDuplicateHeldTwice: both copies of a duplicated message held at a hold are
// released one each, and each goes on to its own hand-over.
func TestDuplicateHeldTwice(t *testing.T) {
	tr := handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(1, "", "dup", sim.Int("msg", 1)),
		rec(2, "", "held", sim.Int("msg", 1)),
		rec(2, "", "held", sim.Int("msg", 1)),
		rec(5, "", "released", sim.Int("msg", 1)),
		rec(5, "", "released", sim.Int("msg", 1)),
		rec(6, "n2", "handed", sim.Int("msg", 1)),
		rec(7, "n2", "handed", sim.Int("msg", 1)),
	)
	m := tr.msgOf[1]
	var got [][]int
	for _, c := range m.copies {
		got = append(got, c.steps)
	}
	if len(got) != 2 || !slices.Equal(got[0], []int{3, 5, 7}) || !slices.Equal(got[1], []int{4, 6, 8}) || m.dup != 2 {
		t.Errorf("#1's copies %v (dup at %d), want [3 5 7] and [4 6 8] (dup at 2)", got, m.dup)
	}
}

// TestStalledCopyReleased: a copy stalled at a partition's cut is released and handed
// over: one copy, of three steps.
func TestStalledCopyReleased(t *testing.T) {
	tr := handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(2, "", "stalled", sim.Int("msg", 1)),
		rec(5, "", "released", sim.Int("msg", 1)),
		rec(6, "n2", "handed", sim.Int("msg", 1)),
	)
	m := tr.msgOf[1]
	if len(m.copies) != 1 || !slices.Equal(m.copies[0].steps, []int{2, 3, 4}) {
		var got [][]int
		for _, c := range m.copies {
			got = append(got, c.steps)
		}
		t.Errorf("#1's copies %v, want one: [2 3 4]", got)
	}
}

// TestCastSteps: the records of a cast's steps are the cast's: a leader that takes it
// up and hangs on it; a send of a call in the same step names that call, and is not
// the cast's. The table of casts gives the first leader that took the cast up, when
// and after how long, and how many times it was taken up in all.
func TestCastSteps(t *testing.T) {
	tr := handTrace(
		rec(1, "n1", "cast", sim.String("event", "s1"), sim.String("target", "ens:e1")),
		sendRec(1, "n1", 1, "n2", "cast", "-", sim.Int("inst", 0)),
		sendRec(1, "n1", 2, "n3", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(2, "n2", "handed", sim.Int("msg", 1)),
		rec(2, "n2", "deliver", sim.String("peer", "e1/p1@n2")),
		rec(2, "n2", "cast-taken", sim.String("event", "s1"), sim.String("peer", "e1/p1@n2")),
		rec(2, "n2", "hang", sim.String("peer", "e1/p1@n2")),
		sendRec(2, "n2", 3, "n3", "cast", "-", sim.Int("inst", 1)),
		rec(4, "n3", "handed", sim.Int("msg", 3)),
		rec(4, "n3", "cast-taken", sim.String("event", "s1"), sim.String("peer", "e1/p2@n3")),
	)
	sel := mustSelect(t, tr, Filter{Cast: "s1"})
	if want := []int{0, 1, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(sel, want) {
		t.Errorf("cast s1 selects %v, want %v", sel, want)
	}
	text := textOf(t, tr, Filter{Cast: "s1"})
	want := "s1    n1      e1      1.000000ms  e1/p1@n2  2.000000ms  1ms   2      " +
		"cast n1->n2/r0 +0s, deliver e1/p1@n2 +1ms, taken e1/p1@n2 +1ms, hang +1ms, cast n2->n3/r1 +1ms, taken e1/p2@n3 +3ms\n"
	if !strings.Contains(text, want) {
		t.Errorf("the table of casts lacks %q:\n%s", want, text)
	}
}

// TestCallStartNotInTrace: records about a call whose start is not in the trace are
// kept but give it no life: the call is unknown to a filter, and has no row.
func TestCallStartNotInTrace(t *testing.T) {
	tr := handTrace(
		rec(1, "n1", "complete", sim.String("call", "n1.1.9"), sim.String("code", "ok")),
		callRec(2, "n1", "n1.1.1"),
		rec(3, "n1", "complete", sim.String("call", "n1.1.1"), sim.String("code", "ok")),
	)
	_, err := tr.Select(Filter{Call: "n1.1.9"})
	if want := "traceview: no such call: n1.1.9 (the trace starts 1 call)"; err == nil || err.Error() != want {
		t.Errorf("Select(n1.1.9) = %v, want %q", err, want)
	}
	if tr.call[0] != "n1.1.9" {
		t.Errorf("the completion is about call %q, want n1.1.9", tr.call[0])
	}
}

// TestCallPath: the path of a call in the table of calls names each message with its
// instance (r0 included) and each decision on its way, a reply with its code.
func TestCallPath(t *testing.T) {
	tr := handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(2, "n2", "handed", sim.Int("msg", 1)),
		rec(2, "n2", "deliver", sim.String("peer", "e1/p1@n2"), sim.String("call", "n1.1.1")),
		rec(3, "n2", "worker-timeout", sim.String("peer", "e1/p1@n2"), sim.String("call", "n1.1.1")),
		sendRec(3, "n2", 2, "n1", "reply", "n1.1.1", sim.String("code", "timeout")),
		rec(4, "n1", "handed", sim.Int("msg", 2)),
		rec(4, "n1", "complete", sim.String("call", "n1.1.1"), sim.String("code", "timeout")),
	)
	row := callRow(t, textOf(t, tr, Filter{}), "n1.1.1")
	want := "route n1->n2/r0 +0s, deliver e1/p1@n2 +1ms, worker-timeout +2ms, reply n2->n1 timeout +2ms"
	if len(row) != 9 || row[7] != want {
		t.Errorf("row %q\nwant the path %q", row, want)
	}
}

// TestTextHeadAndInstance: the heading says the window of a filter that bounds only
// its end; a queued or shed record shows its router instance in the inst column, not
// among its fields.
func TestTextHeadAndInstance(t *testing.T) {
	tr := handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 3)),
		sendRec(1, "n1", 2, "n2", "route", "n1.1.1", sim.Int("inst", 4)),
		rec(2, "n2", "queued", sim.Int("msg", 1), sim.Int("inst", 3)),
		rec(2, "n2", "shed", sim.Int("msg", 2), sim.Int("inst", 4), sim.String("reason", "full")),
	)
	text := textOf(t, tr, Filter{To: 5 * time.Millisecond})
	for _, want := range []string{
		"# 5 of 5 records: from 0s to 5ms\n",
		"2.000000ms  n2    r3    queued  #1\n",
		"2.000000ms  n2    r4    shed    #2 reason=full\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the text view lacks %q:\n%s", want, text)
		}
	}
}

// TestPageTooLargeOnceBuilt: data whose records' lines alone fit the bound, but not
// the diagram built of them, by a byte, is refused too, with the diagram's size,
// before a byte is written; a bound of its size takes it.
func TestPageTooLargeOnceBuilt(t *testing.T) {
	recs := []sim.Record{
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(2, "n2", "handed", sim.Int("msg", 1)),
		rec(3, "n1", "complete", sim.String("call", "n1.1.1"), sim.String("code", "ok")),
	}
	tr := handTrace(recs...)
	sel := mustSelect(t, tr, Filter{World: true})
	_, least := tr.drawnData(sel)
	data, err := json.Marshal(tr.diagramOf(sel, Filter{World: true}))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) <= least {
		t.Fatalf("the diagram's data (%d bytes) is no more than its records' lines (%d bytes)", len(data), least)
	}
	tr.maxData = len(data) - 1
	var b bytes.Buffer
	err = tr.Write(&b, HTML, Filter{})
	want := fmt.Sprintf("traceview: page too large: the diagram of 4 records is %d bytes of data, more than a page holds (%d bytes)", len(data), len(data)-1)
	if !errors.Is(err, ErrPageTooLarge) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("a bound a byte short of the diagram's data: err %v, want %q...", err, want)
	}
	if b.Len() != 0 {
		t.Errorf("a refused page wrote %d bytes", b.Len())
	}
	tr.maxData = len(data)
	if err := tr.Write(&b, HTML, Filter{}); err != nil {
		t.Errorf("a bound of the diagram's data: %v", err)
	}
}

// TestDiagramMessageWhole: a window that keeps a message's send draws the message
// whole, its hand-over after the window included; the call's row gives its start,
// its last record, its outcome and when it completed.
func TestDiagramMessageWhole(t *testing.T) {
	tr := handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("inst", 0)),
		rec(2, "n2", "handed", sim.Int("msg", 1)),
		rec(3, "n1", "complete", sim.String("call", "n1.1.1"), sim.String("code", "timeout")),
		rec(4, "n1", "learn", sim.String("ens", "e1"), sim.String("call", "n1.1.1")),
	)
	f := Filter{To: 1500 * time.Microsecond, World: true}
	d := tr.diagramOf(mustSelect(t, tr, f), f)
	if want := []int64{1e6, 1e6, 2e6}; !slices.Equal(d.Ev.T, want) {
		t.Errorf("the window to 1.5ms draws records at %v, want %v", d.Ev.T, want)
	}
	want := []any{"n1.1.1", 0, 0, int64(1e6), int64(4e6), "timeout", 0, int64(3e6)}
	if len(d.Calls) != 1 || fmt.Sprint(d.Calls[0]) != fmt.Sprint(want) {
		t.Errorf("calls %v, want [%v]", d.Calls, want)
	}
}

// TestDiagramSpanEndsInWindow: a window that keeps the end of a fault, not its start,
// draws the fault from its start.
func TestDiagramSpanEndsInWindow(t *testing.T) {
	tr := handTrace(
		rec(1, "", "partition", sim.String("a", "n1"), sim.String("b", "n2,n3")),
		rec(5, "", "heal"),
		rec(6, "n1", "learn", sim.String("ens", "e1")),
	)
	f := Filter{From: 4 * time.Millisecond}
	d := tr.diagramOf(mustSelect(t, tr, f), f)
	want := [][]any{{"partition", []int{0}, int64(1e6), int64(5e6), "partition n1 | n2,n3"}}
	if fmt.Sprint(d.Spans) != fmt.Sprint(want) {
		t.Errorf("spans %v, want %v", d.Spans, want)
	}
}

// TestPartCountsCasts: a Part counts the casts of the whole trace, which a view of
// the part names when asked for a cast the run does not make.
func TestPartCountsCasts(t *testing.T) {
	recs := []sim.Record{
		rec(1, "n1", "cast", sim.String("event", "s1"), sim.String("target", "ens:e1")),
		callRec(2, "n1", "n1.1.1"),
		rec(3, "n1", "cast", sim.String("event", "s2"), sim.String("target", "ens:e1")),
	}
	p := NewPart("n1.1.1", nil)
	for i := range recs {
		p.Add(&recs[i])
	}
	w := p.Whole()
	if w.Casts != 2 || w.Calls != 1 || w.Records != 3 {
		t.Errorf("Whole: %+v, want 2 casts, 1 call, 3 records", w)
	}
	tr := New(p.Records(), Meta{Whole: &w})
	_, err := tr.Select(Filter{Cast: "s3"})
	if want := "traceview: no such cast: s3 (the trace makes 2 casts)"; err == nil || err.Error() != want {
		t.Errorf("Select(s3) = %v, want %q", err, want)
	}
}

// TestTextQuotesWhatDoesNotPrint: the text view quotes a value holding a rune that
// does not print (an ensemble may be named with a newline or an escape), so that a
// record stays on its line and sends the terminal nothing; a plain value stays bare.
func TestTextQuotesWhatDoesNotPrint(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"e1", "ens=e1 "},
		{"e\n2", `ens="e\n2" `},
		{"e\x1b[31mRED", `ens="e\x1b[31mRED" `},
		{"e\u20282", `ens="e\u20282" `},
		{"a b", `ens="a b" `},
		{"é", "ens=é "},
	} {
		var b strings.Builder
		appendAttrs(&b, &sim.Record{Kind: "election", Attrs: []sim.Attr{sim.String("ens", tc.in)}}, nil)
		if b.String() != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, b.String(), tc.want)
		}
	}
}

// TestTextDurationsAndTitle: the text view prints every duration field as one
// (clock-set's offset and period among them, not bare nanoseconds), and a title of
// several lines as comment lines, each beginning "#".
func TestTextDurationsAndTitle(t *testing.T) {
	tr := handTrace(rec(0, "n1", "clock-set", sim.Int("offset", int64(3*time.Second)), sim.Int("drift_ppm", 0),
		sim.Int("periodic_ppm", 50000), sim.Int("period", int64(400*time.Millisecond)), sim.Int("local", int64(3*time.Second))))
	tr.title = "two\nlines"
	text := textOf(t, tr, Filter{})
	if !strings.Contains(text, "offset=3s drift_ppm=0 periodic_ppm=50000 period=400ms local=3s") {
		t.Errorf("clock-set's fields:\n%s", text)
	}
	if !strings.HasPrefix(text, "# two\n# lines\n") {
		t.Errorf("a title of two lines:\n%s", text)
	}
}
