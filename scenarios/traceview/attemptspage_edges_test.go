package traceview_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

// pageStats is what TestBrowserAttemptsPage reads of window.ensroute.stats(), with
// the calls kept with the call chosen.
type pageStats struct {
	Events   int      `json:"events"`
	Call     string   `json:"call"`
	Attempts []string `json:"attempts"`
	Visible  struct {
		Events int `json:"events"`
	} `json:"visible"`
	View struct {
		From float64 `json:"from"`
		To   float64 `json:"to"`
	} `json:"view"`
	Drawn struct {
		Life int `json:"life"`
	} `json:"drawn"`
}

// TestBrowserAttemptsPage: the page of a later attempt of a retried request
// (slow-leader-retry, seed 1: c1.1.216, the second attempt of c1.1.195) opens on
// the call chosen, in the call box and drawn with its life, keeping the request's
// other attempts with it, every record the page holds in the filter, fitted to
// them all; choosing the call again in the call box keeps it alone, and the
// address's #call wins over the page's own as on any page. It used to open on no
// call, its call box empty.
func TestBrowserAttemptsPage(t *testing.T) {
	chromium(t)
	attempts := []string{"c1.1.195", "c1.1.216", "c1.1.251"}
	tr, _ := named(t, "slow-leader-retry", 1, router.Default).trace(t)
	if got := tr.Attempts(attempts[1]); !slices.Equal(got, attempts) {
		t.Fatalf("Attempts(%s) = %v, want %v", attempts[1], got, attempts)
	}
	path := writePage(t, tr, traceview.Filter{Call: attempts[1]})
	p := openPage(t, path, "", 1000, 600)
	s := eval[pageStats](t, p, "window.ensroute.stats()")
	if s.Call != attempts[1] || !slices.Equal(s.Attempts, []string{attempts[0], attempts[2]}) {
		t.Errorf("the page opens on call %q with %v, want %s with %v", s.Call, s.Attempts, attempts[1], []string{attempts[0], attempts[2]})
	}
	if box := eval[string](t, p, "document.getElementById('call').value"); box != attempts[1] {
		t.Errorf("the call box holds %q, want %s", box, attempts[1])
	}
	if s.Visible.Events != s.Events || s.Events == 0 || s.Drawn.Life != 1 {
		t.Errorf("%d of the %d events held kept by the filter, %d life drawn; want every one, and the call's life", s.Visible.Events, s.Events, s.Drawn.Life)
	}
	// The view spans the attempts: the first starts at 501.26ms, the last times
	// out at 671.41ms.
	if s.View.From > 501.26e6 || s.View.To < 671.42e6 || s.View.To-s.View.From > 250e6 {
		t.Errorf("view %v..%v, want it to span the three attempts", s.View.From, s.View.To)
	}
	p.do(t, chromedp.Evaluate[chromedp.Void](`(function () {
		const c = document.getElementById('call');
		c.value = '`+attempts[0]+`';
		c.dispatchEvent(new Event('change'));
		c.value = '`+attempts[1]+`';
		c.dispatchEvent(new Event('change'));
	})()`))
	p.waitFor(t, "the call alone", "window.ensroute.stats().attempts.length === 0")
	if s := eval[pageStats](t, p, "window.ensroute.stats()"); s.Call != attempts[1] || s.Visible.Events >= s.Events {
		t.Errorf("chosen in the call box: call %q, %d of %d events kept; want %s alone", s.Call, s.Visible.Events, s.Events, attempts[1])
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	p = openPage(t, path, "#call="+attempts[2], 1000, 600)
	if s := eval[pageStats](t, p, "window.ensroute.stats()"); s.Call != attempts[2] || len(s.Attempts) != 0 {
		t.Errorf("#call=%s: call %q with %v, want %s alone", attempts[2], s.Call, s.Attempts, attempts[2])
	}
}
