package sim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestEmitKindKeepsWhatEmitKeeps: the same records emitted with Emit and with
// EmitKind are kept alike and render to the same JSON; only the hash differs. The
// kept record takes the kind's keys, whatever keys the values carry, the node's
// and the named values' strings (a named value is its Name's string, whatever its
// Str holds; a NameNum's is its prefix's, a dot and its number), and holds its own
// copy of the values, with no Name in it.
func TestEmitKindKeepsWhatEmitKeeps(t *testing.T) {
	plain, kinds := New(Config{KeepTrace: true}), New(Config{KeepTrace: true})
	send := kinds.Kind("send", "msg", "to")
	none := kinds.Kind("tick")
	n1, n2 := kinds.Name("n1"), kinds.Name("n2")
	vals := []Attr{Int("", 7), Named("wrong", n2)}
	kinds.EmitKind(n1, send, vals...)
	vals[0].Int = 99 // the record must hold its own copy
	plain.Emit("n1", "send", Int("msg", 7), String("to", "n2"))
	for _, w := range []*World{plain, kinds} {
		w.RunUntil(3 * time.Millisecond)
	}
	kinds.EmitKind(nil, none)
	plain.Emit("", "tick")
	kinds.EmitKind(n2, send, Int("msg", -1), String("to", ""))
	plain.Emit("n2", "send", Int("msg", -1), String("to", ""))
	kinds.EmitKind(n1, send, Int("msg", 3), Attr{Str: "stale", Name: n1})
	plain.Emit("n1", "send", Int("msg", 3), String("to", "n1"))
	inc := kinds.NameNum(n1, 2)
	kinds.EmitKind(inc, send, Int("msg", 4), Named("", kinds.NameNum(kinds.NameNum(kinds.Name(""), 0), 1<<64-1)))
	plain.Emit("n1.2", "send", Int("msg", 4), String("to", ".0.18446744073709551615"))
	if d := gocmp.Diff(plain.Trace(), kinds.Trace()); d != "" {
		t.Fatalf("kept trace (-Emit +EmitKind):\n%s", d)
	}
	for i, r := range kinds.Trace() {
		if got, want := string(r.AppendJSON(nil)), string(plain.Trace()[i].AppendJSON(nil)); got != want {
			t.Errorf("record %d: JSON %s, want %s", i, got, want)
		}
	}
	if plain.TraceHash() == kinds.TraceHash() {
		t.Fatal("records emitted with EmitKind hash like plain ones")
	}
	if kinds.TraceLen() != 5 {
		t.Fatalf("TraceLen = %d, want 5", kinds.TraceLen())
	}
}

// TestNamedInPlainRecords: a named value in a record emitted with Emit is its
// Name's string, kept, rendered and hashed as String's would be.
func TestNamedInPlainRecords(t *testing.T) {
	named, str := New(Config{KeepTrace: true}), New(Config{KeepTrace: true})
	n := named.Name("n2")
	named.Emit("n1", "send", Named("to", n), Attr{Key: "via", Str: "stale", Name: n})
	str.Emit("n1", "send", String("to", "n2"), String("via", "n2"))
	if d := gocmp.Diff(str.Trace(), named.Trace()); d != "" {
		t.Fatalf("kept trace (-String +Named):\n%s", d)
	}
	if named.TraceHash() != str.TraceHash() {
		t.Fatal("a named value in a plain record hashes unlike its string")
	}
	r := Record{Node: "n1", Kind: "send", Attrs: []Attr{Named("to", n), {Key: "via", Str: "stale", Name: n}}}
	if got, want := string(r.AppendJSON(nil)), string(str.Trace()[0].AppendJSON(nil)); got != want {
		t.Errorf("AppendJSON = %s, want %s", got, want)
	}
	if got, want := r.String(), str.Trace()[0].String(); got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

// TestEmitKindPanics: a kind or a Name of another world, or values that do not
// match its keys, are programming errors.
func TestEmitKindPanics(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	k, n := a.Kind("k", "x"), a.Name("n")
	for name, emit := range map[string]func(){
		"other world":       func() { b.EmitKind(nil, k, Int("x", 1)) },
		"too few":           func() { a.EmitKind(nil, k) },
		"too many":          func() { a.EmitKind(nil, k, Int("x", 1), Int("y", 2)) },
		"none of many":      func() { a.EmitKind(nil, a.Kind("none"), Int("x", 1)) },
		"node of another":   func() { b.EmitKind(n, b.Kind("k", "x"), Int("x", 1)) },
		"value of another":  func() { b.EmitKind(nil, b.Kind("k", "x"), Named("x", n)) },
		"defined elsewhere": func() { a.EmitKind(n, k, Int("x", 1)); b.EmitKind(nil, b.Kind("k", "x"), Named("x", n)) },
		"num of another":    func() { b.NameNum(n, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: EmitKind did not panic", name)
				}
			}()
			emit()
		}()
	}
	if b.TraceLen() != 0 {
		t.Fatalf("a panicking EmitKind traced records: %d", b.TraceLen())
	}
}

