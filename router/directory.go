package router

import (
	"cmp"
	"fmt"
	"slices"
)

// Entry is one line of a directory: who leads an ensemble, as of a version. A zero
// Leader means the ensemble is known to have no leader (an election is running).
type Entry struct {
	Ensemble EnsembleID
	Leader   PeerRef
	Version  uint64
}

// Problem says what makes e unfit for a directory, or "" if nothing: it must name an
// ensemble, and its leader, if it has one, must be a peer of that ensemble with a
// name and a node. Directory.Update, and so Node.Learn, refuse such an entry.
func (e *Entry) Problem() string {
	switch {
	case e.Ensemble == "":
		return "an entry names no ensemble"
	case e.Leader.IsZero():
		return ""
	case e.Leader.Ensemble != e.Ensemble:
		return "an entry's leader is a peer of another ensemble"
	case e.Leader.Name == "" || e.Leader.Node == "":
		return "an entry's leader lacks a name or a node"
	}
	return ""
}

// String renders e as ensemble=leader@vN.
func (e Entry) String() string {
	return fmt.Sprintf("%s=%s@v%d", e.Ensemble, e.Leader, e.Version)
}

// Directory is a node's local, possibly stale view of the leaders. It only moves
// forward: an entry replaces the current one only if its version is strictly newer.
// The zero value is an empty directory. It is not safe for concurrent use. Once a
// node holds a Directory (Config.Directory), it must not be copied over: the node's
// remembered routes are checked against the directory's count of its updates.
type Directory struct {
	// m holds the entries this directory learned (or started with, NewDirectory), each
	// in memory of its own that an update overwrites in place, so that a pointer to an
	// entry (see get) stays the entry of its ensemble.
	m map[EnsembleID]*Entry
	// base, if set, holds the entries the directory started with (NewDirectoryOn):
	// shared with other directories and never changed. An entry in m wins.
	base *Snapshot
	// gen counts the updates applied (Update): a node's routes (Node.route) hold
	// while it stays the same.
	gen uint64
	// slab is memory for the next entries m gets, taken a few at a time.
	slab []Entry
	// order holds m's entries, in the order they came unless sorted by ensemble
	// (unsorted false): Entries walks it instead of iterating over the map and sorting
	// what it found, every time. An update in place leaves it as it is; a new ensemble
	// is appended to it, and unless it sorts after the last one, the next Entries
	// sorts it (sortedOrder).
	order    []*Entry
	unsorted bool
}

// Snapshot is a frozen set of directory entries that many directories can start
// from without each holding a copy (NewDirectoryOn): a thousand nodes that boot
// with the same ten thousand entries share one map instead of keeping a thousand.
// It never changes once made, so it may be shared freely.
type Snapshot struct {
	m     map[EnsembleID]*Entry
	order []*Entry // m's entries, sorted by ensemble
}

// NewSnapshot returns a snapshot of entries; of several for one ensemble, the newest
// version counts, as in a directory.
func NewSnapshot(entries []Entry) *Snapshot {
	d := NewDirectory(entries)
	return &Snapshot{m: d.m, order: d.sortedOrder()}
}

// NewDirectory returns a directory holding entries (for example a saved copy, which may
// be older than what the node had gossiped before it crashed), but for unfit ones
// (Entry.Problem), which Update refuses.
func NewDirectory(entries []Entry) *Directory {
	d := &Directory{}
	if len(entries) > 0 {
		d.m = make(map[EnsembleID]*Entry, len(entries)) // sized once: no rehash while filling
		d.slab = make([]Entry, 0, len(entries))         // one block for all of them
		d.order = make([]*Entry, 0, len(entries))
	}
	for _, e := range entries {
		d.Update(e)
	}
	return d
}

// NewDirectoryOn returns a directory that starts with s's entries. It behaves as
// NewDirectory(entries of s) would; its updates go into a map of its own, and s is
// only read.
func NewDirectoryOn(s *Snapshot) *Directory { return &Directory{base: s} }

// Lookup returns the entry for e. It only reads the directory.
func (d *Directory) Lookup(e EnsembleID) (Entry, bool) {
	p := d.m[e]
	if p == nil && d.base != nil {
		p = d.base.m[e]
	}
	if p == nil {
		return Entry{}, false
	}
	return *p, true
}

