package traceview_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/traceview"
	"github.com/ensroute/ensroute/sim"
)

// TestPartViewsLikeTheWhole: a view of one call made from the records a Part keeps,
// and what it says of the whole trace, is byte for byte the view made from the whole
// trace, in every format, with and without a window of time, for calls spread over
// named scenarios with faults of every kind, casts, duplicates and late replies,
// under both semantics; and a call the run never makes is refused alike.
func TestPartViewsLikeTheWhole(t *testing.T) {
	names := []string{"slow-leader", "direct", "dup-reorder", "crash-restart", "partition-heal", "gc-pause",
		"leader-churn", "reply-hold", "hold-release", "clock-skew", "overload", "directory-regression", "asymmetric-partition"}
	per := 6
	if testing.Short() {
		names, per = names[:4], 3
	}
	kept, whole := 0, 0
	for _, name := range names {
		for _, sem := range []router.Semantics{router.Default, router.Riak} {
			spec, _ := scenarios.Named(name)
			res, err := scenarios.Run(spec, scenarios.Options{Seed: 1, Semantics: sem, KeepTrace: true})
			if err != nil {
				t.Fatal(err)
			}
			meta := traceview.Meta{Title: name, Nodes: append(append([]string(nil), spec.Nodes...), spec.Clients...)}
			full := traceview.New(res.Trace, meta)
			var calls []string
			for _, r := range res.Trace {
				if r.Kind == "call" {
					calls = append(calls, callOf(r))
				}
			}
			// Spread over the run, and the calls that met something rare: a late reply,
			// a redirect, a drop.
			pick := map[string]bool{}
			for i := 0; i < per && len(calls) > 0; i++ {
				pick[calls[i*len(calls)/per]] = true
			}
			for _, r := range res.Trace {
				if (r.Kind == "late" || r.Kind == "redirect" || r.Kind == "drop") && callOf(r) != "" && len(pick) < 3*per {
					pick[callOf(r)] = true
				}
			}
			for _, call := range sortedKeys(pick) {
				p := traceview.NewPart(call, nil)
				for i := range res.Trace {
					p.Add(&res.Trace[i])
				}
				kept, whole = kept+len(p.Records()), whole+len(res.Trace)
				pm := meta
				w := p.Whole()
				pm.Whole = &w
				part := traceview.New(p.Records(), pm)
				start := startOf(res.Trace, "call", callOf, call)
				for _, f := range []traceview.Filter{{Call: call}, {Call: call, From: start, To: start + 2*time.Millisecond}} {
					for _, format := range []traceview.Format{traceview.Text, traceview.JSONL, traceview.HTML} {
						var a, b bytes.Buffer
						errA, errB := full.Write(&a, format, f), part.Write(&b, format, f)
						if fmt.Sprint(errA) != fmt.Sprint(errB) {
							t.Fatalf("%s %s %+v %v: the whole trace's view: %v; the part's: %v", name, sem, f, format, errA, errB)
						}
						if a.String() != b.String() {
							t.Fatalf("%s %s %+v %v: the part's view differs from the whole's (-whole +part):\n%s", name, sem, f, format, cmp.Diff(a.String(), b.String()))
						}
					}
				}
			}
			p := traceview.NewPart("n9.9.9", nil)
			for i := range res.Trace {
				p.Add(&res.Trace[i])
			}
			w := p.Whole()
			pm := meta
			pm.Whole = &w
			_, errA := full.Select(traceview.Filter{Call: "n9.9.9"})
			_, errB := traceview.New(p.Records(), pm).Select(traceview.Filter{Call: "n9.9.9"})
			if errA == nil || fmt.Sprint(errA) != fmt.Sprint(errB) {
				t.Errorf("%s %s: an unknown call: %v from the whole, %v from a part", name, sem, errA, errB)
			}
		}
	}
	// As text, in a few busy runs, the calls whose records share a node and a
	// virtual time with another call's: the router instance of a record is inferred
	// from the records before it at its virtual time, which the part must keep.
	for _, name := range []string{"overload", "dup-reorder", "router-bottleneck"} {
		spec, _ := scenarios.Named(name)
		res, err := scenarios.Run(spec, scenarios.Options{Seed: 1, KeepTrace: true})
		if err != nil {
			t.Fatal(err)
		}
		meta := traceview.Meta{Title: name, Nodes: append(append([]string(nil), spec.Nodes...), spec.Clients...)}
		full := traceview.New(res.Trace, meta)
		type step struct {
			at   time.Duration
			node string
		}
		first := map[step]string{}
		busy := map[string]bool{}
		for _, r := range res.Trace {
			c := callOf(r)
			if c == "" {
				continue
			}
			k := step{r.At, r.Node}
			if o, ok := first[k]; !ok {
				first[k] = c
			} else if o != c && len(busy) < 60 {
				busy[o], busy[c] = true, true
			}
		}
		if len(busy) < 10 {
			t.Fatalf("%s: %d calls share a step with another; the case wants more", name, len(busy))
		}
		calls := sortedKeys(busy)
		parts := map[string]*traceview.Part{}
		for _, c := range calls {
			parts[c] = traceview.NewPart(c, nil)
		}
		for i := range res.Trace {
			for _, c := range calls {
				parts[c].Add(&res.Trace[i])
			}
		}
		for _, c := range calls {
			pm := meta
			w := parts[c].Whole()
			pm.Whole = &w
			var a, b bytes.Buffer
			if err := full.Write(&a, traceview.Text, traceview.Filter{Call: c}); err != nil {
				t.Fatal(err)
			}
			if err := traceview.New(parts[c].Records(), pm).Write(&b, traceview.Text, traceview.Filter{Call: c}); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Fatalf("%s, call %s: the part's view differs from the whole's (-whole +part):\n%s", name, c, cmp.Diff(a.String(), b.String()))
			}
		}
	}
	t.Logf("a part kept %d of %d records", kept, whole)
	if kept*10 > whole {
		t.Errorf("a part kept %d of %d records: more than a tenth", kept, whole)
	}
}

