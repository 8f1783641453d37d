package driver_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestAddPeerRefusesBadPeers: a nil peer, a ref without an ensemble or a name, a ref
// on another node, and any peer once the node is closed are refused with an error
// that says which, instead of being taken and failing later. A nil peer used to be
// taken (the core saw the driver's wrapper, never nil) and crashed the process on the
// first request routed to it.
func TestAddPeerRefusesBadPeers(t *testing.T) {
	c := newCluster(t, true)
	n1 := c.add("n1", nil)
	good := ref("e1", "n1")
	for _, tc := range []struct {
		name string
		ref  router.PeerRef
		p    driver.Peer
		want string
	}{
		{"nil peer", good, nil, "is nil"},
		{"nil pointer", good, (*nilPeer)(nil), "is nil"},
		{"nil function", good, driver.PeerFunc(nil), "is nil"},
		{"no ensemble", router.PeerRef{Name: "p", Node: "n1"}, echo(), "empty ensemble or name"},
		{"no name", router.PeerRef{Ensemble: "e1", Node: "n1"}, echo(), "empty ensemble or name"},
		{"another node", ref("e1", "n2"), echo(), "does not live on node n1"},
	} {
		err := n1.AddPeer(tc.ref, tc.p)
		if !errors.Is(err, driver.ErrBadConfig) || !errors.Is(err, router.ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: AddPeer: %v, want driver.ErrBadConfig and router.ErrBadConfig saying %q", tc.name, err, tc.want)
		}
	}
	// None of them was taken: the ensemble has no peer to lead it.
	n1.Learn(router.Entry{Ensemble: "e1", Leader: good, Version: 1})
	if res, _ := call(n1, router.ToEnsemble("e1"), "x", time.Second); res.Err == nil {
		t.Fatalf("a call to e1 succeeded (%q): a refused peer was added", res.Value)
	}
	if err := n1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n1.AddPeer(good, echo()); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("AddPeer after Close: %v, want driver.ErrClosed", err)
	}
}

// nilPeer is a Peer whose nil pointer would panic at its first request.
type nilPeer struct{ reply []byte }

func (p *nilPeer) Handle(r *driver.Request) { r.Reply(p.reply) }

// TestRemovePeer: once a peer is removed, a peer-target call to it fails unreachable
// and an ensemble call that the directory still sends to it fails not-leader, both at
// once; adding it again brings it back.
func TestRemovePeer(t *testing.T) {
	n1, n2, p2 := remoteLeader(t)
	if res, _ := call(n1, router.ToEnsemble("e2"), "a", time.Second); res.Err != nil || string(res.Value) != "a@p-n2" {
		t.Fatalf("before: %q %v", res.Value, res.Err)
	}
	n2.RemovePeer(p2)
	n2.RemovePeer(ref("e9", "n2")) // never added: nothing to do
	for _, tc := range []struct {
		to   router.Target
		want error
	}{
		{router.ToPeer(p2), router.ErrUnreachable},
		{router.ToEnsemble("e2"), router.ErrNotLeader},
	} {
		res, took := call(n1, tc.to, "b", 5*time.Second)
		if !errors.Is(res.Err, tc.want) || took > 2*time.Second {
			t.Errorf("%v after RemovePeer: %v in %v, want %v at once", tc.to, res.Err, took, tc.want)
		}
	}
	if err := n2.AddPeer(p2, echo()); err != nil {
		t.Fatal(err)
	}
	if res, _ := call(n1, router.ToPeer(p2), "c", time.Second); res.Err != nil || string(res.Value) != "c@p-n2" {
		t.Fatalf("added again: %q %v", res.Value, res.Err)
	}
}

// TestClosedNodeShedsPeerEvents: a peer-target call that reaches a closed node is
// answered overloaded at once, as a route is, instead of dropped, which left its
// caller waiting out its whole deadline.
func TestClosedNodeShedsPeerEvents(t *testing.T) {
	n1, n2, p2 := remoteLeader(t)
	if err := n2.Close(); err != nil {
		t.Fatal(err)
	}
	res, took := call(n1, router.ToPeer(p2), "x", 10*time.Second)
	if !errors.Is(res.Err, router.ErrOverloaded) || took > 5*time.Second {
		t.Fatalf("peer call to a closed node: %v after %v, want overloaded at once", res.Err, took)
	}
	if st := n2.Stats(); st.Shed != 1 {
		t.Fatalf("closed node's Shed = %d, want 1", st.Shed)
	}
}

