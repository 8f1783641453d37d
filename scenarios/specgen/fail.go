package specgen

import (
	"pgregory.net/rapid"

	"github.com/ensroute/ensroute/scenarios"
)

// FirstInvariant is the first of scenarios.Invariants that vs breaks, or the
// invariant of vs[0] if none is one of them; "" for no violations.
func FirstInvariant(vs []scenarios.Violation) string {
	for _, inv := range scenarios.Invariants {
		for _, v := range vs {
			if v.Invariant == inv {
				return inv
			}
		}
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[0].Invariant
}

// Fail fails the property with msg because of the violations vs, from one call site
// per invariant: FirstInvariant(vs)'s. rapid keeps a smaller case while it shrinks
// only if the case fails at the same place as the one it started from, so a case that
// breaks, say, deadline shrinks to a smaller one that breaks deadline, rather than
// drifting to whatever else a smaller world breaks. A property that fails with
// t.Fatal from one place shrinks to the smallest world that breaks anything.
func Fail(t *rapid.T, vs []scenarios.Violation, msg string) {
	t.Helper()
	switch FirstInvariant(vs) {
	case scenarios.InvExactlyOnce:
		t.Fatal(msg)
	case scenarios.InvDeadline:
		t.Fatal(msg)
	case scenarios.InvLateDiscarded:
		t.Fatal(msg)
	case scenarios.InvReplyMatchesCall:
		t.Fatal(msg)
	case scenarios.InvResultFromPeer:
		t.Fatal(msg)
	case scenarios.InvHopBound:
		t.Fatal(msg)
	case scenarios.InvNoLeak:
		t.Fatal(msg)
	case scenarios.InvLiveness:
		t.Fatal(msg)
	default:
		t.Fatal(msg)
	}
}
