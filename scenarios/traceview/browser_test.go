package traceview_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/scenarios/traceview"
	"github.com/ensroute/ensroute/sim"
)

var readmeShot = flag.Bool("readme-screenshot", false, "write the README's picture of the diagram to docs/trace.png")

// The README's picture: slow-leader, seed 1, 12ms around the late reply of call
// n3.1.214, with that record clicked.
const (
	shotPath = "../../docs/trace.png"
	shotView = "#from=629ms&to=641ms"
	shotCall = "n3.1.214"
)

// chromium returns the path of a Chromium to drive. Without one the test is skipped,
// unless ENSROUTE_BROWSER_TEST=require (as in CI), when it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "no chromium on PATH (Debian: apt-get install chromium chromium-driver)"
	if os.Getenv("ENSROUTE_BROWSER_TEST") == "require" {
		t.Fatal(why + ", and ENSROUTE_BROWSER_TEST=require")
	}
	t.Skip(why)
	return ""
}

// browserPage is one page open in a headless Chromium, with every script error and
// console error it reported.
type browserPage struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

// sharedChromium is the one headless Chromium the package's browser tests open their
// pages in, started by the first page and stopped by TestMain. A Chromium of its own
// for each page took 2 to 9 seconds to start on a busy CI machine, most of the
// browser tests' time; a page opens in a new browser context (a profile of its own,
// as a fresh user data directory was: nothing stored by one page is seen by another)
// and a window of its own, in a fraction of a second.
var sharedChromium struct {
	mu     sync.Mutex
	ctx    context.Context // the browser's; nil before the first page or after stop
	cancel func()
}

// TestMain stops the shared Chromium once every test has run. (Were the tests to
// end without it, the Chromium would end with them: it runs with a parent-death
// signal.)
func TestMain(m *testing.M) {
	defer stopChromium()
	m.Run()
}

// browserContext returns the shared Chromium's context, starting it if none runs.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	sharedChromium.mu.Lock()
	defer sharedChromium.mu.Unlock()
	if sharedChromium.ctx != nil {
		return sharedChromium.ctx
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	// The allocator makes the user data directory and removes it when cancelled. The
	// browser lives as long as the context of its first run, so that one has no
	// timeout: each page's has.
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("starting chromium: %v", err)
	}
	sharedChromium.ctx = ctx
	sharedChromium.cancel = func() { cancelBrowser(); cancelAlloc() }
	return ctx
}

// stopChromium stops the shared Chromium, if one runs; the next page starts another.
func stopChromium() {
	sharedChromium.mu.Lock()
	defer sharedChromium.mu.Unlock()
	if sharedChromium.cancel != nil {
		sharedChromium.cancel()
	}
	sharedChromium.ctx, sharedChromium.cancel = nil, nil
}

// openPage opens file in a new window of width x height of the shared Chromium, in a
// browser context of its own, listens to the page's console and waits for its first
// drawing. The window closes at the end of the test.
func openPage(t *testing.T, file, hash string, width, height int) *browserPage {
	t.Helper()
	ctx, cancelTab := chromedp.NewContext(browserContext(t), chromedp.WithNewBrowserContext())
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	p := &browserPage{ctx: ctx}
	if err := chromedp.Do(ctx, windowSize(width, height)); err != nil {
		cancelTime()
		cancelTab()
		// A Chromium that cannot open a window is no use to the next test either.
		stopChromium()
		t.Fatalf("opening a window in chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				p.mu.Lock()
				p.errs = append(p.errs, fmt.Sprintf("%s %s:%d: %s", m.Type, m.URL, m.Line+1, m.Text))
				p.mu.Unlock()
			}
		}
	})
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		wg.Wait()
	})
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	p.do(t, chromedp.Navigate("file://"+abs+hash))
	p.waitFor(t, "the first drawing", "window.ensroute !== undefined && window.ensroute.stats().draws > 0")
	p.do(t, chromedp.Evaluate[chromedp.Void](colourAtJS))
	return p
}

