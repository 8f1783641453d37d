package traceview

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"strings"
)

// The page: a template with four holes, its style and its script, in three parts
// that run in one function scope, in this order. They are embedded in the program,
// and every page carries them inline: it fetches nothing.
var (
	//go:embed page/page.html
	pageHTML string
	//go:embed page/page.css
	pageCSS string
	//go:embed page/data.js
	dataJS string
	//go:embed page/draw.js
	drawJS string
	//go:embed page/ui.js
	uiJS string
)

// MaxHTMLData is the most diagram data, in bytes, that an HTML page embeds unless
// Meta.MaxHTMLData says otherwise. The page reads its data with one JSON.parse of one
// string, and a browser's strings end well before 1 GiB (V8's at about 512 MiB): past
// that the page would load blank. This bound leaves room to spare.
const MaxHTMLData = 256 << 20

// writeHTML writes one self-contained page: the diagram's data as JSON in a script
// element, the style and the script inline. Data larger than t.maxData is refused
// before anything is written.
func (t *Trace) writeHTML(w *bufio.Writer, sel []int, f Filter) error {
	// The data holds each drawn record's JSON line at least: a selection whose lines
	// alone pass the bound is refused before the diagram is built, which for a whole
	// large trace takes many times the trace's own memory.
	if n, least := t.drawnData(sel); least > t.maxData {
		return fmt.Errorf("%w: the diagram of %d records is more than %s of data, more than a page holds (%s): keep fewer records (a call, a cast, or a window of time)",
			ErrPageTooLarge, n, mib(least), mib(t.maxData))
	}
	d := t.diagramOf(sel, f)
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("traceview: encoding the diagram: %w", err)
	}
	if len(data) > t.maxData {
		return fmt.Errorf("%w: the diagram of %d records is %s of data, more than a page holds (%s): keep fewer records (a call, a cast, or a window of time)",
			ErrPageTooLarge, len(d.Ev.T), mib(len(data)), mib(t.maxData))
	}
	title := t.title
	if title == "" {
		title = "trace"
	}
	if f.Call != "" {
		title += ", call " + f.Call + t.describeAttempts(f.Call)
	}
	if f.Cast != "" {
		title += ", cast " + f.Cast
	}
	// json.Marshal escapes '<', '>' and '&', so the data cannot end its script
	// element early.
	r := strings.NewReplacer(
		"{{TITLE}}", html.EscapeString(title),
		"{{CSS}}", pageCSS,
		"{{JS}}", dataJS+drawJS+uiJS,
		"{{DATA}}", string(data),
	)
	_, err = r.WriteString(w, pageHTML)
	return err
}

// mib writes a size in bytes as MiB, or in bytes when below one.
func mib(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