// TestDirectoryConflict: an entry naming another leader with the version the node
// holds is refused, counted each time, and logged once per ensemble and version: two
// leaders announced with one version split the nodes for good, and nothing else
// would say so.
func TestDirectoryConflict(t *testing.T) {
	var logged bytes.Buffer
	c := newCluster(t, true)
	n1 := c.add("n1", func(cfg *driver.Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logged, nil)) })
	mine, theirs := ref("e1", "n1"), ref("e1", "n2")
	if !n1.Learn(router.Entry{Ensemble: "e1", Leader: mine, Version: 5}) {
		t.Fatal("first entry refused")
	}
	for range 3 {
		if n1.Learn(router.Entry{Ensemble: "e1", Leader: theirs, Version: 5}) {
			t.Fatal("an entry of equal version replaced the node's")
		}
	}
	n1.Learn(router.Entry{Ensemble: "e1", Leader: mine, Version: 5})   // the same entry again: no conflict
	n1.Learn(router.Entry{Ensemble: "e1", Leader: theirs, Version: 4}) // older: no conflict
	if got := n1.Stats().Conflicts; got != 3 {
		t.Fatalf("Conflicts = %d, want 3", got)
	}
	if n := strings.Count(logged.String(), "directory conflict"); n != 1 {
		t.Fatalf("logged %d conflicts, want 1:\n%s", n, logged.String())
	}
	for _, want := range []string{"level=WARN", "ensemble=e1", "version=5", "kept=e1/p-n1@n1", "refused=e1/p-n2@n2"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the warning lacks %q:\n%s", want, logged.String())
		}
	}
	// A newer version settles it, and a conflict at that version is logged anew.
	n1.Learn(router.Entry{Ensemble: "e1", Leader: theirs, Version: 6})
	n1.Learn(router.Entry{Ensemble: "e1", Leader: mine, Version: 6})
	if n := strings.Count(logged.String(), "directory conflict"); n != 2 {
		t.Fatalf("logged %d conflicts after a second one, want 2:\n%s", n, logged.String())
	}
	if e, _ := n1.Lookup("e1"); e.Leader != theirs {
		t.Fatalf("leader %v, want %v", e.Leader, theirs)
	}
}

// remoteLeader starts n1 and n2 over loopback TCP, connected, with p2 on n2 (an echo
// peer) leading e2 on both.
func remoteLeader(t *testing.T) (n1, n2 *driver.Node, p2 router.PeerRef) {
	c := newCluster(t, true)
	n1, n2 = c.add("n1", nil), c.add("n2", nil)
	c.connect("n1", "n2")
	p2 = ref("e2", "n2")
	c.leads(p2, 1)
	return n1, n2, p2
}