func callOf(r sim.Record) string {
	for _, a := range r.Attrs {
		if a.Key == "call" && !a.IsInt && a.Str != "-" {
			return a.Str
		}
	}
	return ""
}

// startOf returns the virtual time of the first record of kind that of says is
// name's (a call's call record, a cast's cast record).
func startOf(recs []sim.Record, kind string, of func(sim.Record) string, name string) time.Duration {
	for _, r := range recs {
		if r.Kind == kind && of(r) == name {
			return r.At
		}
	}
	return 0
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestPartKeepsWhatInferenceReads: made by hand, a trace where what a view infers of a
// call's record depends on another call's record just before it at the same virtual
// time (a queued record ends the router instance's step, so the call's send after
// it is no instance's), and where an ensemble is named only by a record of no call
// (the page lists it): the part's views are the whole's.
func TestPartKeepsWhatInferenceReads(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	recs := []sim.Record{
		{At: ms(1), Node: "n1", Kind: "call", Attrs: []sim.Attr{sim.String("call", "n1.1.1"), sim.String("target", "ens:e1")}},
		{At: ms(1), Node: "n1", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 1), sim.String("to", "n2"), sim.String("msg_kind", "route"), sim.String("call", "n1.1.1"), sim.Int("inst", 2)}},
		{At: ms(5), Node: "n2", Kind: "handed", Attrs: []sim.Attr{sim.Int("msg", 1)}},
		{At: ms(5), Node: "n2", Kind: "queued", Attrs: []sim.Attr{sim.Int("msg", 7), sim.Int("inst", 3)}},
		{At: ms(5), Node: "n2", Kind: "send", Attrs: []sim.Attr{sim.Int("msg", 9), sim.String("to", "n1"), sim.String("msg_kind", "reply"), sim.String("call", "n1.1.1")}},
		{At: ms(6), Node: "n3", Kind: "learn", Attrs: []sim.Attr{sim.String("ens", "e7"), sim.Int("version", 2)}},
	}
	for i := range recs {
		recs[i].Seq = uint64(i)
	}
	meta := traceview.Meta{Title: "by hand", Nodes: []string{"n1", "n2", "n3"}}
	p := traceview.NewPart("n1.1.1", nil)
	for i := range recs {
		p.Add(&recs[i])
	}
	w := p.Whole()
	if want := (traceview.Whole{Records: 6, End: ms(6), Ensembles: []string{"e1", "e7"}, Calls: 1}); !cmp.Equal(w, want) {
		t.Errorf("Whole: %+v, want %+v", w, want)
	}
	pm := meta
	pm.Whole = &w
	full, part := traceview.New(recs, meta), traceview.New(p.Records(), pm)
	for _, format := range []traceview.Format{traceview.Text, traceview.HTML} {
		var a, b bytes.Buffer
		if err := full.Write(&a, format, traceview.Filter{Call: "n1.1.1"}); err != nil {
			t.Fatal(err)
		}
		if err := part.Write(&b, format, traceview.Filter{Call: "n1.1.1"}); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Errorf("%v: the part's view differs from the whole's (-whole +part):\n%s", format, cmp.Diff(a.String(), b.String()))
		}
	}
}
