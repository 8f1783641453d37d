package scenarios

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/sim"
)

// Options are the knobs of one run that are not part of the spec.
type Options struct {
	Seed      uint64
	Semantics router.Semantics
	// KeepTrace keeps every trace record (Run's Result.Trace).
	KeepTrace bool
	// TraceSink, if set, is handed every trace record as it is emitted, for a
	// consumer that streams the trace rather than keep it (sim.Config.Sink: the
	// record is valid only during the call).
	TraceSink func(*sim.Record)
	// Stop, if set (with TraceSink), is asked after each record handed to TraceSink
	// whether the run is to end there; once it says true the run ends after the
	// event that emitted the record, and Run returns a Result with Stopped set and
	// nothing else: no report, no check. For a consumer that needs only the start of
	// a run (ensim trace --call of a later attempt learns its request, then runs
	// again). Like TraceSink it must not touch the run, which up to the stop is the
	// same event for event.
	Stop func() bool
	// Progress, if set, is called as the run goes, each time it has gone about
	// ProgressEvery of virtual time further (100ms if 0), with the virtual time it
	// has reached and the events it has run: for a display of a long run's progress.
	// It changes nothing of the run, and must not touch the run.
	Progress      func(now time.Duration, events uint64)
	ProgressEvery time.Duration
	// NoHash skips the trace hash: Report.TraceHash is "" and, unless KeepTrace is
	// set, no trace record is built at all (Report.TraceEvents is 0). For runs whose
	// hash nobody reads, such as a sweep's seeds that are not rechecked; the run
	// itself, its checks and its report are otherwise the same.
	NoHash bool
	// AllViolations keeps every violation in Report.Violations, not only the first
	// MaxViolationsKept of each invariant: for a view of one run that names the
	// calls that broke one (ensim trace), which keeps every record anyway.
	AllViolations bool
	// Bugs is for the module's own tests.
	Bugs bugs.Set
}

// world is one run: the simulation, the network, the nodes and the ground truth of
// the ensembles.
type world struct {
	spec  Spec
	opt   Options
	w     *sim.World
	net   *netmodel.Net
	nodes map[router.NodeID]*simNode
	order []router.NodeID // members then clients, as in the spec
	byIdx []*simNode      // the nodes in the order of order
	ens   map[router.EnsembleID]*ensState
	eord  []router.EnsembleID
	ensBy []*ensState // the ensembles in the order of eord
	chk   *checker
	// gossipUntil is when anti-entropy stops, so that the world can go quiet.
	gossipUntil time.Duration
	// lastChange is when the last scheduled change ends (the workload, a burst, an
	// election, a fault); a world still busy at quietBy is cut short there.
	lastChange time.Duration
	quietBy    time.Duration
	// backlog is set when the world was busy at quietBy with messages queued at its
	// routers, and the run went on (drain).
	backlog *Backlog
	// stopped is set once Options.Stop has said true: the run ends there.
	stopped     bool
	gossipRound int
	rules       []namedRule      // active typed fault rules, in the order added
	peerRand    *rand.Rand       // the leaders' service times
	beatRand    *rand.Rand       // the latency of a leader's heartbeat to its members
	peerService netmodel.Sampler // spec.Peer.Service, prepared
	memberList  []*simNode       // the member nodes in spec order (members)
	// convEpoch moves on whenever a node boots or crashes; an ensState's
	// remembered convergence is good while its convAt equals it (converged).
	convEpoch uint64
	// verifyConv makes converged check its memo against a fresh answer (tests).
	verifyConv  bool
	peerNames   *peerNames  // names of peer refs for traces
	targetNames targetNames // names of call targets for traces
	calling     callTarget  // the target of the workload call being made, if set
	castName    []byte      // the last workload cast's event, "s<n>"
	kinds       traceKinds  // the kinds of the tracer's records
	// events and values hold the workload's call events and the leaders' answers.
	events, values byteArena
	answers        answerPool
	planned        int // workload calls planned
	// retry makes the workload's retries (workload.retry); nil without them.
	retry *retrier
}

