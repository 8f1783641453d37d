package driver_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
)

// TestGossipOnlyOfConfiguredEnsembles: with Config.Ensembles a node takes from gossip
// only the leaders of its ensembles that are on their members' nodes. Without it, an
// ensemble removed from every node's configuration (or a member removed from an
// ensemble) lived on: each node restarted without it took the entry back from those
// still running, and calls to it went to a node that no longer hosts it, for as long
// as any node ran. An entry with no leader (an election) of an ensemble it holds is
// taken; each refusal is counted, and the sender's first logged.
func TestGossipOnlyOfConfiguredEnsembles(t *testing.T) {
	var logged bytes.Buffer
	c := newCluster(t, true)
	n1 := c.add("n1", func(cfg *driver.Config) {
		cfg.Members = []router.NodeID{"n2", "n3"}
		cfg.Ensembles = map[router.EnsembleID][]router.NodeID{"e1": {"n1", "n2"}, "e2": {"n2", "n3"}}
		cfg.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	})
	ref := func(e router.EnsembleID, node router.NodeID) router.PeerRef {
		return router.PeerRef{Ensemble: e, Name: string(node), Node: node}
	}
	n1.Receive(router.Message{Kind: router.KindGossip, From: "n2", Entries: []router.Entry{
		{Ensemble: "e1", Leader: ref("e1", "n2"), Version: 5},  // taken
		{Ensemble: "e2", Leader: ref("e2", "n1"), Version: 5},  // n1 is no member of e2
		{Ensemble: "e6", Leader: ref("e6", "n2"), Version: 99}, // removed from the configuration
		{Ensemble: "e2", Version: 4},                           // no leader: taken
	}})
	var got []string
	for _, e := range n1.Entries() {
		got = append(got, e.String())
	}
	want := []string{"e1=e1/n2@n2@v5", "e2=-@v4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("directory %v, want %v", got, want)
	}
	if st := n1.Stats(); st.GossipRefused != 2 {
		t.Fatalf("GossipRefused %d, want 2", st.GossipRefused)
	}
	log := logged.String()
	if strings.Count(log, "refused directory gossip") != 1 || !strings.Contains(log, "from=n2") ||
		!strings.Contains(log, "not a member of the ensemble in this node's configuration") {
		t.Fatalf("want one warning, of n2's first refusal:\n%s", log)
	}

	// Without Config.Ensembles every well-formed entry from a member is taken.
	n3 := c.add("n3", func(cfg *driver.Config) { cfg.Members = []router.NodeID{"n2"} })
	n3.Receive(router.Message{Kind: router.KindGossip, From: "n2", Entries: []router.Entry{{Ensemble: "e6", Leader: ref("e6", "n2"), Version: 99}}})
	if e, ok := n3.Lookup("e6"); !ok || e.Version != 99 {
		t.Fatalf("without Config.Ensembles: e6 %v, %v; want taken", e, ok)
	}
}
