package driver_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestGossipOnlyFromMembers: a node takes directory gossip only from its members.
// One message from anyone else holding the cluster secret (a client, say) used to
// name a leader on a node that does not exist, at the highest version, and every
// node took it for good. Malformed entries from a member are refused too; the rest
// of their message is learned. Each sender's first refusal is logged, once.
func TestGossipOnlyFromMembers(t *testing.T) {
	var logged bytes.Buffer
	c := newCluster(t, true)
	n1 := c.add("n1", func(cfg *driver.Config) {
		cfg.Members = []router.NodeID{"n2"}
		cfg.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	})
	good := router.Entry{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p", Node: "n2"}, Version: 3}
	ghost := router.Entry{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "ghost", Node: "nowhere"}, Version: ^uint64(0)}
	for range 2 {
		n1.Receive(router.Message{Kind: router.KindGossip, From: "client", Entries: []router.Entry{ghost, {Ensemble: "e9"}}})
	}
	if _, ok := n1.Lookup("e1"); ok {
		t.Fatal("learned gossip from a node that is not a member")
	}
	n1.Receive(router.Message{Kind: router.KindGossip, From: "n2", Entries: []router.Entry{
		{Ensemble: "", Leader: good.Leader, Version: 1},                                  // no ensemble
		{Ensemble: "e2", Leader: good.Leader, Version: 1},                                // a leader of e1 for e2
		{Ensemble: "e3", Leader: router.PeerRef{Ensemble: "e3", Node: "n2"}, Version: 1}, // no name
		{Ensemble: "e4", Leader: router.PeerRef{Ensemble: "e4", Name: "p"}, Version: 1},  // no node
		good,                         // taken
		{Ensemble: "e5", Version: 1}, // no leader: taken
		{Ensemble: "e6", Leader: router.PeerRef{Ensemble: "e6", Name: "p", Node: "n2"}, Version: 1},       // taken
		{Ensemble: "e7", Leader: router.PeerRef{Ensemble: "e8", Name: "p", Node: "n2"}, Version: 1},       // another ensemble's
		{Ensemble: "e8", Leader: router.PeerRef{Ensemble: "e8", Name: "p", Node: "n2"}, Version: 1 << 63}, // taken: a member is trusted
	}})
	var got []string
	for _, e := range n1.Entries() {
		got = append(got, e.String())
	}
	want := []string{"e1=e1/p@n2@v3", "e5=-@v1", "e6=e6/p@n2@v1", "e8=e8/p@n2@v9223372036854775808"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("directory %v, want %v", got, want)
	}
	if st := n1.Stats(); st.GossipRefused != 2*2+5 || st.GossipIn != 3 {
		t.Fatalf("GossipRefused %d, GossipIn %d; want 9 and 3", st.GossipRefused, st.GossipIn)
	}
	log := logged.String()
	if strings.Count(log, "refused directory gossip") != 2 {
		t.Fatalf("want one warning for each of the two senders:\n%s", log)
	}
	for _, want := range []string{"from=client", "entries=2", "not a member", "from=n2", "an entry names no ensemble"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}

// TestGossipLargeDirectory: a directory far larger than a frame, or than a send
// queue, still reaches a member in full. Sent whole, as it used to be, it outgrew the
// frame, the transport dropped it on every round, and the member never learned it;
// sent in pieces that each round began again from the start, a small queue let only
// the first pieces through, for good. An entry too large for any frame is skipped,
// not allowed to hold up those after it.
func TestGossipLargeDirectory(t *testing.T) {
	const ensembles = 5000
	huge := router.EnsembleID("ensemble-02500-" + strings.Repeat("x", nettransport.MaxName-15))
	for _, tc := range []struct {
		name  string
		edit  func(*nettransport.Config)
		huge  bool // the directory holds an entry too large for the frames
		small bool // the send queue holds a few pieces only
	}{
		{name: "smallest frames", edit: func(c *nettransport.Config) { c.MaxFrame = nettransport.MinMaxFrame }, huge: true},
		{name: "small send queue", edit: func(c *nettransport.Config) { c.QueueBytes = 16 << 10 }, small: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			start := func(id, other router.NodeID, peers map[router.NodeID]string, dir []router.Entry) (*nettransport.Transport, *driver.Node) {
				cfg := nettransport.Config{ID: id, Incarnation: 1, Cluster: "test", Secret: []byte("driver-secret"), Peers: peers, Logger: quiet}
				tc.edit(&cfg)
				tr, err := nettransport.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				n, err := driver.New(driver.Config{ID: id, Incarnation: 1, Transport: tr, Logger: quiet, Members: []router.NodeID{other},
					Directory: dir, GossipInterval: 5 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				tr.Attach(n)
				t.Cleanup(func() { _ = n.Close(); _ = tr.Close() })
				return tr, n
			}
			var dir []router.Entry
			for i := range ensembles {
				e := router.EnsembleID(fmt.Sprintf("ensemble-%05d", i))
				dir = append(dir, router.Entry{Ensemble: e, Leader: router.PeerRef{Ensemble: e, Name: "peer-n1", Node: "n1"}, Version: 7})
			}
			want := ensembles
			if tc.huge {
				long := strings.Repeat("y", nettransport.MaxName)
				dir = append(dir, router.Entry{Ensemble: huge, Leader: router.PeerRef{Ensemble: huge, Name: long, Node: router.NodeID(long)}, Version: 7})
			}
			tr1, n1 := start("n1", "n2", nil, dir)
			go func() { _ = tr1.Serve(l) }()
			tr2, n2 := start("n2", "n1", map[router.NodeID]string{"n1": l.Addr().String()}, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tr2.Connect(ctx, "n1"); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, func() bool { return len(n2.Entries()) == want })
			if _, ok := n2.Lookup(huge); ok {
				t.Fatal("the entry too large for a frame arrived")
			}
			st := tr1.Stats()
			if tc.huge && st.TooLarge == 0 {
				t.Fatal("the entry too large for a frame was never tried")
			}
			if tc.small && st.Overloaded == 0 {
				t.Fatal("the send queue never filled: the test tests nothing")
			}
			if g := n1.Stats().GossipOut; g < ensembles/100 {
				t.Fatalf("n1 sent %d gossip messages: the directory went in too few to fit a %d-byte frame", g, nettransport.MinMaxFrame)
			}
		})
	}
}