type namedRule struct {
	name string
	id   int
}

type simNode struct {
	id     router.NodeID
	idx    int32 // its index in wd.order and wd.byIdx
	member bool
	host   *netmodel.Host
	inc    router.Incarnation
	node   *router.Node // nil while down
	saved  []router.Entry
	last   []router.Entry // the directory at the crash
	dead   router.Stats   // counters of earlier incarnations
	peers  []router.PeerRef
	tr     *tracer // the running incarnation's tracer
	// parkedCalls and parkedCasts count the workload's calls and casts due while the
	// node was paused (Host.Defer), not made yet: a crash drops them, and they are
	// skipped, as those due while it is down.
	parkedCalls, parkedCasts uint64
}

type ensState struct {
	id      router.EnsembleID
	idx     int32 // its index in wd.eord and wd.ensBy
	members []router.PeerRef
	names   []string       // members[i].String(), rendered once
	leader  router.PeerRef // the truth; zero during an election
	// leaderMI is the leader's index in members, -1 while there is none: a peer
	// tells it leads by its own index (simPeer.mi), comparing no strings.
	leaderMI int
	version  uint64
	// dirLeader and dirVersion are what the directories should hold: the last
	// leader announced, and its version. They are leader and version but under riak
	// after an election that ended without a leader: the original never announces
	// that no peer leads (its manager learns leaders only), so the directories keep
	// the last one, whose peer now refuses.
	dirLeader  router.PeerRef
	dirVersion uint64
	// slow holds each member's slow and hang episodes, in the order they began: the
	// latest one still in force is the one that acts (slowNow).
	slow map[string][]slowness
	// view is what each member believes about the leader, in the order of members.
	// Members learn a new leader from its heartbeat, one network latency after the
	// election: ahead of the directories, but not instantly.
	view []belief
	// conv is whether every running member's directory holds the truth, as of
	// wd.convEpoch == convAt; convAt 0 means not known (see converged).
	conv   bool
	convAt uint64
}

type belief struct {
	leader  router.PeerRef
	version uint64
}

// setLeader makes members[mi] the leader, or nobody if mi is -1.
func (es *ensState) setLeader(mi int) {
	es.leaderMI = mi
	if mi < 0 {
		es.leader = router.PeerRef{}
		return
	}
	es.leader = es.members[mi]
}

// impaired reports whether the leader is slow or hanging at time now.
func (es *ensState) impaired(now time.Duration) bool {
	if es.leaderMI < 0 || len(es.slow) == 0 { // most ensembles never have a slow member
		return false
	}
	_, ok := es.slowNow(es.leader.Name, now)
	return ok
}

// slowNow returns the slow or hang episode of member name in force at time now:
// of those begun and not yet over, the one that began last. An episode that begins
// inside another acts for its own span, and the other acts again once it is over
// and until its own until, as two overlapping faults of a spec say.
func (es *ensState) slowNow(name string, now time.Duration) (slowness, bool) {
	eps := es.slow[name]
	for i := len(eps) - 1; i >= 0; i-- {
		if now < eps[i].until {
			return eps[i], true
		}
	}
	return slowness{}, false
}

type slowness struct {
	service *netmodel.Sampler // nil: hang
	until   time.Duration
}

