package traceview

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestPageTooLarge: a page whose data is more than Meta.MaxHTMLData is refused with
// ErrPageTooLarge, naming both sizes, before a byte is written; a smaller selection
// of the same trace is drawn. A page too large for the browser used to be written
// whole and load blank.
func TestPageTooLarge(t *testing.T) {
	tr := faultsTrace(t)
	var all bytes.Buffer
	if err := tr.Write(&all, HTML, Filter{}); err != nil {
		t.Fatal(err)
	}
	small := *tr
	small.maxData = 2000
	var b bytes.Buffer
	err := small.Write(&b, HTML, Filter{})
	if !errors.Is(err, ErrPageTooLarge) {
		t.Fatalf("a page of %d bytes with a bound of 2000 bytes of data: err %v, want ErrPageTooLarge", all.Len(), err)
	}
	for _, want := range []string{"records is ", " of data, more than a page holds (2000 bytes)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if b.Len() != 0 {
		t.Errorf("a refused page wrote %d bytes", b.Len())
	}
	if err := small.Write(&b, HTML, Filter{From: 1 << 40}); err != nil {
		t.Errorf("an empty window under the same bound: %v", err)
	}
	if MaxHTMLData >= 512<<20 || tr.maxData != MaxHTMLData {
		t.Errorf("the default bound is %d (MaxHTMLData %d); want MaxHTMLData, under V8's 512 MiB strings", tr.maxData, MaxHTMLData)
	}
}

// TestEmptyPageData: the data of a page that keeps no record has every list as [],
// not null (the page reads D.ev.t.length), and a window that starts after the run's
// end is not reversed. Such a page used to stop at a script error, blank.
func TestEmptyPageData(t *testing.T) {
	tr := faultsTrace(t)
	for _, f := range []Filter{{From: time.Hour}, {From: time.Hour, World: true, Call: tr.calls[0].id}} {
		sel, err := tr.Select(f)
		if err != nil || len(sel) != 0 {
			t.Fatalf("%+v: selected %d records, %v; want none", f, len(sel), err)
		}
		data, err := json.Marshal(tr.diagramOf(sel, f))
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			From, To int64
			Ev       map[string]json.RawMessage
		}
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatal(err)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			t.Fatal(err)
		}
		for k, v := range top {
			if string(v) == "null" {
				t.Errorf("%+v: %q is null", f, k)
			}
		}
		if len(d.Ev) != 8 {
			t.Errorf("%+v: ev has %d columns, want 8: %s", f, len(d.Ev), data)
		}
		for k, v := range d.Ev {
			if string(v) != "[]" {
				t.Errorf("%+v: ev.%s = %s, want []", f, k, v)
			}
		}
		if d.From != int64(time.Hour) || d.To < d.From {
			t.Errorf("%+v: from %d to %d; want from 1h, to no earlier", f, d.From, d.To)
		}
	}
}

// TestPageTooLargeEarly: a selection whose records' JSON lines alone pass the bound
// is refused before its diagram is built (for a whole large trace the diagram took
// many times the trace's memory only to be refused), with the same error; the bound
// it reads is a lower bound, under the data of the page.
func TestPageTooLargeEarly(t *testing.T) {
	tr := faultsTrace(t)
	sel, err := tr.Select(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	n, least := tr.drawnData(sel)
	data, err := json.Marshal(tr.diagramOf(sel, Filter{}))
	if err != nil {
		t.Fatal(err)
	}
	if n != tr.Len() || least <= 0 || least >= len(data) {
		t.Fatalf("drawnData: %d records, at least %d bytes; want %d records and a bound under the data's %d bytes", n, least, tr.Len(), len(data))
	}
	small := *tr
	small.maxData = least - 1
	var b bytes.Buffer
	err = small.Write(&b, HTML, Filter{})
	if !errors.Is(err, ErrPageTooLarge) || !strings.Contains(err.Error(), "is more than ") || b.Len() != 0 {
		t.Errorf("a bound under the records' lines: err %v, %d bytes written; want ErrPageTooLarge before the diagram, nothing written", err, b.Len())
	}
}
