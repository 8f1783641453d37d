package sim

import "strconv"

// Name is a string that records of declared kinds (World.EmitKind) carry as
// their node or as a value (Named), and that the hashed stream spells out once:
// the first record that hashes a Name defines it, with the next number in order
// of definition, and later records give that number instead of the string. A
// record kept or written (Config.KeepTrace, Record.AppendJSON) holds the string
// itself: only the hash differs from a record that carries the string.
//
// A Name belongs to the World that made it, and like the World is used by one
// goroutine at a time (String may write a NameNum's string out). It is meant for
// strings that recur in a run's trace: node names, message kinds, codes, peers,
// call ids. Which Names a program declares, and when, is part of how it emits its
// records: a program that declares a new Name for a string it named before (a
// cache that evicted the first, say) hashes apart from one that keeps the first,
// although the two trace alike.
type Name struct {
	w *World
	// s is the string, written out at once by World.Name and when first asked
	// for by World.NameNum ("" until then: a NameNum's string is never empty).
	s string
	// def is w once a record has defined the Name in the hashed stream, nil
	// before: EmitKind's one check that a value is a Name of its World defined
	// before. num is then the Name's number.
	def *World
	num uint64
	// prefix and n are a NameNum's: it stands for prefix's string, a dot and n
	// in decimal. prefix is nil for a Name made by World.Name.
	prefix *Name
	n      uint64
}

// Name declares a Name for s on w. Declaring a Name does not change the trace
// or its hash: the Name's definition is hashed with the first record that
// carries it. Two Names of the same string are two Names: each is defined on
// its first use, and records that carry the one hash apart from records that
// carry the other, although they trace alike.
func (w *World) Name(s string) *Name {
	n := w.newName()
	n.s = s
	return n
}

// NameNum declares a Name that stands for prefix's string, a dot and num in
// decimal: NameNum(p, 7), for a Name p of "n1.2", stands for "n1.2.7". Its string
// is written out only when something asks for it (String, a record kept with
// Config.KeepTrace), so that a run that only hashes its trace never writes it:
// the hashed stream defines the Name by prefix and num. Otherwise it is a Name
// like World.Name's. It panics if prefix belongs to another World.
func (w *World) NameNum(prefix *Name, num uint64) *Name {
	if prefix.w != w {
		panic("sim: NameNum with a prefix of another World")
	}
	n := w.newName()
	n.prefix, n.n = prefix, num
	return n
}

// newName returns a new Name of w's, with no string yet.
func (w *World) newName() *Name {
	// Names come from slabs, twice as large as the last up to maxNameSlab: a
	// run that names every call it makes allocates once per maxNameSlab of
	// them, and one that names a few does not allocate as many.
	if len(w.nameSlab) == 0 {
		w.nameSlabs = min(max(2*w.nameSlabs, 16), maxNameSlab)
		w.nameSlab = make([]Name, w.nameSlabs)
	}
	n := &w.nameSlab[0]
	w.nameSlab = w.nameSlab[1:]
	n.w = w
	return n
}

// maxNameSlab is the most Names World.Name and World.NameNum allocate at once.
const maxNameSlab = 256

// String returns the string n stands for. A NameNum's is written out the first
// time it is asked for, and kept.
func (n *Name) String() string {
	if n.s == "" && n.prefix != nil {
		n.s = n.prefix.String() + "." + strconv.FormatUint(n.n, 10)
	}
	return n.s
}

// Named returns a string-valued Attr whose value is n's string: its Name is n,
// and its Str is left empty, so that n's string need not be written out (see
// World.NameNum). In a record of a declared kind (EmitKind) it hashes as n: a
// reference to n's definition (see Record.AppendCanonical); in any other record
// it is String(key, n.String()).
func Named(key string, n *Name) Attr { return Attr{Key: key, Name: n} }