func newWorld(spec Spec, opt Options) (*world, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	sink := opt.TraceSink
	var wd *world
	if opt.Stop != nil {
		sink = func(r *sim.Record) {
			opt.TraceSink(r)
			if !wd.stopped && opt.Stop() {
				wd.stopped = true
				wd.w.Stop()
			}
		}
	}
	w := sim.New(sim.Config{Seed: opt.Seed, KeepTrace: opt.KeepTrace, NoHash: opt.NoHash, Sink: sink})
	wd = &world{
		spec:        spec,
		opt:         opt,
		w:           w,
		nodes:       make(map[router.NodeID]*simNode),
		ens:         make(map[router.EnsembleID]*ensState),
		peerRand:    w.Stream("peers"),
		beatRand:    w.Stream("heartbeats"),
		peerService: spec.Peer.Service.Prepare(),
		kinds:       newTraceKinds(w),
	}
	// The trace's names of peers and call targets, with room for every peer, and
	// every ensemble called directly or through one of its members.
	peers := 0
	for _, e := range spec.Ensembles {
		peers += len(e.Members)
	}
	wd.peerNames, wd.targetNames = newPeerNames(w, peers), newTargetNames(w, len(spec.Ensembles)+peers)
	wd.chk = newChecker(wd)
	if r := spec.Workload.Retry; r != nil {
		wd.retry = newRetrier(wd, r)
	}
	mailboxCap, replyHold, backoffMin, backoffMax := spec.MailboxCap, spec.ReplyHold.D(), spec.BackoffMin.D(), spec.BackoffMax.D()
	if opt.Semantics == router.Riak {
		// The original's mailboxes are unbounded, and its transport is Erlang
		// distribution's, which holds no reply and has no redial window: a send to a
		// node it is not connected to connects on demand, so a link is back as soon as
		// its outage ends, and a reply that cannot go is lost.
		mailboxCap, replyHold, backoffMin, backoffMax = 0, 0, 0, 0
	}
	net, err := netmodel.New(w, netmodel.Config{
		Routers:          spec.Routers,
		Service:          spec.RouterService,
		Link:             spec.Link,
		DetectAfter:      spec.DetectAfter.D(),
		PauseDetectAfter: spec.PauseDetectAfter.D(),
		ReplyHold:        replyHold,
		BackoffMin:       backoffMin,
		BackoffMax:       backoffMax,
		MailboxCap:       mailboxCap,
		Observer:         wd.chk,
		Bugs:             wd.opt.Bugs,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSpec, err)
	}
	wd.net = net
	for _, e := range spec.Ensembles {
		es := &ensState{id: router.EnsembleID(e.Name), idx: int32(len(wd.eord)), slow: map[string][]slowness{}, version: 1, leaderMI: -1,
			names: make([]string, 0, len(e.Members))}
		for _, m := range e.Members {
			ref := router.PeerRef{Ensemble: es.id, Name: m.Name, Node: router.NodeID(m.Node)}
			es.members = append(es.members, ref)
			es.names = append(es.names, ref.String())
			if m.Name == e.Leader {
				es.setLeader(len(es.members) - 1)
			}
		}
		for range es.members {
			es.view = append(es.view, belief{leader: es.leader, version: es.version})
		}
		es.dirLeader, es.dirVersion = es.leader, es.version
		wd.ens[es.id] = es
		wd.eord = append(wd.eord, es.id)
		wd.ensBy = append(wd.ensBy, es)
	}
	// Every member starts with the same, converged directory.
	var start []router.Entry
	for _, id := range wd.eord {
		es := wd.ens[id]
		start = append(start, router.Entry{Ensemble: id, Leader: es.dirLeader, Version: es.dirVersion})
	}
	var startSnap *router.Snapshot
	for i, name := range append(append([]string{}, spec.Nodes...), spec.Clients...) {
		id := router.NodeID(name)
		h, err := net.AddHost(id)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadSpec, err)
		}
		sn := &simNode{id: id, idx: int32(len(wd.byIdx)), member: i < len(spec.Nodes), host: h, inc: 1}
		h.SetClient(!sn.member)
		for _, eid := range wd.eord {
			for _, ref := range wd.ens[eid].members {
				if ref.Node == id {
					sn.peers = append(sn.peers, ref)
				}
			}
		}
		wd.nodes[id] = sn
		wd.order = append(wd.order, id)
		wd.byIdx = append(wd.byIdx, sn)
		if sn.member {
			wd.memberList = append(wd.memberList, sn)
		}
		dir := &router.Directory{}
		if sn.member {
			// Every member starts on the same entries: one shared snapshot, not a copy
			// per node (at a thousand nodes and ten thousand ensembles, gigabytes).
			if startSnap == nil {
				startSnap = router.NewSnapshot(start)
			}
			dir = router.NewDirectoryOn(startSnap)
			sn.saved = start
		}
		if err := wd.boot(sn, dir); err != nil {
			return nil, err
		}
	}
	// Every member starts with the truth, so every ensemble starts converged.
	for _, es := range wd.ens {
		es.conv, es.convAt = true, wd.convEpoch
	}
	for _, c := range spec.Clocks {
		wd.nodes[router.NodeID(c.Node)].host.SetClock(c.Clock)
	}
	for _, l := range spec.Links {
		if err := net.SetLink(router.NodeID(l.From), router.NodeID(l.To), l.Link); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadSpec, err)
		}
	}
	return wd, nil
}

