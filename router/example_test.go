package router_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/routertest"
)

// A call from n1 to ensemble e1, whose leader lives on n2: the request travels to a
// router instance on n2, the peer answers, and the reply comes straight back.
func Example() {
	env := routertest.New(routertest.Config{})
	for _, id := range []router.NodeID{"n1", "n2"} {
		n, _ := env.AddNode(id)
		n.Learn(router.Entry{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}, Version: 1})
	}
	_ = env.SetPeer(routertest.Mode{Ref: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}, Role: "leader"})
	env.TakeLog()

	id, _ := env.Call("n1", router.ToEnsemble("e1"), "get k", time.Second)
	_, _ = env.DeliverAll(10)
	for _, line := range env.TakeLog() {
		fmt.Println(line)
	}
	r := env.Results(id)[0]
	fmt.Printf("%s answered %q\n", r.Peer, r.Value)
	// Output:
	// n1: call n1.1.1 ens:e1 timeout=1s
	// n1: send #1 ->n2 route n1 r0 ens=e1 call=n1.1.1 ev="get k" budget=1s hops=1
	// arrive #1 n1->n2 route n1 r0 ens=e1 call=n1.1.1 ev="get k" budget=1s hops=1 (queued since 0s)
	// serve #1 n1->n2 route n1 r0 ens=e1 call=n1.1.1 ev="get k" budget=1s hops=1 (queued since 0s)
	// n2: deliver e1/p1@n2 call=n1.1.1 budget=1s
	// n2: send #2 ->n1 reply n2 ok "get k@p1" by=e1/p1@n2 call=n1.1.1 hops=1
	// deliver #2 n2->n1 reply n2 ok "get k@p1" by=e1/p1@n2 call=n1.1.1 hops=1
	// n1: complete n1.1.1 ok "get k@p1" by=e1/p1@n2
	// e1/p1@n2 answered "get k@p1"
}

// Timeouts are values, and ErrTimeout is also a context.DeadlineExceeded.
func ExampleErrTimeout() {
	env := routertest.New(routertest.Config{})
	n, _ := env.AddNode("n1")
	ref := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	n.Learn(router.Entry{Ensemble: "e1", Leader: ref, Version: 1})
	_ = env.SetPeer(routertest.Mode{Ref: ref, Role: "hang"})

	id, _ := env.Call("n1", router.ToEnsemble("e1"), "put", 100*time.Millisecond)
	env.Advance(100 * time.Millisecond)
	err := env.Results(id)[0].Err
	fmt.Println(err, errors.Is(err, router.ErrTimeout), errors.Is(err, context.DeadlineExceeded))
	// Output:
	// router: timeout true true
}
