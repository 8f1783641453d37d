package sim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestEmitKindKeepsWhatEmitKeeps: the same records emitted with Emit and with
// EmitKind are kept alike and render to the same JSON; only the hash differs. The
// kept record takes the kind's keys, whatever keys the values carry, and holds its
// own copy of the values.
func TestEmitKindKeepsWhatEmitKeeps(t *testing.T) {
	plain, kinds := New(Config{KeepTrace: true}), New(Config{KeepTrace: true})
	send := kinds.Kind("send", "msg", "to")
	none := kinds.Kind("tick")
	vals := []Attr{Int("", 7), String("wrong", "n2")}
	kinds.EmitKind("n1", send, vals...)
	vals[0].Int = 99 // the record must hold its own copy
	plain.Emit("n1", "send", Int("msg", 7), String("to", "n2"))
	for _, w := range []*World{plain, kinds} {
		w.RunUntil(3 * time.Millisecond)
	}
	kinds.EmitKind("", none)
	plain.Emit("", "tick")
	kinds.EmitKind("n2", send, Int("msg", -1), String("to", ""))
	plain.Emit("n2", "send", Int("msg", -1), String("to", ""))
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
	if kinds.TraceLen() != 3 {
		t.Fatalf("TraceLen = %d, want 3", kinds.TraceLen())
	}
}

