package traceview_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
)

// TestTextViolations: the text view lists the violations of the calls it shows under
// its title: all of them for the whole run (the first 20, and a count of the rest,
// those of no call included), a call's own with --call, and in a window only those
// of calls with records in it.
func TestTextViolations(t *testing.T) {
	r := named(t, "slow-leader", 1, router.Default)
	_, res := r.trace(t)
	var viol []traceview.Violation
	early, late := "", ""
	for _, o := range res.Outcomes() {
		if o.Code == "lost" {
			continue
		}
		if early == "" && o.Start < 100*time.Millisecond {
			early = o.Call
		}
		if late == "" && o.Start > 900*time.Millisecond && o.Start < 950*time.Millisecond {
			late = o.Call
		}
		if len(viol) < 24 {
			viol = append(viol, traceview.Violation{Invariant: "liveness", Call: o.Call, Detail: "slow " + o.Call})
		}
	}
	viol = append(viol, traceview.Violation{Invariant: "deadline", Call: late, Detail: "late"},
		traceview.Violation{Invariant: "no-leak", Detail: "a timer left"})
	nodes := append(append([]string(nil), r.spec.Nodes...), r.spec.Clients...)
	tr := traceview.New(res.Trace, traceview.Meta{Title: "t", Nodes: nodes, Violations: viol})
	text := func(f traceview.Filter) string {
		var b bytes.Buffer
		if err := tr.Write(&b, traceview.Text, f); err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(b.String(), "\n\n")
		return head
	}
	whole := text(traceview.Filter{})
	if !strings.Contains(whole, "# 26 violations:\n#   liveness "+viol[0].Call+": slow "+viol[0].Call+"\n") ||
		!strings.HasSuffix(whole, "#   ... and 6 more (--call ID shows a call's own)") || strings.Count(whole, "\n#   ") != 21 {
		t.Errorf("the whole run's head:\n%s", whole)
	}
	if got, want := text(traceview.Filter{Call: late}), fmt.Sprintf("# 1 violation:\n#   deadline %s: late", late); !strings.HasSuffix(got, want) {
		t.Errorf("call %s's head:\n%s\nwant it to end %q", late, got, want)
	}
	window := text(traceview.Filter{From: 900 * time.Millisecond, To: time.Second})
	if !strings.Contains(window, "deadline "+late) || strings.Contains(window, early) || strings.Contains(window, "no-leak") {
		t.Errorf("the window 900ms..1s names %s's violation and no other call's, nor one of no call:\n%s", late, window)
	}
	if quiet := text(traceview.Filter{From: 10 * time.Second, To: 11 * time.Second}); strings.Contains(quiet, "violation") {
		t.Errorf("a window with no call lists violations:\n%s", quiet)
	}
	// The page of one call carries that call's violations, not the run's.
	var page bytes.Buffer
	if err := tr.Write(&page, traceview.HTML, traceview.Filter{Call: late, World: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `"violations":[["deadline","`+late+`","late"]]`) {
		t.Errorf("the page of %s does not carry its violation alone", late)
	}
}
