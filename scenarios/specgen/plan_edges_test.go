package specgen

import (
	"testing"
	"time"

	"pgregory.net/rapid"

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

// TestPlanSpecOfLongPlanAtHighRate: a plan whose peers are slow (a second a request)
// gets a timeout and a liveness phase to match, minutes long; at 10,000 calls a
// second it planned about 3,000,000 calls, more than a run with RetryGen's attempts
// may make, and with a peer of ten seconds more than any run takes, which Validate
// refused. Plan.Spec lowers the rate to what fits.
func TestPlanSpecOfLongPlanAtHighRate(t *testing.T) {
	for _, peer := range []time.Duration{time.Second, 10 * time.Second} {
		p := PlanGen().Example(0)
		p.PeerMean, p.Rate = peer, 10000
		s := p.Spec()
		if err := s.Validate(); err != nil {
			t.Errorf("peer mean %v: Plan.Spec made a spec Validate refuses: %v", peer, err)
		}
		if planned := s.Workload.Rate * s.Workload.Duration.D().Seconds(); planned > scenarios.MaxCalls/4 {
			t.Errorf("peer mean %v: %v calls a second for %v plan %.0f calls, past a quarter of %d (RetryGen draws up to 4 attempts)",
				peer, s.Workload.Rate, s.Workload.Duration.D(), planned, scenarios.MaxCalls)
		}
	}
}

// TestPlanSpecOfHandSetPlansIsValid: Plan.Spec makes a valid spec of a plan whose
// fields are set by hand, as README.md's property test of one's own cluster sets
// them, anywhere within bounds wider than PlanGen's: sizes and shares out of range,
// times of up to a second, a rate of up to 10,000 calls a second. (Times of many
// seconds can make a run past other limits, gossip's among them: Validate names
// the limit.)
func TestPlanSpecOfHandSetPlansIsValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := PlanGen().Draw(t, "plan")
		set := func(name string) bool { return rapid.Bool().Draw(t, name) }
		if set("nodes") {
			p.Nodes = rapid.IntRange(-2, 8).Draw(t, "nodes_n")
		}
		if set("clients") {
			p.Clients = rapid.IntRange(-2, 3).Draw(t, "clients_n")
		}
		if set("routers") {
			p.Routers = rapid.IntRange(-2, 2000).Draw(t, "routers_n")
		}
		if set("hop_limit") {
			p.HopLimit = rapid.IntRange(-2, 70000).Draw(t, "hop_limit_n")
		}
		// In a fixed order, not a map's: rapid replays and shrinks the draws in order.
		for _, f := range []struct {
			name string
			d    *time.Duration
		}{
			{"detect_after", &p.DetectAfter}, {"reply_hold", &p.ReplyHold}, {"pause_detect", &p.PauseDetect},
			{"router_mean", &p.RouterMean}, {"peer_mean", &p.PeerMean}, {"gossip", &p.Gossip},
			{"timeout", &p.Timeout}, {"tail", &p.Tail},
		} {
			if set(f.name) {
				*f.d = time.Duration(rapid.Int64Range(-1e9, 1e9).Draw(t, f.name+"_ns"))
			}
		}
		if set("rate") {
			p.Rate = rapid.IntRange(-5, 10000).Draw(t, "rate_n")
		}
		for _, f := range []struct {
			name string
			v    *float64
		}{{"dup", &p.Dup}, {"client_share", &p.ClientShare}, {"peer_share", &p.PeerShare}, {"cast_share", &p.CastShare}} {
			if set(f.name) {
				*f.v = rapid.Float64Range(-1, 2).Draw(t, f.name+"_f")
			}
		}
		s := p.Spec()
		if err := s.Validate(); err != nil {
			t.Fatalf("Plan.Spec made a spec Validate refuses: %v", err)
		}
	})
}
