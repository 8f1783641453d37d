package driver_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// alone is a transport for a node with nobody to talk to.
type alone struct{}

func (alone) Send(router.NodeID, *router.Message) error { return router.ErrUnreachable }

// A node whose local peer leads e1: a blocking call with a context deadline.
func Example() {
	n, _ := driver.New(driver.Config{ID: "n1", Incarnation: 1, Transport: alone{}})
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
