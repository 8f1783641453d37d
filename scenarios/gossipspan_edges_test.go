package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/netmodel"
)

// TestGossipLimitNamesWhatStretchesTheRun: a spec whose anti-entropy plans too much
// because a fault, an election or a burst ends far past the workload is refused
// with a message that names that field and its time, not only gossip.interval,
// which the spec may not have touched: a slow fault's until of 20h (meant as 20s,
// say) on a cluster of 7 nodes and 40 ensembles with gossip every 100ms.
func TestGossipLimitNamesWhatStretchesTheRun(t *testing.T) {
	slow := netmodel.Dist{Kind: "constant", Min: ms(1)}
	for _, tc := range []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"a slow fault's until", func(s *Spec) {
			s.Faults = []Fault{{At: ms(500), Action: "slow", Peer: "e1/p1", Service: &slow, Until: dur(20 * time.Hour)}}
		}, ": the rounds go on to 20h0m0s (faults[0].until, the last scheduled change) and two workload.timeout more"},
		{"a release's at", func(s *Spec) {
			s.Faults = []Fault{
				{At: ms(100), Action: "hold", A: []string{"n1"}, B: []string{"n2"}},
				{At: dur(20 * time.Hour), Action: "release", A: []string{"n1"}, B: []string{"n2"}},
			}
		}, ": the rounds go on to 20h0m0s (faults[1].at, the last scheduled change)"},
		{"an election's end", func(s *Spec) {
			s.Elections = []Election{{At: ms(100), Ensemble: "e1", Duration: dur(20 * time.Hour), Leader: "p2"}}
		}, ": the rounds go on to 20h0m0.1s (the end of elections[0], the last scheduled change)"},
		{"a burst's end", func(s *Spec) {
			s.Workload.Bursts = []Burst{{At: dur(20 * time.Hour), Duration: ms(10), Rate: 10}}
		}, ": the rounds go on to 20h0m0.01s (the end of workload.bursts[0], the last scheduled change)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := named(t, "steady")
			s.Liveness = nil
			s.Nodes = append(s.Nodes, "n6", "n7")
			for i := len(s.Ensembles); i < 40; i++ {
				e := s.Ensembles[i%len(s.Ensembles)]
				e.Name = "x" + string(rune('a'+i/26)) + string(rune('a'+i%26))
				s.Ensembles = append(s.Ensembles, e)
			}
			tc.edit(&s)
			err := s.Validate()
			if err == nil || !errors.Is(err, ErrBadSpec) {
				t.Fatalf("error %v, want ErrBadSpec", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "gossip.interval: 100ms plans about") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want one about gossip.interval saying %q", msg, tc.want)
			}
		})
	}
}
