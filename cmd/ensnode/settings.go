package main

import (
	"log/slog"
	"sync"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/router"
)

// settingsWatch compares the configuration each connected node states (the semantics,
// --routers, --peers and the ensembles: cluster.Options.Settings) with this node's,
// and warns of a node whose configuration differs: it routes, but not as one cluster
// with this one. The nodes that differ are on /healthz and /metrics.
type settingsWatch struct {
	mine    []byte
	members map[router.NodeID]string // --peers
	log     *slog.Logger

	mu     sync.Mutex
	differ map[router.NodeID][]cluster.SettingDiff // by node, as its last connection said
}

func newSettingsWatch(mine []byte, members map[router.NodeID]string, log *slog.Logger) *settingsWatch {
	return &settingsWatch{mine: mine, members: members, log: log, differ: map[router.NodeID][]cluster.SettingDiff{}}
}

// heard is nettransport.Config.OnSettings: node id, incarnation inc, sent settings.
func (w *settingsWatch) heard(id router.NodeID, inc router.Incarnation, settings []byte) {
	diffs := cluster.DiffSettings(w.mine, settings)
	if _, member := w.members[id]; !member {
		// A client (ensctl): warned of, but not kept, since each run has an id of its own.
		if len(diffs) > 0 {
			w.log.Warn("a client (not in --peers) is configured differently from this node: its calls route, but not as this cluster's do; give it the cluster's flags or --config",
				"peer", string(id), "differs", cluster.DescribeDiffs(id, diffs))
		}
		return
	}
	w.mu.Lock()
	had := len(w.differ[id]) > 0
	if len(diffs) > 0 {
		w.differ[id] = diffs
	} else {
		delete(w.differ, id)
	}
	w.mu.Unlock()
	switch {
	case len(diffs) > 0:
		w.log.Warn("a connected node is configured differently from this one: it routes, but not as one cluster with this node; during a rolling change of --ensemble, --config, --peers, --routers or --semantics this lasts until every node has it, and otherwise one of them is wrong",
			"peer", string(id), "incarnation", uint64(inc), "differs", cluster.DescribeDiffs(id, diffs))
	case had:
		w.log.Info("a node's configuration now matches this node's", "peer", string(id), "incarnation", uint64(inc))
	}
}

// keys returns the keys whose values node id gave differently, nil if none.
func (w *settingsWatch) keys(id router.NodeID) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, d := range w.differ[id] {
		out = append(out, d.Key)
	}
	return out
}
