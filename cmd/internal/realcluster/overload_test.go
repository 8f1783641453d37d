package realcluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/load"
)

// TestOverload floods a node past its capacity and checks that it sheds rather than
// sinks. Each node runs 2 router instances with mailboxes of 64, and its demo peer
// spends 1ms on each event: n1 serves e1 at about 2,000 calls a second, and 512
// callers ask for far more. The calls it cannot queue must fail fast with
// ErrOverloaded (95% within a quarter of the deadline, where a refusal that waited
// out its deadline would take all of it; the rest, and most of the time the fast
// ones take, are the 512 callers of this very process waiting for a core, not a
// queue: on two cores shared with other work, 6.5% of them took more than a tenth of
// the deadline), and every call ends by its
// deadline plus the slack (a queued call waits at most 64 events, ~64ms, so the rest answer
// within their 200ms deadline); n1's memory stays bounded; its /healthz answers within a second
// throughout; and once the flood stops it serves a light load with no refusal.
func TestOverload(t *testing.T) {
	c, cl := startCluster(t, "--routers", "2", "--mailbox", "64", "--service", "1ms")
	n1 := c.Node("n1")
	ctx := context.Background()
	target := []load.Target{{Ensemble: "e1", Via: "n1"}}
	const callers = 512
	probe := ProbeLateness(time.Millisecond)
	defer probe.Stop()
	flood, err := load.Start(ctx, load.Config{Caller: cl, Targets: target, Callers: callers,
		Timeout: 200 * time.Millisecond, Slack: slackFor(callers), Fast: 50 * time.Millisecond, Name: "flood"})
	if err != nil {
		t.Fatal(err)
	}
	defer flood.Stop(time.Second)

	// Health checks while the flood runs: each must answer, and the slowest counts.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var worstHealth, worstExcused time.Duration // the latter less this process's scheduling delay
	var checks int
	var healthErr error
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
			case <-stop:
				return
			}
			hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			begin := time.Now()
			_, err := n1.Health(hctx)
			cancel()
			end := time.Now()
			took := end.Sub(begin)
			worstHealth = max(worstHealth, took)
			// This process's own scheduling delay meanwhile is not n1's slowness.
			worstExcused = max(worstExcused, took-probe.During(begin, end))
			checks++
			if err != nil && healthErr == nil {
				healthErr = err
			}
		}
	})
	waitFor(t, 20*time.Second, "the flood is shed", func() (bool, string) {
		o := flood.Summary().Phase("", "")
		return o.Codes["overloaded"] >= 20000 && o.Codes["ok"] >= 2000, fmt.Sprintf("%v", o.Codes)
	})
	close(stop)
	wg.Wait()
	s := flood.Stop(time.Second)
	mem, err := n1.Memory()
	if err != nil {
		t.Fatal(err)
	}
	over := s.Total
	// Fast: within FastNS, or within it and this process's scheduling delay meanwhile.
	fast := over.Fast["overloaded"] + s.FastExcused("", "", "overloaded", probe.During)
	t.Logf("overload: %s", s.Line())
	t.Logf("overload: %d overloaded, %d of them within %v (or within it and the scheduling delay meanwhile), the slowest %v; n1 RSS %s, peak %s; %d health checks, slowest %v",
		over.Codes["overloaded"], fast, ms(s.FastNS), ms(over.MaxByCode["overloaded"]),
		MiB(mem.RSS), MiB(mem.Peak), checks, worstHealth.Round(time.Microsecond))
	judge(t, "overload", s, probe)
	if healthErr != nil || worstExcused > time.Second {
		t.Fatalf("/healthz during the flood: error %v, slowest %v, %v of it not this process's scheduling delay (bound 1s)", healthErr, worstHealth, worstExcused)
	}
	if f := float64(fast) / float64(over.Codes["overloaded"]); f < 0.95 {
		t.Fatalf("only %.2f%% of the refusals came within %v (and the scheduling delay meanwhile)", 100*f, ms(s.FastNS))
	}
	const rssBound = 128 << 20
	if mem.Peak > rssBound {
		t.Fatalf("n1 RSS peak %s, bound %s", MiB(mem.Peak), MiB(int64(rssBound)))
	}

	// The flood is over: a light load gets every answer.
	probe = ProbeLateness(time.Millisecond)
	defer probe.Stop()
	light, err := load.Start(ctx, load.Config{Caller: cl, Targets: target, Callers: 2, Calls: 200,
		Timeout: 200 * time.Millisecond, Slack: slackFor(2), Name: "light"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-light.Done():
	case <-time.After(20 * time.Second):
	}
	ls := light.Stop(time.Second)
	t.Logf("overload: after the flood: %s", ls.Line())
	judge(t, "overload", ls, probe)
	if ls.Total.Codes["ok"] != 200 {
		t.Fatalf("after the flood: %v, want 200 ok", ls.Total.Codes)
	}
}
