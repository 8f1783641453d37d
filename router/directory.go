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

// Lookup returns the entry for e.
func (d *Directory) Lookup(e EnsembleID) (Entry, bool) {
	en, ok := d.m[e]
	return en, ok
}

// Update applies e if it is strictly newer than the entry held for its ensemble, and
// reports whether it did.
func (d *Directory) Update(e Entry) bool {
	if cur, ok := d.m[e.Ensemble]; ok && cur.Version >= e.Version {
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
	out := make([]Entry, 0, len(d.m))
	for _, e := range d.m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ensemble < out[j].Ensemble })
	return out
}

// Len is the number of ensembles the directory knows.
func (d *Directory) Len() int { return len(d.m) }