// TestEmitKindPanics: a kind of another world, or values that do not match its
// keys, are programming errors.
func TestEmitKindPanics(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	k := a.Kind("k", "x")
	for name, emit := range map[string]func(){
		"other world":  func() { b.EmitKind("", k, Int("x", 1)) },
		"too few":      func() { a.EmitKind("", k) },
		"too many":     func() { a.EmitKind("", k, Int("x", 1), Int("y", 2)) },
		"none of many": func() { a.EmitKind("", a.Kind("none"), Int("x", 1)) },
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
	if a.TraceLen() != 0 || b.TraceLen() != 0 {
		t.Fatalf("a panicking EmitKind traced records: %d, %d", a.TraceLen(), b.TraceLen())
	}
}

// TestKindHashSensitivity: the hash sees a kind's name, its keys and their order,
// and which records share a kind.
func TestKindHashSensitivity(t *testing.T) {
	run := func(name string, keys []string, shared bool) string {
		w := New(Config{})
		k := w.Kind(name, keys...)
		w.EmitKind("n1", k, Int("", 1), String("", "v"))
		if !shared {
			k = w.Kind(name, keys...)
		}
		w.EmitKind("n1", k, Int("", 1), String("", "v"))
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
	str := func() string {
		n := uv()
		if n > uint64(r.Len()) {
			panic(fail("string past the end"))
		}
		s := make([]byte, n)
		_, _ = r.Read(s)
		return string(s)
	}
	value := func(key string) Attr {
		switch t, _ := r.ReadByte(); t {
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
				rec := Record{At: at(), Node: str(), Kind: k.name}
				for _, key := range k.keys {
					rec.Attrs = append(rec.Attrs, value(key))
				}
				out = append(out, decoded{Rec: rec, ByKind: true})
			}
		}
	}()
	return out, err
}

// TestStreamDecodes: a random mix of plain records and records of declared
// kinds (some alike, some never used) hashes a stream that decodes to exactly
// the records kept, each marked with how it was emitted. So the stream is
// uniquely decodable: two runs hash alike only if they emitted the same records
// the same way.
func TestStreamDecodes(t *testing.T) {
	short := rapid.SampledFrom([]string{"", "a", "ab", "b", "\x01", "\x00a"})
	value := rapid.Custom(func(t *rapid.T) Attr {
		if rapid.Bool().Draw(t, "int") {
			return Int("", rapid.Int64Range(-300, 300).Draw(t, "i"))
		}
		return String("", short.Draw(t, "s"))
	})
	rapid.Check(t, func(t *rapid.T) {
		var got bytes.Buffer
		w := New(Config{KeepTrace: true})
		w.hash = teeHash{Hash: w.hash, got: &got}
		var kinds []*Kind
		for i := rapid.IntRange(0, 4).Draw(t, "kinds"); i > 0; i-- {
			kinds = append(kinds, w.Kind(short.Draw(t, "name"), rapid.SliceOfN(short, 0, 3).Draw(t, "keys")...))
		}
		var byKind []bool
		for i := rapid.IntRange(0, 8).Draw(t, "records"); i > 0; i-- {
			w.now += time.Duration(rapid.Int64Range(0, 200).Draw(t, "dt"))
			node := short.Draw(t, "node")
			if len(kinds) > 0 && rapid.Bool().Draw(t, "by kind") {
				k := rapid.SampledFrom(kinds).Draw(t, "kind")
				w.EmitKind(node, k, rapid.SliceOfN(value, len(k.Keys()), len(k.Keys())).Draw(t, "values")...)
				byKind = append(byKind, true)
				continue
			}
			attrs := rapid.SliceOfN(value, 0, 3).Draw(t, "attrs")
			for i := range attrs {
				attrs[i].Key = short.Draw(t, "key")
			}
			w.Emit(node, short.Draw(t, "plain kind"), attrs...)
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
	k := w.Kind("send", "msg", "to", "call", "budget")
	w.EmitKind("n1", k, Int("", 0), String("", ""), String("", ""), Int("", 0)) // defines the kind
	var n int64
	if got := testing.AllocsPerRun(10_000, func() {
		n++
		w.EmitKind("n1", k, Int("msg", n), String("to", "n2"), String("call", "n1.1.7"), Dur("budget", 5))
	}); got != 0 {
		t.Fatalf("EmitKind allocated %v times per record, want 0", got)
	}
}

// referenceKindStream is the hashed stream of a run of EmitKind records written
// the plain way, with encoding/binary's appends, following Record.AppendCanonical's
// grammar: hashKind writes by index for speed and must write these bytes.
func referenceKindStream(recs []kindRecord) []byte {
	str := func(dst []byte, s string) []byte {
		return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
	}
	dst := []byte(hashDomain)
	defined := map[*Kind]uint64{}
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
		dst = binary.AppendVarint(dst, int64(r.at))
		dst = str(dst, r.node)
		for _, a := range r.vals {
			if a.IsInt {
				dst = binary.AppendVarint(append(dst, 1), a.Int)
			} else {
				dst = str(append(dst, 0), a.Str)
			}
		}
	}
	return dst
}

// kindRecord is one EmitKind call: its time, node, kind and values.
type kindRecord struct {
	at   time.Duration
	node string
	kind *Kind
	vals []Attr
}

// TestKindStreamMatchesReference compares the stream EmitKind hashes with the
// plain encoder's on random runs: times and numbers of every varint width and
// both signs, strings around the one-byte length limit and longer than the
// hashing chunk, an Int value with a Str left in it, many values, many records
// (so that the stream crosses the hashing chunk and the buffer must grow), and
// more kinds than a one-byte tag numbers.
func TestKindStreamMatchesReference(t *testing.T) {
	num := encNum()
	str := encStr(0, 1, 2, 5, 8, 126, 127, 128, 129, 300, 5000)
	value := rapid.Custom(func(t *rapid.T) Attr {
		a := Attr{Str: str.Draw(t, "str"), Int: num.Draw(t, "int")}
		a.IsInt = rapid.Bool().Draw(t, "isint")
		return a
	})
	rapid.Check(t, func(t *rapid.T) {
		var got bytes.Buffer
		w := New(Config{})
		w.hash = teeHash{Hash: w.hash, got: &got}
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
			vals := make([]Attr, len(k.keys))
			for j := range vals {
				if j < 4 || rapid.Bool().Draw(t, "fresh") {
					vals[j] = value.Draw(t, "value")
				} else {
					vals[j] = vals[j-4]
				}
			}
			r := kindRecord{at: w.now, node: str.Draw(t, "node"), kind: k, vals: vals}
			w.EmitKind(r.node, r.kind, r.vals...)
			recs = append(recs, r)
		}
		w.TraceHash() // flushes the stream into got
		if want := referenceKindStream(recs); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("stream of %d records differs from the reference's (%d bytes, want %d)", len(recs), got.Len(), len(want))
		}
	})
}
