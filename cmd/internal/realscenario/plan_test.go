package realscenario

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/scenarios"
)

// TestPlanNodeBound: MaxNodes nodes run; one more is refused.
func TestPlanNodeBound(t *testing.T) {
	s := spec(t, "testdata/real-smoke.json")
	for i := len(s.Nodes); i < MaxNodes; i++ {
		s.Nodes = append(s.Nodes, fmt.Sprint("x", i))
	}
	if p, err := NewPlan(s, false); err != nil || len(p.Nodes) != MaxNodes {
		t.Fatalf("%d nodes: %v, nodes %v", len(s.Nodes), err, p.Nodes)
	}
	s.Nodes = append(s.Nodes, "one-more")
	if _, err := NewPlan(s, true); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("%d nodes: %v, want ErrUnsupported", len(s.Nodes), err)
	}
}

// TestPlanArgs: the flags every ensnode gets. A spec without routers leaves ensnode's
// own count (no --routers 0, which ensnode refuses), and its mailbox limit is the one
// of that count; a mailbox at the limit is taken, one past it refused. A spec without
// a mailbox_cap (unbounded in the simulator) gets the largest mailbox, not ensnode's
// default of 1,024. The service time is the distribution's mean: an exponential's
// minimum plus its mean (the smoke spec's 50µs+200µs), a uniform's the middle of its
// range.
func TestPlanArgs(t *testing.T) {
	limit := driver.MaxQueued / router.DefaultRouters
	mailbox7 := fmt.Sprint(limit)
	for _, tc := range []struct {
		name string
		edit func(*scenarios.Spec)
		want []string
	}{
		{name: "the smoke spec", edit: func(*scenarios.Spec) {},
			want: []string{"--routers", "7", "--mailbox", mailbox7, "--service", "250µs", "--reply-hold", "3s"}},
		{name: "no routers, mailbox at the limit", edit: func(s *scenarios.Spec) { s.Routers, s.MailboxCap = 0, limit },
			want: []string{"--mailbox", fmt.Sprint(limit), "--service", "250µs", "--reply-hold", "3s"}},
		{name: "two routers, mailbox at the limit", edit: func(s *scenarios.Spec) { s.Routers, s.MailboxCap = 2, driver.MaxQueued/2 },
			want: []string{"--routers", "2", "--mailbox", fmt.Sprint(driver.MaxQueued / 2), "--service", "250µs", "--reply-hold", "3s"}},
		{name: "two routers, unbounded mailboxes", edit: func(s *scenarios.Spec) { s.Routers, s.MailboxCap = 2, 0 },
			want: []string{"--routers", "2", "--mailbox", fmt.Sprint(driver.MaxQueued / 2), "--service", "250µs", "--reply-hold", "3s"}},
		{name: "a mailbox of its own", edit: func(s *scenarios.Spec) { s.MailboxCap = 64 },
			want: []string{"--routers", "7", "--mailbox", "64", "--service", "250µs", "--reply-hold", "3s"}},
		{name: "uniform service, no reply hold", edit: func(s *scenarios.Spec) {
			s.Peer.Service = scenarios.Dist{Kind: "uniform", Min: scenarios.Duration(100 * time.Microsecond), Max: scenarios.Duration(300 * time.Microsecond)}
			s.ReplyHold = 0
		}, want: []string{"--routers", "7", "--mailbox", mailbox7, "--service", "200µs", "--reply-hold", "0s"}},
		{name: "constant service", edit: func(s *scenarios.Spec) {
			s.Peer.Service = scenarios.Dist{Kind: "constant", Min: scenarios.Duration(time.Millisecond)}
		}, want: []string{"--routers", "7", "--mailbox", mailbox7, "--service", "1ms", "--reply-hold", "3s"}},
		{name: "no service", edit: func(s *scenarios.Spec) { s.Peer.Service = scenarios.Dist{} },
			want: []string{"--routers", "7", "--mailbox", mailbox7, "--reply-hold", "3s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(t, "testdata/real-smoke.json")
			tc.edit(&s)
			p, err := NewPlan(s, false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, p.Args); diff != "" {
				t.Fatalf("args (-want +got):\n%s", diff)
			}
		})
	}
	s := spec(t, "testdata/real-smoke.json")
	s.Routers, s.MailboxCap = 0, limit+1
	want := fmt.Sprintf("mailbox_cap %d: an ensnode with %d routers has mailboxes of at most %d messages", limit+1, router.DefaultRouters, limit)
	if _, err := NewPlan(s, true); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), want) {
		t.Fatalf("no routers, a mailbox past ensnode's limit: %v, want refused naming %q", err, want)
	}
}

