package scenarios

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSlowOfAFollowerIsIdle: a slow or hang fault on a member that never leads its
// ensemble in the fault's span (a slow disk put on the wrong member) does nothing,
// since only a leader serves requests, and IdleFaults says so, as ensim does before
// it runs the spec; one on the leader, or on a member an election makes leader
// before the fault ends, is not pointed out.
func TestSlowOfAFollowerIsIdle(t *testing.T) {
	slow := Dist{Kind: "constant", Min: ms(80)}
	sl := func(at, until int, peer string) Fault {
		return Fault{At: ms(at), Action: "slow", Peer: peer, Service: &slow, Until: ms(until)}
	}
	for _, tc := range []struct {
		name      string
		faults    []Fault
		elections []Election
		noLeader  bool
		want      []string
	}{
		{name: "the leader", faults: []Fault{sl(100, 500, "e1/p1")}},
		{name: "a follower", faults: []Fault{sl(100, 500, "e1/p2"), {At: ms(100), Action: "hang", Peer: "e2/p1", Until: ms(500)}},
			want: []string{
				"faults[0]: the slow of e1/p2 from 100ms to 500ms names a member that never leads e1 by then (p1 leads it, and no election ending before 500ms names p2): only a leader serves requests, so it does nothing",
				"faults[1]: the hang of e2/p1 from 100ms to 500ms names a member that never leads e2 by then (p2 leads it, and no election ending before 500ms names p1): only a leader serves requests, so it does nothing",
			}},
		{name: "a follower elected within the span", faults: []Fault{sl(100, 500, "e1/p2")},
			elections: []Election{{At: ms(300), Ensemble: "e1", Duration: ms(30), Leader: "p2"}}},
		{name: "a follower elected after the span", faults: []Fault{sl(100, 500, "e1/p2")},
			elections: []Election{{At: ms(480), Ensemble: "e1", Duration: ms(30), Leader: "p2"}},
			want:      []string{"faults[0]: the slow of e1/p2 from 100ms to 500ms names a member that never leads e1 by then (p1 leads it, and no election ending before 500ms names p2): only a leader serves requests, so it does nothing"}},
		{name: "an ensemble without a leader", faults: []Fault{sl(100, 500, "e1/p1")}, noLeader: true,
			want: []string{"faults[0]: the slow of e1/p1 from 100ms to 500ms names a member that never leads e1 by then (it has no leader at the start, and no election ending before 500ms names p1): only a leader serves requests, so it does nothing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			s.Faults, s.Elections = tc.faults, tc.elections
			if tc.noLeader {
				s.Ensembles[0].Leader = ""
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, s.IdleFaults()); diff != "" {
				t.Errorf("IdleFaults (-want +got):\n%s", diff)
			}
		})
	}
}