// boot starts incarnation sn.inc of a node with directory dir, which it hands over.
func (wd *world) boot(sn *simNode, dir *router.Directory) error {
	tr := &tracer{wd: wd, host: sn.host, node: sn.id, name: sn.host.Name(), inc: sn.inc}
	// Not the method value tr.complete: its wrapper would copy the result once more.
	tr.done = func(res router.Result) { tr.complete(&res) }
	n, err := router.New(router.Config{
		ID:          sn.id,
		Incarnation: sn.inc,
		Semantics:   wd.opt.Semantics,
		Routers:     wd.spec.Routers,
		HopLimit:    wd.spec.HopLimit,
		Clock:       sn.host.Clock(),
		Transport:   sn.host.Transport(),
		Rand:        sn.host.Rand(),
		Directory:   dir,
		Tracer:      tr,
		Bugs:        wd.opt.Bugs,
	})
	if err != nil {
		return err
	}
	sn.node = n
	sn.tr = tr
	wd.convEpoch++
	sn.host.Attach(n)
	for _, ref := range sn.peers {
		es := wd.ens[ref.Ensemble]
		mi := 0
		for es.members[mi] != ref {
			mi++
		}
		if err := n.AddPeer(ref, &simPeer{wd: wd, ref: ref, name: es.names[mi], sn: sn, node: n, es: es, mi: mi}); err != nil {
			return err
		}
	}
	return nil
}

// members returns the member nodes in spec order. The slice is shared: callers must
// not modify it.
func (wd *world) members() []*simNode { return wd.memberList }

// schedule arranges the whole run: workload, elections, faults, gossip.
func (wd *world) schedule() {
	for _, el := range wd.spec.Elections {
		wd.scheduleElection(el)
	}
	for _, f := range wd.spec.Faults {
		wd.scheduleFault(f)
	}
	end := wd.spec.lastChange()
	iv := wd.spec.Gossip.Interval.D()
	to := wd.spec.Workload.Timeout.D()
	// Anti-entropy outlives the last change by enough rounds to reach every member.
	wd.gossipUntil = end + 2*to + time.Duration(len(wd.spec.Nodes)+2)*iv
	if wd.spec.Gossip.PushOnly {
		wd.gossipUntil = end + 2*to
	}
	wd.lastChange = end
	// A reply held at the last (netmodel.Config.ReplyHold, as the network applies
	// it: none under riak) keeps the world busy until it is dropped.
	// A clock stepped back postpones its node's timers by the step. Slow links and
	// leaders keep the last messages and work going (settle).
	wd.quietBy = satAdd(wd.gossipUntil+4*to+time.Second+wd.net.ReplyHold()+wd.spec.backSteps(), wd.spec.settle())
	// Retries go on after the last call planned: their waits and timeouts.
	wd.quietBy = satAdd(wd.quietBy, wd.spec.Workload.Retry.span(to))
	wd.scheduleWorkload()
	wd.chk.calls = slices.Grow(wd.chk.calls, wd.planned)
	wd.chk.sendBudget = wd.spec.sendBudget(wd.planned)
	if !wd.spec.Gossip.PushOnly {
		wd.w.After(iv, wd.antiEntropy)
	}
}
