package realcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/load"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// semClient starts a client-only node named id under semantics sem, connected to
// every running node of c; it stops when the test ends.
func semClient(t *testing.T, c *Cluster, id string, sem router.Semantics) *driver.Node {
	secret, err := os.ReadFile(c.SecretFile())
	if err != nil {
		t.Fatal(err)
	}
	peers := map[router.NodeID]string{}
	for _, n := range c.Nodes() {
		peers[router.NodeID(n.ID)] = n.Addr
	}
	inc := router.Incarnation(time.Now().UnixNano())
	tr, err := nettransport.New(nettransport.Config{ID: router.NodeID(id), Incarnation: inc, Cluster: "ensroute",
		Secret: bytes.TrimSpace(secret), Peers: peers, Logger: slog.New(slog.DiscardHandler),
		BackoffMin: 10 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	drv, err := driver.New(driver.Config{ID: router.NodeID(id), Incarnation: inc, Transport: tr, Semantics: sem,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		_ = tr.Close()
		t.Fatal(err)
	}
	tr.Attach(drv)
	t.Cleanup(func() { _ = drv.Close(); _ = tr.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range c.Nodes() {
		if err := tr.Connect(ctx, router.NodeID(n.ID)); err != nil {
			t.Fatal(err)
		}
	}
	return drv
}

// lead makes the member of e on node lead, through a peer-target call.
func lead(t *testing.T, cl *driver.Node, e, node string) {
	ref := router.PeerRef{Ensemble: router.EnsembleID(e), Name: node, Node: router.NodeID(node)}
	res, err := cl.CallTimeout(context.Background(), router.ToPeer(ref), []byte("lead"), 2*time.Second)
	if err != nil || !strings.HasPrefix(string(res.Value), "ok ") {
		t.Fatalf("lead %s on %s: %q %v", e, node, res.Value, err)
	}
}

// TestGracefulStopAfterForwardsRiak: a node whose follower forwarded calls to the new
// leader, then stopped gracefully (SIGTERM), costs those calls no timeout, as the
// README says of a graceful stop ("It costs its callers no timeout"). The calls go
// through n3 to e1's leader n1, whose demo peer queues them (--peer-rate 500); the
// lead moves to n2, which serves slowly (--peer-rate 50), so n1's member forwards
// what it had queued, and n1 is stopped 300ms later, when it has forwarded all of it
// and n2 has not answered all of it yet. Under default the leader answers the
// callers directly and every call is answered. Under riak the leader answers the
// worker on n1 that called the follower, n1 is gone by then, and n2 holds the
// answers for it until --reply-hold expires them: the callers wait out their 5s
// deadline.
func TestGracefulStopAfterForwardsRiak(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2", "n3"},
				Ensembles: ensembles, Args: []string{"--semantics", sem.String(), "--peer-rate", "500"},
				Wrap: func(id string) []string {
					if id == "n2" {
						// The flags, then a slower rate for n2 alone (the last one counts).
						return []string{"/bin/sh", "-c", `exec "$0" "$@" --peer-rate 50`}
					}
					return nil
				}})
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := c.WaitConnected(ctx); err != nil {
				t.Fatalf("cluster not connected: %v", err)
			}
			cl := semClient(t, c, "load", sem)

			const callers = 32
			const timeout = 5 * time.Second
			var (
				stop     atomic.Bool
				ok, fail atomic.Int64
				mu       sync.Mutex
				failures []string
				wg       sync.WaitGroup
			)
			target := router.ToEnsemble("e1").Through("n3")
			for i := range callers {
				wg.Go(func() {
					for j := 0; !stop.Load(); j++ {
						start := time.Now()
						_, err := cl.CallTimeout(context.Background(), target, fmt.Appendf(nil, "echo %d-%d", i, j), timeout)
						if err == nil {
							ok.Add(1)
							continue
						}
						if errors.Is(err, router.ErrUnreachable) {
							continue // through n3 to n1 as n1 leaves: at once, not a wait
						}
						fail.Add(1)
						mu.Lock()
						failures = append(failures, fmt.Sprintf("%v after %v", err, time.Since(start).Round(time.Millisecond)))
						mu.Unlock()
					}
				})
			}
			time.Sleep(time.Second) // n1's queue fills
			lead(t, cl, "e1", "n2")
			time.Sleep(300 * time.Millisecond) // n1 forwards what it had queued
			if err := c.Node("n1").Term(10 * time.Second); err != nil {
				t.Errorf("n1's graceful stop: %v", err)
			}
			time.Sleep(time.Second)
			stop.Store(true)
			wg.Wait()
			m, _ := c.Node("n2").Metrics(context.Background())
			var held []string
			for _, l := range strings.Split(m, "\n") {
				if strings.HasPrefix(l, `ensroute_transport_total{what="replies_held`) {
					held = append(held, l)
				}
			}
			t.Logf("%s: %d ok, %d failed; n2: %s", sem, ok.Load(), fail.Load(), strings.Join(held, ", "))
			if fail.Load() > 0 {
				t.Errorf("%s: %d calls failed after n1's graceful stop, want none: %s", sem, fail.Load(), strings.Join(failures[:min(len(failures), 5)], "; "))
			}
		})
	}
}

