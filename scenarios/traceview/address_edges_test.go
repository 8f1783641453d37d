package traceview_test

import (
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

// TestBrowserUnknownAddressCall: a page of one call opened at an address that names
// a call or a cast the page does not hold (a typo, or a link copied from the page of
// the whole run) keeps the page's own call, fitted to it. It used to let go of the
// call and centre the view on the middle of the run, where the page holds nothing:
// a blank diagram.
func TestBrowserUnknownAddressCall(t *testing.T) {
	chromium(t)
	tr, _ := named(t, "slow-leader", 1, router.Default).trace(t)
	path := writePage(t, tr, traceview.Filter{Call: shotCall})
	for _, hash := range []string{"#call=n3.1.999", "#cast=s1"} {
		p := openPage(t, path, hash, 1000, 600)
		s := p.stats(t)
		if s.Call != shotCall || s.View.From > 586e6 || s.View.To < 636.6e6 || s.Drawn.Events == 0 {
			t.Errorf("%s: call %q, view %v..%v, %d events drawn; want call %s fitted (586.16ms..636.51ms)", hash, s.Call, s.View.From, s.View.To, s.Drawn.Events, shotCall)
		}
		if errs := p.errors(); len(errs) > 0 {
			t.Errorf("%s: the page reported %d errors:\n%s", hash, len(errs), strings.Join(errs, "\n"))
		}
	}
}
