package realcluster

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/load"
	"github.com/ensroute/ensroute/router"
)

// soakDuration is how long TestSoak runs: ENSROUTE_SOAK (a Go duration), 12s by
// default.
func soakDuration(t *testing.T) time.Duration {
	s := os.Getenv("ENSROUTE_SOAK")
	if s == "" {
		return 12 * time.Second
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("ENSROUTE_SOAK=%q: want a positive duration such as 5m", s)
	}
	return d
}

// TestSoak runs an open load of 2,000 calls a second over every ensemble through every member for
// ENSROUTE_SOAK while faults follow each other: leaders move, nodes freeze for a
// moment and thaw, nodes are killed and restarted. It checks that every call ended
// once, by its deadline plus the slack, with its own answer; that the outcomes add up
// to the calls made; that the nodes' memory and the client's heap stay bounded; that
// the nodes' queues drain once the load stops; and that the nodes exit cleanly on
// SIGTERM (and, in TestMain, that no goroutine of this process is left).
func TestSoak(t *testing.T) {
	dur := soakDuration(t)
	c, cl := startCluster(t)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("soak: %v, fault seed %d", dur, seed)
	var targets []load.Target
	for _, e := range ensembles {
		for _, via := range []string{"n1", "n2", "n3"} {
			targets = append(targets, load.Target{Ensemble: router.EnsembleID(e.ID), Via: router.NodeID(via)})
		}
	}
	// An open load at a rate a healthy cluster serves with room to spare on this
	// machine: the point is the faults, not the throughput (bench measures that).
	const rate, inFlight = 2000, 512
	heap := SampleHeap(100 * time.Millisecond)
	defer heap.Stop()
	probe := ProbeLateness(time.Millisecond)
	defer probe.Stop()
	run, err := load.Start(context.Background(), load.Config{Caller: cl, Targets: targets, Callers: inFlight, Rate: rate,
		Timeout: 100 * time.Millisecond, Slack: slackFor(inFlight)})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop(time.Second)

	var peakRSS int64
	sampleRSS := func() {
		for _, n := range c.Nodes() {
			if m, err := n.Memory(); err == nil {
				peakRSS = max(peakRSS, m.Peak)
			}
		}
	}
	ctx := context.Background()
	hold := func(d time.Duration) { <-time.After(d) } // a fault's length, not a synchronisation
	faults, leads := map[string]int{}, 0
	end := time.Now().Add(dur)
	for step := 0; time.Now().Before(end); step++ {
		n := c.Nodes()[rng.IntN(3)]
		switch step % 3 {
		case 0:
			e := ensembles[rng.IntN(len(ensembles))]
			to := e.Members[rng.IntN(len(e.Members))]
			run.Phase("lead " + e.ID + " to " + to)
			if err := cl.Lead(ctx, e.ID, to); err != nil {
				t.Fatal(err)
			}
			leads++
			faults["lead"]++
		case 1:
			run.Phase("pause " + n.ID)
			if err := n.Pause(); err != nil {
				t.Fatal(err)
			}
			hold(300 * time.Millisecond)
			if err := n.Resume(); err != nil {
				t.Fatal(err)
			}
			faults["pause"]++
		case 2:
			sampleRSS()
			run.Phase("kill " + n.ID)
			if err := n.Kill(); err != nil {
				t.Fatal(err)
			}
			hold(200 * time.Millisecond)
			if err := n.Start(); err != nil {
				t.Fatal(err)
			}
			faults["kill"]++
		}
		// The nodes reconnect, and so does the client: a leader move it sends to a
		// node it has not redialed yet would fail at once, unreachable.
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		if err := c.WaitConnected(wctx); err != nil {
			cancel()
			t.Fatalf("after step %d: %v", step, err)
		}
		if err := cl.WaitConnected(wctx); err != nil {
			cancel()
			t.Fatalf("after step %d: %v", step, err)
		}
		cancel()
		run.Phase("calm")
		hold(500 * time.Millisecond)
	}
	sampleRSS()
	s := run.Stop(time.Second)
	heapPeak := heap.Stop()
	st := cl.Stats()
	var completed uint64
	for _, n := range st.Router.Completed {
		completed += n
	}
	t.Logf("soak: %s", s.Line())
	t.Logf("soak: faults %v; late replies dropped by the client %d; calls expired before they started %d; node RSS peak %s; client heap peak %s",
		faults, st.Router.Late, st.Expired, MiB(peakRSS), MiB(heapPeak))
	judge(t, "soak", s, probe)
	// Exactly once, as the client's node counts it: one completion per call the load
	// made and per leader move, by its router cores, but for the calls whose deadline
	// had passed when they started (the caller held up longer than the timeout after
	// making its context, on a busy machine), which ended without reaching one.
	if completed+st.Expired != uint64(s.Ended)+uint64(leads) {
		t.Fatalf("the client's routers completed %d calls and %d expired before they started; the load made %d and the leader moves %d",
			completed, st.Expired, s.Ended, leads)
	}
	if s.Total.Codes["ok"] == 0 || s.Phase("calm", "").Codes["ok"] == 0 {
		t.Fatalf("no call succeeded: %v", s.Total.Codes)
	}
	const rssBound, heapBound = 128 << 20, 64 << 20
	if peakRSS > rssBound || heapPeak > heapBound {
		t.Fatalf("memory: node RSS peak %s (bound %s), client heap peak %s (bound %s)", MiB(peakRSS), MiB(int64(rssBound)),
			MiB(heapPeak), MiB(uint64(heapBound)))
	}
	cl.Close()
	// Quiet now: every node's router mailboxes and send queues drain.
	waitFor(t, 10*time.Second, "queues drain once the load stops", func() (bool, string) {
		for _, n := range c.Nodes() {
			m, err := n.Metrics(ctx)
			if err != nil {
				return false, err.Error()
			}
			if busy := Busy(m); busy != "" {
				return false, n.ID + ": " + busy
			}
		}
		return true, ""
	})
	for _, n := range c.Nodes() {
		if err := n.Term(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		if !n.Logged("msg=stopped") {
			t.Fatalf("%s did not log its clean stop", n.ID)
		}
	}
}
