package scenarios

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ensroute/ensroute/internal/samestr"
	"github.com/ensroute/ensroute/netmodel"
	"github.com/ensroute/ensroute/router"
)

// The invariants every run checks (README.md, "Invariants").
const (
	InvExactlyOnce      = "exactly-once"
	InvDeadline         = "deadline"
	InvLateDiscarded    = "late-discarded"
	InvReplyMatchesCall = "reply-matches-call"
	InvResultFromPeer   = "result-from-peer"
	InvHopBound         = "hop-bound"
	InvNoLeak           = "no-leak"
	InvLiveness         = "liveness"
)

// invariantNames are the invariants in a fixed order, the order of Invariants.
var invariantNames = [...]string{InvExactlyOnce, InvDeadline, InvLateDiscarded, InvReplyMatchesCall, InvResultFromPeer, InvHopBound, InvNoLeak, InvLiveness}

// Invariants lists every invariant the checker enforces.
var Invariants = slices.Clone(invariantNames[:])

// invariantIndex is inv's index into Invariants. Only the checker names an invariant,
// so an unknown one is a bug.
func invariantIndex(inv string) int {
	for i, n := range invariantNames {
		if n == inv {
			return i
		}
	}
	panic("scenarios: unknown invariant " + inv)
}

// MaxViolationsKept is how many violations of each invariant a run keeps, with their
// details, in its report and its repro file; it counts every one (Report's
// ViolationCounts). A run where every call fails breaks an invariant once a call, up
// to millions of entries that say the same thing, which would cost gigabytes to keep
// and to write.
const MaxViolationsKept = 100

// clockGrain is how far past a deadline a timer on a fast clock may read when it
// fires at the first whole virtual nanosecond its clock reaches the deadline.
const clockGrain = time.Nanosecond

// Violation is one broken invariant.
type Violation struct {
	Invariant string `json:"invariant"`
	Call      string `json:"call"` // "" for a violation of no call (a cast's, a count's)
	Detail    string `json:"detail"`
}

// checker watches a run from the side: the workload's completions, the router's
// decisions (through each node's tracer) and the network's messages. It never
// changes what happens.
type checker struct {
	wd *world
	// calls are every workload call begun, in order; open holds the part of the
	// calls not yet completed that is not kept for good, in slots that freeOpen
	// recycles.
	calls    []callRec
	open     []openCall
	freeOpen []int32
	byIssued callIndex // the newest call that was issued each id
	// liveErr is the first error of the calls liveness applied to when they failed,
	// by index into calls, for the end-of-run report of them: only errors other than
	// the router's own error for their code, which the call's record tells (a map
	// entry for every failed call would cost a run where every call fails as much
	// again as its call records).
	liveErr map[int32]error
	// viol are the violations kept: the first MaxViolationsKept of each invariant;
	// violCount counts every violation, by index into Invariants.
	viol      []Violation
	violCount [len(invariantNames)]uint64
	skipped   uint64
	// casts are every workload cast made, in order (cast n is casts[n-1]);
	// castsSkipped counts those whose node was down when they were due.
	casts        []castRec
	castsSkipped uint64
	castCounts   *Casts // finish's count of them, nil for none
	// awaiting holds the nodes handed a reply (over the network, or made on the node
	// itself: EvReplyHere) that has not yet been completed,
	// counted late or redirected: at most one entry per node, and in a correct run
	// never more than one at a time, since a node settles a reply on the turn it is
	// handed it.
	awaiting []awaited
	// sends counts the messages the network was given to send (Sent); past
	// sendBudget the run stops (overBudget): messages passed on without end.
	sends, sendBudget uint64
	overBudget        bool
	// byReply says whether the completion being reported settled a reply handed to
	// its node: set at the call's EvComplete, read by done, which follows it.
	byReply  bool
	inElect  map[router.EnsembleID]int
	electing int // entries of inElect other than zero
	// handed remembers which request and reply messages were handed, to tell a
	// duplicate copy from the original. Message ids count up from 1, so a bit set
	// indexed by id does: an eighth of a byte per message, not a map entry.
	handed bitSet
	probes probeCounts
	// work is every stretch of service a leader spent on a workload call's event,
	// beyond the first of each call, which the call's record holds.
	work []workSpan
	// relay is the last relay of a leader's answer by a riak worker (relayed): a
	// second reply to the same call from the same node in the same turn is the
	// answer relayed twice.
	relay lastRelay
	// charge is the request of a call last handed to a node, or the call last
	// redirected by its caller's node, under default semantics: what the node passes
	// on of the call in that same event, to a peer or to another node, must have the
	// request's wait there charged against its budget, or carry no more than the
	// call has left (chargedAt).
	charge charge
}

// charge is a request of call handed to node in event turn (1 + sim.World.Executed),
// which came with budget and reached the node at arrived on its clock; or, with
// redirect set, call redirected by its caller's node in that event, budget being
// what the call had left before its deadline then (arrived: now).
type charge struct {
	turn            uint64
	node            router.NodeID
	call            router.CallID
	budget, arrived time.Duration
	redirect        bool
}

