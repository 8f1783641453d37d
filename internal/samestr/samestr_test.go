package samestr

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestEqualIsEquality draws two parts of one string, each kept in place, stored
// apart, or stored apart with a byte changed: Equal must be ==, and Shared true
// only for equal strings, and for every pair taken from the same place.
func TestEqualIsEquality(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := rapid.StringMatching(`[ab]{0,6}`).Draw(t, "base")
		apart := map[string]bool{}
		part := func(label string) (string, int) {
			i := rapid.IntRange(0, len(base)).Draw(t, label+".from")
			j := rapid.IntRange(i, len(base)).Draw(t, label+".to")
			s := base[i:j]
			how := rapid.IntRange(0, 2).Draw(t, label+".how")
			switch how {
			case 1: // the same bytes stored apart
				s = strings.Clone(s)
			case 2: // stored apart, and a byte changed
				if len(s) > 0 {
					b := []byte(s)
					b[rapid.IntRange(0, len(b)-1).Draw(t, label+".at")] ^= 3
					s = string(b)
				}
			}
			apart[label] = how != 0
			return s, i
		}
		a, ai := part("a")
		b, bi := part("b")
		if got := Equal(a, b); got != (a == b) {
			t.Fatalf("Equal(%q, %q) = %v", a, b, got)
		}
		shared := Shared(a, b)
		if shared && a != b {
			t.Fatalf("Shared(%q, %q) for strings that differ", a, b)
		}
		if inPlace := !apart["a"] && !apart["b"] && len(a) > 0 && ai == bi && len(a) == len(b); inPlace && !shared {
			t.Fatalf("Shared(%q, %q) = false for the same bytes of %q", a, b, base)
		}
	})
}
