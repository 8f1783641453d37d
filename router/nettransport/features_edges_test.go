package nettransport

import (
	"testing"
	"testing/synctest"

	"github.com/ensroute/ensroute/router"
)

// TestFeaturesFixedByFirstFrame: what the other node reads is what its first frame
// said, for the whole connection. Its later frames (a heartbeat, its settings) leave a
// declaration as it was, so forwards go on naming their worker; and a declaration
// that comes after another first frame is ignored, as features.go says, so forwards
// to a node of an earlier release go on without.
func TestFeaturesFixedByFirstFrame(t *testing.T) {
	forward := router.Message{Kind: router.KindPeer, Call: router.CallID{Node: "n9", Incarnation: 1, Seq: 2},
		Ensemble: "e1", Peer: router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n2"}, Forwarded: true,
		Worker: 7, Event: []byte("get k"), Budget: router.Infinity, Hops: 1}
	declare := append(appendHeader(nil, typePing, 2), ctlFeatures, featWorker)
	heartbeat := appendHeader(nil, typePing, 0)
	settings := append(appendHeader(nil, typePing, 3), ctlSettings, 'a', '\n')
	for _, tc := range []struct {
		name   string
		frames [][]byte // the raw node's frames, in order
		worker uint64   // the worker each forward arrives with
	}{
		{"declared, then a heartbeat and settings", [][]byte{declare, heartbeat, settings, heartbeat}, 7},
		{"a heartbeat, then a declaration", [][]byte{heartbeat, declare}, 0},
		{"settings, then a declaration", [][]byte{settings, declare, heartbeat}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				acc, logs := pipeNode(t, "n1", nil)
				c := rawDial(t, acc, "n2")
				defer c.Close()
				frames := rawFrames(c)
				for i, f := range tc.frames {
					if _, err := c.Write(f); err != nil {
						t.Fatal(err)
					}
					synctest.Wait() // the node has read it
					sent := forward
					if err := acc.Send("n2", &sent); err != nil {
						t.Fatal(err)
					}
					if got := nextMessage(t, frames); got.Kind != router.KindPeer || got.Worker != tc.worker {
						t.Fatalf("after frame %d: the forward arrived as %v (worker %d), want worker %d", i, got, got.Worker, tc.worker)
					}
				}
				if !acc.Connected("n2") || acc.Stats().BadFrames != 0 {
					t.Fatalf("connected=%v stats=%+v\n%s", acc.Connected("n2"), acc.Stats(), logs.log())
				}
			})
		})
	}
}
