package scenarios

import (
	"unsafe"

	"github.com/ensroute/ensroute/router"
)

// sameStr reports whether a == b. The names the tracer and the checker compare (of
// nodes, ensembles, peers) nearly always share their bytes with the spec's strings,
// so equal strings are told by their lengths and addresses, inline; only strings of
// the same length at different addresses are compared byte by byte. With ==, every
// comparison of two strings of the same length calls memequal, and its caller first
// saves every register it has live.
func sameStr(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// sharedStr reports whether a and b are the same bytes in memory, which makes them
// equal; equal strings stored apart are not shared. It never calls.
func sharedStr(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// zeroPeer is p.IsZero() without copying *p to call it.
func zeroPeer(p *router.PeerRef) bool { return p.Ensemble == "" && p.Name == "" && p.Node == "" }

// samePeer reports whether *a == *b, field by field with sameStr: the generated
// equality of a PeerRef is a call, and compares each string with another.
func samePeer(a, b *router.PeerRef) bool {
	return sameStr(a.Name, b.Name) && sameStr(string(a.Node), string(b.Node)) && sameStr(string(a.Ensemble), string(b.Ensemble))
}