// set makes ch the charge of call at node in event turn. Field by field: a charge
// is set on nearly every request handed, and assigning a whole charge builds it on
// the stack and copies it over.
func (ch *charge) set(turn uint64, node router.NodeID, call *router.CallID, budget, arrived time.Duration, redirect bool) {
	ch.turn, ch.node, ch.budget, ch.arrived, ch.redirect = turn, node, budget, arrived, redirect
	ch.call.Node, ch.call.Incarnation, ch.call.Seq = call.Node, call.Incarnation, call.Seq
}

// lastRelay is node's relay to call, in event turn (1 + sim.World.Executed), of the
// leader's answer message answer (0: made on the node) as message msg (0: handled on
// the node, or refused by the network); turn 0 for none.
type lastRelay struct {
	turn        uint64
	node        router.NodeID
	call        router.CallID
	answer, msg uint64
}

// awaited is a node handed reply message msg, to call, not yet settled: only an
// event of that same call (its completion, its reply counted late, its redirect)
// settles it, so that another call completing on the node cannot hide a reply
// dropped without a count.
type awaited struct {
	node   router.NodeID
	msg    uint64 // 0 for a reply made on the node itself (EvReplyHere)
	call   router.CallID
	code   router.Code // the reply's
	worker bool        // a leader's answer to a riak worker, to relay (router.Message.Worker)
	copy   bool        // worker: a copy of an answer handed before (the network duplicated it)
}

// workSpan is a leader working on one call's event from from to to, in virtual time.
type workSpan struct {
	call     int32 // an index into checker.calls
	from, to time.Duration
}

// probeCounts are the coverage probes the checker counts itself; the router's own
// counters supply the rest.
type probeCounts struct {
	fwdInElection   uint64 // a request passed on while its ensemble was electing
	timeoutInFlight uint64 // a call timed out while a request of it was still travelling
	dupReply        uint64 // a copy of a reply reached the caller's node
	dupRequest      uint64 // a copy of a request reached a node
	regressions     uint64 // a node restarted with an older directory than it had
	afterGiveUp     uint64 // messages of a call sent after the caller had given up
	peerAfterGiveUp uint64 // events handed to a peer after the caller had given up
	pausedLate      uint64 // calls that completed late because their node was paused or its clock jumped
	lateTraced      uint64 // late replies the routers dropped (EvLate), which their Stats.Late must count
	abandoned       uint64 // work a peer gave up because its budget would not cover it
	workerAnswers   uint64 // leaders' answers to a follower's forward handed to the riak worker that called the follower
}

func newChecker(wd *world) *checker {
	return &checker{
		wd:         wd,
		inElect:    make(map[router.EnsembleID]int),
		sendBudget: math.MaxUint64, // world.schedule sets the run's
	}
}

// violate records a violation of inv. Past the first MaxViolationsKept of inv it only
// counts it: its detail is not even formatted.
func (c *checker) violate(inv string, call router.CallID, format string, args ...any) {
	k := invariantIndex(inv)
	c.violCount[k]++
	if c.violCount[k] > MaxViolationsKept && !c.wd.opt.AllViolations {
		return
	}
	id := ""
	if !call.IsZero() {
		id = call.String()
	}
	c.viol = append(c.viol, Violation{Invariant: inv, Call: id, Detail: fmt.Sprintf(format, args...)})
}

// begin registers a workload call about to start, to es's leader or (peer not -1) to
// its member es.members[peer]; the router's EvCall names its id.
func (c *checker) begin(sn *simNode, es *ensState, event []byte, peer int32) {
	now := sn.host.Now()
	c.calls = append(c.calls, callRec{})
	r := &c.calls[len(c.calls)-1]
	r.node, r.inc, r.ens = sn.idx, sn.inc, es.idx
	r.start, r.deadline, r.startGlobal = now, now+c.wd.spec.Workload.Timeout.D(), c.wd.w.Now()
	r.open = c.openSlot() + 1
	c.open[r.open-1].call, c.open[r.open-1].event = int32(len(c.calls)), event
	switch {
	case !c.livePhase():
	case peer < 0: // liveNow of a routed call, written out: a call less per call
		r.live = !zeroPeer(&es.leader) && c.elections(es.id) == 0 && !es.impaired(c.wd.w.Now()) && c.wd.convergedES(es)
	default:
		r.live = c.liveNow(es, peer)
	}
}

// livePhase reports whether the run is in its liveness phase.
func (c *checker) livePhase() bool {
	lv := c.wd.spec.Liveness
	return lv != nil && c.wd.w.Now() >= lv.From.D()
}

// liveNow reports whether liveness applies to a call or cast made now, in the
// liveness phase, to es's leader or (peer not -1) to its member es.members[peer]: with
// a leader, no election under way and the leader not slow; routed, the directories
// must hold the truth; direct, the member must be the leader or believe in it (the
// leader's heartbeat has reached it), so that it forwards the event there.
func (c *checker) liveNow(es *ensState, peer int32) bool {
	if zeroPeer(&es.leader) || c.elections(es.id) != 0 || es.impaired(c.wd.w.Now()) {
		return false
	}
	if peer < 0 {
		return c.wd.convergedES(es)
	}
	return int(peer) == es.leaderMI || samePeer(&es.view[peer].leader, &es.leader)
}