// overrun is a call that ended past its deadline and the slack.
type overrun struct {
	member string
	start  time.Time
	took   time.Duration
}

// TestPeerTargetsDuringLeaderChanges: calls straight to each member of e1 (peer
// targets: a follower forwards to the leader it knows) while the lead moves round the
// members every 50ms, the members' demo peers serving from a queue (--peer-rate), so
// that what a member queued as leader it forwards once it no longer leads. Every call
// is answered by e1's leader of its moment, with its own echo; under riak a failure
// is a timeout, under default a typed error, and none ends past its deadline by more
// than the slack and the time this process could not run meanwhile (LatenessProbe).
func TestPeerTargetsDuringLeaderChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2", "n3"},
				Ensembles: ensembles, Args: []string{"--semantics", sem.String(), "--peer-rate", "2000"}})
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := c.WaitConnected(ctx); err != nil {
				t.Fatalf("cluster not connected: %v", err)
			}
			cl := semClient(t, c, "load", sem)
			const timeout = 300 * time.Millisecond
			const slack = 250 * time.Millisecond
			var (
				stop     atomic.Bool
				mu       sync.Mutex
				outcomes = map[string]int{}
				bad      []string
				late     []overrun // past the deadline and the slack: excused by the probe's delay, or bad
				wg       sync.WaitGroup
			)
			probe := ProbeLateness(time.Millisecond)
			for i := range 24 {
				member := []string{"n1", "n2", "n3"}[i%3]
				ref := router.PeerRef{Ensemble: "e1", Name: member, Node: router.NodeID(member)}
				wg.Go(func() {
					for j := 0; !stop.Load(); j++ {
						ev := fmt.Appendf(nil, "echo %d-%d", i, j)
						start := time.Now()
						res, err := cl.CallTimeout(context.Background(), router.ToPeer(ref), ev, timeout)
						took := time.Since(start)
						mu.Lock()
						switch {
						case err == nil && !bytes.Equal(res.Value, ev):
							bad = append(bad, fmt.Sprintf("to %s: answer %q for %q from %s", member, res.Value, ev, res.Peer))
						case err == nil:
							outcomes["ok"]++
						default:
							outcomes[router.CodeOf(err).String()]++
							if sem == router.Riak && !errors.Is(err, router.ErrTimeout) {
								bad = append(bad, fmt.Sprintf("to %s: %v (riak fails only by timeout)", member, err))
							}
						}
						if took > timeout+slack {
							late = append(late, overrun{member, start, took})
						}
						mu.Unlock()
					}
				})
			}
			cl2 := semClient(t, c, "ctl", sem)
			for k := range 60 {
				lead(t, cl2, "e1", []string{"n2", "n3", "n1"}[k%3])
				time.Sleep(50 * time.Millisecond)
			}
			stop.Store(true)
			wg.Wait()
			l := probe.Stop()
			for _, o := range late {
				// A call may end late by as long as this process could not run
				// meanwhile, as load.Summary.CheckExcused allows the other tests.
				if delay := probe.During(o.start, o.start.Add(o.took)); o.took > timeout+slack+delay {
					bad = append(bad, fmt.Sprintf("to %s: ended after %v (the process stalled %v meanwhile)", o.member, o.took, delay))
				}
			}
			t.Logf("%s: %v; %d calls past the slack, excused up to the scheduling delay meanwhile (this process, %d wake-ups: p99 %v, max %v)",
				sem, outcomes, len(late), l.Samples, l.P99.Round(10*time.Microsecond), l.Max.Round(10*time.Microsecond))
			for _, n := range c.Nodes() {
				m, _ := n.Metrics(context.Background())
				for _, l := range strings.Split(m, "\n") {
					if strings.HasPrefix(l, "ensroute_late_replies_total ") || strings.HasPrefix(l, "ensroute_passed_on_total ") ||
						strings.HasPrefix(l, `ensroute_transport_total{what="bad_frames"}`) {
						t.Logf("%s %s", n.ID, l)
					}
				}
			}
			if len(bad) > 0 {
				t.Errorf("%d bad calls: %s", len(bad), strings.Join(bad[:min(len(bad), 10)], "\n"))
			}
		})
	}
}

