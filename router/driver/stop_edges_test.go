package driver_test

// A graceful stop with requests a peer holds to answer later from a goroutine of its
// own (see "Wiring and stopping"): the driver's Close does not wait for them, and
// their answers still go out until the transport closes.

import (
	"context"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestStopLetsHeldRequestsAnswer: a peer that answers what it holds between the
// driver's Close and the transport's Flush has its answers reach their callers, under
// both semantics; a caller on another node gets the answer, not its deadline.
func TestStopLetsHeldRequestsAnswer(t *testing.T) {
	for _, sem := range []router.Semantics{router.Default, router.Riak} {
		t.Run(sem.String(), func(t *testing.T) {
			c := newCluster(t, true)
			held := make(chan *driver.Request, 1)
			edit := func(cfg *driver.Config) { cfg.Semantics = sem }
			n1, n2 := c.add("n1", edit), c.add("n2", edit)
			c.connect("n1", "n2")
			c.leads(ref("e1", "n2"), 1)
			if err := n2.AddPeer(ref("e1", "n2"), driver.PeerFunc(func(r *driver.Request) { held <- r })); err != nil {
				t.Fatal(err)
			}
			type outcome struct {
				res router.Result
				err error
			}
			done := make(chan outcome, 1)
			go func() {
				res, err := n1.CallTimeout(context.Background(), router.ToEnsemble("e1"), []byte("x"), 5*time.Second)
				done <- outcome{res, err}
			}()
			r := <-held
			tr := c.trs["n2"]
			_ = tr.Goodbye(context.Background())
			if err := n2.Close(); err != nil {
				t.Fatal(err)
			}
			r.Reply([]byte("answered while stopping"))
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if err := tr.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			_ = tr.Close()
			select {
			case o := <-done:
				if o.err != nil || string(o.res.Value) != "answered while stopping" {
					t.Fatalf("the call: %q, %v; want the answer given between Close and Flush", o.res.Value, o.err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("the caller still waits 2s after the stop: the answer given between Close and Flush was lost")
			}
		})
	}
}
