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
	if len(b) > cap(a.buf)-len(a.buf) {
		if len(b) > arenaChunk/8 {
			return append(make([]byte, 0, len(b)), b...) // too big to share a chunk with others
		}
		a.buf = make([]byte, 0, arenaChunk)
	}
	n := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[n:len(a.buf):len(a.buf)]
}