// TestKindHashSensitivity: the hash sees a kind's name, its keys and their order,
// and which records share a kind.
func TestKindHashSensitivity(t *testing.T) {
	run := func(name string, keys []string, shared bool) string {
		w := New(Config{})
		k := w.Kind(name, keys...)
		n1 := w.Name("n1")
		w.EmitKind(n1, k, Int("", 1), String("", "v"))
		if !shared {
			k = w.Kind(name, keys...)
		}
		w.EmitKind(n1, k, Int("", 1), String("", "v"))
		return w.TraceHash()
	}
	seen := map[string]string{}
	for _, c := range []struct {
		label  string
		name   string
		keys   []string
		shared bool
	}{
		{"base", "send", []string{"msg", "to"}, true},
		{"name", "sent", []string{"msg", "to"}, true},
		{"key", "send", []string{"msg", "at"}, true},
		{"key order", "send", []string{"to", "msg"}, true},
		{"key boundary", "send", []string{"msgt", "o"}, true},
		{"two kinds alike", "send", []string{"msg", "to"}, false},
	} {
		h := run(c.name, c.keys, c.shared)
		if prev, ok := seen[h]; ok {
			t.Errorf("%s gives the same hash as %s", c.label, prev)
		}
		seen[h] = c.label
	}
}

// TestNameHashSensitivity: records of names hash apart when their traces
// differ only in a name's string, in which name a record carries, or in the
// order in which names first appear (so which is defined first); and when the
// same strings are carried as Names in one run and as strings in another, or by
// one Name in one run and two Names alike in another (emitted another way). The
// same program hashes alike.
func TestNameHashSensitivity(t *testing.T) {
	type rec struct {
		node string
		vals []string // "=s" is String("", s), anything else a Name
	}
	run := func(recs []rec, split bool) string {
		w := New(Config{})
		k := w.Kind("k", "a", "b")
		names := map[string]*Name{}
		name := func(s string) *Name {
			if n := names[s]; n != nil {
				return n
			}
			n := w.Name(s)
			if !split {
				names[s] = n
			}
			return n
		}
		for _, r := range recs {
			var vals []Attr
			for _, v := range r.vals {
				if len(v) > 0 && v[0] == '=' {
					vals = append(vals, String("", v[1:]))
				} else {
					vals = append(vals, Named("", name(v)))
				}
			}
			w.EmitKind(name(r.node), k, vals...)
		}
		return w.TraceHash()
	}
	base := []rec{{"n1", []string{"x", "y"}}, {"n2", []string{"y", "x"}}, {"n1", []string{"x", "x"}}}
	cases := []struct {
		label string
		recs  []rec
		split bool
	}{
		{"base", base, false},
		{"a name's string", []rec{{"n1", []string{"x", "z"}}, {"n2", []string{"z", "x"}}, {"n1", []string{"x", "x"}}}, false},
		{"a node's string", []rec{{"n1", []string{"x", "y"}}, {"n3", []string{"y", "x"}}, {"n1", []string{"x", "x"}}}, false},
		{"the name carried", []rec{{"n1", []string{"x", "y"}}, {"n2", []string{"y", "x"}}, {"n1", []string{"x", "y"}}}, false},
		{"the name defined first", []rec{{"n1", []string{"y", "x"}}, {"n2", []string{"y", "x"}}, {"n1", []string{"x", "x"}}}, false},
		{"names swapped throughout", []rec{{"n1", []string{"y", "x"}}, {"n2", []string{"x", "y"}}, {"n1", []string{"y", "y"}}}, false},
		{"node and value swapped", []rec{{"x", []string{"n1", "y"}}, {"n2", []string{"y", "n1"}}, {"x", []string{"n1", "n1"}}}, false},
		{"a string for a name", []rec{{"n1", []string{"x", "y"}}, {"n2", []string{"y", "x"}}, {"n1", []string{"x", "=x"}}}, false},
		{"two names alike", base, true},
	}
	seen := map[string]string{}
	for _, c := range cases {
		h := run(c.recs, c.split)
		if prev, ok := seen[h]; ok {
			t.Errorf("%s gives the same hash as %s", c.label, prev)
		}
		seen[h] = c.label
	}
	if first, again := run(base, false), run(base, false); first != again {
		t.Fatal("the same program gave a different hash")
	}
}