// TestLeaderChangeLogged: a node logs each leader change it learns at info, with the
// leader it replaces, once however often the entry comes again; a newer version of
// the same leader is logged at debug only, and a refused entry not at all.
func TestLeaderChangeLogged(t *testing.T) {
	var logged bytes.Buffer
	c := newCluster(t, true)
	n1 := c.add("n1", func(cfg *driver.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	a, b := ref("e9", "n1"), ref("e9", "n2")
	for _, e := range []router.Entry{
		{Ensemble: "e9", Leader: a, Version: 1},
		{Ensemble: "e9", Leader: a, Version: 1}, // again: not newer
		{Ensemble: "e9", Leader: b, Version: 2},
		{Ensemble: "e9", Leader: b, Version: 2}, // gossip brings it again
		{Ensemble: "e9", Leader: b, Version: 3}, // the same leader, newer
		{Ensemble: "e9", Leader: a, Version: 2}, // older
	} {
		n1.Learn(e)
	}
	want := []string{
		`INFO msg="leader changed" node=n1 ensemble=e9 leader=e9/p-n1@n1 version=1 was="none known"`,
		`INFO msg="leader changed" node=n1 ensemble=e9 leader=e9/p-n2@n2 version=2 was=e9/p-n1@n1`,
		`DEBUG msg="leader confirmed" node=n1 ensemble=e9 leader=e9/p-n2@n2 version=3`,
	}
	if diff := cmp.Diff(want, e9Lines(&logged)); diff != "" {
		t.Errorf("log lines about e9 (-want +got):\n%s", diff)
	}
}

// e9Lines returns the lines of logged about ensemble e9, from their level on.
func e9Lines(logged *bytes.Buffer) []string {
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
		if strings.Contains(line, "ensemble=e9") {
			_, rest, _ := strings.Cut(line, " level=")
			got = append(got, rest)
		}
	}
	return got
}

// TestConfiguredLeaderReplacedLogged: a node whose configuration named e9's leader
// says, when gossip brings another, that the leader replaced was the configured one
// (a node restarted after the lead moved learns a change made before it started);
// the next change is an ordinary one.
func TestConfiguredLeaderReplacedLogged(t *testing.T) {
	var logged bytes.Buffer
	c := newCluster(t, true)
	a, b := ref("e9", "n1"), ref("e9", "n2")
	n1 := c.add("n1", func(cfg *driver.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.Directory = []router.Entry{{Ensemble: "e9", Leader: a, Version: 1}}
	})
	n1.Learn(router.Entry{Ensemble: "e9", Leader: b, Version: 5})
	n1.Learn(router.Entry{Ensemble: "e9", Leader: a, Version: 6})
	want := []string{
		`INFO msg="leader changed" node=n1 ensemble=e9 leader=e9/p-n2@n2 version=5 was="e9/p-n1@n1 (configured)"`,
		`INFO msg="leader changed" node=n1 ensemble=e9 leader=e9/p-n1@n1 version=6 was=e9/p-n2@n2`,
	}
	if diff := cmp.Diff(want, e9Lines(&logged)); diff != "" {
		t.Errorf("log lines about e9 (-want +got):\n%s", diff)
	}
}

// TestConcurrentPeerChangesAgree: two changes of one ref at once (AddPeer against
// AddPeer, AddPeer against RemovePeer) leave every shard with the same peer for it,
// whichever change ends last. Each shard holds its own copy of the peers, and the
// changes used to walk the shards each at its own pace, so one could overtake the
// other between two shards: calls, which pick a shard at random, then reached one
// peer on some shards and the other (or none) on the rest, until the ref changed
// again. Calls to another peer keep the shards' locks busy meanwhile.
func TestConcurrentPeerChangesAgree(t *testing.T) {
	n := aloneNode(t, 8)
	named := func(name string) driver.Peer {
		return driver.PeerFunc(func(r *driver.Request) { r.Reply([]byte(name)) })
	}
	busy := router.PeerRef{Ensemble: "e2", Name: "q", Node: "n1"}
	if err := n.AddPeer(busy, named("busy")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	for range 2 {
		bg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = n.CallTimeout(context.Background(), router.ToPeer(busy), nil, time.Second)
			}
		})
	}
	defer func() { close(stop); bg.Wait() }()

	p := router.PeerRef{Ensemble: "e1", Name: "p", Node: "n1"}
	for trial := range 300 {
		remove := trial%2 == 1
		var wg sync.WaitGroup
		wg.Go(func() { _ = n.AddPeer(p, named("A")) })
		wg.Go(func() {
			if remove {
				n.RemovePeer(p)
			} else {
				_ = n.AddPeer(p, named("B"))
			}
		})
		wg.Wait()
		// 200 calls, each on a shard picked at random, reach all 8 shards (but with
		// a chance of 8·(7/8)^200, about 2e-11).
		seen := map[string]int{}
		for range 200 {
			res, err := n.CallTimeout(context.Background(), router.ToPeer(p), nil, time.Second)
			switch {
			case errors.Is(err, router.ErrUnreachable):
				seen["removed"]++
			case err != nil:
				t.Fatalf("trial %d: %v", trial, err)
			default:
				seen[string(res.Value)]++
			}
		}
		if len(seen) > 1 {
			t.Fatalf("trial %d (AddPeer against %s): the ref reaches different peers by shard: %v",
				trial, map[bool]string{false: "AddPeer", true: "RemovePeer"}[remove], seen)
		}
	}
}

