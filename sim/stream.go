package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// streamDomain separates stream seeds from any other use of SHA-256 on the
// seed. Changing it changes every stream of every run.
const streamDomain = "ensroute/sim/stream/v1\x00"

// Stream returns the random source for one concern ("net", "faults",
// "workload", ...). Its sequence depends only on the run's seed and name:
// never on which other streams exist, in what order they were created, or how
// much they were drawn from. Calling Stream twice with the same name returns
// the same *rand.Rand, which continues where it left off.
//
// The source is a math/rand/v2 PCG whose two seed words are the first 16
// bytes of SHA-256(streamDomain || bigEndian64(seed) || name).
func (w *World) Stream(name string) *rand.Rand {
	if r, ok := w.streams[name]; ok {
		return r
	}
	r := rand.New(newStreamSource(w.cfg.Seed, name))
	w.streams[name] = r
	return r
}

// newStreamSource derives the PCG for (seed, name). The seed has fixed width,
// so distinct (seed, name) pairs hash distinct inputs.
func newStreamSource(seed uint64, name string) *rand.PCG {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h.Write([]byte(streamDomain))
	h.Write(b[:])
	h.Write([]byte(name))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return rand.NewPCG(binary.BigEndian.Uint64(sum[0:8]), binary.BigEndian.Uint64(sum[8:16]))
}