// TestNameNumHashSensitivity: a NameNum's definition holds its prefix and its
// number: records of NameNums hash apart when their traces differ only in a
// number, in a prefix's string, or in which prefix a NameNum has; and when the
// same strings are carried by NameNums in one run and by Names in another, or by
// NameNums built another way (emitted another way). The same program hashes
// alike.
func TestNameNumHashSensitivity(t *testing.T) {
	run := func(build func(w *World) [2]*Name) string {
		w := New(Config{})
		k := w.Kind("k", "a")
		names := build(w)
		w.EmitKind(names[0], k, Named("", names[1]))
		w.EmitKind(names[1], k, Named("", names[0]))
		w.EmitKind(nil, k, Named("", names[1]))
		return w.TraceHash()
	}
	cases := []struct {
		label string
		build func(w *World) [2]*Name
	}{
		{"base: n1.2.7 and n1.2.8", func(w *World) [2]*Name {
			p := w.NameNum(w.Name("n1"), 2)
			return [2]*Name{w.NameNum(p, 7), w.NameNum(p, 8)}
		}},
		{"a number: n1.2.7 and n1.2.9", func(w *World) [2]*Name {
			p := w.NameNum(w.Name("n1"), 2)
			return [2]*Name{w.NameNum(p, 7), w.NameNum(p, 9)}
		}},
		{"a prefix's number: n1.3.7 and n1.3.8", func(w *World) [2]*Name {
			p := w.NameNum(w.Name("n1"), 3)
			return [2]*Name{w.NameNum(p, 7), w.NameNum(p, 8)}
		}},
		{"a prefix's string: n2.2.7 and n2.2.8", func(w *World) [2]*Name {
			p := w.NameNum(w.Name("n2"), 2)
			return [2]*Name{w.NameNum(p, 7), w.NameNum(p, 8)}
		}},
		{"the prefix: n1.2.7 and n1.3.8", func(w *World) [2]*Name {
			n1 := w.Name("n1")
			return [2]*Name{w.NameNum(w.NameNum(n1, 2), 7), w.NameNum(w.NameNum(n1, 3), 8)}
		}},
		{"Names for NameNums", func(w *World) [2]*Name {
			return [2]*Name{w.Name("n1.2.7"), w.Name("n1.2.8")}
		}},
		{"prefixes for NameNums", func(w *World) [2]*Name {
			p := w.Name("n1.2")
			return [2]*Name{w.NameNum(p, 7), w.NameNum(p, 8)}
		}},
		{"two prefixes alike", func(w *World) [2]*Name {
			n1 := w.Name("n1")
			return [2]*Name{w.NameNum(w.NameNum(n1, 2), 7), w.NameNum(w.NameNum(n1, 2), 8)}
		}},
	}
	seen := map[string]string{}
	for _, c := range cases {
		h := run(c.build)
		if prev, ok := seen[h]; ok {
			t.Errorf("%s gives the same hash as %s", c.label, prev)
		}
		seen[h] = c.label
	}
	if first, again := run(cases[0].build), run(cases[0].build); first != again {
		t.Fatal("the same program gave a different hash")
	}
}

// TestNameNumString: a NameNum stands for its prefix's string, a dot and its number
// in decimal, at any depth, and is written out only when asked for.
func TestNameNumString(t *testing.T) {
	w := New(Config{})
	n := w.NameNum(w.NameNum(w.Name("n1"), 2), 1<<64-1)
	empty := w.NameNum(w.Name(""), 0)
	if n.s != "" || n.prefix.s != "" {
		t.Fatalf("a NameNum wrote out its string before it was asked for: %q, %q", n.s, n.prefix.s)
	}
	for _, c := range []struct {
		n    *Name
		want string
	}{{n, "n1.2.18446744073709551615"}, {n.prefix, "n1.2"}, {empty, ".0"}, {w.NameNum(empty, 10), ".0.10"}} {
		if got := c.n.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
		if got := c.n.String(); got != c.want {
			t.Errorf("String() again = %q, want %q", got, c.want)
		}
	}
}

