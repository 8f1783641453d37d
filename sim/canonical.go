package sim

import "encoding/binary"

// hashDomain starts every trace hash, so that a trace hash is never mistaken for
// the SHA-256 of anything else, such as a trace file. Changing it, or the encoding
// of AppendCanonical, changes every trace hash.
const hashDomain = "ensroute/sim/trace/v2\x00"

// AppendCanonical appends the compact binary encoding of r that the trace hash is
// computed over (World.TraceHash), and returns the extended slice. It holds what
// AppendJSON holds but Seq, which is the record's position in the trace anyway:
//
//	record = varint(At) str(Node) str(Kind) uvarint(len(Attrs)) attr...
//	attr   = str(Key) (0x01 varint(Int) | 0x00 str(Str))
//	str    = uvarint(len) bytes
//
// where uvarint and varint are encoding/binary's (varint zig-zags, so small
// negative numbers stay short). Every part is self-delimiting, so the
// concatenation of encodings is unambiguous: two traces hash alike only if they hold the same
// records in the same order. Unlike AppendJSON it formats no numbers and escapes no
// strings, which makes hashing every record of a run several times cheaper.
func (r Record) AppendCanonical(dst []byte) []byte {
	dst = binary.AppendVarint(dst, int64(r.At))
	dst = appendStr(dst, r.Node)
	dst = appendStr(dst, r.Kind)
	dst = binary.AppendUvarint(dst, uint64(len(r.Attrs)))
	for _, a := range r.Attrs {
		dst = appendStr(dst, a.Key)
		if a.IsInt {
			dst = append(dst, 1)
			dst = binary.AppendVarint(dst, a.Int)
		} else {
			dst = append(dst, 0)
			dst = appendStr(dst, a.Str)
		}
	}
	return dst
}

func appendStr(dst []byte, s string) []byte {
	if len(s) < 0x80 {
		dst = append(dst, byte(len(s))) // the one-byte uvarint
	} else {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
	}
	return append(dst, s...)
}
