package traceview_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

// TestBrowserAttemptsPageWindowWithoutTheCall: the page of an attempt of a retried
// request (slow-leader-retry, seed 1: c1.1.195, c1.1.216, c1.1.251) made with a
// window (--from, --to) that holds other attempts and none of the call named opens
// as the page of the request did before it opened on a call: on none of them,
// every record held kept, its call box empty and not marked bad (a call the page
// does not hold). The box was marked bad as the page opened, as if the user had
// typed a wrong id.
func TestBrowserAttemptsPageWindowWithoutTheCall(t *testing.T) {
	chromium(t)
	tr, _ := named(t, "slow-leader-retry", 1, router.Default).trace(t)
	for _, f := range []traceview.Filter{
		{Call: "c1.1.195", From: 555 * time.Millisecond}, // c1.1.195 timed out at 551.26ms
		{Call: "c1.1.216", To: 540 * time.Millisecond},   // c1.1.216 starts at 559.82ms
	} {
		p := openPage(t, writePage(t, tr, f), "", 1000, 600)
		s := eval[pageStats](t, p, "window.ensroute.stats()")
		if s.Call != "" || len(s.Attempts) != 0 || s.Events == 0 || s.Visible.Events != s.Events {
			t.Errorf("%s from %v to %v: call %q with %v, %d of %d events kept; want no call chosen and every event", f.Call, f.From, f.To, s.Call, s.Attempts, s.Visible.Events, s.Events)
		}
		if bad := eval[bool](t, p, "document.getElementById('call').classList.contains('bad')"); bad {
			t.Errorf("%s from %v to %v: the call box is marked bad as the page opens", f.Call, f.From, f.To)
		}
		if errs := p.errors(); len(errs) > 0 {
			t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
		}
	}
}
