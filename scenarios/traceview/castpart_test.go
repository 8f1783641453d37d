package traceview_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/traceview"
	"github.com/ensroute/ensroute/sim"
)

// rareInCast are the kinds of record that make a cast worth a look: it met a fault,
// a duplicate, a loss, a forward or a leader that hung or gave up on it.
var rareInCast = map[string]bool{
	"drop": true, "lost": true, "dup": true, "held": true, "stalled": true, "parked": true, "released": true,
	"orphan": true, "shed": true, "unreachable": true, "rule": true, "forward": true, "hang": true, "abandon": true,
}

// TestCastPartViewsLikeTheWhole: a view of one workload cast made from the records a
// cast's Part keeps, and what it says of the whole trace, is byte for byte the view
// made from the whole trace, in every format, with and without a window of time, for
// casts spread over direct and over named scenarios with faults of every kind made to
// cast a fifth of their calls, and a run whose every cast is taken up twice, under
// both semantics: the casts spread over each run, those that met something rare (a
// loss, a hold, a duplicate, a forward, no leader or two), and those whose records
// share a node and a virtual time with another cast's or call's, from which the
// view infers the cast of a step. A cast the run never makes is refused alike.
func TestCastPartViewsLikeTheWhole(t *testing.T) {
	type run struct {
		name string
		spec scenarios.Spec
		bugs bugs.Set
	}
	names := []string{"direct", "slow-leader", "dup-reorder", "crash-restart", "partition-heal", "gc-pause",
		"leader-churn", "reply-hold", "hold-release", "clock-skew", "overload", "directory-regression", "asymmetric-partition"}
	per := 5
	if testing.Short() {
		names, per = []string{"direct", "dup-reorder", "hold-release", "partition-heal"}, 3
	}
	var runs []run
	for _, name := range names {
		spec, ok := scenarios.Named(name)
		if !ok {
			t.Fatalf("no scenario %q", name)
		}
		if spec.Workload.CastShare == 0 {
			spec.Workload.CastShare = 0.2
		}
		runs = append(runs, run{name: name, spec: spec})
	}
	direct, _ := scenarios.Named("direct")
	runs = append(runs, run{name: "direct+cast-twice", spec: direct, bugs: bugs.Of(bugs.CastTwice)})

	kept, whole, views, withViolations := 0, 0, 0, 0
	seen := map[string]int{} // the rare kinds met among the casts compared
	for _, rn := range runs {
		for _, sem := range []router.Semantics{router.Default, router.Riak} {
			res, err := scenarios.Run(rn.spec, scenarios.Options{Seed: 1, Semantics: sem, KeepTrace: true, AllViolations: true, Bugs: rn.bugs})
			if err != nil {
				t.Fatal(err)
			}
			var viol []traceview.Violation
			for _, v := range res.Report.Violations {
				viol = append(viol, traceview.Violation{Invariant: v.Invariant, Call: v.Call, Detail: v.Detail})
			}
			var ens []string // as ensim trace gives them, under one semantics; none under the other
			if sem == router.Default {
				for _, e := range rn.spec.Ensembles {
					ens = append(ens, e.Name)
				}
			}
			meta := traceview.Meta{Title: rn.name, Nodes: append(append([]string(nil), rn.spec.Nodes...), rn.spec.Clients...),
				Violations: viol, Ensembles: ens}
			full := traceview.New(res.Trace, meta)
			pick := pickCasts(t, full, res.Trace, per)
			if len(pick) < per {
				t.Fatalf("%s %s: %d casts picked, want %d at least", rn.name, sem, len(pick), per)
			}
			for _, c := range pick {
				sel, _ := full.Select(traceview.Filter{Cast: c})
				for _, i := range sel {
					if rareInCast[res.Trace[i].Kind] {
						seen[res.Trace[i].Kind]++
					}
				}
			}
			// One pass feeds every part, as the run would each one.
			parts := make([]*traceview.Part, len(pick))
			for k, c := range pick {
				parts[k] = traceview.NewCastPart(c, ens)
			}
			unknown := traceview.NewCastPart("s99999", ens)
			for i := range res.Trace {
				for _, p := range parts {
					p.Add(&res.Trace[i])
				}
				unknown.Add(&res.Trace[i])
			}
			for k, c := range pick {
				p := parts[k]
				kept, whole = kept+len(p.Records()), whole+len(res.Trace)
				part := partView(p, meta)
				start := startOf(res.Trace, "cast", castOf, c)
				for _, f := range []traceview.Filter{{Cast: c}, {Cast: c, From: start, To: start + 2*time.Millisecond}, {Cast: c, From: start + 100*time.Microsecond}} {
					for _, format := range []traceview.Format{traceview.Text, traceview.JSONL, traceview.HTML} {
						out, _ := sameView(t, fmt.Sprintf("%s %s %+v %v", rn.name, sem, f, format), full, part, format, f)
						views++
						if format == traceview.Text && strings.Contains(out, " violation") {
							withViolations++
						}
					}
				}
			}
			if _, err := sameView(t, fmt.Sprintf("%s %s: an unknown cast", rn.name, sem), full, partView(unknown, meta), traceview.Text, traceview.Filter{Cast: "s99999"}); !errors.Is(err, traceview.ErrUnknownCast) {
				t.Errorf("%s %s: cast s99999: %v, want an unknown cast", rn.name, sem, err)
			}
		}
	}
	// A run that makes no cast refuses a cast alike.
	spec, _ := scenarios.Named("steady")
	res, err := scenarios.Run(spec, scenarios.Options{Seed: 1, KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	meta := traceview.Meta{Title: "steady", Nodes: append(append([]string(nil), spec.Nodes...), spec.Clients...)}
	p := traceview.NewCastPart("s1", nil)
	for i := range res.Trace {
		p.Add(&res.Trace[i])
	}
	if _, err := sameView(t, "steady: no cast", traceview.New(res.Trace, meta), partView(p, meta), traceview.JSONL, traceview.Filter{Cast: "s1"}); !errors.Is(err, traceview.ErrUnknownCast) {
		t.Errorf("steady: cast s1: %v, want an unknown cast", err)
	}

	t.Logf("%d views alike, %d of them text that lists violations; a part kept %d of %d records; rare records among the casts: %v", views, withViolations, kept, whole, seen)
	if kept*10 > whole {
		t.Errorf("a part kept %d of %d records: more than a tenth", kept, whole)
	}
	if withViolations == 0 {
		t.Error("no text view compared lists a violation about its cast; the test wants some")
	}
	for _, k := range []string{"dup", "lost", "forward", "held", "released"} {
		if seen[k] == 0 && !testing.Short() {
			t.Errorf("no cast compared has a %s record; the test wants one", k)
		}
	}
}

// partView returns the view of p's records, told of the whole trace.
func partView(p *traceview.Part, meta traceview.Meta) *traceview.Trace {
	w := p.Whole()
	meta.Whole = &w
	return traceview.New(p.Records(), meta)
}

// sameView fails the test unless the whole trace's view and the part's, in format
// with filter f, are the same bytes or the same error, which it returns.
func sameView(t *testing.T, what string, full, part *traceview.Trace, format traceview.Format, f traceview.Filter) (string, error) {
	t.Helper()
	var a, b bytes.Buffer
	errA, errB := full.Write(&a, format, f), part.Write(&b, format, f)
	if fmt.Sprint(errA) != fmt.Sprint(errB) {
		t.Fatalf("%s: the whole trace's view: %v; the part's: %v", what, errA, errB)
	}
	if a.String() != b.String() {
		t.Fatalf("%s: the part's view differs from the whole's (-whole +part):\n%s", what, cmp.Diff(a.String(), b.String()))
	}
	return a.String(), errA
}

// pickCasts returns, sorted, per casts spread over the run, and up to 2*per more:
// those that met something rare, and those whose records share a node and a
// virtual time with another cast's or a call's.
func pickCasts(t *testing.T, full *traceview.Trace, recs []sim.Record, per int) []string {
	t.Helper()
	var casts []string
	for i := range recs {
		if recs[i].Kind == "cast" {
			casts = append(casts, castOf(recs[i]))
		}
	}
	pick := map[string]bool{}
	for i := 0; i < per && len(casts) > 0; i++ {
		pick[casts[i*len(casts)/per]] = true
	}
	type step struct {
		at   time.Duration
		node string
	}
	// The calls' steps, and the cast whose records first meet each step.
	owner := map[step]string{}
	for i := range recs {
		if c := callOf(recs[i]); c != "" {
			owner[step{recs[i].At, recs[i].Node}] = c
		}
	}
	rare, busy := 0, 0
	for _, c := range casts {
		sel, err := full.Select(traceview.Filter{Cast: c})
		if err != nil {
			t.Fatal(err)
		}
		taken, isRare, isBusy := 0, false, false
		for _, i := range sel {
			r := recs[i]
			if r.Kind == "cast-taken" {
				taken++
			}
			isRare = isRare || rareInCast[r.Kind]
			k := step{r.At, r.Node}
			if o, ok := owner[k]; !ok {
				owner[k] = c
			} else if o != c {
				isBusy = true
			}
		}
		isRare = isRare || taken != 1
		switch {
		case isRare && rare < per:
			pick[c], rare = true, rare+1
		case isBusy && busy < per:
			pick[c], busy = true, busy+1
		}
	}
	return sortedKeys(pick)
}

// castOf returns the cast a cast or cast-taken record names.
func castOf(r sim.Record) string {
	for _, a := range r.Attrs {
		if a.Key == "event" && !a.IsInt {
			return a.Str
		}
	}
	return ""
}

// TestCastPartKeepsWhatInferenceReads: made by hand, a trace where a cast's step
// sends a reply (a message that does not carry the cast, whose hand-over later the
// page draws all the same) and goes on past a record of the network (no node) about
// it, and where the router instance of a record about the cast's message depends
// on another message's record just before it at the same virtual time (a queued
// record ends the instance's step): the part's views are the whole's.
func TestCastPartKeepsWhatInferenceReads(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	none := sim.String("call", "-")
	recs := []sim.Record{
		{At: ms(1), Node: "c1", Kind: "cast", Attrs: []sim.Attr{sim.String("event", "s1"), sim.String("target", "ens:e1")}},
		{At: ms(1), Node: "c1", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 1), sim.String("to", "n2"), sim.String("msg_kind", "cast"), none, sim.Int("inst", 2)}},
		{At: ms(1), Node: "", Kind: "lost", Attrs: []sim.Attr{sim.Int("msg", 1), sim.String("reason", "loss")}},
		{At: ms(1), Node: "c1", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 3), sim.String("to", "n3"), sim.String("msg_kind", "reply"), none, sim.String("code", "ok")}},
		{At: ms(1), Node: "", Kind: "dup", Attrs: []sim.Attr{sim.Int("msg", 3)}},
		{At: ms(1), Node: "c1", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 2), sim.String("to", "n2"), sim.String("msg_kind", "cast"), none, sim.Int("inst", 2)}},
		{At: ms(1), Node: "c1", Kind: "call", Attrs: []sim.Attr{sim.String("call", "c1.1.1"), sim.String("target", "ens:e2")}},
		{At: ms(1), Node: "c1", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 4), sim.String("to", "n3"), sim.String("msg_kind", "route"), sim.String("call", "c1.1.1"), sim.Int("inst", 1)}},
		{At: ms(4), Node: "n2", Kind: "handed", Attrs: []sim.Attr{sim.Int("msg", 2)}},
		{At: ms(4), Node: "n2", Kind: "deliver", Attrs: []sim.Attr{sim.String("peer", "e1/p1@n2")}},
		{At: ms(4), Node: "n2", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 5), sim.String("to", "n4"), sim.String("msg_kind", "cast"), none, sim.Int("inst", 1)}},
		{At: ms(4), Node: "n2", Kind: "queued", Attrs: []sim.Attr{sim.Int("msg", 4), sim.Int("inst", 3)}},
		{At: ms(4), Node: "n2", Kind: "rule", Attrs: []sim.Attr{sim.Int("msg", 5), sim.String("rule", "r")}},
		{At: ms(5), Node: "n3", Kind: "handed", Attrs: []sim.Attr{sim.Int("msg", 3)}},
		{At: ms(5), Node: "n3", Kind: "deliver", Attrs: []sim.Attr{sim.String("peer", "e2/p1@n3")}},
		{At: ms(6), Node: "n4", Kind: "handed", Attrs: []sim.Attr{sim.Int("msg", 5)}},
		{At: ms(6), Node: "n4", Kind: "cast-taken", Attrs: []sim.Attr{sim.String("event", "s1"), sim.String("peer", "e1/p2@n4")}},
		{At: ms(7), Node: "n4", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 6), sim.String("to", "n1"), sim.String("msg_kind", "gossip"), none}},
	}
	for i := range recs {
		recs[i].Seq = uint64(i)
	}
	meta := traceview.Meta{Title: "by hand", Nodes: []string{"c1", "n1", "n2", "n3", "n4"}}
	p := traceview.NewCastPart("s1", nil)
	for i := range recs {
		p.Add(&recs[i])
	}
	w := p.Whole()
	if want := (traceview.Whole{Records: len(recs), End: ms(7), Ensembles: []string{"e1", "e2"}, Calls: 1, Casts: 1}); !cmp.Equal(w, want) {
		t.Errorf("Whole: %+v, want %+v", w, want)
	}
	if n := len(p.Records()); n >= len(recs)-2 {
		t.Errorf("the part keeps %d of %d records", n, len(recs))
	}
	full, part := traceview.New(recs, meta), partView(p, meta)
	var a bytes.Buffer
	if err := full.Write(&a, traceview.Text, traceview.Filter{Cast: "s1"}); err != nil {
		t.Fatal(err)
	}
	// The case wants the step to go on past the loss, and the instance step to end at
	// the queued record.
	for _, want := range []string{"\n1.000000ms  c1    -     send        #2 cast ->n2/r2\n", "\n4.000000ms  n2    -     rule        #5 rule=r\n"} {
		if !bytes.Contains(a.Bytes(), []byte(want)) {
			t.Errorf("the whole's view has no line %q:\n%s", want, a.String())
		}
	}
	for _, f := range []traceview.Filter{{Cast: "s1"}, {Cast: "s1", From: ms(4)}} {
		for _, format := range []traceview.Format{traceview.Text, traceview.JSONL, traceview.HTML} {
			if _, err := sameView(t, fmt.Sprintf("%+v %v", f, format), full, part, format, f); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestCastStepPassesAnotherCastsMessage: made by hand, a cast's step in which a
// message of another cast, sent earlier, is queued and judged by a rule at the same
// node and virtual time: the whole trace gives those records to the other cast and
// goes on with the step, so the step's send after them is the cast's. The part
// keeps the send and not the other cast's records but as context, and its views
// are the whole's.
func TestCastStepPassesAnotherCastsMessage(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	none := sim.String("call", "-")
	recs := []sim.Record{
		{At: ms(1), Node: "c1", Kind: "cast", Attrs: []sim.Attr{sim.String("event", "s1"), sim.String("target", "ens:e1")}},
		{At: ms(1), Node: "c1", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 1), sim.String("to", "n2"), sim.String("msg_kind", "cast"), none, sim.Int("inst", 0)}},
		{At: ms(4), Node: "n2", Kind: "cast", Attrs: []sim.Attr{sim.String("event", "s2"), sim.String("target", "ens:e2")}},
		{At: ms(4), Node: "n2", Kind: "queued", Attrs: []sim.Attr{sim.Int("msg", 1), sim.Int("inst", 0)}},
		{At: ms(4), Node: "n2", Kind: "rule", Attrs: []sim.Attr{sim.Int("msg", 1), sim.String("rule", "r1")}},
		{At: ms(4), Node: "n2", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 2), sim.String("to", "n3"), sim.String("msg_kind", "cast"), none, sim.Int("inst", 1)}},
		{At: ms(4), Node: "n2", Kind: "rule", Attrs: []sim.Attr{sim.Int("msg", 2), sim.String("rule", "r2")}},
		{At: ms(6), Node: "n3", Kind: "handed", Attrs: []sim.Attr{sim.Int("msg", 2)}},
		{At: ms(6), Node: "n3", Kind: "cast-taken", Attrs: []sim.Attr{sim.String("event", "s2"), sim.String("peer", "e2/p1@n3")}},
	}
	for i := range recs {
		recs[i].Seq = uint64(i)
	}
	meta := traceview.Meta{Title: "by hand", Nodes: []string{"c1", "n2", "n3"}}
	p := traceview.NewCastPart("s2", nil)
	for i := range recs {
		p.Add(&recs[i])
	}
	full, part := traceview.New(recs, meta), partView(p, meta)
	var a bytes.Buffer
	if err := full.Write(&a, traceview.Text, traceview.Filter{Cast: "s2"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"send        #2 cast ->n3/r1", "rule        #2 rule=r2", "cast-taken"} {
		if !bytes.Contains(a.Bytes(), []byte(want)) {
			t.Errorf("the whole's view of s2 has no %q:\n%s", want, a.String())
		}
	}
	if bytes.Contains(a.Bytes(), []byte("rule=r1")) {
		t.Errorf("the whole's view of s2 has s1's rule record:\n%s", a.String())
	}
	for _, f := range []traceview.Filter{{Cast: "s2"}, {Cast: "s2", From: ms(4)}} {
		for _, format := range []traceview.Format{traceview.Text, traceview.JSONL, traceview.HTML} {
			if _, err := sameView(t, fmt.Sprintf("%+v %v", f, format), full, part, format, f); err != nil {
				t.Fatal(err)
			}
		}
	}
}
