package realcluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/load"
)

// slackFor is how long past its deadline a call may end when up to callers calls are
// in flight in this process: a fixed 30ms, and 50µs per caller, the CPU time the
// process may need to complete the others whose deadlines fall in the same instant
// (a frozen node makes every caller time out at once) before it gets to this one.
// judge adds the scheduling delay measured meanwhile. README.md, "Reliability", has
// the measurements behind these figures.
func slackFor(callers int) time.Duration {
	return 30*time.Millisecond + time.Duration(callers)*50*time.Microsecond
}

func ms(ns int64) time.Duration { return time.Duration(ns).Round(10 * time.Microsecond) }

// TestKilledNodeFailsFast: 16 callers load e3 (led by n3) through n1 with a 100ms
// timeout; n3 is killed. The original made 94% of the calls that followed wait their
// full timeout while a reconnect was pending; here at least 99% must fail at once
// with ErrUnreachable, and every call ends by its deadline. n3 then restarts and e3
// answers again.
func TestKilledNodeFailsFast(t *testing.T) {
	c, cl := startCluster(t)
	probe := ProbeLateness(time.Millisecond)
	defer probe.Stop()
	run, err := load.Start(context.Background(), load.Config{Caller: cl, Targets: []load.Target{{Ensemble: "e3", Via: "n1"}},
		Callers: 16, Timeout: 100 * time.Millisecond, Slack: slackFor(16)})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop(time.Second)
	ended := func(phase string, n int64) func() (bool, string) {
		return func() (bool, string) {
			o := run.Summary().Phase(phase, "")
			return o.Calls >= n, fmt.Sprintf("%d calls in phase %q", o.Calls, phase)
		}
	}
	waitFor(t, 10*time.Second, "calls before the kill", ended("", 500))
	if err := c.Node("n3").Kill(); err != nil {
		t.Fatal(err)
	}
	run.Phase("killed")
	waitFor(t, 20*time.Second, "calls after the kill", ended("killed", 5000))
	if err := c.Node("n3").Start(); err != nil {
		t.Fatal(err)
	}
	run.Phase("restarted")
	waitFor(t, 15*time.Second, "e3 answers after the restart", func() (bool, string) {
		o := run.Summary().Phase("restarted", "")
		return o.Codes["ok"] >= 100, fmt.Sprintf("%v", o.Codes)
	})
	s := run.Stop(time.Second)
	t.Logf("kill: %s", s.Line())
	judge(t, "kill", s, probe)
	killed := s.Phase("killed", "")
	// Fast: within 10ms, or within 10ms and the scheduling delay measured meanwhile in
	// this process, which saw the failure late (a loaded machine).
	excused := s.FastExcused("killed", "", "unreachable", probe.During)
	fast := killed.Fast["unreachable"] + excused
	share := float64(fast) / float64(killed.Calls)
	t.Logf("kill: %d calls after the kill: %v; %d (%.2f%%) failed with unreachable within %v (%d of them within it and this process's scheduling delay meanwhile); slowest %v (deadline %v)",
		killed.Calls, killed.Codes, fast, 100*share, ms(s.FastNS), excused, ms(killed.MaxNS), ms(s.TimeoutNS))
	if share < 0.99 {
		t.Fatalf("only %.2f%% of the calls after the kill failed fast with unreachable, want at least 99%%", 100*share)
	}
}

// TestPausedLeader: 1,024 callers load e2 (led by n2), half through n1 and half
// through n2 itself, with a 50ms timeout; n2 is frozen with SIGSTOP for longer than
// the heartbeat timeout, then thawed. Its connections stay up while it is frozen, so
// nothing fails fast at first: the original blocked every caller for about 10.5s once
// its distribution buffer filled. Here every call ends by its deadline plus the slack,
// the bounded send queues refuse what does not fit (overloaded) instead of blocking a
// caller, the node's memory stays bounded, and after the thaw e2 answers again.
func TestPausedLeader(t *testing.T) {
	c, cl := startCluster(t)
	heap := SampleHeap(50 * time.Millisecond)
	defer heap.Stop()
	probe := ProbeLateness(time.Millisecond)
	defer probe.Stop()
	run, err := load.Start(context.Background(), load.Config{Caller: cl,
		Targets: []load.Target{{Ensemble: "e2", Via: "n1"}, {Ensemble: "e2", Via: "n2"}},
		Callers: 1024, Timeout: 50 * time.Millisecond, Slack: slackFor(1024)})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop(time.Second)
	waitFor(t, 10*time.Second, "calls before the pause", func() (bool, string) {
		o := run.Summary().Phase("", "")
		return o.Codes["ok"] >= 5000, fmt.Sprintf("%v", o.Codes)
	})
	n2 := c.Node("n2")
	if err := n2.Pause(); err != nil {
		t.Fatal(err)
	}
	run.Phase("paused")
	// Frozen past the heartbeat timeout (3s): n1 and the client then drop their
	// connections to n2, and calls fail fast.
	waitFor(t, 20*time.Second, "calls fail fast while n2 is frozen", func() (bool, string) {
		o := run.Summary().Phase("paused", "")
		return o.Fast["unreachable"] >= 5000, fmt.Sprintf("%v", o.Codes)
	})
	if err := n2.Resume(); err != nil {
		t.Fatal(err)
	}
	run.Phase("resumed")
	waitFor(t, 20*time.Second, "e2 answers after the thaw", func() (bool, string) {
		o := run.Summary().Phase("resumed", "")
		return o.Codes["ok"] >= 1000, fmt.Sprintf("%v", o.Codes)
	})
	s := run.Stop(time.Second)
	t.Logf("pause: %s", s.Line())
	paused := s.Phase("paused", "")
	t.Logf("pause: %d calls while n2 was frozen: %v; slowest %v against the %v deadline (%+v past it); client heap peak %s",
		paused.Calls, paused.Codes, ms(paused.MaxNS), ms(s.TimeoutNS), ms(paused.WorstOverNS), MiB(heap.Stop()))
	for _, n := range c.Nodes() {
		m, err := n.Memory()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pause: %s RSS %s, peak %s", n.ID, MiB(m.RSS), MiB(m.Peak))
	}
	judge(t, "pause", s, probe)
}
