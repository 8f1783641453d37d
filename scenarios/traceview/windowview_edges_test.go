package traceview_test

import (
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

// TestBrowserWindowOpensOnItsRecords: a page made with a window (--from, --to), or
// opened with one in its address (#from, #to), much wider than the records it holds
// opens with those records in view. The view was a
// span a little wider than the records', centred on the window's middle: for the
// page of c1.1.216 to 540ms (its request's records from about 500ms) it showed
// 246-294ms, where nothing is.
func TestBrowserWindowOpensOnItsRecords(t *testing.T) {
	chromium(t)
	tr, _ := named(t, "slow-leader-retry", 1, router.Default).trace(t)
	type page struct {
		f    traceview.Filter
		hash string
	}
	for _, pg := range []page{
		{f: traceview.Filter{Call: "c1.1.216", To: 540 * time.Millisecond}},
		{f: traceview.Filter{Call: "c1.1.195", From: 555 * time.Millisecond}},
		{f: traceview.Filter{To: 540 * time.Millisecond}},
		{f: traceview.Filter{From: 100 * time.Millisecond, To: 10 * time.Second}},
		{},
		{f: traceview.Filter{From: 100 * time.Millisecond, To: 1 * time.Second}, hash: "#from=0ms&to=100s"},
	} {
		f := pg.f
		p := openPage(t, writePage(t, tr, f), pg.hash, 1000, 600)
		shown := eval[int](t, p, "window.ensroute.shown().length")
		inView := eval[int](t, p, "window.ensroute.shown().filter(function (s) { return window.ensroute.locate(s) !== null; }).length")
		s := eval[pageStats](t, p, "window.ensroute.stats()")
		if shown == 0 {
			t.Fatalf("%+v: the page keeps no record", f)
		}
		if inView != shown {
			t.Errorf("%+v%s: the page opens on %.3fms-%.3fms, with %d of the %d records it keeps in view", f, pg.hash, s.View.From/1e6, s.View.To/1e6, inView, shown)
		}
	}
}
