package traceview

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"strings"
)

// The page: a template with four holes, its style and its script. They are embedded
// in the program, and every page carries all three inline: it fetches nothing.
var (
	//go:embed page/page.html
	pageHTML string
	//go:embed page/page.css
	pageCSS string
	//go:embed page/page.js
	pageJS string
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
		"{{JS}}", pageJS,
		"{{DATA}}", string(data),
	)
	_, err = r.WriteString(w, pageHTML)
	return err
}