// teeHash is a hash that also keeps every byte written to it: the hashed stream.
type teeHash struct {
	hash.Hash
	got *bytes.Buffer
}

func (h teeHash) Write(p []byte) (int, error) {
	h.got.Write(p)
	return h.Hash.Write(p)
}

// decoded is one record read back from a hashed stream.
type decoded struct {
	Rec    Record
	ByKind bool // emitted with EmitKind
}

// decodeStream reads a hashed stream back into its records, following the grammar
// of Record.AppendCanonical's doc with encoding/binary's readers. It fails on
// anything the grammar does not allow, and on bytes left over.
func decodeStream(b []byte) ([]decoded, error) {
	r := bytes.NewReader(b)
	fail := func(what string) error { return fmt.Errorf("at byte %d: %s", len(b)-r.Len(), what) }
	uv := func() uint64 {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			panic(fail("bad uvarint"))
		}
		return v
	}
	u64 := func() uint64 {
		var v uint64
		if err := binary.Read(r, binary.LittleEndian, &v); err != nil {
			panic(fail("bad u64"))
		}
		return v
	}
	str := func() string {
		n := uv()
		if n > uint64(r.Len()) {
			panic(fail("string past the end"))
		}
		s := make([]byte, n)
		_, _ = r.Read(s)
		return string(s)
	}
	tag := func() byte {
		t, err := r.ReadByte()
		if err != nil {
			panic(fail("no value"))
		}
		return t
	}
	// value is a plain record's value.
	value := func(key string) Attr {
		switch tag() {
		case 0:
			return String(key, str())
		case 1:
			v, err := binary.ReadVarint(r)
			if err != nil {
				panic(fail("bad varint"))
			}
			return Int(key, v)
		default:
			panic(fail("bad value tag"))
		}
	}
	var names []string
	// kvalue is a value of a kind's record: it may be a Name, defined or
	// referred to.
	var kvalue func(key string) Attr
	kvalue = func(key string) Attr {
		switch tag() {
		case valStr:
			return String(key, str())
		case valInt:
			return Int(key, int64(u64()))
		case valRef:
			i := u64()
			if i >= uint64(len(names)) {
				panic(fail("reference to an undefined name"))
			}
			return String(key, names[i])
		case valDef:
			names = append(names, str())
			return String(key, names[len(names)-1])
		case valDefNum:
			prefix := kvalue("") // defines the prefix first, if it is new
			if prefix.IsInt {
				panic(fail("a number for a name's prefix"))
			}
			names = append(names, prefix.Str+"."+strconv.FormatUint(u64(), 10))
			return String(key, names[len(names)-1])
		default:
			panic(fail("bad value tag"))
		}
	}
	at := func() time.Duration {
		v, err := binary.ReadVarint(r)
		if err != nil {
			panic(fail("bad time"))
		}
		return time.Duration(v)
	}
	type kind struct {
		name string
		keys []string
	}
	var (
		out   []decoded
		kinds []kind
		err   error
	)
	func() {
		defer func() {
			if e := recover(); e != nil {
				err = e.(error)
			}
		}()
		domain := make([]byte, len(hashDomain))
		if _, _ = r.Read(domain); string(domain) != hashDomain {
			panic(fail("no domain"))
		}
		for r.Len() > 0 {
			switch tag := uv(); tag {
			case 0:
				rec := Record{At: at(), Node: str(), Kind: str()}
				for n := uv(); n > 0; n-- {
					rec.Attrs = append(rec.Attrs, value(str()))
				}
				out = append(out, decoded{Rec: rec})
			case 1:
				k := kind{name: str()}
				for n := uv(); n > 0; n-- {
					k.keys = append(k.keys, str())
				}
				kinds = append(kinds, k)
			default:
				if tag-2 >= uint64(len(kinds)) {
					panic(fail("record of an undefined kind"))
				}
				k := kinds[tag-2]
				rec := Record{At: time.Duration(u64()), Kind: k.name}
				node := kvalue("")
				if node.IsInt {
					panic(fail("a number for a node"))
				}
				rec.Node = node.Str
				for _, key := range k.keys {
					rec.Attrs = append(rec.Attrs, kvalue(key))
				}
				out = append(out, decoded{Rec: rec, ByKind: true})
			}
		}
	}()
	return out, err
}

