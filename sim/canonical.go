package sim

import (
	"encoding/binary"
	"time"
)

// hashDomain starts every hashed stream, so that a trace hash is never mistaken
// for the hash of anything else, such as a trace file, and names the version of
// the stream's grammar. Changing it, the encoding of AppendCanonical and
// EmitKind, or the hash function changes every trace hash.
const hashDomain = "ensroute/sim/trace/v4\x00"

// The tags that start the entries of the hashed stream (see AppendCanonical). A
// record of a declared kind is tagged with 2 + the kind's number.
const (
	tagPlain   = 0x00 // a record emitted with Emit
	tagKindDef = 0x01 // the definition of a kind (World.Kind), before its first record
)

// The tags that start the values of a kind's record (see AppendCanonical).
const (
	valStr = 0x00 // a string
	valInt = 0x01 // an integer
	valRef = 0x02 // a Name defined before, by its number
	valDef = 0x03 // a Name's definition: the next number, and the string
	// valDefNum is a NameNum's definition: its prefix (a Name defined before, or
	// here), then its number; it takes the next number after its prefix's.
	valDefNum = 0x04
)

// AppendCanonical appends the compact binary encoding of r that the trace hash is
// computed over (World.TraceHash) when r is emitted with Emit, and returns the
// extended slice. It holds what AppendJSON holds but Seq, which is the record's
// position in the trace anyway.
//
// The trace hash is the xxh3-128 of the hashed stream: hashDomain
// ("ensroute/sim/trace/v4" and a zero byte) followed by one entry per record, and
// one more before the first record of each kind declared with World.Kind:
//
//	entry  = 0x00 record                           Emit: AppendCanonical's encoding
//	       | 0x01 str(Kind) uvarint(n) str(Key)*n  a kind's definition, numbered 0, 1, ... in order
//	       | uvarint(2+k) u64(At) kval(Node) kval*n  EmitKind: a record of kind number k
//	record = varint(At) str(Node) str(Kind) uvarint(len(Attrs)) attr*
//	attr   = str(Key) value
//	value  = 0x01 varint(Int) | 0x00 str(Str)
//	kval   = 0x00 str(Str)                         a string (the empty one for a nil node)
//	       | 0x01 u64(Int)                         an integer
//	       | 0x02 u64(i)                           the Name numbered i, defined earlier
//	       | 0x03 str(s)                           a Name's definition: it stands for s
//	       | 0x04 kval(prefix) u64(num)            a NameNum's definition: prefix's string, "." and num in decimal
//	str    = uvarint(len) bytes
//
// where uvarint and varint are encoding/binary's (varint zig-zags, so small
// negative numbers stay short), u64 is 8 bytes little-endian (an At or an Int as
// two's complement), and n in a kind's record is the number of keys of its
// definition, which comes earlier in the stream. Names (World.Name,
// World.NameNum) are numbered 0, 1, ... in the order their definitions end: the
// first record that carries a Name defines it, where it carries it, and later
// ones refer to it by number; a NameNum's prefix is a string-valued kval (0x02,
// 0x03 or 0x04), defined first if it is new. Every part is self-delimiting, and a
// reader that keeps the kinds and Names defined so far reads every string back,
// so the stream decodes one way only: two traces hash alike only if they hold the
// same records in the same order, emitted the same way (the same kinds and the
// same Names, first carried in the same order), barring an xxh3-128 collision. A
// kind's record spells out neither its kind nor its keys, nor a Name after its
// first use, and its numbers are fixed-width, which makes the frequent records
// cheap to encode; the stream is longer than with varints, but xxh3 hashes a byte
// for a fraction of what it costs to encode it. Unlike AppendJSON the encoding
// formats no numbers and escapes no strings.
func (r Record) AppendCanonical(dst []byte) []byte {
	return appendCanonical(dst, r.At, r.Node, r.Kind, r.Attrs)
}

// appendCanonical is AppendCanonical on the parts of a record.
func appendCanonical(dst []byte, at time.Duration, node, kind string, attrs []Attr) []byte {
	dst = appendVarint(append(dst, tagPlain), int64(at))
	dst = appendStr(dst, node)
	dst = appendStr(dst, kind)
	dst = appendUvarint(dst, uint64(len(attrs)))
	for i := range attrs {
		a := &attrs[i] // not a copy of the Attr per iteration
		dst = appendStr(dst, a.Key)
		// value(a), written out here and in EmitKind: as a call it would not be
		// inlined, and it runs for every attribute of every record.
		if !a.IsInt {
			s := a.Str
			if a.Name != nil {
				s = a.Name.String()
			}
			if len(s) < 0x80 { // the tag and the one-byte length in one append
				dst = append(append(dst, 0, byte(len(s))), s...)
			} else {
				dst = appendStr(append(dst, 0), s)
			}
		} else if z := zigzag(a.Int); z < 0x80 {
			dst = append(dst, 1, byte(z))
		} else {
			dst = binary.AppendUvarint(append(dst, 1), z)
		}
	}
	return dst
}

// zigzag maps signed to unsigned as binary.AppendVarint does: 0, -1, 1, -2, ... to
// 0, 1, 2, 3, ...
func zigzag(v int64) uint64 { return uint64(v)<<1 ^ uint64(v>>63) }

// appendUvarint is binary.AppendUvarint with the one-byte case, nearly every
// case, inline.
func appendUvarint(dst []byte, v uint64) []byte {
	if v < 0x80 {
		return append(dst, byte(v))
	}
	return binary.AppendUvarint(dst, v)
}

// appendVarint is binary.AppendVarint, likewise.
func appendVarint(dst []byte, v int64) []byte { return appendUvarint(dst, zigzag(v)) }

// appendStr appends str(s): its length as a uvarint, then its bytes.
func appendStr(dst []byte, s string) []byte {
	if len(s) < 0x80 {
		dst = append(dst, byte(len(s))) // the one-byte uvarint
	} else {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
	}
	return append(dst, s...)
}
