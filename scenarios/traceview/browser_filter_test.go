package traceview_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
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
	if title := eval[string](t, p, "document.title"); !strings.Contains(title, "cast s14") {
		t.Errorf("title %q does not name the cast", title)
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}
