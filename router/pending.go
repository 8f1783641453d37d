package router

// pendingSet is a node's pending calls by sequence number. A node numbers its calls
// one after another and most complete in about the order they started, so the calls
// pending at once have nearby numbers: a table indexed by the number's low bits finds
// nearly every one with an index and a comparison, where a map hashes the key, probes
// and, to delete, tidies up. A call whose place is taken by an older one still pending
// goes into a map beside the table; the table doubles when it is half full, so the
// map stays small unless a few calls outlive very many others (a call with no
// deadline). The zero pendingSet is empty.
type pendingSet struct {
	slots []*pending // by place(seq); nil is free
	more  map[uint64]*pending
	n     int // calls held, in slots and more
	// stride is the node's Config.Shards: the numbers of one shard's calls are that
	// far apart, so place divides it out to keep them next to each other.
	stride uint64
}

// minPendingSlots is the table's first size, a power of two.
const minPendingSlots = 64

func (s *pendingSet) place(seq uint64) uint64 {
	if s.stride > 1 {
		seq = (seq - 1) / s.stride
	}
	return seq & uint64(len(s.slots)-1)
}

// len returns the number of calls held.
func (s *pendingSet) len() int { return s.n }

// get returns the call numbered seq, or nil.
func (s *pendingSet) get(seq uint64) *pending {
	if len(s.slots) > 0 {
		if p := s.slots[s.place(seq)]; p != nil && p.call.Seq == seq {
			return p
		}
	}
	if len(s.more) > 0 {
		return s.more[seq]
	}
	return nil
}

// put adds p, whose number no call held has.
func (s *pendingSet) put(p *pending) {
	if s.putFree(p) {
		return
	}
	if len(s.slots) == 0 {
		s.slots = make([]*pending, minPendingSlots)
	}
	i := s.place(p.call.Seq)
	if s.slots[i] != nil && 2*s.n >= len(s.slots) {
		s.grow()
		i = s.place(p.call.Seq)
	}
	s.n++
	if s.slots[i] == nil {
		s.slots[i] = p
		return
	}
	if s.more == nil {
		s.more = make(map[uint64]*pending)
	}
	s.more[p.call.Seq] = p
}

// putFree is put when p's place in the table is free, which is nearly always (see
// pendingSet): it puts p there and reports true, or does nothing and reports false. It
// is small enough to be inlined where a call starts, which put is not.
func (s *pendingSet) putFree(p *pending) bool {
	i := s.place(p.call.Seq)
	if i >= uint64(len(s.slots)) || s.slots[i] != nil {
		return false
	}
	s.slots[i] = p
	s.n++
	return true
}

// grow doubles the table and places every call again.
func (s *pendingSet) grow() {
	old, more := s.slots, s.more
	s.slots, s.more, s.n = make([]*pending, 2*len(old)), nil, 0
	for _, p := range old {
		if p != nil {
			s.put(p)
		}
	}
	for _, p := range more {
		s.put(p)
	}
}

// remove forgets the call numbered seq, if it is held.
func (s *pendingSet) remove(seq uint64) {
	if !s.removeHeld(seq) {
		s.removeAside(seq)
	}
}

// removeHeld is remove for a call held in its place in the table, which is nearly
// every call: it forgets the call and reports true, or does nothing and reports false
// when the call numbered seq is not there. It is small enough to be inlined where a
// call completes, which remove is not.
func (s *pendingSet) removeHeld(seq uint64) bool {
	if i := s.place(seq); i < uint64(len(s.slots)) {
		if p := s.slots[i]; p != nil && p.call.Seq == seq {
			s.slots[i] = nil
			s.n--
			return true
		}
	}
	return false
}

// removeAside is remove for a call not in its place in the table: in the map beside
// it, or not held.
func (s *pendingSet) removeAside(seq uint64) {
	if _, ok := s.more[seq]; ok {
		delete(s.more, seq)
		s.n--
	}
}

// each calls fn with every call held, in no particular order.
func (s *pendingSet) each(fn func(p *pending)) {
	for _, p := range s.slots {
		if p != nil {
			fn(p)
		}
	}
	for _, p := range s.more {
		fn(p)
	}
}
