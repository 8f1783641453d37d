package nettransport

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// TestWorkerAnswerHeldForTheWorkersIncarnation: an answer to a riak worker on member
// m2, held while m2 is not connected, is for the incarnation of m2 last connected: the
// worker lived there. m2 coming back as that incarnation (a network blip) gets it; m2
// restarted (a later incarnation, which may be of a release that cannot read a
// worker's frame, rolled back) does not, and the answer counts as expired.
func TestWorkerAnswerHeldForTheWorkersIncarnation(t *testing.T) {
	for _, tc := range []struct {
		back router.Incarnation
		want []string
	}{
		{back: 2, want: []string{"reply 7"}},
		{back: 3, want: nil},
	} {
		synctest.Test(t, func(t *testing.T) {
			var m2 atomic.Pointer[Transport] // the incarnation of m2 running, if any
			n1, _ := pipeNode(t, "n1", func(c *Config) {
				c.Peers = map[router.NodeID]string{"m2": "pipe"} // a member: n1 keeps its slot
				c.Dial = func(context.Context, string) (net.Conn, error) {
					acc := m2.Load()
					if acc == nil {
						return nil, errors.New("nothing listens")
					}
					a, b := net.Pipe()
					acc.Accept(b)
					return a, nil
				}
			})
			start := func(inc router.Incarnation) (*Transport, *events) {
				tr, ev := pipeClientNode(t, "m2", inc, n1)
				m2.Store(tr)
				return tr, ev
			}
			first, _ := start(2)
			m2.Store(nil)
			_ = first.Close()
			synctest.Wait()
			if n1.Connected("m2") {
				t.Fatal("m2 still connected after its Close")
			}
			answer := &router.Message{Kind: router.KindReply, Call: router.CallID{Node: "n9", Incarnation: 1, Seq: 7},
				Code: router.CodeOK, Result: []byte("v"), Worker: 3}
			if err := n1.Send("m2", answer); err != nil {
				t.Fatalf("an answer to a worker on m2, not connected: %v, want it held", err)
			}
			_, ev := start(tc.back)
			if diff := cmp.Diff(tc.want, calls(ev.received())); diff != "" {
				t.Errorf("m2 back as incarnation %d received (-want +got):\n%s", tc.back, diff)
			}
			wantExpired := uint64(1 - len(tc.want))
			if st := n1.Stats(); st.HeldExpired != wantExpired {
				t.Errorf("m2 back as incarnation %d: %d held replies dropped, want %d", tc.back, st.HeldExpired, wantExpired)
			}
		})
	}
}
