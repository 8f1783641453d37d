package traceview

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
)

// TestCastChains checks, on every named scenario and a few swarm worlds, that each
// workload cast is followed from its cast record through its messages: the trace
// makes as many casts as the run reports, as many of them are taken up as it says
// were served, every message of no call that carries a request (cast, peer) is a
// cast's, and each cast-taken record, which names its cast, comes in the step of a
// record the model gave that same cast (the cast itself, or the hand-over of one of
// its messages).
func TestCastChains(t *testing.T) {
	runs := libraryRuns(t)
	if testing.Short() { // the short library has no scenario of casts
		for _, sem := range []router.Semantics{router.Default, router.Riak} {
			tr, res := analyse(t, "direct", sem)
			runs = append(runs, libraryRun{name: "direct/" + sem.String(), tr: tr, res: res})
		}
	}
	for seed := uint64(2); seed <= 9 && !testing.Short(); seed++ {
		for _, sem := range []router.Semantics{router.Default, router.Riak} {
			spec, _ := scenarios.ForSeed("swarm", seed)
			res, err := scenarios.Run(spec, scenarios.Options{Seed: seed, Semantics: sem, KeepTrace: true})
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, libraryRun{name: fmt.Sprintf("swarm-%d/%v", seed, sem), tr: New(res.Trace, Meta{}), res: res})
		}
	}
	withCasts := 0
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			checkCasts(t, run.tr, run.res)
		})
		if len(run.tr.casts) > 0 {
			withCasts++
		}
	}
	if withCasts < 2 {
		t.Fatalf("%d runs make casts; the test sees too few", withCasts)
	}
}

func checkCasts(t *testing.T, tr *Trace, res *scenarios.Result) {
	t.Helper()
	var total, served uint64
	if c := res.Report.Casts; c != nil {
		total, served = c.Total, c.Served
	}
	taken := uint64(0)
	for _, c := range tr.casts {
		if len(c.taken) > 0 {
			taken++
		}
	}
	if uint64(len(tr.casts)) != total || taken != served {
		t.Errorf("the trace makes %d casts, %d taken up; the run reports %d, %d served", len(tr.casts), taken, total, served)
	}
	// The page's message rows of casts. A run that makes no cast has none, and the
	// page of every record of such a run, made for nothing, was most of the test's
	// time (scale-tenth's two alone, 10s and 32s on a busy machine).
	if len(tr.casts) > 0 {
		d := tr.diagramOf(allRecords(tr), Filter{})
		for _, row := range d.Msgs {
			m := tr.msgOf[row[0].(int64)]
			c := tr.castBy[m.cast]
			if c == nil {
				continue
			}
			if want := tr.ens.of(c.target); want != "" && (row[7].(int) < 0 || d.Ensembles[row[7].(int)] != want) {
				t.Errorf("the page's message %d of cast %s to %s is about ensemble %v, not %s", m.id, c.name, c.target, row[7], want)
			}
		}
	}
	for _, m := range tr.msgs {
		if m.call == "" && (m.kind == "cast" || m.kind == "peer") && m.cast == "" {
			t.Errorf("message %d (%s %s->%s, sent at %v) carries no call and no cast", m.id, m.kind, m.from, m.to, tr.recs[m.send].At)
		}
		if m.cast != "" && m.call != "" {
			t.Errorf("message %d carries call %s and cast %s", m.id, m.call, m.cast)
		}
	}
	for i := range tr.recs {
		r := &tr.recs[i]
		if tr.cast[i] != "" && tr.call[i] != "" {
			t.Errorf("record %d (%s) is about call %s and cast %s", r.Seq, r.Kind, tr.call[i], tr.cast[i])
		}
		// A cast's records are about the ensemble it calls, for the page's ensemble
		// filter, its deliveries and its cast record alike.
		if c := tr.castBy[tr.cast[i]]; c != nil {
			if want := tr.ens.of(c.target); want != "" && tr.ensembleOfRecord(i) != want {
				t.Errorf("record %d (%s) of cast %s to %s is about ensemble %q", r.Seq, r.Kind, c.name, c.target, tr.ensembleOfRecord(i))
			}
		}
		if r.Kind != "cast-taken" {
			continue
		}
		j := i - 1
		for ; j >= 0 && tr.recs[j].At == r.At && tr.recs[j].Node == r.Node; j-- {
			if k := tr.recs[j].Kind; k == "handed" || k == "cast" {
				break
			}
		}
		if j < 0 || tr.recs[j].At != r.At || tr.recs[j].Node != r.Node {
			t.Errorf("cast-taken %d (%s): no cast or hand-over before it in its step", r.Seq, str(r, "event"))
			continue
		}
		if got, want := tr.cast[j], str(r, "event"); got != want {
			t.Errorf("cast-taken %d names cast %s; the %s record %d of its step is about cast %q", r.Seq, want, tr.recs[j].Kind, tr.recs[j].Seq, got)
		}
	}
}

