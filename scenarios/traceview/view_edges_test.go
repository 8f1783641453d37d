package traceview

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/sim"
)

// TestFmtTimeSigned: a virtual time is written in milliseconds with every
// nanosecond, a negative one with its sign and its magnitude.
func TestFmtTimeSigned(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000000ms"},
		{1, "0.000001ms"},
		{586161103, "586.161103ms"},
		{-1500000, "-1.500000ms"},
		{-1, "-0.000001ms"},
	} {
		if got := fmtTime(tc.d); got != tc.want {
			t.Errorf("fmtTime(%d) = %q, want %q", int64(tc.d), got, tc.want)
		}
	}
}

// TestTextQuotesValues: the text view quotes a value that is empty or holds a space,
// a quote, '=', a backslash, a byte that is not UTF-8 or a rune that does not print,
// and writes any other bare.
func TestTextQuotesValues(t *testing.T) {
	for _, tc := range []struct {
		value, want string
	}{
		{"e1", "reason=e1"},
		{"a/b@n1", "reason=a/b@n1"},
		{"", `reason=""`},
		{"a b", `reason="a b"`},
		{`a"b`, `reason="a\"b"`},
		{"a=b", `reason="a=b"`},
		{`a\b`, `reason="a\\b"`},
		{"a\nb", `reason="a\nb"`},
		{"a\xffb", `reason="a\xffb"`},
	} {
		tr := handTrace(rec(1, "n1", "note", sim.String("reason", tc.value)))
		_, body, _ := strings.Cut(textOf(t, tr, Filter{}), "\n\n")
		lines := strings.Split(body, "\n")
		if len(lines) < 2 || !strings.Contains(lines[1], "note") {
			t.Fatalf("value %q: want a heading and the record, got:\n%s", tc.value, body)
		}
		fields := lines[1][strings.Index(lines[1], "note")+len("note  "):]
		if fields != tc.want {
			t.Errorf("value %q: fields %q, want %q", tc.value, fields, tc.want)
		}
	}
}

// TestTextCastViolationsWithTheWorld: a view of one cast with the world around it
// lists the violations that name the cast, even where the last record in view is a
// fault's, not the cast's.
func TestTextCastViolationsWithTheWorld(t *testing.T) {
	recs := []sim.Record{
		rec(1, "c1", "cast", sim.String("event", "s1"), sim.String("target", "ens:e1")),
		rec(2, "n1", "cast-taken", sim.String("event", "s1"), sim.String("peer", "e1/p1@n1")),
		rec(3, "c1", "cast", sim.String("event", "s2"), sim.String("target", "ens:e1")),
		rec(5, "", "crash", sim.String("node", "n2")),
	}
	for i := range recs {
		recs[i].Seq = uint64(i)
	}
	viol := []Violation{
		{Invariant: "exactly-once", Detail: "cast s1 taken twice"},
		{Invariant: "exactly-once", Detail: "cast s2 taken twice"},
	}
	tr := New(recs, Meta{Title: "casts", Nodes: []string{"c1", "n1", "n2"}, Violations: viol})
	for _, tc := range []struct {
		f    Filter
		want []string
	}{
		{Filter{Cast: "s1"}, []string{"#   exactly-once: cast s1 taken twice"}},
		{Filter{Cast: "s1", World: true}, []string{"#   exactly-once: cast s1 taken twice"}},
		{Filter{Cast: "s2", World: true}, []string{"#   exactly-once: cast s2 taken twice"}},
	} {
		head, _, _ := strings.Cut(textOf(t, tr, tc.f), "\n\n")
		var got []string
		for _, l := range strings.Split(head, "\n") {
			if strings.HasPrefix(l, "#   ") {
				got = append(got, l)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%+v: violations listed (-want +got):\n%s\nhead:\n%s", tc.f, diff, head)
		}
	}
}

// TestFormatStringOutOfRange: a format that is none of the views is written with its
// number, the zero Format included, and does not read back.
func TestFormatStringOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		want string
	}{
		{0, "format(0)"},
		{Text, "text"},
		{HTML, "html"},
		{HTML + 1, "format(4)"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("Format(%d).String() = %q, want %q", uint8(tc.f), got, tc.want)
		}
	}
	if _, err := ParseFormat(""); err == nil {
		t.Error(`ParseFormat("") took the empty name`)
	}
}

// TestTextCallStartedTwice: a call whose call record appears twice (a caller that
// reused a call id) has one row in the table of lives, from its first start.
func TestTextCallStartedTwice(t *testing.T) {
	tr := handTrace(callRec(1, "n1", "n1.1.1"), callRec(2, "n1", "n1.1.1"))
	text := textOf(t, tr, Filter{})
	if !strings.Contains(text, "\n# 1 call\n") {
		t.Errorf("want one call in the table:\n%s", text)
	}
	if n := strings.Count(text, "\nn1.1.1  "); n != 1 {
		t.Errorf("%d rows for n1.1.1, want 1:\n%s", n, text)
	}
}

// TestTextCastTableSeparated: the table of casts follows the table of calls after
// one blank line, and follows "# 0 calls" after its own blank line, never two.
func TestTextCastTableSeparated(t *testing.T) {
	cast := func(ms float64) sim.Record {
		return rec(ms, "n1", "cast", sim.String("event", "s1"), sim.String("target", "ens:e1"))
	}
	for _, tc := range []struct {
		name string
		recs []sim.Record
		want string
	}{
		{"after calls", []sim.Record{callRec(1, "n1", "n1.1.1"), cast(2)}, "\n# 1 call\n\ncall    caller"},
		{"after none", []sim.Record{cast(2)}, "\n# 0 calls\n\n# 1 cast\n\ncast  caster"},
	} {
		text := textOf(t, handTrace(tc.recs...), Filter{})
		if !strings.Contains(text, tc.want) {
			t.Errorf("%s: want %q in:\n%s", tc.name, tc.want, text)
		}
		if strings.Contains(text, "\n\n\n") {
			t.Errorf("%s: two blank lines in a row:\n%s", tc.name, text)
		}
		if i := strings.Index(text, "# 1 cast"); i < 2 || text[i-2:i] != "\n\n" {
			t.Errorf("%s: no blank line before the table of casts:\n%s", tc.name, text)
		}
	}
}

// TestMiBBoundary: a size below one MiB is written in bytes, one MiB and more in MiB.
func TestMiBBoundary(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0 bytes"},
		{1<<20 - 1, "1048575 bytes"},
		{1 << 20, "1.0 MiB"},
		{3 << 19, "1.5 MiB"},
	} {
		if got := mib(tc.n); got != tc.want {
			t.Errorf("mib(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// TestPageTitleEscaped: a title that holds markup (a spec's name may) is escaped in
// the page, as is the call the page is of.
func TestPageTitleEscaped(t *testing.T) {
	recs := []sim.Record{callRec(1, "n1", "n1.1.1")}
	recs[0].Seq = 0
	tr := New(recs, Meta{Title: `<script>alert("x")</script> & co`, Nodes: []string{"n1"}})
	var b strings.Builder
	if err := tr.Write(&b, HTML, Filter{Call: "n1.1.1"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, `<script>alert("x")`) {
		t.Error("the page holds the title's markup unescaped")
	}
	if want := "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co, call n1.1.1"; !strings.Contains(page, want) {
		t.Errorf("the page does not hold the escaped title %q", want)
	}
}
