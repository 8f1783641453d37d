package traceview

import (
	"slices"
	"testing"
	"time"

	"github.com/ensroute/ensroute/sim"
)

// TestSelectIndexedIsTheScan: Select of one call (with every attempt of its
// request) or one cast walks the records their lives index, and picks what a walk
// of the whole trace picks, in every library run, for casts and calls spread over
// the run and later attempts of retried requests, with and without a window, and in a part of a trace that holds a record of a call before its call
// record, which its life does not index. Select used to walk the whole trace for
// each: a test that selects each cast of a run in turn spent seconds on it.
func TestSelectIndexedIsTheScan(t *testing.T) {
	compared := 0
	check := func(name string, tr *Trace, f Filter) {
		t.Helper()
		got, err := tr.Select(f)
		if err != nil {
			t.Fatalf("%s %+v: %v", name, f, err)
		}
		if want := tr.scan(f); !slices.Equal(got, want) {
			t.Fatalf("%s %+v: Select picks %d records, the whole trace's walk %d", name, f, len(got), len(want))
		}
		compared++
	}
	retried := 0
	for _, run := range libraryRuns(t) {
		tr := run.tr
		end := tr.end()
		window := func(f Filter) Filter { f.From, f.To = end/3, 2*end/3; return f }
		// Each walk costs the whole trace: fewer of a long one.
		n := min(50, max(4, 5_000_000/max(1, len(tr.recs))))
		for k := 0; k < len(tr.casts); k += max(1, len(tr.casts)/n) {
			check(run.name, tr, Filter{Cast: tr.casts[k].name})
			check(run.name, tr, window(Filter{Cast: tr.casts[k].name}))
		}
		for k := 0; k < len(tr.calls); k += max(1, len(tr.calls)/n) {
			c := tr.calls[k]
			check(run.name, tr, Filter{Call: c.id})
			check(run.name, tr, window(Filter{Call: c.id}))
			if len(tr.Attempts(c.id)) > 1 {
				retried++
			}
		}
		for _, c := range tr.calls {
			if c.request != c.id && retried < 20 { // later attempts, up to 20 in all
				check(run.name, tr, Filter{Call: c.id})
				retried++
			}
		}
	}
	if retried == 0 && !testing.Short() { // the short library has no scenario that retries
		t.Error("no retried request compared")
	}
	// A record about call n1.1.1 before its call record: the call's life does not
	// index it, and the walk keeps it.
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	recs := []sim.Record{
		{At: ms(1), Node: "n1", Kind: "deliver", Attrs: []sim.Attr{sim.String("call", "n1.1.1"), sim.String("peer", "e1/p1@n1")}},
		{At: ms(2), Node: "n1", Kind: "call", Attrs: []sim.Attr{sim.String("call", "n1.1.1"), sim.String("target", "ens:e1"), sim.Int("timeout", int64(ms(50)))}},
		{At: ms(3), Node: "n1", Kind: "complete", Attrs: []sim.Attr{sim.String("call", "n1.1.1"), sim.String("code", "ok")}},
	}
	tr := New(recs, Meta{Nodes: []string{"n1"}})
	if sel, _ := tr.Select(Filter{Call: "n1.1.1"}); !slices.Equal(sel, []int{0, 1, 2}) {
		t.Errorf("a record before its call's call record: Select picks %v, want [0 1 2]", sel)
	}
	check("hand-made", tr, Filter{Call: "n1.1.1"})
	t.Logf("%d selections compared", compared)
}