// TestRoutedEchoesDuringLeaderChanges: echo calls routed through each member while
// the lead of e1 moves round the members every 50ms and the demo peers serve from a
// queue, so that members forward what they queued as leaders (under riak the new
// leader answers the worker on the follower's node, which relays the answer): every
// answer is the call's own echo, from e1, within the deadline and the slack; under
// riak the only failure is timeout.
func TestRoutedEchoesDuringLeaderChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the programs and runs a cluster of processes")
	}
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			c := runCluster(t, Config{Ensnode: bins(t).Ensnode, Dir: t.TempDir(), Nodes: []string{"n1", "n2", "n3"},
				Ensembles: ensembles, Args: []string{"--semantics", sem.String(), "--peer-rate", "1500"}})
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := c.WaitConnected(ctx); err != nil {
				t.Fatalf("cluster not connected: %v", err)
			}
			cl := semClient(t, c, "load", sem)
			run, err := load.Start(context.Background(), load.Config{Caller: cl, Callers: 48, Timeout: 500 * time.Millisecond,
				Slack: 250 * time.Millisecond, Targets: []load.Target{{Ensemble: "e1", Via: "n1"}, {Ensemble: "e1", Via: "n2"}, {Ensemble: "e1", Via: "n3"}}})
			if err != nil {
				t.Fatal(err)
			}
			cl2 := semClient(t, c, "ctl", sem)
			began := time.Now()
			for k := range 60 {
				lead(t, cl2, "e1", []string{"n2", "n3", "n1"}[k%3])
				time.Sleep(50 * time.Millisecond)
			}
			moves := time.Since(began)
			s := run.Stop(time.Second)
			t.Logf("%s: %s; 60 moves of the lead in %v", sem, s.Line(), moves.Round(time.Millisecond))
			var passed []string
			for _, n := range c.Nodes() {
				m, _ := n.Metrics(context.Background())
				for _, l := range strings.Split(m, "\n") {
					if strings.HasPrefix(l, "ensroute_passed_on_total ") || strings.HasPrefix(l, "ensroute_late_replies_total ") || strings.HasPrefix(l, "ensroute_served_total") && !strings.HasSuffix(l, " 0") || strings.HasPrefix(l, "ensroute_redirects_total") {
						passed = append(passed, n.ID+" "+l)
					}
				}
			}
			t.Logf("%s", strings.Join(passed, "; "))
			if err := s.Check(); err != nil {
				t.Error(err)
			}
			if sem == router.Riak && s.Total.Codes["ok"]+s.Total.Codes["timeout"] != s.Total.Calls {
				t.Errorf("riak: outcomes other than ok and timeout: %+v", s.Total)
			}
		})
	}
}
