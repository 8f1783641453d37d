package realscenario

import (
	"errors"
	"fmt"
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
// of that count; a mailbox at the limit is taken, one past it refused. The service
// time of a uniform distribution is the middle of its range.
func TestPlanArgs(t *testing.T) {
	limit := driver.MaxQueued / router.DefaultRouters
	for _, tc := range []struct {
		name string
		edit func(*scenarios.Spec)
		want []string
	}{
		{name: "the smoke spec", edit: func(*scenarios.Spec) {},
			want: []string{"--routers", "7", "--service", "200µs", "--reply-hold", "3s"}},
		{name: "no routers, mailbox at the limit", edit: func(s *scenarios.Spec) { s.Routers, s.MailboxCap = 0, limit },
			want: []string{"--mailbox", fmt.Sprint(limit), "--service", "200µs", "--reply-hold", "3s"}},
		{name: "two routers, mailbox at the limit", edit: func(s *scenarios.Spec) { s.Routers, s.MailboxCap = 2, driver.MaxQueued/2 },
			want: []string{"--routers", "2", "--mailbox", fmt.Sprint(driver.MaxQueued / 2), "--service", "200µs", "--reply-hold", "3s"}},
		{name: "uniform service, no reply hold", edit: func(s *scenarios.Spec) {
			s.Peer.Service = scenarios.Dist{Kind: "uniform", Min: scenarios.Duration(100 * time.Microsecond), Max: scenarios.Duration(300 * time.Microsecond)}
			s.ReplyHold = 0
		}, want: []string{"--routers", "7", "--service", "200µs", "--reply-hold", "0s"}},
		{name: "constant service", edit: func(s *scenarios.Spec) {
			s.Peer.Service = scenarios.Dist{Kind: "constant", Min: scenarios.Duration(time.Millisecond)}
		}, want: []string{"--routers", "7", "--service", "1ms", "--reply-hold", "3s"}},
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