// TestBudgetCountsFromNow: a peer's Budget is what is left of the caller's budget
// when the peer asks, not when its request was handed over. A router instance hands
// over a batch of routes from its mailbox in one turn and then runs their Handles one
// after another, so a request behind a slow Handle reached its own later; Budget used
// to report the time left at the hand-over, 60ms more here than the caller had left.
// The bound is exact: the route arrived before arrivedBy, so when the peer asks, at
// most the budget less the time since arrivedBy is left.
func TestBudgetCountsFromNow(t *testing.T) {
	n := aloneNode(t, 0)
	const budget = 100 * time.Millisecond
	leader := router.PeerRef{Ensemble: "e1", Name: "lead", Node: "n1"}
	release := make(chan struct{})
	type asked struct {
		budget time.Duration
		at     time.Time
	}
	got := make(chan asked, 1)
	if err := n.AddPeer(leader, driver.PeerFunc(func(r *driver.Request) {
		switch string(r.Event()) {
		case "block":
			<-release
		case "slow":
			time.Sleep(60 * time.Millisecond)
		case "probe":
			at := time.Now()
			got <- asked{r.Budget(), at}
		}
	})); err != nil {
		t.Fatal(err)
	}
	n.Learn(router.Entry{Ensemble: "e1", Leader: leader, Version: 1})
	route := func(seq uint64, event string) {
		n.Receive(router.Message{Kind: router.KindRoute, From: "c1", Call: router.CallID{Node: "c1", Incarnation: 1, Seq: seq},
			Ensemble: "e1", Event: []byte(event), Budget: budget})
	}
	route(1, "block")
	time.Sleep(20 * time.Millisecond) // the instance is in the first Handle
	route(2, "slow")
	route(3, "probe")
	arrivedBy := time.Now()
	close(release) // the instance hands over slow and probe in one turn
	a := <-got
	if left := budget - a.at.Sub(arrivedBy); a.budget > left {
		t.Fatalf("Budget() %v, %v after the route arrived; at most %v was left (%v too much)", a.budget, a.at.Sub(arrivedBy), left, a.budget-left)
	}
}

// TestForwardRunsLocalHandle: a Forward from a goroutine of the follower's own to a
// leader on the same node runs the leader's Handle on that goroutine, before Forward
// returns, as the Peer documentation warns.
func TestForwardRunsLocalHandle(t *testing.T) {
	n := aloneNode(t, 0)
	leader := router.PeerRef{Ensemble: "e1", Name: "lead", Node: "n1"}
	follower := router.PeerRef{Ensemble: "e1", Name: "fol", Node: "n1"}
	var forwarding, ranInForward atomic.Bool
	_ = n.AddPeer(leader, driver.PeerFunc(func(r *driver.Request) {
		ranInForward.Store(forwarding.Load())
		r.Reply([]byte("led"))
	}))
	_ = n.AddPeer(follower, driver.PeerFunc(func(r *driver.Request) {
		go func() {
			forwarding.Store(true)
			r.Forward(leader)
			forwarding.Store(false)
		}()
	}))
	res, err := n.CallTimeout(context.Background(), router.ToPeer(follower), nil, time.Second)
	if err != nil || string(res.Value) != "led" {
		t.Fatalf("call: %q %v", res.Value, err)
	}
	if !ranInForward.Load() {
		t.Fatal("the leader's Handle did not run inside the follower's Forward")
	}
}

// aloneNode returns node n1 with one router instance and shards shards (0: the
// default), which sends nothing anywhere; it closes when the test ends.
func aloneNode(t *testing.T, shards int) *driver.Node {
	t.Helper()
	n, err := driver.New(driver.Config{ID: "n1", Incarnation: 1, Transport: dropTransport{}, Routers: 1, Shards: shards,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return n
}
