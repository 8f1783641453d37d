package scenarios

import (
	"github.com/ensroute/ensroute/internal/samestr"
	"github.com/ensroute/ensroute/router"
)

// zeroPeer is p.IsZero() without copying *p to call it.
func zeroPeer(p *router.PeerRef) bool { return p.Ensemble == "" && p.Name == "" && p.Node == "" }

// samePeer reports whether *a == *b, field by field with samestr.Equal: the generated
// equality of a PeerRef is a call, and compares each string with another.
func samePeer(a, b *router.PeerRef) bool {
	return samestr.Equal(a.Name, b.Name) && samestr.Equal(string(a.Node), string(b.Node)) && samestr.Equal(string(a.Ensemble), string(b.Ensemble))
}

// sharedPeer reports whether a and b are the same strings in memory, field by field
// (samestr.Shared): equal then, and never a call.
func sharedPeer(a, b *router.PeerRef) bool {
	return samestr.Shared(a.Name, b.Name) && samestr.Shared(string(a.Node), string(b.Node)) && samestr.Shared(string(a.Ensemble), string(b.Ensemble))
}