// done is the completion of the workload call res.Call names, which t's incarnation
// began (t.recs finds it): the outcome as the caller sees it. It finds the call
// itself, so that a completion costs one call into the checker, not two.
func (c *checker) done(t *tracer, res *router.Result) {
	var i int32
	if s := res.Call.Seq; s > 0 && s <= uint64(len(t.recs)) {
		i = t.recs[s-1]
	}
	if i == 0 || !c.is(&c.calls[i-1], &res.Call) {
		c.violate(InvExactlyOnce, res.Call, "%s (incarnation %d) completed a call it did not start", t.node, t.inc)
		return
	}
	i--
	r, host := &c.calls[i], t.host // t's node made the call
	now := host.Now()
	r.completions++
	if r.lost {
		// The call's node crashed with it open: its router is gone, and nothing of it
		// may complete the call (a new incarnation's router has other calls).
		c.violate(InvExactlyOnce, c.callID(r), "completed after its node crashed (%s)", outcome(res))
		return
	}
	if r.completions > 1 {
		c.violate(InvExactlyOnce, c.callID(r), "completed again (completion %d: %s)", r.completions, outcome(res))
		if c.byReply {
			c.violate(InvLateDiscarded, c.callID(r), "a reply reached the caller after the call had completed (completion %d: %s)", r.completions, outcome(res))
		}
		return
	}
	o := &c.open[r.open-1]
	// classOf tests for a timeout first: the class says whether the call timed out.
	r.class, r.code = classOf(res.Err), router.CodeOf(res.Err)
	timedOut := r.class == classTimeout
	r.latency = now - r.start
	r.endGlobal = c.wd.w.Now()
	// Virtual time moves in whole nanoseconds, so a clock running fast reaches a
	// deadline with up to a nanosecond to spare: that nanosecond is forgiven. A node
	// that was paused after its deadline, or whose clock jumped forward past it, could
	// not notice it in time: that much lateness is forgiven too, and no more (a pause
	// that ended before the deadline delayed nothing; see netmodel.Host.LostAfter).
	if now > r.deadline+clockGrain {
		slack := host.LostAfter(r.deadline, r.startGlobal) + clockGrain
		if now > r.deadline+slack {
			why := fmt.Sprintf("%v forgiven: the clock's grain", clockGrain)
			if lost := slack - clockGrain; lost > 0 {
				why = fmt.Sprintf("%v forgiven: %v for pauses and clock steps after it, and the clock's grain", slack, lost)
			}
			c.violate(InvDeadline, c.callID(r), "completed at %v, %v after its deadline (%s)", now, now-r.deadline-slack, why)
		} else {
			c.probes.pausedLate++
		}
	}
	if timedOut && r.outstanding > 0 {
		c.probes.timeoutInFlight++
		r.inFlight = true
	}
	if r.live && res.Err != nil && res.Err != r.code.Err() {
		if c.liveErr == nil {
			c.liveErr = make(map[int32]error)
		}
		c.liveErr[i] = res.Err // finish reports it, if liveness still applies then
	}
	if r.live && res.Err == nil && r.latency > c.within() {
		c.violate(InvLiveness, c.callID(r), "call to %s in the liveness phase took %v, bound %v", c.wd.eord[r.ens], r.latency, c.within())
	}
	if timedOut && now < r.deadline {
		switch {
		case c.wd.opt.Semantics == router.Default:
			c.violate(InvDeadline, c.callID(r), "timed out at %v, %v before its deadline", now, r.deadline-now)
		case !c.byReply && c.wd.w.Now() != r.startGlobal:
			// Under riak every failure is a timeout, and some come early: at the call
			// (no leader known, no connection), or in an answer (a nack, a remote
			// hop's worker), network's or the node's own (EvReplyHere). None else
			// comes before the deadline: its timer fired early.
			c.violate(InvDeadline, c.callID(r), "timed out at %v, %v before its deadline, with no answer that said so: its deadline timer fired early", now, r.deadline-now)
		}
	}
	if res.Err == nil {
		// A simulated peer answers "event|peer": v must start with the call's event
		// and '|', and come from a peer of the ensemble called.
		v, event := res.Value, o.event
		answers := len(v) > len(event) && bytes.Equal(v[:len(event)], event) && v[len(event)] == '|'
		switch {
		case !answers:
			c.violate(InvReplyMatchesCall, c.callID(r), "event %q got the answer %q", event, res.Value)
		case !samestr.Equal(string(res.Peer.Ensemble), string(c.wd.eord[r.ens])):
			c.violate(InvReplyMatchesCall, c.callID(r), "a call to %s was answered by %s, a peer of another ensemble", c.wd.eord[r.ens], res.Peer)
		}
		// The first peer delivered to, nearly always the one that answered, is
		// compared here; wasDelivered compares them all.
		if !(o.n0 > 0 && samePeer(&o.deliv0, &res.Peer)) && !o.wasDelivered(&res.Peer) {
			c.violate(InvResultFromPeer, c.callID(r), "result from %s, which never received the event (received by %v)", res.Peer, o.delivered())
		} else if answers {
			// The peer the result names must also be the one whose answer it
			// carries. Nearly always it is the leader of the ensemble called, named
			// by the strings the world holds, as every router.PeerRef of a run is:
			// its name, rendered once, is compared in one comparison, here inline.
			tail, es := v[len(event)+1:], c.wd.ensBy[r.ens]
			var carries bool
			if mi := es.leaderMI; mi >= 0 && sharedPeer(&es.members[mi], &res.Peer) {
				carries = string(tail) == es.names[mi]
			} else {
				carries = es.isRef(tail, &res.Peer)
			}
			if !carries {
				c.violate(InvResultFromPeer, c.callID(r), "result credited to %s carries the answer of %s", res.Peer, tail)
			}
		}
	}
	c.closeOpen(r)
	if rt := c.wd.retry; rt != nil {
		rt.completed(i, r)
	}
}

