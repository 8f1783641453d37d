package traceview

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// faultsSpec is testdata/faults.json: one of each fault.
func faultsSpec(t *testing.T) scenarios.Spec {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "faults.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spec, err := scenarios.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// faultsTrace is the run of faultsSpec.
func faultsTrace(t *testing.T) *Trace {
	t.Helper()
	return traceOf(t, faultsSpec(t))
}

// traceOf is the run of spec, seed 1, default semantics.
func traceOf(t *testing.T, spec scenarios.Spec) *Trace {
	t.Helper()
	res, err := scenarios.Run(spec, scenarios.Options{Seed: 1, Semantics: router.Default, KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	return New(res.Trace, Meta{Title: spec.Name, Nodes: append(spec.Nodes, spec.Clients...)})
}

// TestDiagramHoldSpans: a hold's span lasts until the release that frees the last of
// its links, whether releases free them a few at a time or more than it holds; a
// hold never released lasts to the end of the run.
func TestDiagramHoldSpans(t *testing.T) {
	spec := faultsSpec(t)
	ms := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Millisecond) }
	nodes := func(n ...string) []string { return n }
	spec.Faults = []scenarios.Fault{
		{At: ms(20), Action: "hold", A: nodes("n1"), B: nodes("c1", "n3")},
		{At: ms(25), Action: "release", A: nodes("n1"), B: nodes("c1")},
		{At: ms(32), Action: "release", A: nodes("n1"), B: nodes("n3")},
		{At: ms(40), Action: "hold", A: nodes("n2"), B: nodes("n3")},
		{At: ms(45), Action: "release", A: nodes("n1", "n2"), B: nodes("n2", "n3")},
	}
	tr := traceOf(t, spec)
	sel, _ := tr.Select(Filter{})
	var got [][]any
	for _, sp := range tr.diagramOf(sel, Filter{}).Spans {
		if sp[0] == "hold" {
			got = append(got, sp)
		}
	}
	want := [][]any{
		{"hold", []int{tr.lane["n1"]}, int64(ms(20)), int64(ms(32)), "hold n1 -> c1,n3"},
		{"hold", []int{tr.lane["n2"]}, int64(ms(40)), int64(ms(45)), "hold n2 -> n3"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hold spans (-want +got):\n%s", diff)
	}
}

func TestDiagramSpansAndMarks(t *testing.T) {
	tr := faultsTrace(t)
	sel, _ := tr.Select(Filter{})
	d := tr.diagramOf(sel, Filter{})
	ms := func(n float64) int64 { return int64(n * float64(time.Millisecond)) }
	lane := func(n string) int { return tr.lane[n] }
	want := [][]any{
		{"hold", []int{lane("n1")}, ms(20), ms(32), "hold n1 -> c1,n3"},
		{"pause", []int{lane("n3")}, ms(36), ms(44), "pause n3"},
		{"partition", []int{lane("n1")}, ms(50), ms(62), "partition n1 | c1,n2,n3"},
		{"crash", []int{lane("n3")}, ms(70), ms(72), "crash n3"},
	}
	if diff := cmp.Diff(want, d.Spans); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	count := map[int]int{}
	for _, m := range d.Ev.Mark {
		count[m]++
	}
	for _, c := range []struct {
		name string
		mark int
		want int
	}{
		{"late replies", markLate, 2},
		{"duplicates", markDup, 2},
		{"held or parked", markHeld, 2},
		{"released", markReleased, 1},
		{"timeouts", markTimeout, 1},
		{"leaders elected", markLeader, 1},
		// n1, cut off from 50ms to 62ms, hears of e1's new leader only at the first
		// anti-entropy round after the heal (80ms): four of its calls meanwhile get
		// not-leader from its own peer, which has not heard either.
		{"errors (not-leader)", markError, 4},
		{"drops (losses, unreachable sends)", markDrop, 4},
	} {
		if count[c.mark] != c.want {
			t.Errorf("%d marks for %s, want %d", count[c.mark], c.name, c.want)
		}
	}
	lateArrows := 0
	for _, m := range d.Msgs {
		if m[10] == 1 {
			lateArrows++
		}
	}
	if lateArrows != 2 {
		t.Errorf("%d late replies drawn, want 2", lateArrows)
	}
}

// TestLateCopiesOnly: of a reply the network duplicated, only a copy dropped as late
// is drawn as a late reply; a copy that completed the call is a reply like any other.
// There are as many late copies drawn as late records with a hand-over before them;
// dup-reorder, seed 1, has some sixty replies with one copy of each kind.
func TestLateCopiesOnly(t *testing.T) {
	tr, _ := analyse(t, "dup-reorder", router.Default)
	d := tr.diagramOf(mustSelect(t, tr, Filter{World: true}), Filter{})
	mixed, lateCopies := 0, 0
	for _, row := range d.Msgs {
		copies := row[8].([][]int64)
		n := 0
		for _, c := range copies {
			if c[4] == 1 {
				n++
			}
		}
		lateCopies += n
		if (row[10] == 1) != (n > 0) {
			t.Errorf("message %v: late %v, but %d of its copies drawn late", row[0], row[10], n)
		}
		if n > 0 && n < len(copies) {
			mixed++
		}
	}
	handedLate := 0
	for i := range tr.recs {
		if m, _ := tr.lateHandOver(i); tr.recs[i].Kind == "late" && m != nil {
			handedLate++
		}
	}
	if lateCopies != handedLate || mixed < 20 {
		t.Errorf("%d copies drawn late for %d late records after a hand-over; %d replies with a late copy and another: want the first two equal, and some dozens", lateCopies, handedLate, mixed)
	}
}

// TestHTMLSelfContained: the page fetches nothing, and its data is JSON that
// decodes to what was drawn from.
func TestHTMLSelfContained(t *testing.T) {
	tr := faultsTrace(t)
	var b bytes.Buffer
	if err := tr.Write(&b, HTML, Filter{}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, re := range []string{`(?i)<link\b`, `(?i)\bsrc\s*=`, `(?i)https?://`, `(?i)@import`, `(?i)\bfetch\(`, `(?i)XMLHttpRequest`, `(?i)url\(`} {
		if loc := regexp.MustCompile(re).FindStringIndex(page); loc != nil {
			t.Errorf("the page may fetch something: %q at %d: %q", re, loc[0], page[max(0, loc[0]-40):min(len(page), loc[1]+40)])
		}
	}
	const open, close = `<script type="application/json" id="ensroute-data">`, `</script>`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatal("no data element")
	}
	j := strings.Index(page[i:], close)
	var d diagram
	if err := json.Unmarshal([]byte(page[i+len(open):i+j]), &d); err != nil {
		t.Fatalf("the data is not JSON: %v", err)
	}
	if len(d.Rec) != tr.Len() || len(d.Ev.T) != tr.Len() || len(d.Lanes) != 4 {
		t.Errorf("data: %d records, %d events, lanes %v; want %d, %d, 4 lanes", len(d.Rec), len(d.Ev.T), d.Lanes, tr.Len(), tr.Len())
	}
	for k, r := range d.Rec {
		var fields map[string]any
		if err := json.Unmarshal([]byte(r), &fields); err != nil {
			t.Fatalf("record %d is not JSON: %v", k, err)
		}
	}
}

// TestDiagramCasts: the page's data names the cast each record is about, as the
// records' index in its list of casts, and lists each cast with its caster, target
// ensemble, span and the violations that name it; a run without casts leaves the
// column out. The page used to know no cast, and could not choose one.
func TestDiagramCasts(t *testing.T) {
	tr, _ := analyse(t, "direct", router.Default)
	tr.viol = []Violation{
		{Invariant: "liveness", Call: "n3.1.1", Detail: "call n3.1.1 ..."},
		{Invariant: "liveness", Detail: "cast s14 to e2, made at 18ms in the liveness phase, never reached a leader"},
		{Invariant: "hop-bound", Detail: "n5 passed cast s14 on with hops=0: a transfer counts at least 1"},
	}
	d := tr.diagramOf(mustSelect(t, tr, Filter{}), Filter{})
	if len(d.Casts) != len(tr.casts) || len(d.Ev.Cast) != tr.Len() {
		t.Fatalf("%d casts listed, a cast column of %d; want %d, %d", len(d.Casts), len(d.Ev.Cast), len(tr.casts), tr.Len())
	}
	for i, ci := range d.Ev.Cast {
		name := ""
		if ci >= 0 {
			name = d.Casts[ci][0].(string)
		}
		if name != tr.cast[i] {
			t.Fatalf("record %d (%s) is about cast %q in the data, %q in the trace", tr.recs[i].Seq, tr.recs[i].Kind, name, tr.cast[i])
		}
	}
	ms := func(n float64) int64 { return int64(n * float64(time.Millisecond)) }
	ens := indexOf(d.Ensembles)["e2"]
	s14 := slices.IndexFunc(d.Casts, func(c []any) bool { return c[0] == "s14" })
	want := []any{"s14", tr.lane["c1"], ens, ms(18.011857), ms(18.567153), []int{1, 2}}
	if s14 < 0 || !cmp.Equal(want, d.Casts[s14]) {
		t.Errorf("cast s14 is listed as %v, want %v", d.Casts[max(s14, 0)], want)
	}
	// A page of one cast lists that cast alone.
	f := Filter{Cast: "s2", World: true}
	one := tr.diagramOf(mustSelect(t, tr, f), f)
	if len(one.Casts) != 1 || one.Casts[0][0] != "s2" || slices.ContainsFunc(one.Ev.Cast, func(c int) bool { return c > 0 }) {
		t.Errorf("the page of s2 lists casts %v", one.Casts)
	}
	// A run without casts has no column of them.
	faults := faultsTrace(t)
	data, err := json.Marshal(faults.diagramOf(mustSelect(t, faults, Filter{}), Filter{}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"casts":[]`) || strings.Contains(string(data), `"cast":[`) {
		t.Errorf("a run without casts: the data lists casts or has a column of them")
	}
}