// TestStreamDecodes: a random mix of plain records and records of declared
// kinds (some alike, some never used), with nodes and values as strings or as
// Names (some Names of the same string, some NameNums of others, some declared
// and never used, some carried by plain records), hashes a stream that decodes to
// exactly the records kept, each marked with how it was emitted. So the stream is uniquely
// decodable: two runs hash alike only if they emitted the same records the same
// way.
func TestStreamDecodes(t *testing.T) {
	short := rapid.SampledFrom([]string{"", "a", "ab", "b", "\x01", "\x00a"})
	rapid.Check(t, func(t *rapid.T) {
		var got bytes.Buffer
		w := New(Config{KeepTrace: true})
		w.hash = teeHash{Hash: w.hash, got: &got}
		var names []*Name
		for i := rapid.IntRange(0, 5).Draw(t, "names"); i > 0; i-- {
			if len(names) > 0 && rapid.Bool().Draw(t, "num") {
				// A NameNum, of a Name or of another NameNum.
				prefix := rapid.SampledFrom(names).Draw(t, "prefix")
				names = append(names, w.NameNum(prefix, rapid.SampledFrom([]uint64{0, 1, 12, 1 << 63}).Draw(t, "n")))
				continue
			}
			names = append(names, w.Name(short.Draw(t, "name")))
		}
		value := rapid.Custom(func(t *rapid.T) Attr {
			switch {
			case rapid.Bool().Draw(t, "int"):
				return Int("", rapid.Int64Range(-300, 300).Draw(t, "i"))
			case len(names) > 0 && rapid.Bool().Draw(t, "named"):
				return Named("", rapid.SampledFrom(names).Draw(t, "n"))
			}
			return String("", short.Draw(t, "s"))
		})
		var kinds []*Kind
		for i := rapid.IntRange(0, 4).Draw(t, "kinds"); i > 0; i-- {
			kinds = append(kinds, w.Kind(short.Draw(t, "name"), rapid.SliceOfN(short, 0, 3).Draw(t, "keys")...))
		}
		var byKind []bool
		for i := rapid.IntRange(0, 8).Draw(t, "records"); i > 0; i-- {
			w.now += time.Duration(rapid.Int64Range(0, 200).Draw(t, "dt"))
			if len(kinds) > 0 && rapid.Bool().Draw(t, "by kind") {
				var node *Name
				if len(names) > 0 && rapid.Bool().Draw(t, "has node") {
					node = rapid.SampledFrom(names).Draw(t, "node")
				}
				k := rapid.SampledFrom(kinds).Draw(t, "kind")
				w.EmitKind(node, k, rapid.SliceOfN(value, len(k.Keys()), len(k.Keys())).Draw(t, "values")...)
				byKind = append(byKind, true)
				continue
			}
			attrs := rapid.SliceOfN(value, 0, 3).Draw(t, "attrs")
			for i := range attrs {
				attrs[i].Key = short.Draw(t, "key")
			}
			w.Emit(short.Draw(t, "node"), short.Draw(t, "plain kind"), attrs...)
			byKind = append(byKind, false)
		}
		w.TraceHash() // flushes the stream into got
		dec, err := decodeStream(got.Bytes())
		if err != nil {
			t.Fatalf("stream %q does not decode: %v", got.Bytes(), err)
		}
		var want []decoded
		for i, r := range w.Trace() {
			r.Seq = 0 // the position, not in the stream
			want = append(want, decoded{Rec: r, ByKind: byKind[i]})
		}
		if d := gocmp.Diff(want, dec); d != "" {
			t.Fatalf("stream %q decodes to other records (-kept +decoded):\n%s", got.Bytes(), d)
		}
	})
}

// EmitKind allocates nothing without KeepTrace, like Emit.
func TestEmitKindAllocatesNothing(t *testing.T) {
	w := New(Config{Seed: 1})
	k := w.Kind("send", "msg", "to", "call", "budget", "code")
	n1, n2, ok := w.Name("n1"), w.Name("n2"), w.Name("ok")
	w.EmitKind(n1, k, Int("", 0), Named("", n2), String("", ""), Int("", 0), Named("", ok)) // defines the kind and names
	var n int64
	if got := testing.AllocsPerRun(10_000, func() {
		n++
		w.EmitKind(n1, k, Int("msg", n), Named("to", n2), String("call", "n1.1.7"), Dur("budget", 5), Named("code", ok))
	}); got != 0 {
		t.Fatalf("EmitKind allocated %v times per record, want 0", got)
	}
}