// isRef reports whether b is p's name, p.String(), without building it. Byte by
// byte: the names are a few bytes each, shorter than a call to compare them costs.
func isRef(b []byte, p *router.PeerRef) bool {
	e, name, node := string(p.Ensemble), p.Name, string(p.Node)
	at := len(e) + 1 + len(name)
	if len(b) != at+1+len(node) || b[len(e)] != '/' || b[at] != '@' {
		return false
	}
	for i := range len(e) {
		if b[i] != e[i] {
			return false
		}
	}
	for i := range len(name) {
		if b[len(e)+1+i] != name[i] {
			return false
		}
	}
	for i := range len(node) {
		if b[at+1+i] != node[i] {
			return false
		}
	}
	return true
}

// isRef is isRef for a peer of es: a member named by the strings es holds is
// compared with its name rendered once.
func (es *ensState) isRef(b []byte, p *router.PeerRef) bool {
	for mi := range es.members {
		if sharedPeer(&es.members[mi], p) {
			return string(b) == es.names[mi]
		}
	}
	return isRef(b, p)
}

func outcome(res *router.Result) string {
	if res.Err != nil {
		return res.Err.Error()
	}
	return fmt.Sprintf("ok %q", res.Value)
}

// called sees the router's EvCall of the workload call just begun, which names its id.
func (c *checker) called(t *tracer, ev *router.Event) {
	i := int32(len(c.calls) - 1) // begun just before the call
	if s := ev.Call.Seq; s > 0 {
		t.started(s, i)
	}
	r := &c.calls[i]
	if !samestr.Equal(string(ev.Call.Node), string(c.wd.order[r.node])) {
		// A record rebuilds its id from the caller's node, so this one cannot be
		// followed: report it (the call then also never completes, as far as the
		// checker can tell).
		c.violate(InvExactlyOnce, ev.Call, "%s issued call id %v, which names another node", t.node, ev.Call)
		return
	}
	r.seq, r.idInc, r.named = ev.Call.Seq, ev.Call.Incarnation, true
	c.byIssued.put(r.node, &ev.Call, i) // ev.Call.Node is the caller's, checked above
}

// delivered sees the router's EvDeliver: a call's event handed to a peer.
func (c *checker) delivered(t *tracer, ev *router.Event) {
	i, ok := c.byIssued.recent(&ev.Call)
	if !ok {
		i, ok = c.byIssued.get(&ev.Call)
	}
	if ok {
		// A budget is what is left of the call's timeout (riak: the timeout itself);
		// a node that handed a peer more made time up (a clock stepped back, read as
		// time gained). Every workload call has a timeout: Infinity is a budget lost.
		if timeout := c.wd.spec.Workload.Timeout.D(); ev.Budget > timeout {
			c.violate(InvDeadline, c.callID(&c.calls[i]), "handed to %s with a budget of %v, more than the call's timeout %v", ev.Peer, ev.Budget, timeout)
		} else if ev.Budget <= 0 {
			// A spent budget is dropped where it is found, never handed on.
			c.violate(InvDeadline, c.callID(&c.calls[i]), "handed to %s with a spent budget of %v", ev.Peer, ev.Budget)
		}
		// The charge's bound first, inline, on this node's clock: a budget within it
		// breaks no charge, whichever request the charge is of, and only one over it
		// is worth chargedAt's look at whether the charge is this call's, here.
		if ch := &c.charge; ch.turn == c.wd.w.Executed()+1 && ev.Budget > ch.budget-max(t.host.Now()-ch.arrived, 0) {
			c.chargedAt(t.node, t.host, &ev.Call, ev.Budget, "")
		}
		if r := &c.calls[i]; r.completions > 0 {
			c.probes.peerAfterGiveUp++
		} else if r.open > 0 {
			c.open[r.open-1].deliver(&ev.Peer)
		}
	}
}

