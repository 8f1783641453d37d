package traceview

import (
	"bytes"
	"errors"
	"strings"
	"testing"
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
