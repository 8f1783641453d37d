package driver

// Gossip at its edges: an oversized entry and a full queue, and who is sent the
// directory when a node connects.

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ensroute/ensroute/router"
)

type overloadedTransport struct{ tries int }

func (o *overloadedTransport) Send(router.NodeID, *router.Message) error {
	o.tries++
	return router.ErrOverloaded
}

// TestOversizedEntryWaitsOutAFullQueue: an entry too large for a gossip
// message of its own is skipped only when the transport refuses it for its size (or
// the node is not connected), not because the send queue is full: then the round
// stops there, and the next one resumes with it.
func TestOversizedEntryWaitsOutAFullQueue(t *testing.T) {
	tr := &overloadedTransport{}
	n, err := New(Config{ID: "n1", Incarnation: 1, Transport: tr, Members: []router.NodeID{"n1", "n2"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	long := strings.Repeat("x", 1000)
	big := router.Entry{Ensemble: router.EnsembleID(long), Leader: router.PeerRef{Ensemble: router.EnsembleID(long), Name: long, Node: router.NodeID(long)}, Version: 1}
	small := router.Entry{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p", Node: "n1"}, Version: 1}
	if sent := n.gossip("n2", []router.Entry{big, small}); sent != 0 {
		t.Fatalf("gossip into a full queue reported %d entries sent, want 0 (the oversized entry must wait for the next round)", sent)
	}
}

type recordTransport struct{ to []router.NodeID }

func (r *recordTransport) Send(to router.NodeID, _ *router.Message) error {
	r.to = append(r.to, to)
	return nil
}

// TestPeerUpGossipsToMembersOnly: a node that connects gets the directory at
// once only if it is a member: a client (or any other node) has no use for it, and
// would refuse it (its gossip is taken from members only), logging a warning.
func TestPeerUpGossipsToMembersOnly(t *testing.T) {
	tr := &recordTransport{}
	n, err := New(Config{ID: "n1", Incarnation: 1, Transport: tr, Members: []router.NodeID{"n1", "n2"}, GossipInterval: time.Hour,
		Directory: []router.Entry{{Ensemble: "e1", Leader: router.PeerRef{Ensemble: "e1", Name: "p", Node: "n1"}, Version: 1}},
		Logger:    slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.PeerUp("client", 1)
	n.PeerUp("n2", 1)
	if len(tr.to) != 1 || tr.to[0] != "n2" {
		t.Fatalf("PeerUp sent the directory to %v, want to the member n2 alone", tr.to)
	}
}
