package sim

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/zeebo/xxh3"
	"pgregory.net/rapid"
)

func TestAppendJSONGolden(t *testing.T) {
	tests := []struct {
		name string
		r    Record
		want string
	}{
		{
			name: "empty node omitted, escaping, ints",
			r: Record{
				At: 1250 * time.Microsecond, Seq: 7, Kind: "send",
				Attrs: []Attr{
					String("msg", "a \"quoted\"\\path\n\ttab\x01<&>\u2028é"),
					Int("n", -42),
					Dur("d", 3*time.Millisecond),
					Int("max", math.MaxInt64),
					String("", ""),
				},
			},
			want: `{"t":1250000,"seq":7,"kind":"send","msg":"a \"quoted\"\\path\n\ttab\u0001<&>\u2028é","n":-42,"d":3000000,"max":9223372036854775807,"":""}`,
		},
		{
			name: "node present, no attrs",
			r:    Record{At: 0, Seq: 0, Node: "n1", Kind: "deliver"},
			want: `{"t":0,"seq":0,"node":"n1","kind":"deliver"}`,
		},
		{
			name: "escaped node and key, invalid utf-8, control chars",
			r: Record{
				At: 5, Seq: math.MaxUint64, Node: "n\"1", Kind: "",
				Attrs: []Attr{String("k\x1f", "\xff\b\f\r\x7f")},
			},
			want: `{"t":5,"seq":18446744073709551615,"node":"n\"1","kind":"","k\u001f":"\ufffd\b\f\r` + "\x7f" + `"}`,
		},
		{
			// The bytes on either side of utf8.RuneSelf, a lone continuation byte,
			// and the replacement character itself (valid UTF-8: as it is).
			name: "around RuneSelf",
			r:    Record{Kind: "k", Attrs: []Attr{String("a", "\x7e\x80"), String("b", "\ufffd")}},
			want: `{"t":0,"seq":0,"kind":"k","a":"~\ufffd","b":"` + "\ufffd" + `"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("prefix:")
			got := tc.r.AppendJSON(prefix)
			if want := "prefix:" + tc.want; string(got) != want {
				t.Fatalf("AppendJSON\n got: %s\nwant: %s", got, want)
			}
			if !json.Valid(got[len("prefix:"):]) {
				t.Fatalf("not valid JSON: %s", got)
			}
		})
	}
}

// TestJSONStringMatchesEncodingJSON checks the string escaper against
// encoding/json (with HTML escaping off) for arbitrary byte strings.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s string
		if rapid.Bool().Draw(t, "bytes") {
			s = string(rapid.SliceOf(rapid.Byte()).Draw(t, "b"))
		} else {
			s = rapid.String().Draw(t, "s")
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		if got := string(appendJSONString(nil, s)); got != want {
			t.Fatalf("appendJSONString(%q)\n got: %s\nwant: %s", s, got, want)
		}
	})
}

// TestAppendJSONRoundTrip decodes the encoding of random records with
// encoding/json and checks every field survives.
func TestAppendJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := Record{
			At:   time.Duration(rapid.Int64().Draw(t, "at")),
			Seq:  rapid.Uint64().Draw(t, "seq"),
			Node: rapid.String().Draw(t, "node"),
			Kind: rapid.String().Draw(t, "kind"),
		}
		want := map[string]any{"t": json.Number(strconv.FormatInt(int64(r.At), 10)), "seq": json.Number(strconv.FormatUint(r.Seq, 10)), "kind": r.Kind}
		if r.Node != "" {
			want["node"] = r.Node
		}
		for i, n := 0, rapid.IntRange(0, 4).Draw(t, "nattrs"); i < n; i++ {
			key := "a" + rapid.String().Draw(t, "key") // prefix avoids reserved keys
			if _, dup := want[key]; dup {
				continue
			}
			if rapid.Bool().Draw(t, "isint") {
				v := rapid.Int64().Draw(t, "int")
				r.Attrs = append(r.Attrs, Int(key, v))
				want[key] = json.Number(strconv.FormatInt(v, 10))
			} else {
				v := rapid.String().Draw(t, "str")
				r.Attrs = append(r.Attrs, String(key, v))
				want[key] = v
			}
		}
		enc := r.AppendJSON(nil)
		dec := json.NewDecoder(bytes.NewReader(enc))
		dec.UseNumber()
		var got map[string]any
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("decoding %s: %v", enc, err)
		}
		if d := gocmp.Diff(want, got); d != "" {
			t.Fatalf("round trip of %s (-want +got):\n%s", enc, d)
		}
	})
}

// xxh3Hex is the trace hash of stream: the lower-case hex of the 128-bit xxh3 of
// it, computed in one piece.
func xxh3Hex(stream []byte) string {
	sum := xxh3.Hash128(stream).Bytes()
	return hex.EncodeToString(sum[:])
}

// TestTraceHashIsXXH3OfStream pins the hashed bytes: the domain string, then
// each record's entry, spelled out here byte by byte: plain records' canonical
// encodings, and the entries of records of declared kinds (EmitKind), their
// kinds' definitions and their Names' definitions (NameNums' too) and references.
func TestTraceHashIsXXH3OfStream(t *testing.T) {
	w := New(Config{})
	if got, want := w.TraceHash(), xxh3Hex([]byte("ensroute/sim/trace/v4\x00")); got != want {
		t.Fatalf("empty TraceHash = %s, want the xxh3-128 of the domain alone %s", got, want)
	}
	if got := w.TraceHash(); len(got) != 32 {
		t.Fatalf("TraceHash %q is not 32 hex digits", got)
	}
	w.Emit("", "start", String("s", "x\"y"))
	w.RunUntil(1500)
	w.Emit("n2", "send", Int("to", -3))
	_ = w.Kind("unused", "u") // declared, never emitted: not in the hash
	_ = w.Name("unused")      // likewise
	hop := w.Kind("hop", "to", "n")
	n1, n2, n3 := w.Name("n1"), w.Name("n2"), w.Name("n3")
	w.EmitKind(n1, hop, Named("", n2), Int("n", 200))
	w.EmitKind(nil, w.Kind("bare"))
	w.EmitKind(n3, hop, String("to", ""), Int("n", -1))
	w.EmitKind(n2, hop, Named("to", n1), Int("n", 1))
	call := w.NameNum(w.NameNum(n1, 2), 7) // "n1.2.7"
	w.EmitKind(n3, hop, Named("to", call), Int("n", 0))
	w.EmitKind(n3, hop, Named("to", call), Int("n", 0))
	const t1500 = "\xdc\x05\x00\x00\x00\x00\x00\x00" // 1500 as 8 bytes, little-endian
	want := "ensroute/sim/trace/v4\x00" +
		"\x00" + "\x00" + "\x00" + "\x05start" + "\x01" + "\x01s" + "\x00" + "\x03x\"y" + // plain, t=0, no node
		"\x00" + "\xb8\x17" + "\x02n2" + "\x04send" + "\x01" + "\x02to" + "\x01" + "\x05" + // plain, t=1500 and -3 zig-zagged
		"\x01" + "\x03hop" + "\x02" + "\x02to" + "\x01n" + // kind 0 defined at its first record
		"\x02" + t1500 + "\x03\x02n1" + "\x03\x02n2" + "\x01\xc8\x00\x00\x00\x00\x00\x00\x00" + // kind 0: n1 and n2 defined as names 0 and 1; n=200
		"\x01" + "\x04bare" + "\x00" + // kind 1, no keys
		"\x03" + t1500 + "\x00\x00" + // kind 1's record: t, no node (an empty string), no values
		"\x02" + t1500 + "\x03\x02n3" + "\x00\x00" + "\x01\xff\xff\xff\xff\xff\xff\xff\xff" + // kind 0 again, no definition; n3 is name 2; n=-1
		"\x02" + t1500 + "\x02\x01\x00\x00\x00\x00\x00\x00\x00" + "\x02\x00\x00\x00\x00\x00\x00\x00\x00" + "\x01\x01\x00\x00\x00\x00\x00\x00\x00" + // n2 and n1 by number
		"\x02" + t1500 + "\x02\x02\x00\x00\x00\x00\x00\x00\x00" + // n3 by number
		"\x04" + "\x04" + "\x02\x00\x00\x00\x00\x00\x00\x00\x00" + "\x02\x00\x00\x00\x00\x00\x00\x00" + "\x07\x00\x00\x00\x00\x00\x00\x00" + // n1.2 (name 3: n1 and 2) defined in n1.2.7's definition (name 4: n1.2 and 7)
		"\x01\x00\x00\x00\x00\x00\x00\x00\x00" +
		"\x02" + t1500 + "\x02\x02\x00\x00\x00\x00\x00\x00\x00" + "\x02\x04\x00\x00\x00\x00\x00\x00\x00" + "\x01\x00\x00\x00\x00\x00\x00\x00\x00" // n3 and n1.2.7 by number
	if got := w.TraceHash(); got != xxh3Hex([]byte(want)) {
		t.Fatalf("TraceHash = %s, want the xxh3-128 of %q", got, want)
	}
	if first, again := w.TraceHash(), w.TraceHash(); first != again {
		t.Fatal("TraceHash is not idempotent")
	}
	if w.TraceLen() != 8 {
		t.Fatalf("TraceLen = %d, want 8", w.TraceLen())
	}
	// Past the hashing chunk, and a string long enough for a two-byte length.
	long := strings.Repeat("z", 300)
	a, b := New(Config{}), New(Config{})
	for i := range 100 {
		a.Emit("n1", "k", String("v", long), Int("i", int64(i)))
		b.Emit("n1", "k", String("v", long), Int("i", int64(i)))
	}
	b.Emit("n1", "k")
	if a.TraceHash() == b.TraceHash() {
		t.Fatal("one more record did not change the hash")
	}
}

// TestCanonicalIsInjective: two random records with the same canonical encoding
// are the same record (Seq aside, which the encoding leaves to the position), and
// no encoding is a proper prefix of another, so concatenations do not collide.
func TestCanonicalIsInjective(t *testing.T) {
	attr := rapid.Custom(func(t *rapid.T) Attr {
		k := rapid.SampledFrom([]string{"", "a", "ab", "b"}).Draw(t, "key")
		if rapid.Bool().Draw(t, "int") {
			return Int(k, rapid.Int64Range(-300, 300).Draw(t, "i"))
		}
		return String(k, rapid.SampledFrom([]string{"", "a", "ab", "\x01", "\x00a"}).Draw(t, "s"))
	})
	rec := rapid.Custom(func(t *rapid.T) Record {
		return Record{
			At:    time.Duration(rapid.Int64Range(-200, 200).Draw(t, "at")),
			Node:  rapid.SampledFrom([]string{"", "n", "n1"}).Draw(t, "node"),
			Kind:  rapid.SampledFrom([]string{"", "k", "kn"}).Draw(t, "kind"),
			Attrs: rapid.SliceOfN(attr, 0, 3).Draw(t, "attrs"),
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		a, b := rec.Draw(t, "a"), rec.Draw(t, "b")
		ea, eb := a.AppendCanonical(nil), b.AppendCanonical(nil)
		same := a.At == b.At && a.Node == b.Node && a.Kind == b.Kind && len(a.Attrs) == len(b.Attrs)
		for i := 0; same && i < len(a.Attrs); i++ {
			same = a.Attrs[i] == b.Attrs[i] || (a.Attrs[i].Key == b.Attrs[i].Key && a.Attrs[i].IsInt == b.Attrs[i].IsInt &&
				(a.Attrs[i].IsInt && a.Attrs[i].Int == b.Attrs[i].Int || !a.Attrs[i].IsInt && a.Attrs[i].Str == b.Attrs[i].Str))
		}
		if bytes.Equal(ea, eb) != same {
			t.Fatalf("records %+v and %+v: equal encodings %v, equal records %v", a, b, bytes.Equal(ea, eb), same)
		}
		if !same && (bytes.HasPrefix(ea, eb) || bytes.HasPrefix(eb, ea)) {
			t.Fatalf("the encoding of one of %+v and %+v is a prefix of the other's", a, b)
		}
	})
}

func TestTraceHashSensitivity(t *testing.T) {
	type rec struct {
		at    time.Duration
		node  string
		kind  string
		attrs []Attr
	}
	base := []rec{
		{0, "", "start", nil},
		{10, "n1", "send", []Attr{Int("to", 2), String("msg", "hi")}},
		{10, "n2", "deliver", []Attr{Dur("lat", 5), String("ok", "1")}},
	}
	run := func(recs []rec) string {
		w := New(Config{})
		for _, r := range recs {
			w.RunUntil(r.at)
			w.Emit(r.node, r.kind, r.attrs...)
		}
		return w.TraceHash()
	}
	clone := func() []rec {
		out := make([]rec, len(base))
		for i, r := range base {
			r.attrs = append([]Attr(nil), r.attrs...)
			out[i] = r
		}
		return out
	}
	baseHash := run(base)
	if run(clone()) != baseHash {
		t.Fatal("the same program gave a different hash")
	}
	mutations := map[string]func([]rec) []rec{
		"time":           func(r []rec) []rec { r[1].at = 11; return r },
		"node":           func(r []rec) []rec { r[1].node = "n9"; return r },
		"node emptied":   func(r []rec) []rec { r[1].node = ""; return r },
		"node added":     func(r []rec) []rec { r[0].node = "n0"; return r },
		"kind":           func(r []rec) []rec { r[2].kind = "drop"; return r },
		"attr key":       func(r []rec) []rec { r[1].attrs[0].Key = "too"; return r },
		"attr int":       func(r []rec) []rec { r[1].attrs[0].Int = 3; return r },
		"attr str":       func(r []rec) []rec { r[1].attrs[1].Str = "ho"; return r },
		"int vs string":  func(r []rec) []rec { r[2].attrs[1] = Int("ok", 1); return r },
		"attr order":     func(r []rec) []rec { a := r[1].attrs; a[0], a[1] = a[1], a[0]; return r },
		"attr added":     func(r []rec) []rec { r[0].attrs = []Attr{String("", "")}; return r },
		"attr removed":   func(r []rec) []rec { r[2].attrs = r[2].attrs[:1]; return r },
		"record order":   func(r []rec) []rec { r[1], r[2] = r[2], r[1]; return r },
		"record removed": func(r []rec) []rec { return r[1:] },
		// Same records, but an extra one first shifts every Seq.
		"seq shifted": func(r []rec) []rec { return append([]rec{{0, "", "x", nil}}, r...) },
		// Moving a boundary between adjacent strings must not collide.
		"boundary": func(r []rec) []rec { r[1].node, r[1].kind = "n1s", "end"; return r },
	}
	seen := map[string]string{baseHash: "base"}
	for name, mutate := range mutations {
		h := run(mutate(clone()))
		if prev, ok := seen[h]; ok {
			t.Errorf("mutation %q gives the same hash as %q", name, prev)
		}
		seen[h] = name
	}
}

func TestKeepTrace(t *testing.T) {
	w := New(Config{})
	w.Emit("n", "x")
	if w.Trace() != nil {
		t.Fatal("Trace() non-nil without KeepTrace")
	}
	if w.TraceLen() != 1 {
		t.Fatalf("TraceLen = %d without KeepTrace, want 1", w.TraceLen())
	}

	k := New(Config{KeepTrace: true})
	attrs := []Attr{Int("a", 1), String("b", "two")}
	k.Emit("", "first", attrs...)
	attrs[0].Int = 99 // the record must hold its own copy
	k.RunUntil(2 * time.Millisecond)
	k.Emit("n3", "second")
	want := []Record{
		{At: 0, Seq: 0, Kind: "first", Attrs: []Attr{Int("a", 1), String("b", "two")}},
		{At: 2 * time.Millisecond, Seq: 1, Node: "n3", Kind: "second"},
	}
	if d := gocmp.Diff(want, k.Trace()); d != "" {
		t.Fatalf("Trace (-want +got):\n%s", d)
	}
	// The retained records re-encode to the hashed bytes.
	buf := []byte(hashDomain)
	for _, r := range k.Trace() {
		buf = r.AppendCanonical(buf)
	}
	if k.TraceHash() != xxh3Hex(buf) {
		t.Fatal("retained records do not re-encode to the hashed trace")
	}
	// KeepTrace does not change the hash.
	n := New(Config{})
	n.Emit("", "first", Int("a", 1), String("b", "two"))
	n.RunUntil(2 * time.Millisecond)
	n.Emit("n3", "second")
	if n.TraceHash() != k.TraceHash() {
		t.Fatal("KeepTrace changed the hash")
	}
}

func TestAttrConstructors(t *testing.T) {
	got := []Attr{String("k", "v"), Int("n", -3), Dur("d", 1500*time.Microsecond)}
	want := []Attr{
		{Key: "k", Str: "v"},
		{Key: "n", Int: -3, IsInt: true},
		{Key: "d", Int: 1_500_000, IsInt: true},
	}
	if d := gocmp.Diff(want, got); d != "" {
		t.Fatalf("constructors (-want +got):\n%s", d)
	}
}

func TestRecordString(t *testing.T) {
	tests := []struct {
		r    Record
		want string
	}{
		{
			Record{At: 1250 * time.Microsecond, Node: "n1", Kind: "send", Attrs: []Attr{Int("to", 2), String("msg", "hi")}},
			"     1.250ms n1       send to=2 msg=hi",
		},
		{
			Record{At: 0, Kind: "start"},
			"     0.000ms -        start",
		},
		{
			Record{At: 999, Node: "router-east", Kind: "call", Attrs: []Attr{String("q", "a b"), String("e", ""), String("eq", "x=y")}},
			`     0.000ms router-east call q="a b" e="" eq="x=y"`,
		},
		{
			Record{At: 1234567*time.Millisecond + 1999, Node: "n", Kind: "k"},
			"1234567.001ms n        k",
		},
		{
			Record{At: -1500 * time.Microsecond, Node: "n", Kind: "k"},
			"    -1.500ms n        k",
		},
		{ // columns are counted in characters, not bytes
			Record{At: 0, Node: "nœud-é", Kind: "k"},
			"     0.000ms nœud-é   k",
		},
		{ // a bad byte is quoted, and so told apart from U+FFFD, which is not
			Record{At: 0, Node: "n", Kind: "k", Attrs: []Attr{String("v", "a\xffb"), String("w", "a\uFFFDb")}},
			"     0.000ms n        k v=\"a\\xffb\" w=a\uFFFDb",
		},
	}
	for _, tc := range tests {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("String()\n got: %q\nwant: %q", got, tc.want)
		}
	}
}

// TestSinkSeesWhatIsKept: a World's Sink is handed every record, in order, exactly
// as KeepTrace keeps it, whether the World also hashes or keeps its trace, and a
// Sink changes neither the hash nor the kept trace. Records come from Emit and EmitKind,
// with plain, named and numbered values.
func TestSinkSeesWhatIsKept(t *testing.T) {
	type op struct {
		kind      int // -1: Emit
		node, val int // indexes into the names; -1 none
		n         int64
		s         string
		advance   time.Duration
	}
	rapid.Check(t, func(t *rapid.T) {
		ops := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) op {
			return op{kind: rapid.IntRange(-1, 2).Draw(t, "kind"), node: rapid.IntRange(-1, 3).Draw(t, "node"),
				val: rapid.IntRange(-1, 3).Draw(t, "val"), n: rapid.Int64().Draw(t, "n"), s: rapid.StringN(0, 5, -1).Draw(t, "s"),
				advance: time.Duration(rapid.IntRange(0, 2).Draw(t, "advance"))}
		}), 1, 60).Draw(t, "ops")
		run := func(cfg Config) (w *World, sunk []Record) {
			if cfg.Sink != nil {
				cfg.Sink = func(r *Record) {
					c := *r
					c.Attrs = append([]Attr(nil), r.Attrs...)
					sunk = append(sunk, c)
				}
			}
			w = New(cfg)
			kinds := []*Kind{w.Kind("a"), w.Kind("b", "x"), w.Kind("c", "x", "y")}
			names := []*Name{w.Name("n1"), w.Name("n2")}
			names = append(names, w.NameNum(names[0], 7), w.NameNum(names[1], 1<<63))
			pick := func(i int) *Name {
				if i < 0 {
					return nil
				}
				return names[i]
			}
			for _, o := range ops {
				w.now += o.advance
				val := Attr{Int: o.n, IsInt: o.val < 0, Str: o.s, Name: pick(o.val)}
				if o.kind < 0 {
					node := ""
					if n := pick(o.node); n != nil {
						node = n.String()
					}
					w.Emit(node, "plain", val, String("s", o.s))
					continue
				}
				attrs := []Attr{val, Int("", o.n)}[:o.kind]
				w.EmitKind(pick(o.node), kinds[o.kind], attrs...)
			}
			return w, sunk
		}
		kept, _ := run(Config{KeepTrace: true, NoHash: true})
		want := kept.Trace()
		for _, cfg := range []Config{{}, {KeepTrace: true}, {NoHash: true}, {KeepTrace: true, NoHash: true}} {
			plain, _ := run(cfg)
			cfg.Sink = func(*Record) {}
			w, sunk := run(cfg)
			if d := gocmp.Diff(want, sunk); d != "" {
				t.Fatalf("%+v: the Sink saw (-kept +sunk):\n%s", cfg, d)
			}
			// TraceLen counts what is recorded: every record, now that a Sink takes them.
			if w.TraceHash() != plain.TraceHash() || w.TraceLen() != uint64(len(want)) {
				t.Fatalf("%+v: with a Sink the hash %s -> %s, TraceLen %d, want %d", cfg, plain.TraceHash(), w.TraceHash(), w.TraceLen(), len(want))
			}
			if cfg.KeepTrace {
				if d := gocmp.Diff(want, w.Trace()); d != "" {
					t.Fatalf("%+v: with a Sink, the kept trace (-without +with):\n%s", cfg, d)
				}
			}
		}
	})
}

// TestHashBufferStaysBounded: the encodings of a hashed run reach the hash a chunk
// at a time, so the buffer that gathers them stays under a chunk, at the size it was
// made, however long the run: records by Emit and by EmitKind alike, none of them
// kept. A run whose buffer kept every encoding would hold its whole trace in memory.
func TestHashBufferStaysBounded(t *testing.T) {
	w := New(Config{})
	size := cap(w.encBuf)
	k := w.Kind("kind", "key")
	node := w.Name("n1")
	for i := range 5000 {
		w.now = time.Duration(i)
		if i%2 == 0 {
			w.Emit("n1", "plain", String("key", "a value of a few bytes"))
		} else {
			w.EmitKind(node, k, String("key", "a value of a few bytes"))
		}
		if len(w.encBuf) >= hashChunk || cap(w.encBuf) != size {
			t.Fatalf("after %d records: %d bytes gathered in a buffer of %d, want under %d in the buffer of %d made at first",
				i+1, len(w.encBuf), cap(w.encBuf), hashChunk, size)
		}
	}
}
