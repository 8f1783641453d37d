package scenarios

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

// TestSamePeerIsEquality: samePeer and zeroPeer answer as == and IsZero do for refs
// of strings that share their bytes (slices of one string: the same address,
// lengths alike or not; the empty string at its end), of equal strings stored
// apart, and of strings alike but for one byte.
func TestSamePeerIsEquality(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := rapid.StringMatching(`[ab]{0,6}`).Draw(t, "base")
		part := func(label string) string {
			i := rapid.IntRange(0, len(base)).Draw(t, label+".from")
			j := rapid.IntRange(i, len(base)).Draw(t, label+".to")
			s := base[i:j]
			switch rapid.IntRange(0, 2).Draw(t, label+".how") {
			case 1: // the same bytes stored apart
				s = strings.Clone(s)
			case 2: // stored apart, and a byte changed
				if len(s) > 0 {
					b := []byte(s)
					b[rapid.IntRange(0, len(b)-1).Draw(t, label+".at")] ^= 3
					s = string(b)
				}
			}
			return s
		}
		p := router.PeerRef{Ensemble: router.EnsembleID(part("pe")), Name: part("pn"), Node: router.NodeID(part("pd"))}
		q := router.PeerRef{Ensemble: router.EnsembleID(part("qe")), Name: part("qn"), Node: router.NodeID(part("qd"))}
		if got := samePeer(&p, &q); got != (p == q) {
			t.Fatalf("samePeer(%#v, %#v) = %v", p, q, got)
		}
		if got := zeroPeer(&p); got != p.IsZero() {
			t.Fatalf("zeroPeer(%#v) = %v", p, got)
		}
	})
}
