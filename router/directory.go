package router

import (
	"fmt"
	"sort"
)

// Entry is one line of a directory: who leads an ensemble, as of a version. A zero
// Leader means the ensemble is known to have no leader (an election is running).
type Entry struct {
	Ensemble EnsembleID
	Leader   PeerRef
	Version  uint64
}

// String renders e as ensemble=leader@vN.
func (e Entry) String() string {
	return fmt.Sprintf("%s=%s@v%d", e.Ensemble, e.Leader, e.Version)
}

// Directory is a node's local, possibly stale view of the leaders. It only moves
// forward: an entry replaces the current one only if its version is strictly newer.
// The zero value is an empty directory. It is not safe for concurrent use.
type Directory struct {
	m map[EnsembleID]Entry
	// base, if set, holds the entries the directory started with (NewDirectoryOn):
	// shared with other directories and never changed. An entry in m wins.
	base *Snapshot
}

// Snapshot is a frozen set of directory entries that many directories can start
// from without each holding a copy (NewDirectoryOn): a thousand nodes that boot
// with the same ten thousand entries share one map instead of keeping a thousand.
// It never changes once made, so it may be shared freely.
type Snapshot struct {
	m map[EnsembleID]Entry
}

// NewSnapshot returns a snapshot of entries; of several for one ensemble, the newest
// version counts, as in a directory.
func NewSnapshot(entries []Entry) *Snapshot {
	return &Snapshot{m: NewDirectory(entries).m}
}

// NewDirectory returns a directory holding entries (for example a saved copy, which may
// be older than what the node had gossiped before it crashed).
func NewDirectory(entries []Entry) *Directory {
	d := &Directory{}
	if len(entries) > 0 {
		d.m = make(map[EnsembleID]Entry, len(entries)) // sized once: no rehash while filling
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

// Lookup returns the entry for e.
func (d *Directory) Lookup(e EnsembleID) (Entry, bool) {
	if en, ok := d.m[e]; ok {
		return en, true
	}
	if d.base != nil {
		en, ok := d.base.m[e]
		return en, ok
	}
	return Entry{}, false
}

// Update applies e if it is strictly newer than the entry held for its ensemble, and
// reports whether it did.
func (d *Directory) Update(e Entry) bool {
	if cur, ok := d.Lookup(e.Ensemble); ok && cur.Version >= e.Version {
		return false
	}
	if d.m == nil {
		d.m = make(map[EnsembleID]Entry)
	}
	d.m[e.Ensemble] = e
	return true
}

// Entries returns every entry, sorted by ensemble. The caller owns the slice.
func (d *Directory) Entries() []Entry {
	out := make([]Entry, 0, d.Len())
	for _, e := range d.m {
		out = append(out, e)
	}
	if d.base != nil {
		for id, e := range d.base.m {
			if _, mine := d.m[id]; !mine {
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ensemble < out[j].Ensemble })
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
