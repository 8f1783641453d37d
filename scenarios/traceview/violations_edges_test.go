package traceview_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

// TestBrowserViolationList: the page lists the run's violations under its controls,
// counted by invariant, each call's with a button that keeps the call, and those
// about no call (a leak) as well, their text shown as written, not read as HTML;
// the fields of a record of a violating call name its violations. A violation about
// no call or cast used to appear nowhere on the page, and a call's only in the
// tooltip of its problem calls option. A run without violations shows no list.
func TestBrowserViolationList(t *testing.T) {
	chromium(t)
	r := named(t, "slow-leader", 1, router.Default)
	_, res := r.trace(t)
	viol := []traceview.Violation{
		{Invariant: "deadline", Call: shotCall, Detail: "ended late"},
		{Invariant: "no-leak", Detail: "<b>n2</b> still has 3 timers & 1 queued"},
		{Invariant: "liveness", Call: shotCall, Detail: "failed"},
		{Invariant: "liveness", Call: "n9.1.1", Detail: "a call the page does not hold"},
	}
	p := openWithViolations(t, r, res.Trace, viol)
	if hidden := eval[bool](t, p, `document.getElementById('violations').hidden`); hidden {
		t.Fatal("the list of violations is hidden")
	}
	if got, want := eval[string](t, p, `document.querySelector('#violations summary').textContent`), "4 violations (deadline 1, no-leak 1, liveness 2)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	rows := eval[[]string](t, p, `[...document.querySelectorAll('#violations li')].map(li => li.textContent)`)
	want := []string{
		"deadline " + shotCall + ": ended late",
		"no-leak <b>n2</b> still has 3 timers & 1 queued",
		"liveness " + shotCall + ": failed",
		"liveness n9.1.1: a call the page does not hold",
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("the violations listed (-want +got):\n%s", diff)
	}
	if n := eval[int](t, p, `document.querySelectorAll('#violations b').length + document.querySelectorAll('#violations li:nth-child(4) button').length`); n != 0 {
		t.Errorf("%d elements made of a violation's text, or buttons for a call the page does not hold; want none", n)
	}
	p.do(t, chromedp.Evaluate[chromedp.Void](`document.getElementById('violations').open = true`))
	p.do(t, chromedp.Click(chromedp.CSS("#violations li:first-child button")))
	p.waitFor(t, "the call kept", `window.ensroute.stats().call === "`+shotCall+`"`)
	p.clickRecord(t, "late")
	got := eval[[]string](t, p, `[...document.querySelectorAll('#details tr')].filter(tr => tr.cells[0].textContent === 'violation').map(tr => tr.cells[1].textContent)`)
	if diff := cmp.Diff([]string{"deadline: ended late", "liveness: failed"}, got); diff != "" {
		t.Errorf("the late reply's fields name the call's violations (-want +got):\n%s", diff)
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}

	none := traceview.New(res.Trace, traceview.Meta{Title: "no violations", Nodes: r.nodes()})
	clean := openPage(t, writePage(t, none, traceview.Filter{}), "", 1000, 600)
	if hidden := eval[bool](t, clean, `document.getElementById('violations').hidden`); !hidden {
		t.Error("a run without violations shows a list of them")
	}
}
