package realscenario

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ensroute/ensroute/scenarios"
)

// TestPlanServiceIsTheDistributionsMean: --service is the mean of peer.service as
// the simulator draws it (Dist.Expected): an exponential or a lognormal draws Min
// plus a random part of mean Mean, so its mean is Min+Mean, not Mean. The bound on
// the router instances the demo peer keeps busy is reckoned on that mean too.
func TestPlanServiceIsTheDistributionsMean(t *testing.T) {
	us := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Microsecond) }
	for _, tc := range []struct {
		name    string
		service scenarios.Dist
		want    string
	}{
		{name: "exponential", service: scenarios.Dist{Kind: "exponential", Min: us(50), Mean: us(200)}, want: "250µs"},
		{name: "lognormal", service: scenarios.Dist{Kind: "lognormal", Min: us(100), Mean: us(300), Sigma: 0.5}, want: "400µs"},
		{name: "uniform", service: scenarios.Dist{Kind: "uniform", Min: us(100), Max: us(300)}, want: "200µs"},
		{name: "constant", service: scenarios.Dist{Kind: "constant", Min: us(700)}, want: "700µs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(t, "testdata/real-smoke.json")
			s.Peer.Service = tc.service
			p, err := NewPlan(s, false)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.Index(p.Args, "--service")
			if i < 0 || i+1 >= len(p.Args) || p.Args[i+1] != tc.want {
				t.Fatalf("args %q: want --service %s, the mean the simulator draws (%v)", p.Args, tc.want, tc.service.Expected())
			}
		})
	}
	// 1,000 calls a second of 1.5ms+0.26ms: 1.76 of 7 router instances busy, past a
	// quarter, though the part above the minimum alone (0.26ms) is far below it.
	s := spec(t, "testdata/real-smoke.json")
	s.Peer.Service = scenarios.Dist{Kind: "exponential", Min: us(1500), Mean: us(260)}
	if _, err := NewPlan(s, false); err == nil {
		t.Fatalf("peer.service of mean 1.76ms at 1,000 calls a second on 7 router instances taken, want it refused")
	}
}

// TestRealServiceFromTheMinimum: a peer whose every answer takes at least 30ms
// (exponential, min 30ms, mean 1µs above it) answers no call of a 20ms timeout, in
// the simulator and on real processes alike: every call times out, none succeeds.
func TestRealServiceFromTheMinimum(t *testing.T) {
	bins := programs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := spec(t, "testdata/real-smoke.json")
	s.Elections, s.Faults = nil, nil
	s.Peer.Service = scenarios.Dist{Kind: "exponential", Min: scenarios.Duration(30 * time.Millisecond), Mean: scenarios.Duration(time.Microsecond)}
	s.Workload.Rate, s.Workload.Duration, s.Workload.Timeout = 30, scenarios.Duration(time.Second), scenarios.Duration(20*time.Millisecond)
	rep, err := Run(ctx, s, Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Slack: 50 * time.Millisecond, ExcuseDelay: true})
	if err != nil {
		t.Fatalf("%v\nviolations: %q", err, rep.Violations)
	}
	if rep.Calls["total"] == 0 || rep.Calls["ok"] != 0 || rep.Calls["timeout"] != rep.Calls["total"] {
		t.Fatalf("calls %v: want every one timed out, as the simulator's do (its peer takes at least 30ms, the calls' timeout is 20ms)", rep.Calls)
	}
}
