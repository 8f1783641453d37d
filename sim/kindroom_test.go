package sim

import (
	"bytes"
	"testing"
)

// TestEmitKindNearTheBufferEnd: EmitKind writes a record in place only where the
// encoding buffer has room for it, its values at their widest and each NameNum it
// defines at twice a value's width. Records of a kind with many keys are emitted
// with the buffer's room about their size: records of Names defined before and
// integers, with room for less than the record or for it; and records whose first
// and last values define NameNums, with room for less than the record at its
// widest, for the record but neither definition, for the first only, for both.
// The stream is the reference's.
func TestEmitKindNearTheBufferEnd(t *testing.T) {
	const keys = 454 // the record at its widest (widest): about half the buffer
	// The least slack leaves the buffer less than a chunk, which would be hashed at
	// once: room for less than the record at its widest.
	least := cap(New(Config{}).encBuf) - widest(keys) - hashChunk + 1
	if least >= 0 {
		t.Fatalf("the kind's records always have room: least slack %d", least)
	}
	for slack := least; slack <= 4*valLen; slack++ {
		for _, defs := range []bool{false, true} {
			emitNearTheEnd(t, keys, slack, defs)
		}
	}
}

// widest is the length of a record of a kind with keys keys, a one-byte tag and a
// node defined before, whose values are integers and Names defined before: its
// tag, its time, and a tag and 8 bytes for the node and for each value.
func widest(keys int) int { return 1 + 8 + 9 + 9*keys }

// emitNearTheEnd emits a record of a kind of keys keys with room for its widest
// record and slack in the encoding buffer, and compares the stream with the
// reference's. With defs the record's first and last values are NameNums it
// defines; without, Names defined before.
func emitNearTheEnd(t *testing.T, keys, slack int, defs bool) {
	t.Helper()
	var got bytes.Buffer
	w := New(Config{})
	w.hash = teeHash{Hash: w.hash, got: &got}
	k := w.Kind("wide", make([]string, keys)...)
	names := []refName{{s: "n1", prefix: -1}, {s: "n1.1", prefix: -1}}
	node, prefix := w.Name(names[0].s), w.Name(names[1].s)
	record := func(first, last *Name, firstIdx, lastIdx int) kindRecord {
		r := kindRecord{at: w.now, node: 0, kind: k, vals: make([]refValue, keys)}
		attrs := make([]Attr, keys)
		for i := range attrs {
			switch i {
			case 0:
				attrs[i], r.vals[i] = Named("", first), refValue{name: firstIdx}
			case 1:
				attrs[i], r.vals[i] = Named("", node), refValue{name: 0}
			case keys - 1:
				attrs[i], r.vals[i] = Named("", last), refValue{name: lastIdx}
			default:
				attrs[i] = Int("", int64(i)<<40|int64(slack+valLen))
				r.vals[i] = refValue{a: attrs[i], name: -1}
			}
		}
		w.EmitKind(node, k, attrs...)
		return r
	}
	// The first record defines the kind and the Names; the prefix's NameNums are
	// defined by the second record.
	recs := []kindRecord{record(prefix, prefix, 1, 1)}
	before := len(referenceKindStream(recs, names))

	// A plain record fills the buffer up to where the room left is the kind's
	// widest record and the slack.
	w.now = 1
	fill := cap(w.encBuf) - widest(keys) - slack - len(w.encBuf)
	plainLen := func(n int) int {
		return len(appendCanonical(nil, w.now, "", "f", []Attr{String("", string(make([]byte, n)))}))
	}
	m := fill - plainLen(0)
	for m > 0 && plainLen(m) > fill {
		m--
	}
	if m <= 0 || plainLen(m) != fill {
		t.Fatalf("slack %d: no plain record of %d bytes", slack, fill)
	}
	plain := []Attr{String("", string(make([]byte, m)))}
	w.Emit("", "f", plain...)
	if room := cap(w.encBuf) - len(w.encBuf); room != widest(keys)+slack {
		t.Fatalf("slack %d: room %d before the record, want %d", slack, room, widest(keys)+slack)
	}

	w.now = 2
	if defs {
		names = append(names, refName{prefix: 1, n: 7}, refName{prefix: 1, n: 8})
		recs = append(recs, record(w.NameNum(prefix, 7), w.NameNum(prefix, 8), 2, 3))
	} else {
		recs = append(recs, record(prefix, node, 1, 0))
	}
	w.TraceHash()
	ref := referenceKindStream(recs, names)
	want := append(append(ref[:before:before], appendCanonical(nil, 1, "", "f", plain)...), ref[before:]...)
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("slack %d, definitions %v: stream of %d bytes differs from the reference's (%d bytes)", slack, defs, got.Len(), len(want))
	}
}

// TestEmitKindChecksWorldsOnEveryPath: a record that could be written in place (its
// kind and node defined before, every value an integer or a Name defined before)
// panics if its kind or a Name belongs to another World, even one that Name is
// defined in; the record is not traced.
func TestEmitKindChecksWorldsOnEveryPath(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	ka, na, va := a.Kind("k", "x"), a.Name("na"), a.Name("va")
	a.EmitKind(na, ka, Named("x", va))
	kb, nb, vb := b.Kind("k", "x"), b.Name("nb"), b.Name("vb")
	b.EmitKind(nb, kb, Named("x", vb))
	b.EmitKind(nb, kb, Named("x", vb)) // one written in place
	for _, tc := range []struct {
		name string
		emit func()
	}{
		{name: "kind of another", emit: func() { b.EmitKind(nb, ka, Named("x", vb)) }},
		{name: "node defined in another", emit: func() { b.EmitKind(na, kb, Named("x", vb)) }},
		{name: "value defined in another", emit: func() { b.EmitKind(nb, kb, Named("x", va)) }},
		{name: "new NameNum of another", emit: func() { b.EmitKind(nb, kb, Named("x", a.NameNum(na, 1))) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("EmitKind did not panic")
				}
			}()
			tc.emit()
		})
	}
	if b.TraceLen() != 2 {
		t.Fatalf("b traced %d records, want 2", b.TraceLen())
	}
}
