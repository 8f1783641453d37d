package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestSpecChecksThatGuardTheRun: checks whose absence would let a spec panic the
// run or make it fail for its own fault, each named by the field at fault: an
// ensemble without members (a peer target drawn among none), an election of an
// ensemble that does not exist, a pause, a crash or a clock step of a node that does
// not exist, a negative peer service time, a hold never released after the node's
// restart.
func TestSpecChecksThatGuardTheRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"ensemble without members", func(s *Spec) {
			s.Ensembles = append(s.Ensembles, s.Ensembles[0])
			last := &s.Ensembles[len(s.Ensembles)-1]
			last.Name, last.Members, last.Leader = "e9", nil, ""
			s.Workload.PeerShare = 0.5
		}, "].members: need at least one member"},
		{"election of no ensemble", func(s *Spec) {
			s.Elections = append(s.Elections, Election{At: Duration(time.Second), Ensemble: "e9", Duration: Duration(time.Second)})
		}, `elections[0].ensemble: "e9"`},
		{"pause of no node", func(s *Spec) {
			s.Faults = append(s.Faults, Fault{At: Duration(time.Second), Action: "pause", Node: "n9"})
		}, `faults[0].node: "n9"`},
		{"crash of no node", func(s *Spec) {
			s.Faults = append(s.Faults, Fault{At: Duration(time.Second), Action: "crash", Node: "n9"})
		}, `faults[0].node: "n9"`},
		{"clock step of no node", func(s *Spec) {
			s.Faults = append(s.Faults, Fault{At: Duration(time.Second), Action: "clock-step", Node: "n9", Step: Duration(time.Millisecond)})
		}, `faults[0].node: "n9"`},
		{"negative service time", func(s *Spec) {
			s.Peer.Service.Min = Duration(-5 * time.Microsecond)
		}, "peer.service"},
	} {
		s := named(t, "steady")
		tc.edit(&s)
		err := s.Validate()
		if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrBadSpec naming %q", tc.name, err, tc.want)
		}
	}
}
