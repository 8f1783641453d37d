package realcluster

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/load"
	"github.com/ensroute/ensroute/cmd/internal/netns"
	"github.com/ensroute/ensroute/router"
)

// TestNetnsFaults runs n1, n2, n3 in network namespaces of their own, joined by a
// bridge, and a client node in a fourth, while an open load of 2,000 calls a second
// goes to every ensemble through every member. One after the other: n3's link is cut (a silent partition) and
// restored; n2's link gets delay and loss (where the kernel has netem); e1's leader
// moves to n2; n2 is killed and restarted; n1 is frozen and thawed. Every call must
// end by its deadline plus the slack with its own answer; what is cut off must fail
// fast once the heartbeat timeout has noticed it; what is not must go on answering;
// everything recovers; the nodes exit cleanly on SIGTERM; the namespaces go.
func TestNetnsFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	netns.Need(t)
	nw, err := netns.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := nw.Close(); err != nil {
			t.Errorf("cleaning up the namespaces: %v", err)
		}
	})
	for _, h := range []string{"n1", "n2", "n3", "client"} {
		if _, err := nw.AddHost(h); err != nil {
			t.Fatal(err)
		}
	}
	c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2", "n3"}, Ensembles: ensembles,
		Addr: func(id string) (string, string) { ip := nw.Host(id).IP; return ip + ":7000", ip + ":9100" },
		Wrap: nw.Wrap, Dial: nw.Dialer("client")})
	ctx := context.Background()
	connected := func(ids ...string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := c.WaitConnected(wctx, ids...); err != nil {
			t.Fatalf("not connected: %v", err)
		}
	}
	connected()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	cl, err := c.Client(cctx, "client", nil)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)

	var targets []load.Target
	for _, e := range ensembles {
		for _, via := range []string{"n1", "n2", "n3"} {
			targets = append(targets, load.Target{Ensemble: router.EnsembleID(e.ID), Via: router.NodeID(via)})
		}
	}
	const rate, inFlight = 2000, 1024
	probe := ProbeLateness(time.Millisecond)
	defer probe.Stop()
	run, err := load.Start(ctx, load.Config{Caller: cl, Targets: targets, Callers: inFlight, Rate: rate,
		Timeout: 200 * time.Millisecond, Slack: slackFor(inFlight)})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop(time.Second)
	// until waits until the calls of phase to ensemble e (all if "") count at least n
	// of outcome, or of fast failures of outcome when fast is set.
	until := func(what, phase, e, outcome string, fast bool, n int64) {
		t.Helper()
		waitFor(t, 20*time.Second, what, func() (bool, string) {
			o := run.Summary().Phase(phase, router.EnsembleID(e))
			got := o.Codes[outcome]
			if fast {
				got = o.Fast[outcome]
			}
			return got >= n, fmt.Sprintf("phase %q, %s: %v, fast %v", phase, e, o.Codes, o.Fast)
		})
	}
	until("calls succeed", "", "", "ok", false, 1000)

	// A partition: n3's link goes down. Its connections see silence; once the
	// heartbeat timeout notices, calls to e3 (led by n3) fail fast, while e1 and e2
	// go on answering through n1 and n2.
	run.Phase("n3 cut")
	if err := nw.Cut("n3"); err != nil {
		t.Fatal(err)
	}
	until("e3 fails fast while n3 is cut off", "n3 cut", "e3", "unreachable", true, 200)
	until("e1 answers while n3 is cut off", "n3 cut", "e1", "ok", false, 200)
	until("e2 answers while n3 is cut off", "n3 cut", "e2", "ok", false, 200)
	if err := nw.Restore("n3"); err != nil {
		t.Fatal(err)
	}
	run.Phase("n3 restored")
	connected()
	until("e3 answers after the heal", "n3 restored", "e3", "ok", false, 200)

	// Delay and loss on n2's link, where the kernel has netem.
	switch err := nw.Netem("n2", "delay", "20ms", "loss", "2%"); {
	case errors.Is(err, netns.ErrNoNetem):
		t.Logf("netem: skipped, the kernel lacks it: %v", err)
	case err != nil:
		t.Fatal(err)
	default:
		run.Phase("n2 delayed")
		until("e2 answers through the delay", "n2 delayed", "e2", "ok", false, 200)
		if err := nw.Netem("n2"); err != nil {
			t.Fatal(err)
		}
	}

	// A leader moves under load: every node learns it, and calls follow.
	run.Phase("e1 moved")
	if err := cl.Lead(ctx, "e1", "n2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "every node learns e1's new leader", func() (bool, string) {
		for _, n := range c.Nodes() {
			h, err := n.Health(ctx)
			if err != nil || h.Leader("e1") != "e1/n2@n2" {
				return false, fmt.Sprintf("%s: %v %v", n.ID, err, h)
			}
		}
		return true, ""
	})
	until("e1 answers after the move", "e1 moved", "e1", "ok", false, 200)

	// A crash: n2 (now leading e1 and e2) is killed; its ensembles fail fast, then it
	// restarts in its namespace and they answer again.
	n2 := c.Node("n2")
	if err := n2.Kill(); err != nil {
		t.Fatal(err)
	}
	run.Phase("n2 killed")
	until("e2 fails fast while n2 is down", "n2 killed", "e2", "unreachable", true, 200)
	if err := n2.Start(); err != nil {
		t.Fatal(err)
	}
	run.Phase("n2 restarted")
	connected()
	// The restarted n2 starts from the configured directory (e1 led by n1, version 1)
	// and learns the newer entry by gossip; its own peer leads e2 again.
	until("e2 answers after the restart", "n2 restarted", "e2", "ok", false, 200)

	// A freeze: n1 stops for less than the heartbeat timeout and thaws.
	n1 := c.Node("n1")
	run.Phase("n1 frozen")
	if err := n1.Pause(); err != nil {
		t.Fatal(err)
	}
	<-time.After(time.Second) // the freeze's length, not a synchronisation
	if err := n1.Resume(); err != nil {
		t.Fatal(err)
	}
	run.Phase("n1 thawed")
	connected()
	until("calls through n1 answer after the thaw", "n1 thawed", "", "ok", false, 500)

	s := run.Stop(time.Second)
	t.Logf("netns: %s", s.Line())
	for _, p := range s.Phases {
		t.Logf("netns: phase %-12q %s: %6d calls %v, slowest %v", p.Phase, p.Ensemble, p.Calls, p.Codes, ms(p.MaxNS))
	}
	judge(t, "netns", s, probe)
	var peak int64
	for _, n := range c.Nodes() {
		m, err := n.Memory()
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, m.Peak)
	}
	t.Logf("netns: node RSS peak %s", MiB(peak))
	cl.Close()
	for _, n := range c.Nodes() {
		if err := n.Term(5 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
}