// chargedAt checks budget, what node passes on of call now to a peer (to "") or to
// node to: in the event that handed node a request of the call (Handed), it is at
// most the request's budget less the request's wait at the node (from its arrival
// to now, on the node's clock; a clock stepped back meanwhile charges nothing), as
// default semantics charges it. Under riak the budget is the timeout at every hop.
// The caller has checked that the event is the one that handed it (charge.turn).
//
// host is node's, or nil for the checker to look it up.
func (c *checker) chargedAt(node router.NodeID, host *netmodel.Host, call *router.CallID, budget time.Duration, to router.NodeID) {
	ch := &c.charge
	if !samestr.Equal(string(node), string(ch.node)) || !sameCall(call, &ch.call) {
		return
	}
	if host == nil {
		sn := c.wd.nodes[node]
		if sn == nil {
			return
		}
		host = sn.host
	}
	wait := max(host.Now()-ch.arrived, 0)
	if budget <= ch.budget-wait {
		return
	}
	if ch.redirect {
		to := cmp.Or(string(to), "a peer there")
		c.violate(InvDeadline, *call, "%s redirected the call to %s with a budget of %v, though it had %v left before its deadline", node, to, budget, ch.budget)
		return
	}
	what := "handed it to a peer"
	if to != "" {
		what = "passed it on to " + string(to)
	}
	if budget > ch.budget {
		// More than it came with: a wait read as negative (the clock stepped back)
		// was taken for time gained.
		c.violate(InvDeadline, *call, "%s %s with a budget of %v, more than the %v the request came with: its wait there, %v by the node's clock, was taken for time gained", node, what, budget, ch.budget, host.Now()-ch.arrived)
		return
	}
	c.violate(InvDeadline, *call, "%s %s with a budget of %v, though the request came with %v and waited %v there: the wait was not charged", node, what, budget, ch.budget, wait)
}

// lateDropped sees the router's EvLate at node: a reply dropped as late. An answer
// (ok) is late only once its call has completed (a reply that comes after the deadline
// completes it with a timeout first): one dropped at the caller's node while the call
// still waits for an answer is lost, though its event ran, and the call ends
// otherwise or times out.
func (c *checker) lateDropped(node router.NodeID, ev *router.Event) {
	if ev.Msg == nil || ev.Msg.Code != router.CodeOK {
		return
	}
	i, ok := c.byIssued.recent(&ev.Call)
	if !ok {
		if i, ok = c.byIssued.get(&ev.Call); !ok {
			return
		}
	}
	if r := &c.calls[i]; r.completions == 0 && !r.lost && samestr.Equal(string(node), string(c.wd.order[r.node])) {
		c.violate(InvLateDiscarded, c.callID(r), "%s dropped an answer to the call as late (%s) while the call waited for one", node, ev.Reason)
	}
}

// learned sees the router's EvLearn: a directory changed, so what converged
// remembered of the ensemble may not hold.
func (c *checker) learned(ev *router.Event) {
	if es := c.wd.ens[ev.Entry.Ensemble]; es != nil {
		es.convAt = 0
	}
}

// Sent implements netmodel.Observer: it counts every transfer of a request.
func (c *checker) Sent(from, to router.NodeID, id uint64, m *router.Message) {
	if c.sends++; c.sends > c.sendBudget && !c.overBudget {
		c.overBudget = true
		c.wd.w.Stop()
	}
	if m.Kind == router.KindReply && m.Worker == 0 && (len(c.awaiting) > 0 || c.relay.turn != 0) {
		c.relayed(from, &m.Call, id, m.Code)
	}
	if m.Call.IsZero() {
		if m.Kind == router.KindCast || m.Kind == router.KindPeer {
			c.castSent(from, m)
		}
		return
	}
	i, ok := c.byIssued.recent(&m.Call)
	if !ok {
		if i, ok = c.byIssued.get(&m.Call); !ok {
			return
		}
	}
	rec := &c.calls[i]
	if rec.completions > 0 {
		c.probes.afterGiveUp++
	}
	if m.Kind != router.KindRoute && m.Kind != router.KindPeer {
		return
	}
	rec.outstanding++
	if c.elections(m.Ensemble) > 0 {
		c.probes.fwdInElection++
	}
	if c.wd.opt.Semantics == router.Riak {
		return
	}
	if c.charge.turn == c.wd.w.Executed()+1 {
		c.chargedAt(from, nil, &m.Call, m.Budget, to)
	}
	rec.transfers++
	limit := c.wd.spec.HopLimit
	// The message's own count must respect the limit; so must the number of transfers,
	// unless a duplicated copy started a second chain.
	if (m.Hops > limit || int(rec.transfers) > limit && !rec.duplicated) && !rec.hopFlagged {
		rec.hopFlagged = true
		// The transfer past the limit is named: the node that should have refused it.
		c.violate(InvHopBound, m.Call, "request passed between nodes %d times (message says hops=%d), limit %d; %s passed it to %s past the limit", rec.transfers, m.Hops, limit, from, to)
	}
	// Each transfer counts itself, duplicated or not: it carries at least 1, and a node
	// other than the caller's passes a request on with more than the least count it was
	// handed it with. (The caller's node redirects with the count of a nack, which may
	// come from a shorter chain.)
	if rec.hopFlagged {
		return
	}
	if rec.open == 0 {
		// The call completed, and its open record with the counts its nodes were
		// handed: a transfer still counts at least 1.
		if m.Hops < 1 {
			rec.hopFlagged = true
			c.violate(InvHopBound, m.Call, "%s passed the request on with hops=%d after the call completed: a transfer counts at least 1", from, m.Hops)
		}
		return
	}
	o := &c.open[rec.open-1]
	least, handed := o.handed.least(from)
	if o.nack > 0 && o.nackAt != c.wd.w.Executed() {
		o.nack = -1 // the nack's turn is over: what the node sends now is no redirect
	}
	switch {
	case o.nack > 0 && samestr.Equal(string(from), string(c.wd.order[rec.node])):
		if m.Hops < o.nack {
			rec.hopFlagged = true
			c.violate(InvHopBound, m.Call, "%s redirected the request with hops=%d after a nack that came with hops=%d: the hops before the nack were not counted", from, m.Hops, o.nack-1)
		}
		o.nack = -1 // the redirect is checked; a copy of an older chain the node passes on later need not count them
	case m.Hops < 1:
		rec.hopFlagged = true
		c.violate(InvHopBound, m.Call, "%s passed the request on with hops=%d: a transfer counts at least 1", from, m.Hops)
	case handed && m.Hops <= least && !samestr.Equal(string(from), string(c.wd.order[rec.node])):
		rec.hopFlagged = true
		c.violate(InvHopBound, m.Call, "%s passed the request on with hops=%d, though it was handed it with hops=%d at least: the transfer was not counted", from, m.Hops, least)
	}
}

