package traceview_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
	"github.com/ensroute/ensroute/sim"
)

// writePage writes the html view of slow-leader, seed 1, that f picks.
func writePage(t *testing.T, tr *traceview.Trace, f traceview.Filter) string {
	t.Helper()
	var b bytes.Buffer
	if err := tr.Write(&b, traceview.HTML, f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trace.html")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserEmptyPage: a page whose filter keeps no record (a window after the
// run's end, with or without a call) loads without a script error, draws an empty
// diagram and says it holds 0 records. It used to stop at a TypeError, blank.
func TestBrowserEmptyPage(t *testing.T) {
	chromium(t)
	tr, _ := named(t, "slow-leader", 1, router.Default).trace(t)
	for _, f := range []traceview.Filter{{From: time.Hour}, {Call: shotCall, From: time.Hour}} {
		p := openPage(t, writePage(t, tr, f), "", 1000, 600)
		s := p.stats(t)
		if s.Events != 0 || s.Messages != 0 || s.Drawn.Events != 0 || len(s.Lanes) == 0 {
			t.Errorf("%+v: page holds %d events, %d messages, drew %d, lanes %v; want none, and the lanes", f, s.Events, s.Messages, s.Drawn.Events, s.Lanes)
		}
		if status := eval[string](t, p, "document.getElementById('status').textContent"); !strings.HasPrefix(status, "0 records") {
			t.Errorf("%+v: status %q, want it to say 0 records", f, status)
		}
		if errs := p.errors(); len(errs) > 0 {
			t.Errorf("%+v: the page reported %d errors:\n%s", f, len(errs), strings.Join(errs, "\n"))
		}
	}
}

// TestBrowserCallWindow: a page of one call made with a --from after the call's
// start fits the view to the part of the call it holds, every kept record of it in
// view. It used to centre on the call's whole life, and show none.
func TestBrowserCallWindow(t *testing.T) {
	chromium(t)
	tr, _ := named(t, "slow-leader", 1, router.Default).trace(t)
	p := openPage(t, writePage(t, tr, traceview.Filter{Call: shotCall, From: 620 * time.Millisecond}), "", 1000, 600)
	s := p.stats(t)
	if s.Call != shotCall || s.Visible.Events == 0 || s.Drawn.Events != s.Visible.Events {
		t.Errorf("call %s from 620ms: %d of %d kept events in view %v..%v; want every kept one", s.Call, s.Drawn.Events, s.Visible.Events, s.View.From, s.View.To)
	}
	if s.View.From > 636.51e6 || s.View.To < 636.52e6 {
		t.Errorf("view %v..%v lacks the late reply at 636.51ms", s.View.From, s.View.To)
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// TestBrowserCallAddress: on a page of one call, the address's #from=...&to=... sets
// the view, as on a page of the whole run; without them the view fits the call. The
// page's own call filter used to take precedence over the address.
func TestBrowserCallAddress(t *testing.T) {
	chromium(t)
	tr, _ := named(t, "slow-leader", 1, router.Default).trace(t)
	path := writePage(t, tr, traceview.Filter{Call: shotCall})
	p := openPage(t, path, shotView, 1000, 600)
	s := p.stats(t)
	if s.Call != shotCall || s.View.From != 629e6 || s.View.To != 641e6 {
		t.Errorf("%s%s: call %q, view %v..%v; want call %s, 629ms..641ms", path, shotView, s.Call, s.View.From, s.View.To, shotCall)
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	p = openPage(t, path, "", 1000, 600)
	if s := p.stats(t); s.Call != shotCall || s.View.From > 586e6 || s.View.To < 636.6e6 || s.View.To-s.View.From > 80e6 {
		t.Errorf("no address: call %q, view %v..%v; want the call fitted (586.16ms..636.51ms)", s.Call, s.View.From, s.View.To)
	}
}

// TestBrowserCastPage: a page of one workload cast (direct, seed 1, cast s14: from c1
// through n5's router to the leader on n3) opens fitted to the cast, draws its two
// messages and its records, and reports no script error. Without the fit it would
// open on the whole run, the cast a sliver of it.
func TestBrowserCastPage(t *testing.T) {
	chromium(t)
	tr, _ := named(t, "direct", 1, router.Default).trace(t)
	p := openPage(t, writePage(t, tr, traceview.Filter{Cast: "s14"}), "", 1000, 600)
	s := p.stats(t)
	if s.View.From > 18.011857e6 || s.View.To < 18.567153e6 || s.View.To-s.View.From > 2e6 {
		t.Errorf("view %v..%v; want the cast's 18.011857ms..18.567153ms, fitted", s.View.From, s.View.To)
	}
	if s.Messages != 2 || s.Drawn.Arrows != 2 || s.Drawn.Events < 9 {
		t.Errorf("page holds %d messages, drew %d arrows and %d events; want the cast's 2 messages and its 9 records", s.Messages, s.Drawn.Arrows, s.Drawn.Events)
	}
	if s.Cast != "s14" || s.Visible.Events != s.Events {
		t.Errorf("the page starts with cast %q chosen, %d of %d records kept; want s14, every record", s.Cast, s.Visible.Events, s.Events)
	}
	if title := eval[string](t, p, "document.title"); !strings.Contains(title, "cast s14") {
		t.Errorf("title %q does not name the cast", title)
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// castSeqs returns the seqs of the records a page of one cast shows: the cast's and
// the faults and elections of the run (Filter.World), as ensim trace --cast draws.
func castSeqs(t *testing.T, tr *traceview.Trace, recs []sim.Record, cast string) []int64 {
	t.Helper()
	sel, err := tr.Select(traceview.Filter{Cast: cast, World: true})
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([]int64, len(sel))
	for k, i := range sel {
		seqs[k] = int64(recs[i].Seq)
	}
	return seqs
}

// TestBrowserCastChooser: on the page of a whole run (direct, seed 1), typing a cast's
// name in *cast* keeps exactly the records ensim trace --cast keeps, fits the view to
// the cast and draws its messages; a cast named by a violation heads *problem casts*,
// and picking it keeps that cast; choosing a call lets go of the cast and the other
// way round; #cast=s14 in the address opens on the cast. The page could show one
// cast only when made with --cast.
func TestBrowserCastChooser(t *testing.T) {
	chromium(t)
	r := named(t, "direct", 1, router.Default)
	_, res := r.trace(t)
	nodes := append(append([]string(nil), r.spec.Nodes...), r.spec.Clients...)
	viol := []traceview.Violation{{Invariant: "liveness", Detail: "cast s2 to e1, made at 1ms in the liveness phase, never reached a leader"}}
	tr := traceview.New(res.Trace, traceview.Meta{Title: "casts", Nodes: nodes, Violations: viol})
	path := writePage(t, tr, traceview.Filter{})
	p := openPage(t, path, "", 1000, 600)
	all := p.stats(t)
	if all.Cast != "" || all.Visible.Events != tr.Len() {
		t.Fatalf("whole run: cast %q, %d of %d records kept; want no cast, every record", all.Cast, all.Visible.Events, tr.Len())
	}

	if !eval[bool](t, p, "!!document.getElementById('cast') && !document.getElementById('cast-label').hidden") {
		t.Fatal("the page has no cast input to type in")
	}
	p.do(t, chromedp.SendKeys(chromedp.CSS("#cast"), "s14"))
	p.waitFor(t, "the cast filter", `window.ensroute.stats().cast === "s14"`)
	s := p.stats(t)
	if diff := cmp.Diff(castSeqs(t, tr, res.Trace, "s14"), eval[[]int64](t, p, "window.ensroute.shown()")); diff != "" {
		t.Errorf("cast s14: the records kept differ from ensim trace --cast s14's (-want +got):\n%s", diff)
	}
	if s.Visible.Messages != 2 || s.Drawn.Arrows != 2 || s.Drawn.Events < 9 {
		t.Errorf("cast s14: %d messages kept, drew %d arrows and %d events; want its 2 messages and its 9 records", s.Visible.Messages, s.Drawn.Arrows, s.Drawn.Events)
	}
	if s.View.From > 18.011857e6 || s.View.To < 18.567153e6 || s.View.To-s.View.From > 2e6 {
		t.Errorf("cast s14: view %v..%v; want the cast's 18.011857ms..18.567153ms, fitted", s.View.From, s.View.To)
	}

	opts := eval[[][]string](t, p, `[...document.getElementById('cast-problems').options].map(o => [o.value, o.textContent, o.title])`)
	if want := [][]string{{"", "-", ""}, {"s2", "s2 liveness", viol[0].Detail}}; !cmp.Equal(want, opts) {
		t.Errorf("problem casts %v, want %v", opts, want)
	}
	p.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('cast-problems'); s.value = 's2'; s.dispatchEvent(new Event('change')); })()`))
	p.waitFor(t, "the problem cast", `window.ensroute.stats().cast === "s2"`)
	if diff := cmp.Diff(castSeqs(t, tr, res.Trace, "s2"), eval[[]int64](t, p, "window.ensroute.shown()")); diff != "" {
		t.Errorf("cast s2: the records kept differ from ensim trace --cast s2's (-want +got):\n%s", diff)
	}
	if v := eval[string](t, p, "document.getElementById('cast').value"); v != "s2" {
		t.Errorf("cast s2 picked among the problems: the cast input says %q", v)
	}

	// The call and cast filters are exclusive.
	call := eval[string](t, p, "document.querySelector('#calls option').value")
	p.do(t, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const c = document.getElementById('call'); c.value = %q; c.dispatchEvent(new Event('change')); })()`, call)))
	p.waitFor(t, "the call filter", fmt.Sprintf(`window.ensroute.stats().call === %q`, call))
	if c := p.stats(t); c.Cast != "" || eval[string](t, p, "document.getElementById('cast').value") != "" || c.Visible.Events == 0 {
		t.Errorf("call %s chosen after cast s2: cast %q, %d records kept; want no cast, the call's", call, c.Cast, c.Visible.Events)
	}
	p.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const c = document.getElementById('cast'); c.value = 's14'; c.dispatchEvent(new Event('change')); })()`))
	p.waitFor(t, "the cast filter again", `window.ensroute.stats().cast === "s14"`)
	if c := p.stats(t); c.Call != "" || eval[string](t, p, "document.getElementById('call').value") != "" {
		t.Errorf("cast s14 chosen after call %s: call %q still chosen", call, c.Call)
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}

	p = openPage(t, path, "#cast=s14", 1000, 600)
	if s := p.stats(t); s.Cast != "s14" || s.View.From > 18.011857e6 || s.View.To < 18.567153e6 || s.View.To-s.View.From > 2e6 {
		t.Errorf("#cast=s14: cast %q, view %v..%v; want s14, fitted to 18.011857ms..18.567153ms", s.Cast, s.View.From, s.View.To)
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}
