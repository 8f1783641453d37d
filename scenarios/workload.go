package scenarios

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ensroute/ensroute/router"
)

// arrival is one planned workload call or cast: when, from which node, through which
// member (for a client), to which ensemble or member of it. Indexes keep it small: a
// million of them fit in a few tens of megabytes.
type arrival struct {
	at     time.Duration
	seq    uint64 // its sim sequence number, reserved when the plan was made
	k      int32  // numbers the call's event: "c<k>" (a cast's is named when made)
	origin int32  // index into wd.order
	via    int32  // index into wd.order, -1 for none
	ens    int32  // index into wd.eord
	// direct is 1 + the index among its ensemble's members of the member it goes
	// straight to (a peer target), 0 for the ensemble's leader (an ensemble target).
	direct int32
	cast   bool // a cast, not a call
}

// phase is the arrivals of one phase of the workload (the base rate, or one burst)
// and the next of them to run. Only that one is queued in the simulation at a time:
// its Run queues the one after.
type phase struct {
	wd    *world
	plan  []arrival
	next  int
	names eventNames
}

// eventNames renders the workload's call events, "c<k>". The arrivals of a phase are
// numbered one after another, so a call's k is nearly always the last one's plus one:
// its name is then the last name counted up by one, a digit or a few carries, with no
// division.
type eventNames struct {
	buf [16]byte // the last name: 'c' and the digits of k (at most 10 for an int32)
	n   int      // its length, 0 before the first
	k   int32
}

// name returns the event of call k, valid until the next call of name.
func (en *eventNames) name(k int32) []byte {
	if en.n == 0 || k != en.k+1 || k <= 0 {
		en.n = len(strconv.AppendInt(append(en.buf[:0], 'c'), int64(k), 10))
	} else {
		i := en.n - 1
		for ; i > 0 && en.buf[i] == '9'; i-- {
			en.buf[i] = '0'
		}
		if i > 0 {
			en.buf[i]++
		} else { // every digit was a nine: 10...0 has one digit more
			en.buf[1] = '1'
			en.buf[en.n] = '0'
			en.n++
		}
	}
	en.k = k
	return en.buf[:en.n]
}

// scheduleWorkload plans the open-loop workload: Poisson arrivals whose times, origins
// and ensembles all come from the "workload" stream, so faults and network noise do not
// change which calls are made.
//
// Every arrival is drawn now, and takes its sim sequence number now (sim.Reserve), as if
// it were scheduled now; but each phase keeps only its next arrival in the queue. The
// run is the same, event for event, as with every arrival queued up front, while the
// queue stays short.
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
	// The members and the clients, as indexes into wd.order.
	var ms, clients []int32
	for i, sn := range wd.byIdx {
		if sn.member {
			ms = append(ms, int32(i))
		} else {
			clients = append(clients, int32(i))
		}
	}
	// Only a workload that has peer targets or casts draws for them: one that has none
	// makes the same draws, and the same run, as before they existed.
	mixed := wl.PeerShare > 0 || wl.CastShare > 0
	mean := float64(time.Second) / rate
	ph := &phase{wd: wd}
	if n := float64(until-from) / mean; n < 1e8 {
		ph.plan = make([]arrival, 0, int(n*1.01)+16) // about n: Poisson, so a little more
	}
	t := from
	for {
		// The gap is compared with what is left before it becomes a Duration: at a
		// rate so low that a gap is past what a Duration holds (under about 1e-10
		// calls a second), the conversion would wrap the clock back, and the loop
		// would plan calls for ever. A gap in whole nanoseconds reaches until exactly
		// when the float does (until-t is a whole number).
		gap := rng.ExpFloat64() * mean
		if gap >= float64(until-t) {
			break
		}
		t += time.Duration(gap)
		*k++
		a := arrival{at: t, k: int32(*k), via: -1}
		if len(clients) > 0 && rng.Float64() < wl.ClientShare {
			a.origin = clients[rng.IntN(len(clients))]
			a.via = ms[rng.IntN(len(ms))]
		} else {
			a.origin = ms[rng.IntN(len(ms))]
		}
		a.ens = int32(rng.IntN(len(wd.eord)))
		if mixed {
			if wl.PeerShare > 0 && rng.Float64() < wl.PeerShare {
				a.direct = int32(1 + rng.IntN(len(wd.ensBy[a.ens].members)))
				a.via = -1 // a peer target is not routed: it names no member to route it
			}
			a.cast = wl.CastShare > 0 && rng.Float64() < wl.CastShare
		}
		a.seq = wd.w.Reserve(1)
		ph.plan = append(ph.plan, a)
	}
	wd.planned += len(ph.plan)
	if len(ph.plan) > 0 {
		wd.w.ScheduleReserved(ph.plan[0].at, ph.plan[0].seq, ph)
	}
}