// Handed implements netmodel.Observer: every reply handed to a node must be completed,
// counted late or redirected before the node gets its next message.
func (c *checker) Handed(to router.NodeID, id uint64, m *router.Message, arrived time.Duration) {
	if len(c.awaiting) > 0 { // mostly empty: a node settles a reply on the turn it gets it
		c.settleAwaiting(to)
	}
	switch m.Kind {
	case router.KindReply:
		if m.Worker != 0 {
			// A leader's answer to a riak worker, which relays it (a reply that is held
			// to its call in turn) or drops it as late (counted), before the node gets
			// its next message.
			c.probes.workerAnswers++
			c.await(to, id, &m.Call, m.Code, true, !c.handed.addNew(id))
			return
		}
		c.await(to, id, &m.Call, m.Code, false, false) // settled above: to has no entry
		if m.Code == router.CodeNack && c.wd.opt.Semantics == router.Default {
			c.sawNack(to, m)
		}
		if !c.handed.addNew(id) {
			c.probes.dupReply++
		}
	case router.KindCast:
		c.castHanded(to, id, m)
	case router.KindRoute, router.KindPeer:
		if m.Call.IsZero() { // a cast's
			c.castHanded(to, id, m)
			return
		}
		var rec *callRec
		i, ok := c.byIssued.recent(&m.Call)
		if !ok {
			i, ok = c.byIssued.get(&m.Call)
		}
		if ok {
			rec = &c.calls[i]
		}
		if !c.handed.addNew(id) {
			c.probes.dupRequest++
			if rec != nil {
				rec.duplicated = true
			}
		} else if rec != nil && rec.outstanding > 0 {
			rec.outstanding--
		}
		if rec != nil && rec.open != 0 && c.wd.opt.Semantics == router.Default {
			c.open[rec.open-1].handed.saw(to, m.Hops)
		}
		// Only a route waits in a mailbox: a peer message is handed as it arrives.
		if m.Kind == router.KindRoute && c.wd.opt.Semantics == router.Default && m.Budget != router.Infinity {
			c.charge.set(c.wd.w.Executed()+1, to, &m.Call, m.Budget, arrived, false)
		}
	}
}

// replyHere sees the router's EvReplyHere: node made a reply to one of its own calls
// and handles it in place, without the network. It is held to what a reply handed
// over the network is (Handed): its call's completion, its late drop or its
// redirect must follow before the node's next message.
func (c *checker) replyHere(node router.NodeID, ev *router.Event) {
	if len(c.awaiting) > 0 || c.relay.turn != 0 {
		c.relayed(node, &ev.Call, 0, ev.Code) // a riak worker's relay to a call of its own node
	}
	if len(c.awaiting) > 0 {
		c.settleAwaiting(node)
	}
	// msg 0: made here; an answer to a riak worker here (a leader on the worker's
	// node) is held to the worker's relay or late drop as one handed over is.
	c.await(node, 0, &ev.Call, ev.Code, ev.Reason == "worker", false)
}

// redirect sees the caller's node redirect call after a nack: under default semantics
// a call is redirected at most once (hop-bound), so that nacks cannot bounce it
// between leaders until its deadline.
func (c *checker) redirect(call *router.CallID) {
	i, ok := c.byIssued.recent(call)
	if !ok {
		i, ok = c.byIssued.get(call)
	}
	if !ok || c.wd.opt.Semantics != router.Default {
		return
	}
	rec := &c.calls[i]
	if rec.redirected && !rec.hopFlagged {
		rec.hopFlagged = true
		c.violate(InvHopBound, *call, "redirected a second time: a call is redirected at most once")
	}
	rec.redirected = true
	// What the redirect sends, in this same event, carries at most what the call
	// has left (deadline), and never more than its timeout: a clock stepped back
	// since the call started is no time gained.
	now := c.wd.byIdx[rec.node].host.Now()
	left := min(rec.deadline-now, c.wd.spec.Workload.Timeout.D())
	c.charge.set(c.wd.w.Executed()+1, c.wd.order[rec.node], call, left, now, true)
}

