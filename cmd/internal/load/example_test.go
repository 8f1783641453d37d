package load_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/load"
	"github.com/ensroute/ensroute/router"
)

// echo answers every call at once, as the demo peer would.
type echo struct{}

func (echo) Call(_ context.Context, t router.Target, ev []byte) (router.Result, error) {
	return router.Result{Value: ev, Peer: router.PeerRef{Ensemble: t.Ensemble, Name: "n1", Node: "n1"}}, nil
}

// A load of 100 calls from 4 callers: every call answered, no promise broken.
func Example() {
	run, err := load.Start(context.Background(), load.Config{
		Caller: echo{}, Targets: []load.Target{{Ensemble: "e1", Via: "n1"}},
		Callers: 4, Calls: 100, Timeout: 50 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	<-run.Done()
	s := run.Stop(time.Second)
	fmt.Println(s.Total.Calls, s.Total.Codes, s.Check())
	// Output:
	// 100 map[ok:100] <nil>
}