// TestSelectCast: a cast filter keeps the cast's records and its messages': s14 of
// direct, seed 1, goes from client c1 through n5's router to the leader on n3.
func TestSelectCast(t *testing.T) {
	tr, _ := analyse(t, "direct", router.Default)
	sel, err := tr.Select(Filter{Cast: "s14"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, i := range sel {
		kinds = append(kinds, tr.recs[i].Kind)
		if tr.cast[i] != "s14" {
			t.Errorf("record %d (%s) is about cast %q, not s14", tr.recs[i].Seq, tr.recs[i].Kind, tr.cast[i])
		}
	}
	if got, want := strings.Join(kinds, ","), "cast,send,queued,handed,send,queued,handed,deliver,cast-taken"; got != want {
		t.Errorf("cast s14 keeps %s, want %s", got, want)
	}
	for i := range tr.recs {
		if tr.cast[i] == "s14" && !contains(sel, i) {
			t.Errorf("record %d (%s) of cast s14 not selected", tr.recs[i].Seq, tr.recs[i].Kind)
		}
	}
	// s2 is cast to a member, which forwards it to the leader: peer messages.
	sel, err = tr.Select(Filter{Cast: "s2"})
	if err != nil {
		t.Fatal(err)
	}
	kinds = kinds[:0]
	for _, i := range sel {
		kinds = append(kinds, tr.recs[i].Kind)
	}
	if got, want := strings.Join(kinds, ","), "cast,send,handed,deliver,forward,send,handed,deliver,cast-taken"; got != want {
		t.Errorf("cast s2 keeps %s, want %s", got, want)
	}
	// A call filter keeps none of a cast's records.
	for _, c := range tr.calls[:20] {
		sel, _ := tr.Select(Filter{Call: c.id})
		for _, i := range sel {
			if tr.cast[i] != "" {
				t.Errorf("call %s keeps record %d of cast %s", c.id, tr.recs[i].Seq, tr.cast[i])
			}
		}
	}
}

// TestWriteCast: each format writes a cast filter's records; the text view heads
// them with the cast and ends with its life, the page is titled with it and opens on
// it.
func TestWriteCast(t *testing.T) {
	tr, _ := analyse(t, "direct", router.Default)
	f := Filter{Cast: "s14"}
	var text, jsonl, page strings.Builder
	for _, w := range []struct {
		format Format
		b      *strings.Builder
	}{{Text, &text}, {JSONL, &jsonl}, {HTML, &page}} {
		if err := tr.Write(w.b, w.format, f); err != nil {
			t.Fatalf("%v: %v", w.format, err)
		}
	}
	for _, want := range []string{
		"# 9 of 30579 records: cast s14\n",
		"18.011857ms  c1    -     cast        event=s14 target=\"ens:e2 via n5\"\n",
		"\n# 1 cast\n",
		"s14   c1      e2 via n5  18.011857ms  e2/p2@n3  18.567153ms  555.296µs  1      cast c1->n5/r2 +0s, cast n5->n3/r5 +296.962µs, deliver e2/p2@n3 +555.296µs, taken e2/p2@n3 +555.296µs\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text view lacks %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "# 0 calls") {
		t.Errorf("the text view of a cast has a table of calls:\n%s", text.String())
	}
	if n := strings.Count(jsonl.String(), "\n"); n != 9 || !strings.Contains(jsonl.String(), `"kind":"cast-taken","event":"s14"`) {
		t.Errorf("jsonl view of s14: %d lines:\n%s", n, jsonl.String())
	}
	if !strings.Contains(page.String(), "<title>trace, cast s14 - ensroute trace</title>") {
		t.Errorf("the page is not titled with the cast")
	}
	d := tr.diagramOf(mustSelect(t, tr, Filter{Cast: "s14", World: true}), f)
	if d.Filter.Cast != "s14" || d.From > 18011857 || d.To < 18567153 || d.To-d.From > 2_000_000 {
		t.Errorf("page of s14: filter %+v, opens on %d..%d; want about 18.01ms..18.57ms", d.Filter, d.From, d.To)
	}
}

func mustSelect(t *testing.T, tr *Trace, f Filter) []int {
	t.Helper()
	sel, err := tr.Select(f)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// TestCastViolations: a view of one cast lists the violations about it, which name
// no call, and no other.
func TestCastViolations(t *testing.T) {
	tr, _ := analyse(t, "direct", router.Default)
	tr.viol = []Violation{
		{Invariant: "liveness", Detail: "cast s14 to e2, made at 18ms in the liveness phase, never reached a leader"},
		{Invariant: "liveness", Detail: "cast s140 to e2, made at 90ms in the liveness phase, never reached a leader"},
		{Invariant: "hop-bound", Detail: "n5 passed cast s1 on with hops=0: a transfer counts at least 1"},
		{Invariant: "liveness", Call: "n3.1.1", Detail: "call n3.1.1 ..."},
	}
	var b strings.Builder
	if err := tr.Write(&b, Text, Filter{Cast: "s14"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "# 1 violation:\n#   liveness: cast s14 to e2,") {
		head, _, _ := strings.Cut(b.String(), "\n\n")
		t.Errorf("the view of s14 does not list its one violation:\n%s", head)
	}
	d := tr.diagramOf(mustSelect(t, tr, Filter{Cast: "s1", World: true}), Filter{Cast: "s1"})
	if len(d.Violations) != 1 || d.Violations[0][0] != "hop-bound" {
		t.Errorf("the page of s1 lists %v, want its hop-bound violation", d.Violations)
	}
}

func TestSelectCastErrors(t *testing.T) {
	tr, _ := analyse(t, "direct", router.Default)
	tests := []struct {
		f    Filter
		err  error
		want string
	}{
		{f: Filter{Cast: "s99999"}, err: ErrUnknownCast, want: "traceview: no such cast: s99999 (the trace makes 991 casts)"},
		{f: Filter{Cast: "x3"}, err: ErrBadFilter, want: `traceview: bad filter: cast: "x3" is not a cast's name (s1, s2, ...: s and the cast's number)`},
		{f: Filter{Cast: "s0"}, err: ErrBadFilter, want: `traceview: bad filter: cast: "s0" is not a cast's name (s1, s2, ...: s and the cast's number)`},
		{f: Filter{Cast: "s03"}, err: ErrBadFilter, want: `traceview: bad filter: cast: "s03" is not a cast's name (s1, s2, ...: s and the cast's number)`},
		{f: Filter{Cast: "s3 "}, err: ErrBadFilter, want: `traceview: bad filter: cast: "s3 " is not a cast's name (s1, s2, ...: s and the cast's number)`},
		{f: Filter{Call: "n3.1.1", Cast: "s3"}, err: ErrBadFilter, want: "traceview: bad filter: call n3.1.1 and cast s3: a filter keeps one call or one cast"},
	}
	for _, tc := range tests {
		_, err := tr.Select(tc.f)
		if !errors.Is(err, tc.err) || err.Error() != tc.want {
			t.Errorf("Select(%+v) = %v, want %q (wrapping %v)", tc.f, err, tc.want, tc.err)
		}
		for _, format := range []Format{Text, JSONL, HTML} {
			if err := tr.Write(new(strings.Builder), format, tc.f); !errors.Is(err, tc.err) {
				t.Errorf("Write(%v, %+v) = %v, want %v", format, tc.f, err, tc.err)
			}
		}
	}
	// A trace without casts makes none.
	steady, _ := analyse(t, "steady", router.Default)
	if _, err := steady.Select(Filter{Cast: "s1"}); !errors.Is(err, ErrUnknownCast) || !strings.Contains(err.Error(), "(the trace makes 0 casts)") {
		t.Errorf("steady: Select(s1) = %v", err)
	}
}

// TestCastsNamed: the casts a violation's detail names are read whole ("cast s12" is
// s12, not s1), in order, and text that only looks like one ("cast s0", "cast sx",
// "broadcast s"...) names none.
func TestCastsNamed(t *testing.T) {
	for _, tc := range []struct {
		detail string
		want   []string
	}{
		{"cast s3 to e1, made at 2s in the liveness phase, never reached a leader", []string{"s3"}},
		{"cast s12 and cast s1 both", []string{"s12", "s1"}},
		{"cast s4x", []string{"s4"}},
		{"cast s0 and cast s01 and cast sx and cast s", nil},
		{"call c7 timed out", nil},
		{"cast s123456789012 is too long to be one, cast s9 is one", []string{"s9"}},
	} {
		got := CastsNamed(tc.detail)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("CastsNamed(%q) (-want +got):\n%s", tc.detail, diff)
		}
		for _, name := range got {
			if !namesCast(tc.detail, name) {
				t.Errorf("namesCast(%q, %q) = false", tc.detail, name)
			}
		}
	}
	if namesCast("cast s12", "s1") {
		t.Error(`namesCast("cast s12", "s1") = true`)
	}
}

// allRecords returns the index of every record of tr.
func allRecords(tr *Trace) []int {
	sel := make([]int, len(tr.recs))
	for i := range sel {
		sel[i] = i
	}
	return sel
}
