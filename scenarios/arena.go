package scenarios

// byteArena hands out byte slices carved from shared chunks, so that many short
// values that live for a run (call events, leaders' answers) cost an allocation per
// chunk rather than one each. Nothing is ever reused: a slice it handed out keeps
// its bytes until the garbage collector frees the whole chunk, once no slice of it
// is reachable. Every slice has its length as its capacity, so an append to one
// copies it instead of writing over its neighbour.
type byteArena struct {
	buf []byte // the current chunk: handed out up to len, free from len to cap
}

// arenaChunk is the size of a chunk: a few hundred events or answers.
const arenaChunk = 4096

// copy returns a slice of the arena holding b.
func (a *byteArena) copy(b []byte) []byte {
	s := a.alloc(len(b))
	copy(s, b)
	return s
}

// alloc returns a slice of the arena of length n, for the caller to fill in. Its
// bytes are zero.
func (a *byteArena) alloc(n int) []byte {
	if n > cap(a.buf)-len(a.buf) {
		if n > arenaChunk/8 {
			return make([]byte, n) // too big to share a chunk with others
		}
		a.buf = make([]byte, 0, arenaChunk)
	}
	k := len(a.buf)
	a.buf = a.buf[:k+n]
	return a.buf[k : k+n : k+n]
}
