package main

import (
	"testing"
)

// TestVerdictOneCall: a run whose only call failed says so in words, not "none of
// the 1 calls"; more calls are counted.
func TestVerdictOneCall(t *testing.T) {
	for _, tc := range []struct {
		r    benchResult
		want string
	}{
		{benchResult{Ensemble: "e1", Calls: 1, Errors: map[string]int64{"timeout": 1}},
			"bench e1: its one call did not succeed (1 timeout): nothing was measured"},
		{benchResult{Ensemble: "e1", Calls: 3, Errors: map[string]int64{"timeout": 2, "no-leader": 1}},
			"bench e1: none of the 3 calls succeeded (1 no-leader, 2 timeout): nothing was measured"},
	} {
		if err := tc.r.verdict(); err == nil || err.Error() != tc.want {
			t.Errorf("verdict of %d calls = %v, want %q", tc.r.Calls, err, tc.want)
		}
	}
}
