package kv

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

// racingDir is a node's directory into which gossip from another member lands (as on
// the node's connection reader) just after the peer has read its entry.
type racingDir struct {
	Directory
	learn func()
	once  sync.Once
}

func (d *racingDir) Lookup(e router.EnsembleID) (router.Entry, bool) {
	cur, ok := d.Directory.Lookup(e)
	d.once.Do(d.learn)
	return cur, ok
}

// TestLeadRefusedSaysSo: a "lead" whose entry the node refuses (a newer entry naming
// another member landed between the peer's lookup and its announcement) answers an
// error naming the entry in force, not "ok" with an entry that is not.
func TestLeadRefusedSaysSo(t *testing.T) {
	n := leader(t, nil)
	other := router.PeerRef{Ensemble: "e1", Name: "n2", Node: "n2"}
	me := router.PeerRef{Ensemble: "e1", Name: "n1", Node: "n1"}
	d := &racingDir{Directory: n, learn: func() {
		n.Learn(router.Entry{Ensemble: "e1", Leader: other, Version: 1 << 63})
	}}
	p := NewPeer(d, me)
	n.AddPeer(me, p)
	res, err := n.CallTimeout(context.Background(), router.ToPeer(me), []byte("lead"), time.Second)
	cur, _ := n.Lookup("e1")
	if err != nil || cur.Leader != other || string(res.Value) != "error: not leading: the node took a newer entry meanwhile, "+cur.String() {
		t.Fatalf("lead answered %q, %v; the node's entry: %v", res.Value, err, cur)
	}
}
