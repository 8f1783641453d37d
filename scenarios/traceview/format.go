package traceview

import (
	"bufio"
	"fmt"
	"io"
)

// Format is a view of a trace.
type Format uint8

// The views.
const (
	// Text is one aligned line per record, then a table of each call's life.
	Text Format = iota + 1
	// JSONL is the records as canonical JSON (sim.Record.AppendJSON), one per line.
	JSONL
	// HTML is one self-contained page with a space-time diagram.
	HTML
)

var formatNames = [...]string{"", "text", "jsonl", "html"}

// String returns the format's name: text, jsonl or html.
func (f Format) String() string {
	if f > 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}

// ParseFormat reads a format name as String writes it. Anything else returns an error
// wrapping ErrBadFormat.
func ParseFormat(s string) (Format, error) {
	for f := Text; f <= HTML; f++ {
		if formatNames[f] == s {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%w: %q, want text, jsonl or html", ErrBadFormat, s)
}

// Write writes the records f picks to w in the given format. It returns the errors
// of Select, ErrBadFormat, ErrPageTooLarge (before writing anything), and w's write
// errors.
func (t *Trace) Write(w io.Writer, format Format, f Filter) error {
	if format == HTML {
		f.World = true
	}
	sel, err := t.Select(f)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case Text:
		t.writeText(bw, sel, f)
	case JSONL:
		t.writeJSONL(bw, sel)
	case HTML:
		if err := t.writeHTML(bw, sel, f); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: %v", ErrBadFormat, format)
	}
	return bw.Flush()
}

// writeJSONL writes the selected records in their canonical encoding, one a line.
func (t *Trace) writeJSONL(w *bufio.Writer, sel []int) {
	var buf []byte
	for _, i := range sel {
		buf = append(t.recs[i].AppendJSON(buf[:0]), '\n')
		w.Write(buf)
	}
}