// Run makes the phase's next call and queues the one after it (a sim.Action).
func (ph *phase) Run() {
	a := ph.plan[ph.next]
	ph.next++
	if ph.next < len(ph.plan) {
		n := ph.plan[ph.next]
		ph.wd.w.ScheduleReserved(n.at, n.seq, ph)
	} else {
		ph.plan = nil
	}
	wd := ph.wd
	origin := wd.byIdx[a.origin]
	es := wd.ensBy[a.ens]
	if a.cast || a.direct != 0 {
		ph.issueOther(origin, es, a)
		return
	}
	// The event, which the checker and the router then share, lives in the arena.
	event := wd.events.copy(ph.names.name(a.k))
	// The caller runs on its node: a paused node makes its call when it resumes.
	if origin.host.Paused() {
		origin.parkedCalls++
		origin.host.Defer(func() {
			origin.parkedCalls--
			wd.call(origin, es, a.via, event)
		})
		return
	}
	wd.call(origin, es, a.via, event)
}

// issueOther makes arrival a, a call to a peer target or a cast, from origin to es
// or its member, as Run makes a call to es's leader.
func (ph *phase) issueOther(origin *simNode, es *ensState, a arrival) {
	wd := ph.wd
	via, peer, cast := a.via, a.direct-1, a.cast
	var event []byte // a cast's is named when it is made (world.cast)
	if !cast {
		event = wd.events.copy(ph.names.name(a.k))
	}
	issue := func() {
		if cast {
			wd.cast(origin, es, via, peer)
		} else {
			wd.callPeer(origin, es, peer, event)
		}
	}
	if origin.host.Paused() {
		if cast {
			origin.parkedCasts++
		} else {
			origin.parkedCalls++
		}
		origin.host.Defer(func() {
			if cast {
				origin.parkedCasts--
			} else {
				origin.parkedCalls--
			}
			issue()
		})
		return
	}
	issue()
}

// call starts one workload call, if its origin is up: to ensemble es, through the
// member wd.order[via] unless via is -1.
func (wd *world) call(origin *simNode, es *ensState, via int32, event []byte) {
	if origin.node == nil {
		wd.chk.skipped++
		return
	}
	var through router.NodeID // the target is router.ToEnsemble(es.id).Through(through)
	if via >= 0 {
		through = wd.order[via]
	}
	wd.chk.begin(origin, es, event, -1)
	if wd.retry != nil {
		wd.retry.began(origin, es, via, -1, event)
	}
	// The tracer names the call's target from the indexes (tracer.targetName).
	wd.calling = callTarget{ens: es.idx, via: via, set: true}
	// One completion callback serves every call of the incarnation (tracer.complete):
	// the router names the call in its result.
	// The target is built in the call's arguments: a Target is ten words.
	_, err := origin.node.Call(router.Target{Ensemble: es.id, Via: through}, event, wd.spec.Workload.Timeout.D(), origin.tr.done)
	wd.calling.set = false
	if err != nil {
		panic("scenarios: workload call refused: " + err.Error()) // the spec was validated
	}
}

// callPeer starts one workload call to es.members[peer] directly, if its origin is up.
func (wd *world) callPeer(origin *simNode, es *ensState, peer int32, event []byte) {
	if origin.node == nil {
		wd.chk.skipped++
		return
	}
	wd.chk.begin(origin, es, event, peer)
	if wd.retry != nil {
		wd.retry.began(origin, es, -1, peer, event)
	}
	// The tracer names a peer target itself (tracer.targetName).
	_, err := origin.node.Call(router.ToPeer(es.members[peer]), event, wd.spec.Workload.Timeout.D(), origin.tr.done)
	if err != nil {
		panic("scenarios: workload call refused: " + err.Error()) // the spec was validated
	}
}

// cast makes one workload cast, if its origin is up: to ensemble es through the member
// wd.order[via] unless via is -1, or to es.members[peer] directly unless peer is -1.
// The checker learns of it first: the cast may reach a peer on this node before Cast
// returns.
func (wd *world) cast(origin *simNode, es *ensState, via int32, peer int32) {
	if origin.node == nil {
		wd.chk.castsSkipped++
		return
	}
	t := router.ToEnsemble(es.id)
	switch {
	case peer >= 0:
		t = router.ToPeer(es.members[peer])
	case via >= 0:
		t = t.Through(wd.order[via])
	}
	// Casts are numbered in the order they are made, s1 first: the checker's index.
	wd.castName = strconv.AppendInt(append(wd.castName[:0], 's'), int64(len(wd.chk.casts)+1), 10)
	event := wd.events.copy(wd.castName)
	wd.chk.beginCast(es, peer)
	// The trace names the cast, which no call id does, and its target.
	wd.w.Emit(string(origin.id), "cast", strAttr("event", string(event)), strAttr("target", t.String()))
	if err := origin.node.Cast(t, event); err != nil {
		panic("scenarios: workload cast refused: " + err.Error()) // the spec was validated
	}
}
