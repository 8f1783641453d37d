package driver_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// alone is a transport for a node with nobody to talk to.
type alone struct{}

func (alone) Send(router.NodeID, *router.Message) error { return router.ErrUnreachable }

// A node whose local peer leads e1: a blocking call with a context deadline.
func Example() {
	n, _ := driver.New(driver.Config{ID: "n1", Incarnation: driver.NewIncarnation(), Transport: alone{}})
	defer n.Close()
	p1 := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	_ = n.AddPeer(p1, driver.PeerFunc(func(r *driver.Request) {
		r.Reply([]byte("hello from " + r.Peer().Name))
	}))
	n.Learn(router.Entry{Ensemble: "e1", Leader: p1, Version: 1})

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	res, err := n.Call(ctx, router.ToEnsemble("e1"), []byte("hi"))
	fmt.Printf("%s %v\n", res.Value, err)

	_, err = n.Call(ctx, router.ToEnsemble("e2"), []byte("hi"))
	fmt.Println(err)
	// Output:
	// hello from p1 <nil>
	// router: no leader
}

// Two nodes over loopback TCP, as a program embedding the router runs them: n2 runs
// the leader of e2, and n1 calls it through n2. Each node is a transport and a driver
// node attached to it; a graceful stop (Node.Stop) says goodbye first, so that the
// other nodes stop sending, then closes the driver, which answers what it had taken,
// then flushes and closes the transport.
func Example_tcp() {
	quiet := slog.New(slog.DiscardHandler)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	start := func(id router.NodeID, peers map[router.NodeID]string) (*nettransport.Transport, *driver.Node) {
		// No Incarnation: the transport takes one from the clock, and the driver takes
		// the transport's, so that each start of the program is a new incarnation. The
		// driver takes the transport's ID too.
		tr, err := nettransport.New(nettransport.Config{ID: id, Cluster: "demo",
			Secret: []byte("s3cret-s3cret"), Peers: peers, Logger: quiet})
		if err != nil {
			panic(err)
		}
		n, err := driver.New(driver.Config{Transport: tr, Logger: quiet})
		if err != nil {
			panic(err)
		}
		tr.Attach(n) // what the transport receives goes to the node
		return tr, n
	}
	stop := func(n *driver.Node) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// No peer here holds a request to answer later: no held function.
		if err := n.Stop(ctx, nil); err != nil {
			fmt.Println(err)
		}
	}

	tr2, n2 := start("n2", nil)
	go func() { _ = tr2.Serve(l) }()
	p2 := router.PeerRef{Ensemble: "e2", Name: "p2", Node: "n2"}
	_ = n2.AddPeer(p2, driver.PeerFunc(func(r *driver.Request) {
		r.Reply([]byte("pong from " + r.Peer().String()))
	}))
	// A consensus decides who leads; here the program says so, once, to both nodes.
	lead := router.Entry{Ensemble: "e2", Leader: p2, Version: 1}
	n2.Learn(lead)

	tr1, n1 := start("n1", map[router.NodeID]string{"n2": l.Addr().String()})
	n1.Learn(lead)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Dials are lazy: connect to every member at start (and keep connected: the dial
	// loop Connect starts redials after a failure). A call to a node not connected
	// fails at once (ErrUnreachable), and answers come straight from the leader's
	// node, which does not dial a client.
	if err := tr1.Connect(ctx, "n2"); err != nil {
		fmt.Println(err)
		return
	}
	res, err := n1.CallTimeout(ctx, router.ToEnsemble("e2"), []byte("ping"), time.Second)
	fmt.Printf("%s %v\n", res.Value, err)

	stop(n2)
	_, err = n1.CallTimeout(ctx, router.ToEnsemble("e2"), []byte("ping"), time.Second)
	fmt.Println(err)
	stop(n1)
	// Output:
	// pong from e2/p2@n2 <nil>
	// router: node unreachable
}
