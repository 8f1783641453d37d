package scenarios

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ensroute/ensroute/router"
)

// scheduleWorkload plans the open-loop workload: Poisson arrivals whose times, origins
// and ensembles all come from the "workload" stream, so faults and network noise do not
// change which calls are made.
func (wd *world) scheduleWorkload() {
	wl := wd.spec.Workload
	rng := wd.w.Stream("workload")
	k := 0
	wd.arrivals(rng, &k, 0, wl.Duration.D(), wl.Rate)
	for _, b := range wl.Bursts {
		wd.arrivals(rng, &k, b.At.D(), b.At.D()+b.Duration.D(), b.Rate)
	}
}

// arrivals plans Poisson arrivals at rate per second in [from, until); k numbers the
// calls across phases so every event is unique.
func (wd *world) arrivals(rng *rand.Rand, k *int, from, until time.Duration, rate float64) {
	if rate <= 0 || until <= from || len(wd.eord) == 0 {
		return
	}
	wl := wd.spec.Workload
	ms := wd.members()
	var clients []*simNode
	for _, id := range wd.order {
		if sn := wd.nodes[id]; !sn.member {
			clients = append(clients, sn)
		}
	}
	mean := float64(time.Second) / rate
	t := from
	for {
		t += time.Duration(rng.ExpFloat64() * mean)
		if t >= until {
			return
		}
		*k++
		var origin *simNode
		via := router.NodeID("")
		if len(clients) > 0 && rng.Float64() < wl.ClientShare {
			origin = clients[rng.IntN(len(clients))]
			via = ms[rng.IntN(len(ms))].id
		} else {
			origin = ms[rng.IntN(len(ms))]
		}
		ens := wd.eord[rng.IntN(len(wd.eord))]
		event := "c" + strconv.Itoa(*k)
		// The caller runs on its node: a paused node makes its call when it resumes.
		wd.w.Schedule(t, func() { origin.host.Defer(func() { wd.call(origin, ens, via, event) }) })
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
