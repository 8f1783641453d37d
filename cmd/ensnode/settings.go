package main

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ensroute/ensroute/cmd/internal/cluster"
	"github.com/ensroute/ensroute/internal/quietlog"
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
	// clients keeps the warning of a client configured otherwise to one a minute
	// for each way it differs: each run of ensctl has an id of its own, and a
	// script that runs one every few seconds would warn at each.
	clients *quietlog.Log

	mu     sync.Mutex
	differ map[router.NodeID][]cluster.SettingDiff // by node, as its last connection said
}

func newSettingsWatch(mine []byte, members map[router.NodeID]string, log *slog.Logger) *settingsWatch {
	return &settingsWatch{mine: mine, members: members, log: log, differ: map[router.NodeID][]cluster.SettingDiff{},
		clients: quietlog.New(clientDiffQuiet, clientDiffKeys)}
}

// clientDiffQuiet is how long the warning of a client configured otherwise stays at
// debug after it was logged, for clients that differ alike; clientDiffKeys bounds
// the ways of differing remembered.
const (
	clientDiffQuiet = time.Minute
	clientDiffKeys  = 64
)

// heard is nettransport.Config.OnSettings: node id, incarnation inc, sent settings.
func (w *settingsWatch) heard(id router.NodeID, inc router.Incarnation, settings []byte) {
	diffs := cluster.DiffSettings(w.mine, settings)
	_, member := w.members[id]
	w.pings(id, member, settings)
	if !member {
		// A client (ensctl): warned of, but not kept, since each run has an id of its own.
		if len(diffs) == 0 {
			return
		}
		var key strings.Builder
		for _, d := range diffs {
			key.WriteString(d.Key + "=" + d.Theirs + "\x00")
		}
		const msg = "a client (not in --peers) is configured differently from this node: its calls route, but not as this cluster's do; give it the cluster's flags or --config"
		if repeats, warn := w.clients.Note(key.String(), time.Now()); warn {
			w.log.Warn(msg, "peer", string(id), "differs", cluster.DescribeDiffs(id, diffs), "repeats", repeats)
		} else {
			w.log.Debug(msg, "peer", string(id), "differs", cluster.DescribeDiffs(id, diffs), "repeat", true)
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

// pings warns when node id's heartbeat and this node's do not fit (a ping interval
// that the other side's heartbeat timeout does not outlast, cluster.PingProblem): the
// connection is closed as dead whenever it is idle, and dialed again, and the warning
// would come at each connection, so it is logged once a minute for each node (for
// all clients alike, each run of ensctl having an id of its own), at debug between.
func (w *settingsWatch) pings(id router.NodeID, member bool, settings []byte) {
	who := "client"
	if member {
		who = "node"
	}
	problem := cluster.PingProblem(string(id), w.mine, settings, "this node")
	if problem == "" {
		return
	}
	key := "heartbeat\x00" + who
	if member {
		key += "\x00" + string(id)
	}
	const msg = "a connected node's heartbeat does not fit this node's: an idle connection between them is closed as dead, and redialed, over and over"
	if repeats, warn := w.clients.Note(key, time.Now()); warn {
		w.log.Warn(msg, "peer", string(id), "peer_kind", who, "problem", problem, "repeats", repeats)
	} else {
		w.log.Debug(msg, "peer", string(id), "peer_kind", who, "problem", problem, "repeat", true)
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