// refValue is one value of a kindRecord: an Attr, and for a named value the
// index of its Name in the run (the Attr's own Name is ignored).
type refValue struct {
	a    Attr
	name int // -1 for none
}

// kindRecord is one EmitKind call: its time, node (an index into the run's
// names, -1 for none), kind and values.
type kindRecord struct {
	at   time.Duration
	node int
	kind *Kind
	vals []refValue
}

// refName is one of a run's Names for referenceKindStream: a string (World.Name),
// or a prefix (an index into the run's names) and a number (World.NameNum).
type refName struct {
	s      string
	prefix int // -1 for a World.Name
	n      uint64
}

// referenceKindStream is the hashed stream of a run of EmitKind records written
// the plain way, with encoding/binary's appends, following Record.AppendCanonical's
// grammar, with the run's names: EmitKind writes for speed and must write these
// bytes.
func referenceKindStream(recs []kindRecord, names []refName) []byte {
	str := func(dst []byte, s string) []byte {
		return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
	}
	dst := []byte(hashDomain)
	defined := map[*Kind]uint64{}
	numbered := map[int]uint64{} // the run's Name -> its number in the stream
	var name func(dst []byte, i int) []byte
	name = func(dst []byte, i int) []byte {
		if n, ok := numbered[i]; ok {
			return binary.LittleEndian.AppendUint64(append(dst, 2), n)
		}
		if p := names[i].prefix; p >= 0 {
			dst = name(append(dst, 4), p)
			dst = binary.LittleEndian.AppendUint64(dst, names[i].n)
		} else {
			dst = str(append(dst, 3), names[i].s)
		}
		numbered[i] = uint64(len(numbered))
		return dst
	}
	for _, r := range recs {
		tag, ok := defined[r.kind]
		if !ok {
			tag = uint64(len(defined)) + 2
			defined[r.kind] = tag
			dst = str(append(dst, tagKindDef), r.kind.name)
			dst = binary.AppendUvarint(dst, uint64(len(r.kind.keys)))
			for _, key := range r.kind.keys {
				dst = str(dst, key)
			}
		}
		dst = binary.AppendUvarint(dst, tag)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(r.at))
		if r.node < 0 {
			dst = str(append(dst, 0), "")
		} else {
			dst = name(dst, r.node)
		}
		for _, v := range r.vals {
			switch {
			case v.a.IsInt:
				dst = binary.LittleEndian.AppendUint64(append(dst, 1), uint64(v.a.Int))
			case v.name >= 0:
				dst = name(dst, v.name)
			default:
				dst = str(append(dst, 0), v.a.Str)
			}
		}
	}
	return dst
}