// sawNack records the hop count of the first nack of an open call handed to its
// caller's node: a redirect must count at least those hops again.
func (c *checker) sawNack(to router.NodeID, m *router.Message) {
	i, ok := c.byIssued.recent(&m.Call)
	if !ok {
		i, ok = c.byIssued.get(&m.Call)
	}
	if !ok {
		return
	}
	// A call lost with its node's crash keeps its slot, and is never redirected.
	if rec := &c.calls[i]; rec.open != 0 && !rec.lost && samestr.Equal(string(to), string(c.wd.order[rec.node])) {
		if o := &c.open[rec.open-1]; o.nack == 0 {
			o.nack, o.nackAt = m.Hops+1, c.wd.w.Executed()
		}
	}
}

// within is how long a call in a liveness phase may take to succeed: the spec's
// liveness.within, or else the workload's timeout.
func (c *checker) within() time.Duration {
	if w := c.wd.spec.Liveness.Within.D(); w > 0 {
		return w
	}
	return c.wd.spec.Workload.Timeout.D()
}

// elections is the number of elections of e under way.
func (c *checker) elections(e router.EnsembleID) int {
	if c.electing == 0 {
		return 0 // every count is zero: no need to look one up
	}
	return c.inElect[e]
}

// crashed is sn's crash. A reply handed to it in a turn that has ended must have
// been settled then: the crash does not excuse it.
func (c *checker) crashed(sn *simNode) {
	c.settleAwaiting(sn.id)
	for i := range c.calls {
		if r := &c.calls[i]; r.node == sn.idx && r.inc == sn.inc && r.completions == 0 {
			r.lost = true
		}
	}
}

func (c *checker) electionStarted(e router.EnsembleID) { c.countElection(e, 1) }

func (c *checker) electionEnded(e router.EnsembleID) { c.countElection(e, -1) }

func (c *checker) countElection(e router.EnsembleID, d int) {
	was := c.inElect[e]
	c.inElect[e] = was + d
	switch {
	case was == 0 && was+d != 0:
		c.electing++
	case was != 0 && was+d == 0:
		c.electing--
	}
	c.taint(e)
}

// taint exempts from liveness the calls to e that are under way now; one that has
// completed already (a failure before an election began) keeps its verdict. The
// calls under way are those holding an open slot, however long ago they began: a
// caller whose clock runs slow keeps a call open past its timeout in virtual time.
func (c *checker) taint(e router.EnsembleID) {
	es := c.wd.ens[e]
	for k := range c.open {
		if o := &c.open[k]; o.call != 0 {
			if r := &c.calls[o.call-1]; r.ens == es.idx && r.completions == 0 {
				r.live = false
			}
		}
	}
	c.taintCasts(es)
}

