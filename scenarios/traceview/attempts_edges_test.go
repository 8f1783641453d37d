package traceview_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios"
	"github.com/ensroute/ensroute/scenarios/traceview"
	"github.com/ensroute/ensroute/sim"
)

// TestCallKeepsEveryAttempt: of a workload that retries (slow-leader-retry), a
// filter of one call keeps every attempt of its request, whichever attempt it
// names, in each format: the text view's heading names them and its table has a row
// for each, the JSON lines hold each one's records, the page holds each one's calls
// and opens on the call named with the other attempts kept with it, fitted to them
// all. A Part of a
// later attempt says which first attempt it missed (Request), and a Part of that
// first attempt makes the whole trace's views of every attempt, byte for byte.
func TestCallKeepsEveryAttempt(t *testing.T) {
	spec, _ := scenarios.Named("slow-leader-retry")
	res, err := scenarios.Run(spec, scenarios.Options{Seed: 1, Semantics: router.Default, KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	meta := traceview.Meta{Title: "slow-leader-retry", Nodes: append(append([]string(nil), spec.Nodes...), spec.Clients...)}
	full := traceview.New(res.Trace, meta)
	// A request with three attempts.
	byReq := map[string][]string{}
	var req string
	for i := range res.Trace {
		r := &res.Trace[i]
		if r.Kind != "call" {
			continue
		}
		q := attr(r, "request")
		if q == "" {
			q = callOf(*r)
		}
		byReq[q] = append(byReq[q], callOf(*r))
		if len(byReq[q]) == 3 && req == "" {
			req = q
		}
	}
	if req == "" {
		t.Fatal("slow-leader-retry, seed 1, makes no request of three attempts")
	}
	attempts := byReq[req]
	if got := full.Attempts(attempts[1]); !slices.Equal(got, attempts) {
		t.Errorf("Attempts(%s) = %v, want %v", attempts[1], got, attempts)
	}
	var views [3]string
	for k, call := range attempts {
		f := traceview.Filter{Call: call}
		var text, jsonl, page bytes.Buffer
		for format, w := range map[traceview.Format]*bytes.Buffer{traceview.Text: &text, traceview.JSONL: &jsonl, traceview.HTML: &page} {
			if err := full.Write(w, format, f); err != nil {
				t.Fatal(err)
			}
		}
		want := fmt.Sprintf("call %s with every attempt of its request %s (%s)", call, req, strings.Join(attempts, ", "))
		if !strings.Contains(text.String(), want) {
			t.Errorf("--call %s: the heading does not say %q:\n%s", call, want, head(text.String(), 3))
		}
		for _, a := range attempts {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(a) + ` `).MatchString(text.String()) {
				t.Errorf("--call %s: the text view's table has no row of attempt %s", call, a)
			}
			if !strings.Contains(jsonl.String(), `"kind":"call","call":"`+a+`"`) {
				t.Errorf("--call %s: the JSON lines have no call record of attempt %s", call, a)
			}
			if !strings.Contains(page.String(), `["`+a+`",`) {
				t.Errorf("--call %s: the page holds no call %s", call, a)
			}
		}
		if want := `"filter":{"call":"` + call + `","attempts":["` + strings.Join(attempts, `","`) + `"]}`; !strings.Contains(page.String(), want) {
			t.Errorf("--call %s: the page does not open on the call with every attempt kept with it (%s)", call, want)
		}
		views[k] = strings.Replace(text.String(), "call "+call+" with", "call "+attempts[0]+" with", 1) + jsonl.String()

		// The Part of the attempt, made again from the first attempt when it missed it.
		p := partOf(res.Trace, call)
		if got, want := p.Request(), map[bool]string{true: "", false: req}[k == 0]; got != want {
			t.Fatalf("NewPart(%s).Request() = %q, want %q", call, got, want)
		}
		if k > 0 {
			p = partOf(res.Trace, p.Request())
		}
		pm := meta
		w := p.Whole()
		pm.Whole = &w
		part := traceview.New(p.Records(), pm)
		for _, format := range []traceview.Format{traceview.Text, traceview.JSONL, traceview.HTML} {
			var a, b bytes.Buffer
			if err := full.Write(&a, format, f); err != nil {
				t.Fatal(err)
			}
			if err := part.Write(&b, format, f); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Fatalf("--call %s %v: the part's view differs from the whole's (-whole +part):\n%s", call, format, cmp.Diff(a.String(), b.String()))
			}
		}
	}
	if views[0] != views[1] || views[0] != views[2] {
		t.Errorf("the views of the attempts of request %s differ but for the call named", req)
	}
	// The page's window: from before the first attempt to after the last one ends.
	var page bytes.Buffer
	if err := full.Write(&page, traceview.HTML, traceview.Filter{Call: attempts[2]}); err != nil {
		t.Fatal(err)
	}
	var d struct {
		From, To int64
	}
	m := regexp.MustCompile(`"from":(\d+),"to":(\d+)`).FindStringSubmatch(page.String())
	if m == nil {
		t.Fatal("the page has no window")
	}
	json.Unmarshal([]byte(m[1]), &d.From)
	json.Unmarshal([]byte(m[2]), &d.To)
	first, last := startOf(res.Trace, "call", callOf, attempts[0]), startOf(res.Trace, "call", callOf, attempts[2])
	if d.From > int64(first) || d.To <= int64(last) || d.To-d.From > int64(2*(last-first)) {
		t.Errorf("the page of request %s opens on [%d, %d], want around [%d, %d+50ms]", req, d.From, d.To, first, last)
	}
}

// partOf returns the Part of call, fed the whole trace.
func partOf(trace []sim.Record, call string) *traceview.Part {
	p := traceview.NewPart(call, nil)
	for i := range trace {
		p.Add(&trace[i])
	}
	return p
}

// attr returns r's string attribute key, "" if it has none.
func attr(r *sim.Record, key string) string {
	for _, a := range r.Attrs {
		if a.Key == key {
			return a.Str
		}
	}
	return ""
}

// head returns s's first n lines.
func head(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