// windowSize sizes the page's window as --window-size sized the first window of a
// Chromium of the page's own: the page sees the same innerWidth and innerHeight.
func windowSize(width, height int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		b := chromedp.FromContext(ctx).Browser
		w, err := cdp.Call(ctx, b, cdpbrowser.GetWindowForTarget, cdpbrowser.GetWindowForTargetParams{TargetID: tab.TargetID})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, b, cdpbrowser.SetWindowBounds, cdpbrowser.SetWindowBoundsParams{
			WindowID: w.WindowID, Bounds: &cdpbrowser.Bounds{Width: int64(width), Height: int64(height)}})
		return err
	})
}

// colourAtJS defines two functions in the page, for the test: colourAt(x, y), whether
// a pixel of the canvas within 2 CSS pixels of (x, y) has a colour, not white or
// grey; pixelAt(x, y), the red, green and blue of the pixel at (x, y).
const colourAtJS = `window.colourAt = function (x, y) {
	const c = document.getElementById('diagram'), g = c.getContext('2d'), r = c.width / c.clientWidth;
	const d = g.getImageData(Math.round((x - 2) * r), Math.round((y - 2) * r), Math.ceil(5 * r), Math.ceil(5 * r)).data;
	for (let i = 0; i < d.length; i += 4) {
		if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 80) return true;
	}
	return false;
}
window.pixelAt = function (x, y) {
	const c = document.getElementById('diagram'), r = c.width / c.clientWidth;
	return Array.from(c.getContext('2d').getImageData(Math.round(x * r), Math.round(y * r), 1, 1).data.slice(0, 3));
}`

func (p *browserPage) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a script expression in the page.
func eval[T any](t *testing.T, p *browserPage, expr string) T {
	t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor waits until a script expression is true and the page has drawn what it
// was asked to (it draws on the next animation frame).
func (p *browserPage) waitFor(t *testing.T, what, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	expr = "(" + expr + ") && !window.ensroute.stats().pending"
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr)); err != nil {
		t.Fatalf("waiting for %s (%s): %v; script errors: %v", what, expr, err, p.errors())
	}
}

func (p *browserPage) errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.errs)
}

// stats is window.ensroute.stats(): what the page holds and what it last drew.
type stats struct {
	Lanes    []string `json:"lanes"`
	Events   int      `json:"events"`
	Messages int      `json:"messages"`
	Call     string   `json:"call"`
	Cast     string   `json:"cast"`
	Ensemble string   `json:"ensemble"`
	View     struct {
		From float64 `json:"from"`
		To   float64 `json:"to"`
	} `json:"view"`
	Visible struct {
		Events   int `json:"events"`
		Messages int `json:"messages"`
	} `json:"visible"`
	Drawn struct {
		Events int            `json:"events"`
		Arrows int            `json:"arrows"`
		Marks  map[string]int `json:"marks"`
		Life   int            `json:"life"`
		Late   int            `json:"late"`
	} `json:"drawn"`
	DrawMs    float64 `json:"drawMs"`
	MaxDrawMs float64 `json:"maxDrawMs"`
	Draws     int     `json:"draws"`
	Selected  *struct {
		Kind string `json:"kind"`
		Call string `json:"call"`
	} `json:"selected"`
}

func (p *browserPage) stats(t *testing.T) stats {
	t.Helper()
	return eval[stats](t, p, "window.ensroute.stats()")
}

// clickRecord clicks the mark of the one record of this kind that the view shows.
func (p *browserPage) clickRecord(t *testing.T, kind string) {
	t.Helper()
	type point struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}
	at := eval[[]point](t, p, fmt.Sprintf(`window.ensroute.seqs(%q).map(s => window.ensroute.locate(s)).filter(p => p)`, kind))
	if len(at) != 1 {
		t.Fatalf("%d %s records in view, want 1: %v", len(at), kind, at)
	}
	p.do(t, chromedp.MouseClickXY(at[0].X, at[0].Y))
	p.waitFor(t, "the click on "+kind, fmt.Sprintf(`(window.ensroute.stats().selected || {}).kind === %q`, kind))
}