// finish runs the end-of-run checks once the world is quiet (or gave up).
func (c *checker) finish(quiet bool) {
	// Every late reply dropped is counted: the routers' Stats.Late, which the report
	// gives, of every incarnation, is the number of replies they dropped as late.
	st := c.wd.routerStats()
	if st.Late != c.probes.lateTraced {
		c.violate(InvLateDiscarded, router.CallID{}, "the routers dropped %d late replies and counted %d (Stats.Late)", c.probes.lateTraced, st.Late)
	}
	// A call's deadline timer and a riak worker's are stopped once they are done
	// with. A simulated clock's stop is final, so a timer fires for nothing only if it
	// was never stopped: a node that leaks them holds one for a whole timeout per call
	// (by the time the world is quiet they have all fired, and Host.Busy counts none).
	if st.IdleFire > 0 {
		c.violate(InvNoLeak, router.CallID{}, "%d timers fired for calls already completed or riak workers already done (Stats.IdleFire): they were not stopped", st.IdleFire)
	}
	left := make([]router.NodeID, 0, len(c.awaiting))
	for _, a := range c.awaiting {
		left = append(left, a.node)
	}
	slices.Sort(left)
	for _, id := range left {
		c.settleAwaiting(id)
	}
	// A run stopped at its budget (overBudget) was cut short: a call still open then
	// had yet to reach its deadline, and what is pending, queued, held or not yet
	// converged at the stop is of a world that was not done, not of a quiet one. The
	// budget's own violation says what happened.
	cut := c.overBudget
	for i := range c.calls {
		r := &c.calls[i]
		switch {
		case r.lost:
		case r.completions == 0 && cut:
		case r.completions == 0:
			c.violate(InvExactlyOnce, c.callID(r), "never completed (started at %v)", r.start)
		case r.live && r.class != classOK:
			err, ok := c.liveErr[int32(i)]
			if !ok {
				err = r.code.Err()
			}
			hint := ""
			switch {
			case r.inFlight:
				hint = " (a request of it had not reached a router when it timed out: lost or slow on the way, or queued)"
			case r.code == router.CodeOverloaded:
				// Shed as designed, most often: the spec asks more of its routers than they serve.
				hint = " (shed: a router's mailbox was full, as under a load more than the routers serve; if the spec means that load, raise routers or mailbox_cap, or lower the rate)"
			}
			c.violate(InvLiveness, c.callID(r), "call to %s in the liveness phase failed: %v%s", c.wd.eord[r.ens], err, hint)
		}
		// Under default a nack is ErrNotLeader, which tells the caller that the event
		// did not run (and may be sent again): no leader may have taken it up, unless
		// a request of the call was duplicated (one copy refused, another served).
		// Only at the end: the leader may take it up after the call completed.
		if r.class == classNotLeader && r.worked && !r.duplicated && c.wd.opt.Semantics == router.Default {
			c.violate(InvReplyMatchesCall, c.callID(r), "ended not-leader (a nack: the event did not run), though a leader took its event up at %v", r.workFrom)
		}
	}
	c.castCounts = c.finishCasts()
	// Liveness also needs the directories to converge at all: by the time the world is
	// quiet, gossip has had rounds enough to bring every running member the truth.
	for _, e := range c.wd.eord {
		if !cut && !c.wd.converged(e) {
			c.violate(InvLiveness, router.CallID{}, "directories never converged on %s: %s", e, c.wd.directoryViews(e))
		}
	}
	switch {
	case c.overBudget:
		when := fmt.Sprintf("%v after", c.wd.w.Now()-c.wd.lastChange)
		if c.wd.w.Now() < c.wd.lastChange {
			when = fmt.Sprintf("%v before", c.wd.lastChange-c.wd.w.Now())
		}
		of := fmt.Sprintf("the run's budget of %d (%d for each call, cast and gossip message planned, and %d; the spec's send_budget sets another)", c.sendBudget, SendsPerPlanned, MinSendBudget)
		if c.wd.spec.SendBudget > 0 {
			of = fmt.Sprintf("the spec's send_budget of %d", c.sendBudget)
		}
		c.violate(InvNoLeak, router.CallID{}, "the run stopped at %v, %s the last scheduled change, when the routers had sent %d messages, past %s: a run that passes messages on this long is taken for one that never ends (under riak, which has no hop limit, nodes whose directories disagree pass a request back and forth until anti-entropy repairs them, or for as long as the run lasts if it never does)",
			c.wd.w.Now(), when, c.sends, of)
		return
	case !quiet:
		var went string
		if b := c.wd.backlog; b != nil {
			went = fmt.Sprintf(" (it went on from %v, while the %d messages queued at its busiest router were served)", time.Duration(b.AtNS), b.Messages)
		}
		c.violate(InvNoLeak, router.CallID{}, "world not quiet by %v, %v after the last scheduled change, where the run stops%s: %d events still scheduled",
			c.wd.quietBy, c.wd.quietBy-c.wd.lastChange, went, c.wd.w.Pending())
	}
	if p := c.wd.net.Parked(); p > 0 {
		c.violate(InvNoLeak, router.CallID{}, "%d messages still parked at held or stalled links", p)
	}
	if h := c.wd.net.HeldReplies(); h > 0 {
		c.violate(InvNoLeak, router.CallID{}, "%d replies still held by their senders (reply_hold)", h)
	}
	for _, id := range c.wd.order {
		sn := c.wd.nodes[id]
		if sn.node == nil {
			// Down when the run ends: its crash withdrew its timers and lost what was
			// queued (netmodel.Host.Crash), so that a host that never comes back holds
			// none either.
			if t, q := sn.host.Busy(); t > 0 || q > 0 {
				c.violate(InvNoLeak, router.CallID{}, "%s, down, still has %d timers and %d queued messages", id, t, q)
			}
			continue
		}
		pending := sn.node.Pending()
		for _, p := range pending {
			c.violate(InvNoLeak, p, "call still pending at %s when the world is quiet", id)
		}
		if held := sn.node.Registered(); held > len(pending) {
			c.violate(InvNoLeak, router.CallID{}, "%d completed calls still held in the table of pending calls at %s", held-len(pending), id)
		}
		if w := sn.node.Workers(); w > 0 {
			c.violate(InvNoLeak, router.CallID{}, "%d riak workers still waiting at %s", w, id)
		}
		if t, q := sn.host.Busy(); t > 0 || q > 0 {
			c.violate(InvNoLeak, router.CallID{}, "%s still has %d timers and %d queued messages", id, t, q)
		}
	}
}

// directoryViews describes what each running member believes about e.
func (wd *world) directoryViews(e router.EnsembleID) string {
	es := wd.ens[e]
	parts := []string{fmt.Sprintf("truth %s@v%d", es.dirLeader, es.dirVersion)}
	for _, sn := range wd.members() {
		if sn.node != nil {
			got, _ := sn.node.Directory().Lookup(e)
			parts = append(parts, fmt.Sprintf("%s has %s@v%d", sn.id, got.Leader, got.Version))
		}
	}
	return strings.Join(parts, ", ")
}
