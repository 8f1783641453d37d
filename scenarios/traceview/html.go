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

// writeHTML writes one self-contained page: the diagram's data as JSON in a script
// element, the style and the script inline.
func (t *Trace) writeHTML(w *bufio.Writer, sel []int, f Filter) error {
	data, err := json.Marshal(t.diagramOf(sel, f))
	if err != nil {
		return fmt.Errorf("traceview: encoding the diagram: %w", err)
	}
	title := t.title
	if title == "" {
		title = "trace"
	}
	if f.Call != "" {
		title += ", call " + f.Call
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
