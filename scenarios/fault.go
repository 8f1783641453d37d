package scenarios

import (
	"github.com/ensroute/ensroute/router"
)

func ids(names []string) []router.NodeID {
	out := make([]router.NodeID, len(names))
	for i, n := range names {
		out[i] = router.NodeID(n)
	}
	return out
}

// scheduleFault arranges one fault of the spec.
func (wd *world) scheduleFault(f Fault) {
	wd.w.Schedule(f.At.D(), func() {
		switch f.Action {
		case "partition":
			wd.net.Partition(ids(f.A), ids(f.B))
		case "partition-one-way":
			wd.net.PartitionOneWay(ids(f.A), ids(f.B))
		case "heal":
			wd.net.Heal()
		case "crash":
			wd.crash(wd.nodes[router.NodeID(f.Node)])
		case "restart":
			wd.restart(wd.nodes[router.NodeID(f.Node)], f.Directory)
		case "save":
			if sn := wd.nodes[router.NodeID(f.Node)]; sn.node != nil {
				sn.saved = sn.node.Directory().Entries()
			}
		case "slow", "hang":
			es, name := wd.peerOf(f.Peer)
			es.slow[name] = slowness{service: f.Service, until: f.Until.D()}
			wd.chk.taint(es.id)
		}
	})
}

func (wd *world) peerOf(s string) (*ensState, string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return wd.ens[router.EnsembleID(s[:i])], s[i+1:]
		}
	}
	return nil, ""
}

// crash stops a node: its calls, timers, queued messages and in-flight work die.
func (wd *world) crash(sn *simNode) {
	if sn.node == nil {
		return
	}
	addStats(&sn.dead, sn.node.Stats())
	sn.last = sn.node.Directory().Entries()
	wd.chk.crashed(sn.id, sn.inc)
	sn.node = nil
	sn.host.Crash()
}

// restart brings a node back as its next incarnation with the chosen directory.
func (wd *world) restart(sn *simNode, dir string) {
	if sn.node != nil {
		return
	}
	sn.host.Restart()
	sn.inc++
	var entries []router.Entry
	switch dir {
	case "", "current":
		entries = sn.last
	case "saved":
		entries = sn.saved
	}
	if err := wd.boot(sn, entries); err != nil {
		panic("scenarios: restart: " + err.Error()) // the config was valid at first boot
	}
}

func addStats(dst *router.Stats, s router.Stats) {
	dst.Calls += s.Calls
	for i := range s.Completed {
		dst.Completed[i] += s.Completed[i]
	}
	dst.Late += s.Late
	dst.Stale += s.Stale
	dst.Redirects += s.Redirects
	dst.HopLimit += s.HopLimit
	dst.Budget += s.Budget
	dst.NoLeader += s.NoLeader
	dst.FwdDrop += s.FwdDrop
	dst.Unreached += s.Unreached
	dst.CastDrop += s.CastDrop
	dst.NoPeer += s.NoPeer
	dst.Twice += s.Twice
	dst.Workers += s.Workers
}
