package realscenario

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/netns"
	"github.com/ensroute/ensroute/router/nettransport"
	"github.com/ensroute/ensroute/scenarios"
)

// TestPlanDetection: the spec's failure detection and redial become the nodes'
// flags and the client's transport settings, rather than the real code's own:
// detect_after the heartbeat timeout, with a ping every quarter of it, for a spec
// that cuts links (or pauses no node); pause_detect_after for one that pauses nodes
// and cuts none (and none, ensnode's own, when it never notices a pause); backoff_min
// and backoff_max the redial. What processes cannot do alike is listed as not
// applied, naming the key.
func TestPlanDetection(t *testing.T) {
	ms := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Millisecond) }
	flags := func(p Plan) []string {
		var out []string
		for i, a := range p.Args {
			switch a {
			case "--heartbeat-interval", "--heartbeat-timeout", "--backoff-min", "--backoff-max":
				out = append(out, a, p.Args[i+1])
			}
		}
		return out
	}
	notApplied := func(p Plan, key string) string {
		for _, n := range p.NotApplied {
			if strings.HasPrefix(n, key+": ") {
				return n
			}
		}
		return ""
	}
	pause := []scenarios.Fault{{At: ms(500), Action: "pause", Node: "n2"}, {At: ms(900), Action: "resume", Node: "n2"}}
	for _, c := range []struct {
		name     string
		edit     func(*scenarios.Spec)
		want     []string
		noted    string // the key of a note in NotApplied, if any
		interval time.Duration
		timeout  time.Duration
	}{
		{"the partition spec", func(*scenarios.Spec) {},
			[]string{"--heartbeat-interval", "50ms", "--heartbeat-timeout", "200ms"}, "", 50 * time.Millisecond, 200 * time.Millisecond},
		{"with a backoff", func(s *scenarios.Spec) { s.BackoffMin, s.BackoffMax = ms(20), ms(400) },
			[]string{"--heartbeat-interval", "50ms", "--heartbeat-timeout", "200ms", "--backoff-min", "20ms", "--backoff-max", "400ms"}, "", 50 * time.Millisecond, 200 * time.Millisecond},
		{"a detection of 3ms", func(s *scenarios.Spec) { s.DetectAfter = ms(3) },
			[]string{"--heartbeat-interval", "1ms", "--heartbeat-timeout", "3ms"}, "", time.Millisecond, 3 * time.Millisecond},
		{"a detection shorter than the shortest", func(s *scenarios.Spec) { s.DetectAfter = scenarios.Duration(time.Millisecond) },
			[]string{"--heartbeat-interval", "1ms", "--heartbeat-timeout", "2ms"}, "detect_after", time.Millisecond, 2 * time.Millisecond},
		{"no detection delay", func(s *scenarios.Spec) { s.DetectAfter = 0 },
			nil, "detect_after", 0, 0},
		{"a cut and a pause, never noticed in the simulator", func(s *scenarios.Spec) { s.Faults = append(s.Faults, pause...) },
			[]string{"--heartbeat-interval", "50ms", "--heartbeat-timeout", "200ms"}, "pause_detect_after", 50 * time.Millisecond, 200 * time.Millisecond},
		{"a cut and a pause noticed alike", func(s *scenarios.Spec) { s.Faults = append(s.Faults, pause...); s.PauseDetectAfter = s.DetectAfter },
			[]string{"--heartbeat-interval", "50ms", "--heartbeat-timeout", "200ms"}, "", 50 * time.Millisecond, 200 * time.Millisecond},
		{"a pause never noticed, no cut", func(s *scenarios.Spec) { s.Faults = pause },
			nil, "", 0, 0},
		{"a pause noticed after 300ms, no cut", func(s *scenarios.Spec) { s.Faults = pause; s.PauseDetectAfter = ms(300) },
			[]string{"--heartbeat-interval", "75ms", "--heartbeat-timeout", "300ms"}, "", 75 * time.Millisecond, 300 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := spec(t, "testdata/real-partition.json")
			c.edit(&s)
			p, err := NewPlan(s, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := flags(p); !slices.Equal(got, c.want) {
				t.Errorf("flags %q, want %q (all: %q)", got, c.want, p.Args)
			}
			for _, key := range []string{"detect_after", "pause_detect_after", "backoff_min, backoff_max"} {
				if n := notApplied(p, key); (n != "") != (key == c.noted) {
					t.Errorf("not applied %q; want a note of %q", p.NotApplied, c.noted)
				}
			}
			var cfg nettransport.Config
			p.client(&cfg)
			if cfg.HeartbeatInterval != c.interval || cfg.HeartbeatTimeout != c.timeout || cfg.BackoffMin != time.Duration(s.BackoffMin) || cfg.BackoffMax != time.Duration(s.BackoffMax) {
				t.Errorf("the client's transport: heartbeat %v/%v, backoff %v..%v; want %v/%v and the spec's %v..%v",
					cfg.HeartbeatInterval, cfg.HeartbeatTimeout, cfg.BackoffMin, cfg.BackoffMax, c.interval, c.timeout, s.BackoffMin.D(), s.BackoffMax.D())
			}
			cfg.ID, cfg.Cluster, cfg.Secret = "client", "ensroute", []byte("long-enough")
			if err := cfg.Validate(); err != nil {
				t.Errorf("the client's transport is refused: %v", err)
			}
		})
	}
}

// TestRealPartitionNoticed: as root, the partition spec (n1 cut off for a second,
// detect_after 200ms) runs with the nodes' heartbeat at the spec's 200ms, so that
// calls across the cut fail at once, unreachable, as in the simulator, instead of
// waiting out their deadline behind a heartbeat of 3s that never notices the cut.
func TestRealPartitionNoticed(t *testing.T) {
	netns.Need(t)
	bins := programs(t)
	s := spec(t, "testdata/real-partition.json")
	s.Workload.Rate = 300
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, s, Options{Ensnode: bins.Ensnode, Dir: t.TempDir(), Slack: 50 * time.Millisecond, ExcuseDelay: true})
	t.Logf("calls %v, not applied %q", rep.Calls, rep.NotApplied)
	if err != nil {
		t.Fatalf("%v\nviolations: %q", err, rep.Violations)
	}
	if rep.Calls["unreachable"] == 0 {
		t.Fatalf("calls %v: none failed unreachable, so no node noticed the 1s cut (detect_after 200ms)", rep.Calls)
	}
}