// TestPlanSteps: each partition cuts its lone node and the heal after it restores
// that node only; a restart in the current directory and a save are steps a real run
// takes as they are.
func TestPlanSteps(t *testing.T) {
	s := spec(t, "testdata/real-partition.json")
	sec := func(f float64) scenarios.Duration { return scenarios.Duration(f * float64(time.Second)) }
	s.Faults = []scenarios.Fault{
		{At: sec(0.5), Action: "partition", A: []string{"n1"}, B: []string{"n2", "n3"}},
		{At: sec(1), Action: "heal"},
		{At: sec(1.5), Action: "save", Node: "n2"},
		{At: sec(2), Action: "partition", A: []string{"n1", "n3"}, B: []string{"n2"}},
		{At: sec(2.5), Action: "heal"},
		{At: sec(3), Action: "crash", Node: "n3"},
		{At: sec(3.5), Action: "restart", Node: "n3", Directory: "current"},
	}
	p, err := NewPlan(s, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{At: 500 * time.Millisecond, Action: "cut", Node: "n1"},
		{At: time.Second, Action: "restore", Node: "n1"},
		{At: 2 * time.Second, Action: "cut", Node: "n2"},
		{At: 2500 * time.Millisecond, Action: "restore", Node: "n2"},
		{At: 3 * time.Second, Action: "crash", Node: "n3"},
		{At: 3500 * time.Millisecond, Action: "restart", Node: "n3"},
	}
	if diff := cmp.Diff(want, p.Steps); diff != "" {
		t.Fatalf("steps (-want +got):\n%s", diff)
	}
	if !p.Netns || p.Skipped != nil {
		t.Fatalf("netns %v, skipped %q: want namespaces and nothing skipped", p.Netns, p.Skipped)
	}
}

// TestPlanPeer: ensnode's demo peer works on the router instance that hands it a call
// (--service), which the simulated peer does not hold up: a service time whose work
// keeps more than MaxPeerBusy of a node's router instances busy is refused, naming
// peer.service, or with skip left out (the peer answers at once). A budget the spec's
// peer honours is listed as not applied when the peer has work to give up, and so is
// a liveness phase.
func TestPlanPeer(t *testing.T) {
	constant := func(d time.Duration) scenarios.Dist {
		return scenarios.Dist{Kind: "constant", Min: scenarios.Duration(d)}
	}
	for _, tc := range []struct {
		name       string
		edit       func(*scenarios.Spec)
		refused    string // what the refusal names; "": taken
		notApplied []string
	}{
		{name: "the smoke spec", edit: func(*scenarios.Spec) {}, notApplied: []string{"peer.honor_budget: "}},
		{name: "the budget ignored", edit: func(s *scenarios.Spec) { s.Peer.HonorBudget = false }},
		{name: "no work to give up", edit: func(s *scenarios.Spec) { s.Peer.Service = scenarios.Dist{} }},
		// 1,000 calls a second of 1.75ms: 1.75 of 7 router instances busy, a quarter.
		{name: "at the bound", edit: func(s *scenarios.Spec) { s.Peer.Service = constant(1750 * time.Microsecond) },
			notApplied: []string{"peer.honor_budget: "}},
		{name: "past the bound", edit: func(s *scenarios.Spec) { s.Peer.Service = constant(1760 * time.Microsecond) },
			refused: "peer.service: 1.76ms a call at 1000 calls a second keeps 1.76 of a node's 7 router instances busy"},
		// The review's case: one router instance, 600 calls a second of 10ms.
		{name: "one router", edit: func(s *scenarios.Spec) {
			s.Routers, s.Peer.Service, s.Workload.Rate = 1, constant(10*time.Millisecond), 600
		}, refused: "keeps 6 of a node's 1 router instances busy, and ensnode's demo peer holds up the instance it works on (the simulated peer holds up none): at most 0.25 of them"},
		{name: "liveness", edit: func(s *scenarios.Spec) {
			s.Peer.HonorBudget = false
			s.Liveness = &scenarios.Liveness{From: scenarios.Duration(3 * time.Second)}
		}, notApplied: []string{"liveness: the liveness phase (every call succeeds from 3s on) is not checked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec(t, "testdata/real-smoke.json")
			tc.edit(&s)
			p, err := NewPlan(s, false)
			if tc.refused != "" {
				if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("got %v, want ErrUnsupported naming %q", err, tc.refused)
				}
				p, err = NewPlan(s, true)
				if err != nil || len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0], tc.refused) || slices.Contains(p.Args, "--service") {
					t.Fatalf("with skip: %v, skipped %q, args %q; want it skipped, no --service", err, p.Skipped, p.Args)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.NotApplied) != len(tc.notApplied) {
				t.Fatalf("not applied %q, want %q", p.NotApplied, tc.notApplied)
			}
			for i, w := range tc.notApplied {
				if !strings.HasPrefix(p.NotApplied[i], w) {
					t.Errorf("not applied %q, want %q", p.NotApplied, tc.notApplied)
				}
			}
		})
	}
}

// TestStepString: a step names its action and node, a lead its ensemble too.
func TestStepString(t *testing.T) {
	for st, want := range map[Step]string{
		{Action: "pause", Node: "n2"}:                "pause n2",
		{Action: "lead", Node: "n2", Ensemble: "e1"}: "lead e1 on n2",
		{At: time.Second, Action: "cut", Node: "n1"}: "cut n1",
	} {
		if got := st.String(); got != want {
			t.Errorf("%#v: %q, want %q", st, got, want)
		}
	}
}