// writeDiagram writes the html view of slow-leader, seed 1: 31,697 records.
func writeDiagram(t *testing.T) (path string, tr *traceview.Trace) {
	t.Helper()
	tr, _ = named(t, "slow-leader", 1, router.Default).trace(t)
	var b bytes.Buffer
	if err := tr.Write(&b, traceview.HTML, traceview.Filter{}); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "trace.html")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("diagram of %d records: %d bytes", tr.Len(), b.Len())
	return path, tr
}

// TestBrowser opens the diagram of a whole run in headless Chromium and uses it as a
// person would: the lanes and arrows are there, typing a call id keeps that call's
// two messages, its timeout and its late reply, a click shows a record's fields, the
// ensemble filter keeps part of the run. Any script error fails the test. The
// screenshot is an artifact (go test -artifacts).
func TestBrowser(t *testing.T) {
	chromium(t) // skip or fail before the work
	path, tr := writeDiagram(t)
	p := openPage(t, path, "", 1400, 720)

	s := p.stats(t)
	wantLanes := []string{"n1", "n2", "n3", "n4", "n5", "c1"}
	if !slices.Equal(s.Lanes, wantLanes) || s.Events != tr.Len() || s.Visible.Events != tr.Len() {
		t.Fatalf("page holds lanes %v, %d events (%d kept); want %v, %d", s.Lanes, s.Events, s.Visible.Events, wantLanes, tr.Len())
	}
	if s.Drawn.Events != tr.Len() || s.Drawn.Arrows < 7000 || s.Drawn.Marks["late"] != 4 || s.Drawn.Marks["timeout"] < 300 {
		t.Errorf("the whole run drew %d events, %d arrows, %d late and %d timeout marks; want %d, >= 7000, 4, >= 300",
			s.Drawn.Events, s.Drawn.Arrows, s.Drawn.Marks["late"], s.Drawn.Marks["timeout"], tr.Len())
	}
	t.Logf("the whole run (%d events, %d arrows) drew in %.1fms", s.Drawn.Events, s.Drawn.Arrows, s.DrawMs)

	// Zoom and pan: each redraw is timed by the page.
	for _, key := range []string{"#zoom-in", "#zoom-in", "#zoom-out", "#fit"} {
		before := p.stats(t).Draws
		p.do(t, chromedp.Click(chromedp.CSS(key)))
		p.waitFor(t, key, fmt.Sprintf("window.ensroute.stats().draws > %d", before))
	}
	end := float64(s.View.To) // the first view is the whole run, 0 to the last record
	if z := p.stats(t); z.View.From > 0 || z.View.To < end || z.View.To-z.View.From > 1.1*end {
		t.Errorf("fit shows %v..%v; want the whole run, 0..%v, and little more", z.View.From, z.View.To, end)
	}

	// Type a call id: the view keeps that call and fits it.
	p.do(t, chromedp.SendKeys(chromedp.CSS("#call"), shotCall))
	p.waitFor(t, "the call filter", fmt.Sprintf("window.ensroute.stats().call === %q", shotCall))
	c := p.stats(t)
	if c.Visible.Messages != 2 || c.Drawn.Arrows != 2 || c.Drawn.Late != 1 || c.Drawn.Life != 1 ||
		c.Drawn.Marks["late"] != 1 || c.Drawn.Marks["timeout"] != 1 || c.Visible.Events != 9 || c.Drawn.Events != 9 {
		t.Errorf("call %s: %d messages kept, drew %d arrows (%d late), %d events of %d kept, marks %v, life %d; "+
			"want 2 messages (the route, the late reply), 1 late, 9 events with 1 timeout and 1 late, 1 life",
			shotCall, c.Visible.Messages, c.Drawn.Arrows, c.Drawn.Late, c.Drawn.Events, c.Visible.Events, c.Drawn.Marks, c.Drawn.Life)
	}
	// The arrows and the late mark are on the canvas, not only counted: their pixels
	// have colour (the lanes are white and grey).
	if hits := eval[[]int](t, p, `(() => {
		const segs = window.ensroute.stats().drawn.segments;
		return segs.map(s => [0.25, 0.4, 0.5, 0.6, 0.75].filter(f =>
			colourAt(s[0] + f * (s[2] - s[0]), s[1] + f * (s[3] - s[1]))).length);
	})()`); len(hits) != 2 || hits[0] < 3 || hits[1] < 3 {
		t.Errorf("call %s: of 5 points along each arrow, %v are coloured; want 2 arrows with 3 or more", shotCall, hits)
	}
	// 4px right of its centre the late mark's diamond is filled: nothing else is there
	// (its reply arrives from above, the timeout is left of it).
	if rgb := eval[[]int](t, p, `(() => {
		const r = document.getElementById('diagram').getBoundingClientRect();
		const at = window.ensroute.seqs('late').map(s => window.ensroute.locate(s)).filter(p => p)[0];
		return pixelAt(at.x - r.left + 4, at.y - r.top);
	})()`); len(rgb) != 3 || rgb[0] < 170 || rgb[1] > 110 || rgb[2] < 60 || rgb[2] > 170 {
		t.Errorf("call %s: the pixel right of the late mark's centre is %v, not the mark's magenta", shotCall, rgb)
	}
	if c.View.From > 586e6 || c.View.To < 636.6e6 || c.View.To-c.View.From > 80e6 {
		t.Errorf("call %s: view %v..%v does not fit the call (586.16ms..636.51ms)", shotCall, c.View.From, c.View.To)
	}

	// Click the late reply's mark: its fields show.
	p.clickRecord(t, "late")
	details := eval[string](t, p, "document.getElementById('details').innerText")
	for _, want := range []string{"late at 636.510866ms on n3", "n3.1.214", "completed"} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%s", want, details)
		}
	}
	shot, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.ArtifactDir()
	if err := os.WriteFile(filepath.Join(dir, "trace.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", filepath.Join(dir, "trace.png"))

	// Back to every call, then one ensemble.
	p.do(t, chromedp.Click(chromedp.CSS("#details button")))
	p.waitFor(t, "every call", `window.ensroute.stats().call === ""`)
	p.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('ens'); s.value = 'e3'; s.dispatchEvent(new Event('change')); })()`))
	p.waitFor(t, "the ensemble filter", `window.ensroute.stats().ensemble === "e3"`)
	e := p.stats(t)
	if e.Visible.Messages == 0 || e.Visible.Messages >= s.Messages || e.Visible.Events >= s.Events || e.Drawn.Marks["late"] != 0 {
		t.Errorf("ensemble e3: %d of %d messages, %d of %d events kept, %d late marks; want some of each, no late reply (e1's)",
			e.Visible.Messages, s.Messages, e.Visible.Events, s.Events, e.Drawn.Marks["late"])
	}
	t.Logf("slowest drawing so far: %.1fms", e.MaxDrawMs)

	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// TestReadmeScreenshot writes docs/trace.png, the picture in the README, with
//
//	go test ./scenarios/traceview -run TestReadmeScreenshot -readme-screenshot
func TestReadmeScreenshot(t *testing.T) {
	if !*readmeShot {
		t.Skip("writes docs/trace.png only with -readme-screenshot")
	}
	chromium(t)
	path, _ := writeDiagram(t)
	p := openPage(t, path, shotView, 1200, 600)
	p.clickRecord(t, "late")
	shot, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(errs, "\n"))
	}
	t.Logf("%s: %d bytes", shotPath, len(shot))
}

// openWithViolations opens the page of r's trace with viol as its violations in
// the browser, 1000x600.
func openWithViolations(t *testing.T, r run, trace []sim.Record, viol []traceview.Violation) *browserPage {
	t.Helper()
	tr := traceview.New(trace, traceview.Meta{Title: "violations", Nodes: r.nodes(), Violations: viol})
	return openPage(t, writePage(t, tr, traceview.Filter{}), "", 1000, 600)
}

// nodes are the names of r's member and client nodes, the page's lanes.
func (r run) nodes() []string {
	return append(append([]string(nil), r.spec.Nodes...), r.spec.Clients...)
}

// TestBrowserViolations: the calls of the run's violations head the page's problem
// calls, named by the invariant, with what happened as the option's title; a call
// with two violations is listed once, and a failed call with a violation is not
// listed again as failed. A call that succeeded too slowly for the liveness bound
// used to be on no list at all.
func TestBrowserViolations(t *testing.T) {
	chromium(t)
	r := named(t, "slow-leader", 1, router.Default)
	_, res := r.trace(t)
	var okCall string
	for _, o := range res.Outcomes() {
		if o.Code == "ok" {
			okCall = o.Call
			break
		}
	}
	viol := []traceview.Violation{
		{Invariant: "liveness", Call: okCall, Detail: "took too long"},
		{Invariant: "deadline", Call: shotCall, Detail: "ended late"},
		{Invariant: "liveness", Call: shotCall, Detail: "failed"},
		{Invariant: "no-leak", Detail: "a timer left"},
	}
	p := openWithViolations(t, r, res.Trace, viol)
	opts := eval[[][]string](t, p, `[...document.getElementById('problems').options].map(o => [o.value, o.textContent, o.title])`)
	if len(opts) < 4 {
		t.Fatalf("problem calls %v: want '-', the two violating calls, then the failed ones", opts)
	}
	want := [][]string{{"", "-", ""}, {okCall, okCall + " liveness", "took too long"},
		{shotCall, shotCall + " deadline, liveness (timeout + late reply)", "ended late\nfailed"}}
	if diff := cmp.Diff(want, opts[:3]); diff != "" {
		t.Errorf("the first problem calls (-want +got):\n%s", diff)
	}
	for _, o := range opts[3:] {
		if o[0] == shotCall || o[0] == okCall {
			t.Errorf("%s is listed twice: %v", o[0], opts)
		}
	}
	if errs := p.errors(); len(errs) > 0 {
		t.Errorf("the page reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// TestBrowserLateCopy: of a reply the network duplicated, whose first copy completed
// the call and whose second was dropped as late, the page draws one late arrow, the
// copy's, and the first copy as a reply (dup-reorder, seed 1, its first such call).
func TestBrowserLateCopy(t *testing.T) {
	chromium(t)
	tr, res := named(t, "dup-reorder", 1, router.Default).trace(t)
	// A late record of reason completed, just after the hand-over of a message that
	// was duplicated, names the call.
	duped := map[int64]bool{}
	for _, r := range res.Trace {
		if r.Kind == "dup" {
			duped[intAttr(r, "msg")] = true
		}
	}
	call := ""
	for i, r := range res.Trace {
		if r.Kind == "late" && strAttr(r, "reason") == "completed" && strAttr(r, "code") == "ok" && i > 0 &&
			res.Trace[i-1].Kind == "handed" && duped[intAttr(res.Trace[i-1], "msg")] {
			call = strAttr(r, "call")
			break
		}
	}
	if call == "" {
		t.Fatal("dup-reorder, seed 1: no duplicated reply dropped as late")
	}
	var b bytes.Buffer
	if err := tr.Write(&b, traceview.HTML, traceview.Filter{Call: call}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "late-copy.html")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p := openPage(t, path, "", 1000, 500)
	if s := p.stats(t); s.Drawn.Late != 1 || s.Drawn.Arrows < 3 {
		t.Errorf("call %s: drew %d arrows, %d of them late; want the route and both reply copies, one late", call, s.Drawn.Arrows, s.Drawn.Late)
	}
}

func intAttr(r sim.Record, key string) int64 {
	for _, a := range r.Attrs {
		if a.Key == key {
			return a.Int
		}
	}
	return -1
}

func strAttr(r sim.Record, key string) string {
	for _, a := range r.Attrs {
		if a.Key == key {
			return a.Str
		}
	}
	return ""
}
