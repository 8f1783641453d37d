package driver_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// lockedBuffer is a log sink the test reads while the nodes write to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRiakLoopOverTCP: under riak semantics a request has no hop limit, as in the
// original, so two nodes whose directories name each other as an ensemble's leader
// (here two leaders announced with one version, which gossip never settles) pass a
// request back and forth for as long as they disagree, over real TCP on loopback,
// long after its caller gave up. Past router.MaxHopLimit+1 transfers its count goes on
// the wire as that: it neither wraps (no arrival counts few transfers again) nor
// closes the connection as a bad frame. An operator sees it: Stats.Loops counts the
// request once (ensnode's ensroute_request_loops_total), the log warns of it once,
// naming the ensemble and the leader the node holds, and the hop histogram's last
// bucket and sum grow by a transfer and 65,536 at a time. A newer leader announced
// on both nodes ends the loop.
func TestRiakLoopOverTCP(t *testing.T) {
	ids := []router.NodeID{"n1", "n2"}
	var ls []net.Listener
	peers := map[router.NodeID]string{}
	for _, id := range ids {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		peers[id] = l.Addr().String()
	}
	ref := func(n router.NodeID) router.PeerRef { return router.PeerRef{Ensemble: "e", Name: "p", Node: n} }
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	trs, nodes := make([]*nettransport.Transport, 2), make([]*driver.Node, 2)
	for i, id := range ids {
		tr, err := nettransport.New(nettransport.Config{ID: id, Incarnation: 1, Cluster: "loop", Secret: []byte("loop-secret"),
			Peers: peers, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		// Each names the other's peer as the leader, with one version.
		n, err := driver.New(driver.Config{Transport: tr, Semantics: router.Riak, Logger: log, Members: ids,
			Directory: []router.Entry{{Ensemble: "e", Leader: ref(ids[1-i]), Version: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		tr.Attach(n)
		go func() { _ = tr.Serve(ls[i]) }()
		trs[i], nodes[i] = tr, n
		t.Cleanup(func() {
			_ = n.Close()
			_ = tr.Close()
		})
	}
	for i := range nodes {
		if err := nodes[i].AddPeer(ref(ids[i]), driver.PeerFunc(func(r *driver.Request) { r.Reply([]byte("ok")) })); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := trs[0].Connect(ctx, "n2"); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[0].CallTimeout(ctx, router.ToEnsemble("e"), []byte("get k"), 100*time.Millisecond); !errors.Is(err, router.ErrTimeout) {
		t.Fatalf("the call: %v; want a timeout (its request goes round)", err)
	}
	// count is the arrivals on both nodes, low those that had made fewer than
	// driver.MaxHops transfers, sum their transfers, loops the requests counted in a loop.
	totals := func() (count, low, sum, loops uint64) {
		for _, n := range nodes {
			st := n.Stats()
			for h, c := range st.Hops {
				count += c
				if h < driver.MaxHops {
					low += c
				}
			}
			sum, loops = sum+st.HopSum, loops+st.Loops
		}
		return count, low, sum, loops
	}
	const past = router.MaxHopLimit + 1 // the most a hop count carries on the wire
	deadline := time.Now().Add(3 * time.Minute)
	var seen uint64
	for moved := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		count, _, _, _ := totals()
		if count > past+1000 {
			break
		}
		if count != seen {
			seen, moved = count, time.Now()
		}
		if time.Since(moved) > 10*time.Second || time.Now().After(deadline) {
			t.Fatalf("the request stopped, or slowed to a crawl, after %d transfers; want it passed on past %d (transports: %+v, %+v)",
				count, past, trs[0].Stats(), trs[1].Stats())
		}
	}
	c1, low1, s1, loops := totals()
	time.Sleep(100 * time.Millisecond)
	c2, low2, s2, _ := totals()
	switch {
	case c2 <= c1:
		t.Fatalf("the request stopped after %d transfers; want it passed on", c2)
	case low2 != driver.MaxHops-1 || low1 != low2:
		// Its first arrivals had 1..7 transfers; a count that wrapped would come again.
		t.Fatalf("arrivals with fewer than %d transfers: %d, then %d; want the request's first %d only", driver.MaxHops, low1, low2, driver.MaxHops-1)
	case s2-s1 < (c2-c1-1)*past || s2-s1 > (c2-c1+1)*past:
		t.Fatalf("%d arrivals added %d transfers to the sum; want %d each (the count on the wire stops there)", c2-c1, s2-s1, past)
	case loops != 1:
		t.Fatalf("Stats.Loops %d in all; want 1, the one request", loops)
	}
	for i, tr := range trs {
		if st := tr.Stats(); st.BadFrames != 0 || st.Disconnects != 0 {
			t.Fatalf("%s: bad frames %d, disconnects %d; want the connection up", ids[i], st.BadFrames, st.Disconnects)
		}
	}
	got := logs.String()
	if n := strings.Count(got, "a request has passed between nodes 64 times"); n != 1 {
		t.Fatalf("warned %d times of the loop; want once\n%s", n, got)
	}
	for _, want := range []string{"under riak semantics, which has no hop limit, it goes on until they agree", "ensemble=e", "hops=64", "version=1", "leader_here=e/p@n"} {
		if !strings.Contains(got, want) {
			t.Errorf("the warning lacks %q:\n%s", want, got)
		}
	}

	// A newer leader, on both nodes, ends it: the request reaches the leader's peer.
	for _, n := range nodes {
		n.Announce(router.Entry{Ensemble: "e", Leader: ref("n1"), Version: 2})
	}
	var last uint64
	for still := 0; still < 5; {
		if time.Now().After(deadline) {
			t.Fatal("the request still goes round after a newer leader was announced")
		}
		time.Sleep(20 * time.Millisecond)
		if c, _, _, _ := totals(); c == last {
			still++
		} else {
			still, last = 0, c
		}
	}
}
