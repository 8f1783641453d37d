package scenarios

import (
	"strconv"
	"time"

	"github.com/ensroute/ensroute/router"
)

// scheduleWorkload plans the open-loop workload: Poisson arrivals whose times, origins
// and ensembles all come from the "workload" stream, so faults and network noise do not
// change which calls are made.
func (wd *world) scheduleWorkload() {
	wl := wd.spec.Workload
	if wl.Rate <= 0 || wl.Duration <= 0 {
		return
	}
	rng := wd.w.Stream("workload")
	ms := wd.members()
	var clients []*simNode
	for _, id := range wd.order {
		if sn := wd.nodes[id]; !sn.member {
			clients = append(clients, sn)
		}
	}
	mean := float64(time.Second) / wl.Rate
	t := time.Duration(0)
	for k := 1; ; k++ {
		t += time.Duration(rng.ExpFloat64() * mean)
		if t >= wl.Duration.D() {
			return
		}
		var origin *simNode
		via := router.NodeID("")
		if len(clients) > 0 && rng.Float64() < wl.ClientShare {
			origin = clients[rng.IntN(len(clients))]
			via = ms[rng.IntN(len(ms))].id
		} else {
			origin = ms[rng.IntN(len(ms))]
		}
		ens := wd.eord[rng.IntN(len(wd.eord))]
		event := "c" + strconv.Itoa(k)
		wd.w.Schedule(t, func() { wd.call(origin, ens, via, event) })
	}
}

// call starts one workload call, if its origin is up.
func (wd *world) call(origin *simNode, ens router.EnsembleID, via router.NodeID, event string) {
	if origin.node == nil {
		wd.chk.skipped++
		return
	}
	t := router.ToEnsemble(ens)
	if via != "" {
		t = t.Through(via)
	}
	rec := wd.chk.begin(origin, ens, event)
	if _, err := origin.node.Call(t, []byte(event), wd.spec.Workload.Timeout.D(), rec.done); err != nil {
		panic("scenarios: workload call refused: " + err.Error()) // the spec was validated
	}
}