// get returns the entry for e, or nil; the node's own lookup, for its routes
// (Node.route). The entry is the directory's: the caller reads it before the directory
// next changes and never writes it.
func (d *Directory) get(e EnsembleID) *Entry {
	p := d.m[e]
	if p == nil && d.base != nil {
		p = d.base.m[e]
	}
	return p
}

// slabSize is how many entries a directory's slab takes at a time after the first.
const slabSize = 16

// Update applies e if it is strictly newer than the entry held for its ensemble and
// fit (Entry.Problem), and reports whether it did.
func (d *Directory) Update(e Entry) bool {
	if e.Problem() != "" {
		return false
	}
	if p := d.m[e.Ensemble]; p != nil {
		if p.Version >= e.Version {
			return false
		}
		// In place, field by field: the key is the same, and an Entry copied whole into
		// the heap is a bulk write barrier while the collector marks.
		p.Leader.set(&e.Leader)
		p.Version = e.Version
		d.gen++
		return true
	}
	if d.base != nil {
		if old := d.base.m[e.Ensemble]; old != nil && old.Version >= e.Version {
			return false
		}
	}
	if d.m == nil {
		d.m = make(map[EnsembleID]*Entry)
	}
	if len(d.slab) == cap(d.slab) {
		d.slab = make([]Entry, 0, slabSize)
	}
	d.slab = append(d.slab, e)
	p := &d.slab[len(d.slab)-1]
	d.m[e.Ensemble] = p
	if k := len(d.order); k > 0 && d.order[k-1].Ensemble > e.Ensemble {
		d.unsorted = true
	}
	d.order = append(d.order, p)
	d.gen++
	return true
}

// sortedOrder returns d.order sorted by ensemble, sorting it first if it is not.
func (d *Directory) sortedOrder() []*Entry {
	if d.unsorted {
		slices.SortFunc(d.order, func(a, b *Entry) int { return cmp.Compare(a.Ensemble, b.Ensemble) })
		d.unsorted = false
	}
	return d.order
}

// Entries returns every entry, sorted by ensemble. The caller owns the slice.
func (d *Directory) Entries() []Entry {
	mine := d.sortedOrder()
	if d.base == nil {
		out := make([]Entry, len(mine))
		for i, p := range mine {
			out[i] = *p
		}
		return out
	}
	out := make([]Entry, 0, len(mine)+len(d.base.order)-shared(mine, d.base.order))
	return merge(out, mine, d.base.order)
}

// shared returns the number of ensembles both mine and base hold, both sorted by
// ensemble.
func shared(mine, base []*Entry) int {
	n := 0
	for len(mine) > 0 && len(base) > 0 {
		switch c := cmp.Compare(mine[0].Ensemble, base[0].Ensemble); {
		case c < 0:
			mine = mine[1:]
		case c > 0:
			base = base[1:]
		default:
			n++
			mine, base = mine[1:], base[1:]
		}
	}
	return n
}

// merge appends to out every entry of mine and of base, both sorted by ensemble, in
// the order of their ensembles; for an ensemble both hold, mine's only. It returns
// the extended slice.
func merge(out []Entry, mine, base []*Entry) []Entry {
	for len(mine) > 0 && len(base) > 0 {
		switch c := cmp.Compare(mine[0].Ensemble, base[0].Ensemble); {
		case c < 0:
			out = append(out, *mine[0])
			mine = mine[1:]
		case c > 0:
			out = append(out, *base[0])
			base = base[1:]
		default:
			out = append(out, *mine[0])
			mine, base = mine[1:], base[1:]
		}
	}
	for _, p := range mine {
		out = append(out, *p)
	}
	for _, p := range base {
		out = append(out, *p)
	}
	return out
}

// Len is the number of ensembles the directory knows.
func (d *Directory) Len() int {
	n := len(d.m)
	if d.base != nil {
		n += len(d.base.m)
		for id := range d.m {
			if _, shared := d.base.m[id]; shared {
				n--
			}
		}
	}
	return n
}
