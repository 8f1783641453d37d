package sim

import (
	"encoding/binary"
	"unsafe"
)

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
	// fast is w once the kind's records may take EmitKind's fast path: w hashes
	// its records and keeps none, and the kind is defined with a one-byte tag.
	// It is nil until then.
	fast *World
	// room is the most bytes a record of the kind takes on that path: its head,
	// and each value an integer or a reference.
	room int
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
	return &Kind{w: w, name: name, keys: append([]string(nil), keys...), room: headLen + valLen*len(keys)}
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
	// The common record, written here: a kind whose records take the fast path
	// (Kind.fast: w hashes and keeps nothing, the kind is defined with a one-byte
	// tag), its node and each value a Name defined before or an integer, and room
	// in encBuf for every value at its widest. Its bytes are stored in place, with
	// no check of room per value; any other record, or the rest of one whose value
	// is neither, is emitKind's.
	dst := w.encBuf
	n := len(dst)
	slack := cap(dst) - n - k.room // room beyond the record at its widest
	if k.fast != w || len(attrs) != len(k.keys) || node == nil || node.def != w || slack < 0 {
		w.emitKind(node, k, attrs)
		return
	}
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(dst)), n) // room for k.room bytes
	head := (*[headLen]byte)(p)
	head[0] = byte(k.tag)
	binary.LittleEndian.PutUint64(head[1:9], uint64(w.now))
	head[9] = valRef
	binary.LittleEndian.PutUint64(head[10:18], node.num)
	off := headLen
	for i := range attrs {
		a := &attrs[i]
		v := (*[valLen]byte)(unsafe.Add(p, off))
		if a.IsInt {
			v[0] = valInt
			binary.LittleEndian.PutUint64(v[1:], uint64(a.Int))
		} else if nm := a.Name; nm != nil && nm.def == w {
			v[0] = valRef
			binary.LittleEndian.PutUint64(v[1:], nm.num)
		} else if nm != nil && nm.w == w && nm.prefix != nil && nm.prefix.def == w && slack >= valLen {
			// A NameNum's definition by a prefix defined before (appendName), as a
			// new call's name is: twice a value's room, the second from the slack.
			slack -= valLen
			d := (*[2 * valLen]byte)(unsafe.Pointer(v))
			d[0], d[1] = valDefNum, valRef
			binary.LittleEndian.PutUint64(d[2:10], nm.prefix.num)
			binary.LittleEndian.PutUint64(d[10:], nm.n)
			nm.num, nm.def = w.names, w
			w.names++
			off += valLen
		} else {
			w.encBuf = w.appendValues(dst[:n+off], attrs[i:])
			w.endRecord()
			return
		}
		off += valLen
	}
	w.encBuf = w.encBuf[:n+off] // only the length changes
	if n+off >= hashChunk {
		w.flushHash()
	}
	w.traceLen++
}

// headLen and valLen are the lengths of the head of a record of a kind with a
// one-byte tag and a node defined before, and of an integer or a reference to a
// Name defined before.
const (
	headLen = 18
	valLen  = 9
)

// emitKind is EmitKind for a record that does not take its fast path.
func (w *World) emitKind(node *Name, k *Kind, attrs []Attr) {
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
	// The record's entry (see Record.AppendCanonical).
	dst := w.encBuf
	if tag := k.tag; tag-1 < 0x7f && node != nil && node.def == w {
		// The common head, in one append: a kind defined before with a one-byte
		// tag, the time, and a node defined before.
		t, v := uint64(w.now), node.num
		dst = append(dst, byte(tag), byte(t), byte(t>>8), byte(t>>16), byte(t>>24), byte(t>>32), byte(t>>40), byte(t>>48), byte(t>>56),
			valRef, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
	} else {
		dst = w.appendHead(dst, node, k)
	}
	w.encBuf = w.appendValues(dst, attrs)
	if w.keeping {
		if len(w.encBuf) >= hashChunk {
			w.flushHash()
		}
		w.keepKind(node, k, attrs)
		return
	}
	w.endRecord()
}

// appendValues appends the values of a kind's record (see Record.AppendCanonical).
func (w *World) appendValues(dst []byte, attrs []Attr) []byte {
	for i := range attrs {
		a := &attrs[i]
		switch {
		case a.IsInt:
			v := uint64(a.Int)
			dst = append(dst, valInt, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
		case a.Name != nil:
			// appendName's common case, a Name defined before, written out.
			if n := a.Name; n.def == w {
				v := n.num
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
	return dst
}

// endRecord ends a hashed record that is not kept: it hashes what has gathered
// if it is a chunk, and counts the record.
func (w *World) endRecord() {
	if len(w.encBuf) >= hashChunk {
		w.flushHash()
	}
	w.traceLen++
}

// keepKind counts a record of kind k and keeps it (Config.KeepTrace) or hands it to
// the Sink: the record Emit would keep with k's keys and the names' strings.
func (w *World) keepKind(node *Name, k *Kind, attrs []Attr) {
	w.traceLen++
	w.kept = Record{At: w.now, Seq: w.traceLen - 1, Kind: k.name}
	if node != nil {
		w.kept.Node = node.String()
	}
	if len(attrs) > 0 {
		w.kept.Attrs = w.plainAttrs(attrs)
		for i := range w.kept.Attrs {
			w.kept.Attrs[i].Key = k.keys[i]
		}
	}
	w.keep()
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
		if k.tag < 0x80 && w.hash != nil && !w.keeping {
			k.fast = w
		}
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
	if n.def != nil {
		return binary.LittleEndian.AppendUint64(append(dst, valRef), n.num)
	}
	if n.prefix == nil {
		dst = appendStr(append(dst, valDef), n.s)
	} else {
		dst = w.appendName(append(dst, valDefNum), n.prefix)
		dst = binary.LittleEndian.AppendUint64(dst, n.n)
	}
	n.num, n.def = w.names, w
	w.names++
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
