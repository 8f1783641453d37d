package specgen

import (
	"testing"

	"github.com/ensroute/ensroute/scenarios"
)

// TestPlanHopLimitMakesValidSpec: Plan.Spec makes a valid spec of a plan whose hop
// limit is written by hand, as README.md's property test of one's own cluster
// writes its fields. A hop limit left out (0) or of 1 in a plan whose workload calls
// through clients or straight to members would fail every such two-hop call in the
// liveness phase, which Run refuses; one past the largest a message carries is
// refused too. Plan.Spec raises the first to 2 and lowers the second to the largest,
// and keeps a hop limit of 1 where no call takes two hops.
func TestPlanHopLimitMakesValidSpec(t *testing.T) {
	for _, tc := range []struct {
		name      string
		hops      int
		clients   int
		client    float64
		peer      float64
		wantLimit int
	}{
		{name: "left out, clients that call", hops: 0, clients: 1, client: 0.5, wantLimit: 2},
		{name: "1, clients that call", hops: 1, clients: 1, client: 0.5, wantLimit: 2},
		{name: "1, calls straight to members", hops: 1, peer: 0.2, wantLimit: 2},
		{name: "1, no call of two hops", hops: 1, wantLimit: 1},
		{name: "left out, no call of two hops", hops: 0, wantLimit: 1},
		{name: "past the largest", hops: 70000, wantLimit: 1<<16 - 1},
		{name: "drawn", hops: 4, clients: 1, client: 0.5, peer: 0.2, wantLimit: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := PlanGen().Example(0)
			p.HopLimit, p.Clients, p.ClientShare, p.PeerShare = tc.hops, tc.clients, tc.client, tc.peer
			s := p.Spec()
			if s.HopLimit != tc.wantLimit {
				t.Errorf("hop_limit %d, want %d", s.HopLimit, tc.wantLimit)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Plan.Spec made a spec Run refuses: %v", err)
			}
			if _, err := scenarios.Run(s, scenarios.Options{Seed: 1}); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
}
