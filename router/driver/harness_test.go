package driver_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.DiscardHandler)

// cluster is a few driver nodes joined by nettransport over net.Pipe (the address of
// a node is its id), for tests in a synctest bubble; or over loopback TCP.
type cluster struct {
	t     testing.TB
	mu    sync.Mutex // trs and addrs: Dial reads them from the transports' goroutines
	trs   map[router.NodeID]*nettransport.Transport
	nodes map[router.NodeID]*driver.Node
	addrs map[router.NodeID]string
	tcp   bool
}

func newCluster(t testing.TB, tcp bool) *cluster {
	c := &cluster{t: t, trs: map[router.NodeID]*nettransport.Transport{}, nodes: map[router.NodeID]*driver.Node{},
		addrs: map[router.NodeID]string{}, tcp: tcp}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			_ = n.Close()
		}
		for _, tr := range c.trs {
			_ = tr.Close()
		}
	})
	return c
}

func ref(e, node string) router.PeerRef {
	return router.PeerRef{Ensemble: router.EnsembleID(e), Name: "p-" + node, Node: router.NodeID(node)}
}

// harnessNodes are the nodes a cluster may hold: each transport's Peers names them
// all (a transport keeps its own copy of Peers, so it must know them before they
// start), with their ids as addresses, which Dial resolves.
var harnessNodes = []router.NodeID{"n1", "n2", "n3", "client"}

// add starts node id, one of harnessNodes. Over pipes a node's address is its id;
// over TCP, Dial looks up the address it listens on, filled in as nodes start.
func (c *cluster) add(id router.NodeID, edit func(*driver.Config)) *driver.Node {
	c.t.Helper()
	var l net.Listener
	if c.tcp {
		var err error
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			c.t.Fatal(err)
		}
		c.mu.Lock()
		c.addrs[id] = l.Addr().String()
		c.mu.Unlock()
	}
	peers := map[router.NodeID]string{}
	for _, n := range harnessNodes {
		peers[n] = string(n)
	}
	if _, ok := peers[id]; !ok {
		c.t.Fatalf("node %s is not one of the harness's %v", id, harnessNodes)
	}
	tcfg := nettransport.Config{ID: id, Incarnation: 1, Cluster: "test", Secret: []byte("driver-secret"),
		Peers: peers, Logger: quiet}
	if c.tcp {
		tcfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			c.mu.Lock()
			to := c.addrs[router.NodeID(addr)]
			c.mu.Unlock()
			if to == "" {
				return nil, fmt.Errorf("no node at %s", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, "tcp", to)
		}
	} else {
		tcfg.Dial = func(_ context.Context, addr string) (net.Conn, error) {
			c.mu.Lock()
			to := c.trs[router.NodeID(addr)]
			c.mu.Unlock()
			if to == nil {
				return nil, fmt.Errorf("no node at %s", addr)
			}
			c1, c2 := net.Pipe()
			to.Accept(c2)
			return c1, nil
		}
	}
	tr, err := nettransport.New(tcfg)
	if err != nil {
		c.t.Fatal(err)
	}
	cfg := driver.Config{ID: id, Incarnation: 1, Transport: tr, Logger: quiet, Routers: 3}
	if edit != nil {
		edit(&cfg)
	}
	n, err := driver.New(cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	tr.Attach(n)
	if l != nil {
		go func() { _ = tr.Serve(l) }()
	}
	c.mu.Lock()
	c.trs[id] = tr
	c.mu.Unlock()
	c.nodes[id] = n
	return n
}

// connect connects a to b and waits for it.
func (c *cluster) connect(a, b router.NodeID) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.trs[a].Connect(ctx, b); err != nil {
		c.t.Fatal(err)
	}
}

// echo is a leader that answers "event@peer" at once.
func echo() driver.Peer {
	return driver.PeerFunc(func(r *driver.Request) { r.Reply([]byte(string(r.Event()) + "@" + r.Peer().Name)) })
}

// leads makes ref the leader of its ensemble on every node of nodes, with an echo peer
// on ref's node.
func (c *cluster) leads(ref router.PeerRef, version uint64) {
	c.t.Helper()
	if err := c.nodes[ref.Node].AddPeer(ref, echo()); err != nil {
		c.t.Fatal(err)
	}
	for _, n := range c.nodes {
		n.Learn(router.Entry{Ensemble: ref.Ensemble, Leader: ref, Version: version})
	}
}

// leaderOnN2 adds nodes n1 and n2, connected, and makes e1's member on n2, which p
// serves, its leader on both: the setup of a call from n1 to a leader on another node.
func (c *cluster) leaderOnN2(p driver.Peer) (n1, n2 *driver.Node) {
	c.t.Helper()
	n1, n2 = c.add("n1", nil), c.add("n2", nil)
	c.connect("n1", "n2")
	c.leads(ref("e1", "n2"), 1)
	if err := n2.AddPeer(ref("e1", "n2"), p); err != nil {
		c.t.Fatal(err)
	}
	return n1, n2
}

func call(n *driver.Node, t router.Target, ev string, timeout time.Duration) (router.Result, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	res, _ := n.Call(ctx, t, []byte(ev))
	return res, time.Since(start)
}
