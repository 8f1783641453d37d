package router_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// sent records what a node handed its transport.
type sent struct {
	to router.NodeID
	m  router.Message
}

type recTransport struct{ out []sent }

func (r *recTransport) Send(to router.NodeID, m *router.Message) error {
	r.out = append(r.out, sent{to, *m})
	return nil
}

type stillClock struct{}

func (stillClock) Now() time.Duration                               { return 0 }
func (stillClock) After(time.Duration, router.Timer) router.TimerID { return 0 }
func (stillClock) Stop(router.TimerID)                              {}

type zeroRand struct{}

func (zeroRand) IntN(int) int { return 0 }

func newShard(t *testing.T, shard, shards int, tr router.Transport) *router.Node {
	t.Helper()
	n, err := router.New(router.Config{ID: "n1", Incarnation: 7, Shards: shards, Shard: shard,
		Clock: stillClock{}, Transport: tr, Rand: zeroRand{}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestShardSequences: each shard numbers its calls in its own residue class, and
// ShardOf finds the shard back from the id.
func TestShardSequences(t *testing.T) {
	const shards = 3
	for s := range shards {
		n := newShard(t, s, shards, &recTransport{})
		var got []uint64
		for range 4 {
			id, err := n.Call(router.ToEnsemble("e1"), []byte("x"), time.Second, func(router.Result) {})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, id.Seq)
			if g := router.ShardOf(id, shards); g != s {
				t.Errorf("ShardOf(%v) = %d, want %d", id, g, s)
			}
		}
		want := []uint64{uint64(s + 1), uint64(s + 1 + shards), uint64(s + 1 + 2*shards), uint64(s + 1 + 3*shards)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("shard %d sequences (-want +got):\n%s", s, diff)
		}
	}
	if g := router.ShardOf(router.CallID{Seq: 5}, 1); g != 0 {
		t.Errorf("ShardOf with one shard = %d", g)
	}
}

// TestShardReplyToOtherShard: a local peer served by one shard answers a call that
// another shard started; the reply goes out to the node's own id instead of being
// handled (and dropped as late) in place, and the owning shard completes the call.
func TestShardReplyToOtherShard(t *testing.T) {
	tr0, tr1 := &recTransport{}, &recTransport{}
	s0, s1 := newShard(t, 0, 2, tr0), newShard(t, 1, 2, tr1)
	ref := router.PeerRef{Ensemble: "e1", Name: "p1", Node: "n1"}
	for _, n := range []*router.Node{s0, s1} {
		n.Learn(router.Entry{Ensemble: "e1", Leader: ref, Version: 1})
		if err := n.AddPeer(ref, router.PeerFunc(func(r *router.Request) { r.Reply([]byte("v")) })); err != nil {
			t.Fatal(err)
		}
	}
	// A call of shard 0, routed by the leader's node: it reaches shard 1 as a route
	// message (a directory that was briefly stale elsewhere sent it back here).
	var res []router.Result
	id, err := s0.Call(router.ToEnsemble("e1").Through("n2"), []byte("get"), time.Second, func(r router.Result) { res = append(res, r) })
	if err != nil {
		t.Fatal(err)
	}
	route := tr0.out[0].m
	s1.Deliver(&route, 0)
	if len(tr1.out) != 1 || tr1.out[0].to != "n1" || tr1.out[0].m.Kind != router.KindReply {
		t.Fatalf("shard 1 sent %+v, want one reply to n1", tr1.out)
	}
	if st := s1.Stats(); st.Late != 0 {
		t.Fatalf("shard 1 dropped the reply as late: %+v", st)
	}
	s0.Deliver(&tr1.out[0].m, 0)
	if len(res) != 1 || res[0].Err != nil || string(res[0].Value) != "v" || res[0].Call != id {
		t.Fatalf("results %+v, want one ok \"v\" for %v", res, id)
	}
}

// TestShardConfig: a shard or a count of shards outside its range is refused.
func TestShardConfig(t *testing.T) {
	for _, tc := range []struct {
		name          string
		shard, shards int
	}{
		{name: "negative shards", shard: 0, shards: -1},
		{name: "shard too large", shard: 2, shards: 2},
		{name: "shard without shards", shard: 1, shards: 0},
		{name: "negative shard", shard: -1, shards: 2},
		{name: "more shards than MaxShards", shard: 0, shards: router.MaxShards + 1}, // sequence numbers would wrap
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := router.New(router.Config{ID: "n1", Shards: tc.shards, Shard: tc.shard,
				Clock: stillClock{}, Transport: &recTransport{}, Rand: zeroRand{}})
			if !errors.Is(err, router.ErrBadConfig) {
				t.Fatalf("err = %v, want ErrBadConfig", err)
			}
		})
	}
}
