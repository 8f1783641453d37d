package sim

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// referenceCanonical is AppendCanonical's documented grammar written the plain
// way, with encoding/binary's appends: the encoding the trace hash was defined
// over. AppendCanonical writes by index for speed and must write these bytes.
func referenceCanonical(dst []byte, r Record) []byte {
	str := func(dst []byte, s string) []byte {
		return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
	}
	dst = binary.AppendVarint(append(dst, 0), int64(r.At)) // the tag of a plain record
	dst = str(dst, r.Node)
	dst = str(dst, r.Kind)
	dst = binary.AppendUvarint(dst, uint64(len(r.Attrs)))
	for _, a := range r.Attrs {
		dst = str(dst, a.Key)
		if a.IsInt {
			dst = binary.AppendVarint(append(dst, 1), a.Int)
		} else {
			dst = str(append(dst, 0), a.Str)
		}
	}
	return dst
}

// encNum draws numbers for the encoders' tests: small ones, any, the extremes and
// the edges of one-byte zig-zag values, and 1 << k and its neighbours, which give
// every varint width.
func encNum() *rapid.Generator[int64] {
	return rapid.OneOf(
		rapid.Int64Range(-200, 200),
		rapid.Int64(),
		rapid.SampledFrom([]int64{math.MinInt64, math.MaxInt64, 63, 64, -64, -65, 1 << 13, -1 << 13, 1<<62 - 1}),
		rapid.Custom(func(t *rapid.T) int64 {
			v := int64(1) << rapid.IntRange(0, 62).Draw(t, "shift")
			return v + rapid.Int64Range(-1, 1).Draw(t, "delta")
		}),
	)
}

// encStr draws strings of one of lens bytes, all one byte: a letter, a zero or 0xff.
func encStr(lens ...int) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		n := rapid.SampledFrom(lens).Draw(t, "len")
		return strings.Repeat(rapid.SampledFrom([]string{"a", "\x00", "\xff"}).Draw(t, "byte"), n)
	})
}

// TestCanonicalMatchesReference compares AppendCanonical with the plain encoder on
// random records: numbers of every length (each varint width, both signs, the
// extremes), strings around the one-byte length limit, many attributes, an Int
// attribute with a Str left in it, and destinations with or without room to spare.
func TestCanonicalMatchesReference(t *testing.T) {
	num := encNum()
	str := encStr(0, 1, 2, 5, 126, 127, 128, 129, 300, 16383, 16384)
	attr := rapid.Custom(func(t *rapid.T) Attr {
		a := Attr{Key: str.Draw(t, "key"), Str: str.Draw(t, "str"), Int: num.Draw(t, "int")}
		a.IsInt = rapid.Bool().Draw(t, "isint")
		return a
	})
	rapid.Check(t, func(t *rapid.T) {
		r := Record{
			At:    time.Duration(num.Draw(t, "at")),
			Seq:   rapid.Uint64().Draw(t, "seq"),
			Node:  str.Draw(t, "node"),
			Kind:  str.Draw(t, "kind"),
			Attrs: rapid.SliceOfN(attr, 0, 200).Draw(t, "attrs"),
		}
		prefix := []byte(str.Draw(t, "prefix"))
		dst := make([]byte, len(prefix), len(prefix)+rapid.SampledFrom([]int{0, 1, 9, 100, 5000}).Draw(t, "room"))
		copy(dst, prefix)
		want := referenceCanonical(bytes.Clone(prefix), r)
		if got := r.AppendCanonical(dst); !bytes.Equal(got, want) {
			t.Fatalf("AppendCanonical(%q) of %+v:\n got %x\nwant %x", prefix, r, got, want)
		}
	})
}

// TestCanonicalLongestFields: a record whose every number takes the longest
// varint and whose strings are empty needs the most room per byte of input;
// AppendCanonical must make that room itself, into a destination with none spare.
func TestCanonicalLongestFields(t *testing.T) {
	r := Record{At: math.MinInt64, Kind: strings.Repeat("k", 128)}
	for range 300 {
		r.Attrs = append(r.Attrs, Int("", math.MinInt64), Int("", math.MaxInt64))
	}
	for _, dst := range [][]byte{nil, make([]byte, 3), make([]byte, 4096, 4096+10)} {
		want := referenceCanonical(bytes.Clone(dst), r)
		if got := r.AppendCanonical(dst); !bytes.Equal(got, want) {
			t.Fatalf("AppendCanonical of %d bytes:\n got %x\nwant %x", len(dst), got, want)
		}
	}
}
