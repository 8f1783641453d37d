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

// EmitKind records one trace event of kind k, as Emit(node.String(),
// k.Name(), attrs...) would but with the keys of k: attrs holds the values, one
// per key of k in order, and their own Key fields are ignored. A nil node is
// the empty node. The kept record (Config.KeepTrace) and its JSON are those of
// Emit with the kind's keys and the names' strings; only the hash differs,
// since it covers the kind and its keys once, each Name (the node, and values
// made with Named) once, and each record's values (see Record.AppendCanonical).
// It panics if k, node or a named value belongs to another World or if
// len(attrs) is not len(k.Keys()), and otherwise, like Emit, returns at once
// when nothing consumes records (Recording is false).
func (w *World) EmitKind(node *Name, k *Kind, attrs ...Attr) {
	if k.w != w || len(attrs) != len(k.keys) || node != nil && node.w != w {
		w.badEmit(node, k, attrs)
	}
	if w.hash == nil {
		w.checkNames(attrs)
		if w.recording { // kept only
			w.keepKind(node, k, attrs)
		}
		return
	}
	// The record's entry (see Record.AppendCanonical), written here rather than in
	// a function of its own: it is what nearly every record of a run costs.
	dst := w.encBuf
	if tag := k.tag; tag-1 < 0x7f && node != nil && node.num != 0 {
		// The common head, in one append: a kind defined before with a one-byte
		// tag, the time, and a node defined before.
		t, v := uint64(w.now), node.num-1
		dst = append(dst, byte(tag), byte(t), byte(t>>8), byte(t>>16), byte(t>>24), byte(t>>32), byte(t>>40), byte(t>>48), byte(t>>56),
			valRef, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
	} else {
		dst = w.appendHead(dst, node, k)
	}
	for i := range attrs {
		a := &attrs[i]
		switch {
		case a.IsInt:
			v := uint64(a.Int)
			dst = append(dst, valInt, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
		case a.Name != nil:
			// appendName's common case, a Name defined before, written out.
			if n := a.Name; n.num != 0 && n.w == w {
				v := n.num - 1
				dst = append(dst, valRef, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
			} else {
				dst = w.appendName(dst, n) // checks n's World
			}
		case len(a.Str) < 0x80: // the tag and the one-byte length in one append
			dst = append(append(dst, valStr, byte(len(a.Str))), a.Str...)
		default:
			dst = appendStr(append(dst, valStr), a.Str)
		}
	}
	w.encBuf = dst
	if len(dst) >= hashChunk {
		w.flushHash()
	}
	if w.cfg.KeepTrace {
		w.keepKind(node, k, attrs)
	} else {
		w.traceLen++
	}
}

// keepKind counts a record of kind k and keeps it (Config.KeepTrace): the record
// Emit would keep with k's keys and the names' strings.
func (w *World) keepKind(node *Name, k *Kind, attrs []Attr) {
	w.traceLen++
	kept := Record{At: w.now, Seq: w.traceLen - 1, Kind: k.name}
	if node != nil {
		kept.Node = node.String()
	}
	if len(attrs) > 0 {
		kept.Attrs = plainAttrs(attrs)
		for i := range kept.Attrs {
			kept.Attrs[i].Key = k.keys[i]
		}
	}
	w.records = append(w.records, kept)
}

// badEmit panics for an EmitKind whose kind or node belongs to another World or
// whose values do not match the kind's keys.
func (w *World) badEmit(node *Name, k *Kind, attrs []Attr) {
	switch {
	case k.w != w:
		panic("sim: EmitKind with a Kind of another World")
	case len(attrs) != len(k.keys):
		panic("sim: EmitKind of " + k.name + " with a wrong number of attributes")
	case node.w != w:
		panic("sim: EmitKind with a Name of another World")
	}
}

// checkNames panics if a named value of attrs belongs to another World.
func (w *World) checkNames(attrs []Attr) {
	for i := range attrs {
		if n := attrs[i].Name; n != nil && n.w != w {
			panic("sim: EmitKind with a Name of another World")
		}
	}
}

// appendHead appends the head of a record of kind k, its kind's tag, time and
// node, defining the kind first if this is its first record, and the node if no
// record has carried it yet.
func (w *World) appendHead(dst []byte, node *Name, k *Kind) []byte {
	if k.tag == 0 {
		w.kinds++
		k.tag = w.kinds + 1
		dst = appendKindDef(dst, k.name, k.keys)
	}
	dst = binary.LittleEndian.AppendUint64(appendUvarint(dst, k.tag), uint64(w.now))
	if node == nil {
		return append(dst, valStr, 0)
	}
	return w.appendName(dst, node)
}

// appendName appends n as a value of a kind's record: a reference to its
// number, or its definition if no record has carried it since it was declared:
// its string, or for a NameNum its prefix (a reference or a definition in turn)
// and its number. It panics if n belongs to another World.
func (w *World) appendName(dst []byte, n *Name) []byte {
	if n.w != w {
		panic("sim: EmitKind with a Name of another World")
	}
	if n.num != 0 {
		return binary.LittleEndian.AppendUint64(append(dst, valRef), n.num-1)
	}
	if n.prefix == nil {
		dst = appendStr(append(dst, valDef), n.s)
	} else {
		dst = w.appendName(append(dst, valDefNum), n.prefix)
		dst = binary.LittleEndian.AppendUint64(dst, n.n)
	}
	w.names++
	n.num = w.names
	return dst
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
