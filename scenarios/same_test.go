package scenarios

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/router"
)

// TestSamePeerIsEquality: samePeer and zeroPeer answer as == and IsZero do. Each
// field of the second ref is the first's own string, a copy of it stored apart,
// or a string drawn anew (samestr's test covers the strings themselves).
func TestSamePeerIsEquality(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		field := rapid.StringMatching(`[ab]{0,2}`)
		p := router.PeerRef{Ensemble: router.EnsembleID(field.Draw(t, "pe")), Name: field.Draw(t, "pn"), Node: router.NodeID(field.Draw(t, "pd"))}
		other := func(s, label string) string {
			switch rapid.IntRange(0, 2).Draw(t, label) {
			case 0:
				return s
			case 1:
				return strings.Clone(s)
			}
			return field.Draw(t, label+".new")
		}
		q := router.PeerRef{Ensemble: router.EnsembleID(other(string(p.Ensemble), "qe")), Name: other(p.Name, "qn"), Node: router.NodeID(other(string(p.Node), "qd"))}
		if got := samePeer(&p, &q); got != (p == q) {
			t.Fatalf("samePeer(%#v, %#v) = %v", p, q, got)
		}
		if got := zeroPeer(&p); got != p.IsZero() {
			t.Fatalf("zeroPeer(%#v) = %v", p, got)
		}
	})
}