// TestKindStreamMatchesReference compares the stream EmitKind hashes with the
// plain encoder's on random runs: times and numbers of every width and both
// signs, strings around the one-byte length limit and longer than the hashing
// chunk, an Int value with a Str or a Name left in it, a named value with a stale
// Str, nodes and values as Names (first seen in any order, more of them than a
// byte numbers, several of the same string, NameNums of Names and of NameNums
// whose prefixes are used or not) or none, many values, many records (so that the
// stream crosses the hashing chunk and the buffer must grow), and more kinds than
// a one-byte tag numbers.
func TestKindStreamMatchesReference(t *testing.T) {
	num := encNum()
	str := encStr(0, 1, 2, 5, 8, 126, 127, 128, 129, 300, 5000)
	rapid.Check(t, func(t *rapid.T) {
		var got bytes.Buffer
		w := New(Config{})
		w.hash = teeHash{Hash: w.hash, got: &got}
		var names []*Name
		var refs []refName
		for i := rapid.SampledFrom([]int{0, 1, 4, 300}).Draw(t, "names"); i > 0; i-- {
			if len(names) > 0 && rapid.IntRange(0, 3).Draw(t, "num") == 0 {
				p := rapid.IntRange(0, len(names)-1).Draw(t, "prefix")
				r := refName{prefix: p, n: uint64(num.Draw(t, "n"))}
				names, refs = append(names, w.NameNum(names[p], r.n)), append(refs, r)
				continue
			}
			s := str.Draw(t, "name")
			names, refs = append(names, w.Name(s)), append(refs, refName{s: s, prefix: -1})
		}
		nameIdx := rapid.IntRange(-1, len(names)-1)
		value := rapid.Custom(func(t *rapid.T) refValue {
			v := refValue{a: Attr{Str: str.Draw(t, "str"), Int: num.Draw(t, "int")}, name: nameIdx.Draw(t, "name")}
			if v.name >= 0 {
				v.a.Name = names[v.name]
			}
			v.a.IsInt = rapid.Bool().Draw(t, "isint")
			return v
		})
		var kinds []*Kind
		for i := rapid.SampledFrom([]int{1, 3, 130}).Draw(t, "kinds"); i > 0; i-- {
			keys := make([]string, rapid.SampledFrom([]int{0, 1, 3, 8, 40}).Draw(t, "keys"))
			kinds = append(kinds, w.Kind("k", keys...))
		}
		// Some runs define every kind first, in order, so that the last ones
		// take two-byte tags; then records of random kinds.
		var order []*Kind
		if rapid.Bool().Draw(t, "define all") {
			order = slices.Clone(kinds)
		}
		for i := rapid.IntRange(1, 200).Draw(t, "records"); i > 0; i-- {
			order = append(order, kinds[rapid.IntRange(0, len(kinds)-1).Draw(t, "kind")])
		}
		var recs []kindRecord
		for _, k := range order {
			w.now = time.Duration(num.Draw(t, "at"))
			vals := make([]refValue, len(k.keys))
			attrs := make([]Attr, len(k.keys))
			for j := range vals {
				if j < 4 || rapid.Bool().Draw(t, "fresh") {
					vals[j] = value.Draw(t, "value")
				} else {
					vals[j] = vals[j-4]
				}
				attrs[j] = vals[j].a
				if vals[j].a.IsInt {
					vals[j].name = -1
				}
			}
			r := kindRecord{at: w.now, node: nameIdx.Draw(t, "node"), kind: k, vals: vals}
			var node *Name
			if r.node >= 0 {
				node = names[r.node]
			}
			w.EmitKind(node, r.kind, attrs...)
			recs = append(recs, r)
		}
		w.TraceHash() // flushes the stream into got
		if want := referenceKindStream(recs, refs); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("stream of %d records differs from the reference's (%d bytes, want %d)", len(recs), got.Len(), len(want))
		}
	})
}

// TestKindTagsAroundOneByte: the kinds whose tags are the last one-byte tags and
// the first two-byte ones (a run's 126th to 130th kinds: tags 127 to 131), defined
// and then used again, with a node and without, stream as the reference writes them:
// a fixed case for the boundary the random runs of TestKindStreamMatchesReference
// reach only some of the time.
func TestKindTagsAroundOneByte(t *testing.T) {
	var got bytes.Buffer
	w := New(Config{})
	w.hash = teeHash{Hash: w.hash, got: &got}
	names := []*Name{w.Name("n1")}
	refs := []refName{{s: "n1", prefix: -1}}
	var kinds []*Kind
	for range 131 {
		kinds = append(kinds, w.Kind("k", "v"))
	}
	var recs []kindRecord
	emit := func(k *Kind, node int, at time.Duration) {
		w.now = at
		val := refValue{a: Attr{Int: int64(at), IsInt: true}, name: -1}
		var n *Name
		if node >= 0 {
			n = names[node]
		}
		w.EmitKind(n, k, val.a)
		recs = append(recs, kindRecord{at: at, node: node, kind: k, vals: []refValue{val}})
	}
	for i, k := range kinds {
		emit(k, 0, time.Duration(i))
	}
	for i := 124; i < len(kinds); i++ {
		emit(kinds[i], 0, time.Duration(1000+i))
		emit(kinds[i], -1, time.Duration(2000+i))
	}
	w.TraceHash()
	if want := referenceKindStream(recs, refs); !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("stream of %d records differs from the reference's (%d bytes, want %d)", len(recs), got.Len(), len(want))
	}
}

// TestNameNumStringKept: a NameNum's string is written out once, the first time it
// is asked for, and kept: asked again, it allocates nothing.
func TestNameNumStringKept(t *testing.T) {
	w := New(Config{})
	n := w.NameNum(w.Name("call"), 42)
	if s := n.String(); s != "call.42" {
		t.Fatalf("String() = %q, want call.42", s)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = n.String() }); allocs != 0 {
		t.Fatalf("String() asked again allocates %v times, want 0", allocs)
	}
}
