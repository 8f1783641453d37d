package sim

import "encoding/binary"

// Kind is a record kind declared once with its attribute keys (World.Kind), so
// that its records (World.EmitKind) hash their values without spelling out the
// kind and the keys every time. A Kind belongs to the World that made it.
type Kind struct {
	w    *World
	name string
	keys []string
	// tag is the kind's entry tag in the hashed stream (2 + its number in order
	// of definition), 0 until its first record defines it.
	tag uint64
}

// Name returns the kind's name: the Kind of its records.
func (k *Kind) Name() string { return k.name }

// Keys returns the kind's attribute keys, in order. The slice is shared with
// the Kind: the caller must not modify it.
func (k *Kind) Keys() []string { return k.keys }

// Kind declares a record kind named name whose records have exactly the
// attributes keys, in this order, for EmitKind. Declaring a kind does not
// change the trace or its hash: the kind's definition is hashed just before its
// first record. Declaring the same name twice makes two kinds that trace alike
// and hash apart, so declare each kind once, in deterministic code.
func (w *World) Kind(name string, keys ...string) *Kind {
	return &Kind{w: w, name: name, keys: append([]string(nil), keys...)}
}

// EmitKind records one trace event of kind k, as Emit(node, k.Name(), attrs...)
// would but with the keys of k: attrs holds the values, one per key of k in
// order, and their own Key fields are ignored. The kept record (Config.KeepTrace)
// and its JSON are those of Emit with the kind's keys; only the hash differs,
// since it covers the kind and its keys once (see Record.AppendCanonical) and
// each record's values. It panics if k belongs to another World or if
// len(attrs) is not len(k.Keys()), and otherwise, like Emit, returns at once
// when nothing consumes records (Recording is false).
func (w *World) EmitKind(node string, k *Kind, attrs ...Attr) {
	if k.w != w {
		panic("sim: EmitKind with a Kind of another World")
	}
	if len(attrs) != len(k.keys) {
		panic("sim: EmitKind of " + k.name + " with a wrong number of attributes")
	}
	if !w.recording {
		return
	}
	if w.hash != nil {
		w.hashKind(node, k, attrs)
	}
	w.traceLen++
	if w.cfg.KeepTrace {
		kept := Record{At: w.now, Seq: w.traceLen - 1, Node: node, Kind: k.name}
		if len(attrs) > 0 {
			kept.Attrs = append([]Attr(nil), attrs...)
			for i := range kept.Attrs {
				kept.Attrs[i].Key = k.keys[i]
			}
		}
		w.records = append(w.records, kept)
	}
}

// hashKind folds a record of kind k into the running hash, defining the kind
// first if this is its first record.
func (w *World) hashKind(node string, k *Kind, attrs []Attr) {
	if k.tag == 0 {
		w.kinds++
		k.tag = w.kinds + 1
		w.encBuf = appendKindDef(w.encBuf, k.name, k.keys)
	}
	dst := appendUvarint(w.encBuf, k.tag)
	dst = appendVarint(dst, int64(w.now))
	dst = appendStr(dst, node)
	for i := range attrs {
		a := &attrs[i]
		if !a.IsInt { // value(a), as in appendCanonical
			if len(a.Str) < 0x80 { // the tag and the one-byte length in one append
				dst = append(append(dst, 0, byte(len(a.Str))), a.Str...)
			} else {
				dst = appendStr(append(dst, 0), a.Str)
			}
		} else if z := zigzag(a.Int); z < 0x80 {
			dst = append(dst, 1, byte(z))
		} else {
			dst = binary.AppendUvarint(append(dst, 1), z)
		}
	}
	w.encBuf = dst
	if len(w.encBuf) >= hashChunk {
		w.flushHash()
	}
}

// appendKindDef appends the entry that defines a kind (see Record.AppendCanonical).
func appendKindDef(dst []byte, name string, keys []string) []byte {
	dst = appendStr(append(dst, tagKindDef), name)
	dst = appendUvarint(dst, uint64(len(keys)))
	for _, key := range keys {
		dst = appendStr(dst, key)
	}
	return dst
}
