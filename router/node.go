package router

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
)

// Config configures one node. New fills in defaults; Validate changes nothing.
type Config struct {
	// ID names the node. Required.
	ID NodeID
	// Incarnation numbers this life of the node; a restart must use a larger one.
	Incarnation Incarnation
	// Semantics chooses riak's behaviour or ensroute's (the default).
	Semantics Semantics
	// Routers is the number of router instances per node, the same on every node of
	// a cluster (the sender picks one at random). Default 7, as in riak.
	Routers int
	// HopLimit bounds how often a request is passed between nodes under default
	// semantics. Default 4; at most MaxHopLimit. Riak semantics has no hop limit.
	HopLimit int
	// Clock, Transport and Rand are the node's ports. Required.
	Clock     Clock
	Transport Transport
	Rand      Rand
	// Directory is the node's starting view of the leaders (for example one reloaded
	// after a restart). Nil starts empty. The node owns it from now on.
	Directory *Directory
	// Tracer, if set, observes every decision.
	Tracer Tracer
	// Shards and Shard let a driver run several Nodes with the same ID and incarnation
	// side by side, each one turn at a time under its own lock, so that calls and their
	// replies need no node-wide lock: each Node keeps only its own pending calls. The
	// call sequence numbers of shard Shard are those s with (s-1) mod Shards == Shard
	// (ShardOf inverts it), and a reply to a call of another shard is not handled in
	// place but sent through the Transport to the node's own ID, for the driver to hand
	// to the owning shard. Zero Shards means 1, which changes nothing.
	Shards int
	Shard  int
	// Bugs is for the module's own tests; outside the module only its zero value exists.
	Bugs bugs.Set
}

// Default values filled in by New.
const (
	DefaultRouters  = 7
	DefaultHopLimit = 4
)

// MaxRouters is the most router instances a node may have: each is a mailbox and,
// in production, a goroutine.
const MaxRouters = 1024

// MaxShards is the most Shards a node takes: far more than there are cores to spread
// calls over, and few enough that the call sequence numbers, Shards apart, do not
// wrap (a shard would make 2^54 calls first).
const MaxShards = 1024

// MaxHopLimit is the largest HopLimit: a transport need carry no hop count larger
// than one past it (nettransport carries up to 65,536, and sends a larger count as
// that), so a limit any larger could never be passed, and would hold no loop.
const MaxHopLimit = 1<<16 - 1

// Validate reports the first invalid field, naming it.
func (c Config) Validate() error {
	switch {
	case c.ID == "":
		return fmt.Errorf("%w: ID is empty", ErrBadConfig)
	case c.Semantics != Default && c.Semantics != Riak:
		return fmt.Errorf("%w: Semantics %d is unknown", ErrBadConfig, c.Semantics)
	case c.Routers < 0 || c.Routers > MaxRouters:
		return fmt.Errorf("%w: Routers %d is not in 0..%d", ErrBadConfig, c.Routers, MaxRouters)
	case c.HopLimit < 0 || c.HopLimit > MaxHopLimit:
		return fmt.Errorf("%w: HopLimit %d is not in 0..%d", ErrBadConfig, c.HopLimit, MaxHopLimit)
	case c.Shards < 0 || c.Shards > MaxShards:
		return fmt.Errorf("%w: Shards %d is not in 0..%d", ErrBadConfig, c.Shards, MaxShards)
	case c.Shard < 0 || c.Shard >= max(c.Shards, 1):
		return fmt.Errorf("%w: Shard %d is not below Shards %d", ErrBadConfig, c.Shard, max(c.Shards, 1))
	case c.Clock == nil:
		return fmt.Errorf("%w: Clock is nil", ErrBadConfig)
	case c.Transport == nil:
		return fmt.Errorf("%w: Transport is nil", ErrBadConfig)
	case c.Rand == nil:
		return fmt.Errorf("%w: Rand is nil", ErrBadConfig)
	}
	return nil
}

// Node is one node's router: its directory, its pending calls (the proxies), its local
// peers and the routing logic its router instances run. It does no I/O of its own and
// is not safe for concurrent use: a driver calls it from one turn at a time (the
// simulator's event loop, or the production driver's lock).
type Node struct {
	cfg     Config
	dir     *Directory
	peers   map[EnsembleID][]namedPeer // a node hosts few members of each ensemble
	pending pendingSet                 // by CallID.Seq; see lookup
	free    []*pending                 // completed proxies, reused by Call
	workers map[uint64]*Request
	seq     uint64
	wseq    uint64
	// bugDrops counts the requests the DropRequest bug looked at (bugs).
	bugDrops uint64
	stats    Stats
	ev       Event                 // the event being traced (see event)
	traced   uint16                // the kinds of event the tracer is given, bit k for kind k (see event)
	out      [numKinds - 1]Message // the messages being sent, one of each kind (see outgoing)
	late     Message               // a copy of the late reply being traced (see reply)
	reqs     []Request             // fresh Requests for deliverLocal (see newRequest)
	// routes remembers what routing to an ensemble needs, each ensemble in the place
	// routeSlot gives it (see route).
	routes [routeSlots]route
}

type namedPeer struct {
	name string
	p    Peer
}

// New returns a node for cfg, with defaults filled in.
func New(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Routers == 0 {
		cfg.Routers = DefaultRouters
	}
	if cfg.HopLimit == 0 {
		cfg.HopLimit = DefaultHopLimit
	}
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	dir := cfg.Directory
	if dir == nil {
		dir = &Directory{}
	}
	n := &Node{
		cfg:     cfg,
		dir:     dir,
		peers:   make(map[EnsembleID][]namedPeer),
		pending: pendingSet{stride: uint64(cfg.Shards)},
		workers: make(map[uint64]*Request),
		ev:      Event{Node: cfg.ID}, // for good: reset leaves Node alone
		traced:  tracedKinds(cfg.Tracer),
	}
	for i := range n.out { // for good, see outgoing
		n.out[i].Kind, n.out[i].From = Kind(i+1), cfg.ID
	}
	return n, nil
}

// ID returns the node's name.
func (n *Node) ID() NodeID { return n.cfg.ID }

// Incarnation returns the node's incarnation.
func (n *Node) Incarnation() Incarnation { return n.cfg.Incarnation }

// Semantics returns the semantics the node runs.
func (n *Node) Semantics() Semantics { return n.cfg.Semantics }

// Routers returns the number of router instances.
func (n *Node) Routers() int { return n.cfg.Routers }

// ShardOf returns the shard, among shards, that started the call c (see
// Config.Shards). With one shard (or none) it is 0.
func ShardOf(c CallID, shards int) int {
	if shards <= 1 {
		return 0
	}
	return int((c.Seq - 1) % uint64(shards))
}

// ShardOfWorker returns the shard, among shards, whose core runs riak worker w
// (Message.Worker): a driver hands a reply to a worker to that shard. With one shard
// (or none) it is 0.
func ShardOfWorker(w uint64, shards int) int {
	if shards <= 1 || w == 0 {
		return 0
	}
	return int((w - 1) % uint64(shards))
}

// owns reports whether a reply to c is this node's to handle in place: a call of this
// node and of this shard.
func (n *Node) owns(c CallID) bool {
	return n.isSelf(c.Node) && (n.cfg.Shards == 1 || ShardOf(c, n.cfg.Shards) == n.cfg.Shard)
}

// isSelf reports whether id is this node's name. The names of a cluster's nodes often
// have one length and differ in their last bytes (n1, n2, ...): comparing the last
// byte first tells most other nodes' names apart without comparing them whole, which
// on the routing path is a call per request.
func (n *Node) isSelf(id NodeID) bool {
	self := n.cfg.ID
	return len(id) == len(self) && (len(id) == 0 || id[len(id)-1] == self[len(id)-1]) && id == self
}

// Stats returns a copy of the node's counters.
func (n *Node) Stats() Stats { return n.stats }

// Directory returns the node's directory, for reading. Apply updates with Learn (or
// the directory's Update, which Learn calls, without Learn's trace event). Do not replace or copy over the Directory a node holds:
// what the node remembers of its routes stays valid by the directory's count of its
// updates, which an overwrite could bring back to an earlier value.
func (n *Node) Directory() *Directory { return n.dir }

// Pending returns the ids of the calls still waiting, sorted by sequence.
func (n *Node) Pending() []CallID {
	out := make([]CallID, 0, n.pending.len())
	n.pending.each(func(p *pending) {
		if !p.completed {
			out = append(out, p.call)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// Registered returns how many calls the node's table of pending calls holds: the
// calls of Pending and any completed call it failed to forget, which a correct node
// never keeps (a test of the table's own upkeep).
func (n *Node) Registered() int { return n.pending.len() }

// Workers returns how many riak workers are still timed: waiting for their peer, for
// the leader's answer to their peer's forward, or for their timer after a forward
// their peer swallowed.
func (n *Node) Workers() int { return len(n.workers) }

// Relaying returns how many riak workers wait for a leader's answer to their peer's
// forward, to relay it to the caller: a node that stops should wait for them (each
// ends by its timer at the latest), or the answers on their way are lost and their
// callers wait out their deadlines.
func (n *Node) Relaying() int {
	c := 0
	for _, r := range n.workers {
		if r.relaying && r.worker != 0 {
			c++
		}
	}
	return c
}

// GiveUpRelays makes the riak workers still waiting for a leader's answer to relay
// (Relaying) give up now: each answers its caller timeout, as at its timer, in the
// order the workers started. A node that cannot wait longer for the answers (it is
// stopping) tells the callers at once instead of leaving them to their deadlines.
func (n *Node) GiveUpRelays() {
	var waiting []uint64
	for w, r := range n.workers {
		if r.relaying && r.worker != 0 {
			waiting = append(waiting, w)
		}
	}
	slices.Sort(waiting)
	for _, w := range waiting {
		// A call's done runs within workerTimeout and may retire another worker.
		if r := n.workers[w]; r != nil {
			n.workerTimeout(r, false)
		}
	}
}

// AddPeer makes p reachable as ref, which must live on this node.
func (n *Node) AddPeer(ref PeerRef, p Peer) error {
	if ref.Node != n.cfg.ID {
		return fmt.Errorf("%w: peer %s does not live on node %s", ErrBadConfig, ref, n.cfg.ID)
	}
	if ref.Ensemble == "" || ref.Name == "" {
		return fmt.Errorf("%w: peer %s has an empty ensemble or name", ErrBadConfig, ref)
	}
	if f, ok := p.(PeerFunc); p == nil || ok && f == nil {
		return fmt.Errorf("%w: peer %s is nil", ErrBadConfig, ref)
	}
	n.forgetRoutes()
	if n.riak() {
		p = &process{p: p}
	}
	ps := n.peers[ref.Ensemble]
	for i := range ps {
		if ps[i].name == ref.Name {
			// Under riak a new process replaces one that died: the old one's
			// workers answer timeout at once, and its answers are ignored (RemovePeer).
			// The new one is in place first: the calls those timeouts end may retry,
			// or change the peers, from their done.
			old := ps[i].p
			ps[i].p = p
			n.peerDied(ref, old)
			return nil
		}
	}
	n.peers[ref.Ensemble] = append(ps, namedPeer{ref.Name, p})
	return nil
}

// process is a peer under riak: a process of the original, which can die (RemovePeer,
// or AddPeer of another for its ref). A dead process sends nothing: the answers of the
// Requests it was handed are ignored.
type process struct {
	p    Peer
	dead bool
}

// Handle hands r to the process's peer, which r now answers for.
func (pr *process) Handle(r *Request) {
	r.proc = pr
	pr.p.Handle(r)
}

// peerDied is the end of p, the peer that was ref (riak): its workers answer timeout
// at once, as the original's worker does when the process it calls dies (its call
// monitors it), and what it answers afterwards is ignored. Under default semantics
// a peer is no process: its Requests are its own to answer, and its workers (it has
// none) are left alone.
func (n *Node) peerDied(ref PeerRef, p Peer) {
	pr, ok := p.(*process)
	if !ok {
		return
	}
	pr.dead = true
	var orphaned []uint64
	for w, r := range n.workers { // a worker is here until it retires: every one waits
		if r.peer.Ensemble == ref.Ensemble && r.peer.Name == ref.Name {
			orphaned = append(orphaned, w)
		}
	}
	slices.Sort(orphaned) // in the order the workers started, not the map's
	for _, w := range orphaned {
		// A call's done runs within workerTimeout and may retire a later worker
		// (answering the request it holds): that one has answered already.
		if r := n.workers[w]; r != nil {
			n.workerTimeout(r, true)
		}
	}
}

// RemovePeer makes ref unreachable; requests for it now fail as for a dead process.
// Under riak it is one: the workers waiting for its answer answer timeout at once, as
// the original's worker does when the process it calls dies (its call monitors it):
// a worker whose peer forwarded (the leader's answer, when it comes, finds no worker),
// or swallowed a forward (to no leader, or to itself), waits too. What the removed
// peer does afterwards with any request it was handed (a Reply, a Nack, a Forward) is
// ignored: a dead process sends nothing. AddPeer of another peer for ref ends this
// one so too. Under default semantics the requests it was handed are its own to
// answer.
func (n *Node) RemovePeer(ref PeerRef) {
	n.forgetRoutes()
	var gone Peer
	ps := slices.DeleteFunc(n.peers[ref.Ensemble], func(np namedPeer) bool {
		if np.name == ref.Name {
			gone = np.p
			return true
		}
		return false
	})
	if len(ps) == 0 {
		delete(n.peers, ref.Ensemble)
	} else {
		n.peers[ref.Ensemble] = ps
	}
	if gone != nil {
		n.peerDied(ref, gone)
	}
}

// peer returns the peer *ref names on this node, or nil.
func (n *Node) peer(ref *PeerRef) Peer {
	ps := n.peers[ref.Ensemble]
	for i := range ps {
		if ps[i].name == ref.Name {
			return ps[i].p
		}
	}
	return nil
}

// Learn applies a directory entry if it is strictly newer and fit (Entry.Problem),
// and reports whether it did.
func (n *Node) Learn(e Entry) bool {
	if n.cfg.Bugs.Has(bugs.FreezeDirectory) && n.dir.get(e.Ensemble) != nil {
		return false
	}
	if !n.dir.Update(e) {
		return false
	}
	if ev := n.event(EvLearn); ev != nil {
		ev.Call = CallID{}
		ev.Entry = e
		n.cfg.Tracer.Trace(ev)
		ev.Kind, ev.Entry.Ensemble, ev.Entry.Version = 0, "", 0
		ev.Entry.Leader.clear()
	}
	return true
}

// Gossip sends entries to node to. The receiver applies the ones that are newer.
func (n *Node) Gossip(to NodeID, entries []Entry) error {
	m := n.outgoing(KindGossip)
	m.Entries = entries
	return n.send(to, m)
}

// Deliver hands the node a message that arrived at time arrived on this node's clock.
// Messages whose Kind is Queued must be delivered in the turn of router instance
// m.Instance (after waiting in its mailbox: the wait is charged to the budget); others
// go to the node as soon as they arrive. A message of an unknown Kind is ignored; a
// request with a hop count out of range is stopped as by the hop limit where it would
// travel on under default semantics (one that reaches its peer here is handed to it;
// riak has no hop limit, and passes it on), and a peer message naming a peer of
// another node is answered as for a peer not here. The rest of a message's form is
// the transport's to check (nettransport's codec refuses unknown kinds and codes, and
// hop counts past 65,536). The node reads *m during the call and keeps nothing of it
// but what a message owns once sent (its Event, Result and Entries), so the driver
// may reuse *m afterwards.
func (n *Node) Deliver(m *Message, arrived time.Duration) {
	switch m.Kind {
	case KindRoute, KindCast:
		n.routeAt(m, arrived)
	case KindPeer:
		n.peerAt(m, arrived)
	case KindReply:
		if m.Worker != 0 {
			n.workerReply(m)
			return
		}
		n.reply(m, arrived)
	case KindGossip:
		for _, e := range m.Entries {
			n.Learn(e)
		}
	}
}

// Shed tells the node that the driver could not take m: a message of a Queued kind,
// because router instance m.Instance's bounded mailbox is full, or a route or peer
// event that reached a node that is shutting down. Under default semantics the caller
// gets ErrOverloaded at once; the original has unbounded mailboxes and never sheds, so
// under riak the message is only dropped and counted. A cast has no caller to tell.
func (n *Node) Shed(m Message) {
	n.stats.Shed++
	if m.Kind == KindCast || m.Kind == KindPeer && m.Call.IsZero() {
		n.stats.CastDrop++ // a cast, or a follower's forward of one
	}
	n.traceDrop(m.Call, "overloaded", m.Instance)
	if n.riak() || (m.Kind != KindRoute && m.Kind != KindPeer) || m.Call.IsZero() {
		return
	}
	n.sendReply(m.Call, CodeOverloaded, nil, nil, m.Hops)
}

// Fire hands the node a timer it set with its Clock.
func (n *Node) Fire(t Timer) {
	switch t.Kind {
	case TimerCall:
		if p, ok := n.lookup(t.Call); ok && !p.completed {
			p.timer = 0 // it has fired
			n.complete(p, nil, nil, ErrTimeout)
			return
		}
	case TimerWorker:
		if r, ok := n.workers[t.Worker]; ok {
			r.timer = 0 // it has fired
			n.workerTimeout(r, false)
			return
		}
	}
	n.stats.IdleFire++
}

// workerReply handles m, a leader's answer to a follower's forward, at the riak worker
// m.Worker that called the follower: the worker relays it to the caller and retires,
// as the original's worker relays what its call returned. A worker that has given up
// (its timer fired, its peer was removed, or the node restarted) is gone, and the
// answer is dropped as late, as the original's is at a worker that exited.
func (n *Node) workerReply(m *Message) {
	r := n.workers[m.Worker]
	if r == nil || r.call != m.Call {
		n.lateReply(m, "worker-gone")
		return
	}
	r.finish()
	if n.cfg.Bugs.Has(bugs.DropRelay) {
		return
	}
	n.sendReply(m.Call, m.Code, m.Result, &m.Peer, m.Hops)
	if n.cfg.Bugs.Has(bugs.RelayTwice) {
		n.sendReply(m.Call, m.Code, m.Result, &m.Peer, m.Hops)
	}
}

// workerTimeout is r's riak worker giving up: it answers the caller timeout and
// retires (its timer stopped, unless it is the one that fired). At its timer the
// peer lives on, and its first answer, if a Forward, still goes to the leader
// (Request.expired); when its peer is gone (RemovePeer, a process that died), every
// later answer is a dead process's and goes nowhere.
func (n *Node) workerTimeout(r *Request, peerGone bool) {
	r.expired = !r.done && !peerGone // unanswered: a first answer may yet be a Forward
	r.finish()
	n.stats.Workers++
	if ev := n.event(EvWorker); ev != nil {
		ev.Call = r.call
		n.cfg.Tracer.Trace(ev)
		ev.Kind = 0
	}
	n.sendReply(r.call, CodeTimeout, nil, &r.peer, r.hops)
}

func (n *Node) now() time.Duration { return n.cfg.Clock.Now() }

func (n *Node) riak() bool { return n.cfg.Semantics == Riak }

// event starts the event of kind k in the node's own Event and returns it for the
// caller to fill in and hand to the tracer, or returns nil when the node has no tracer
// or its tracer does not trace events of kind k (EventFilter): then no event is built
// at all. An Event is several hundred bytes; building it in place and passing a
// pointer spares copying it on every decision.
//
// Between events the node's Event is clean: Kind and every field but Node (set once, in
// New) and Call are zero. The caller sets every field k uses (see Event) but Node, zero
// or not (EvLearn's builder zeroes Call), and once the tracer returns it zeroes again
// what it set but Call, and Kind: each builder knows which fields those are, so no event
// pays for finding out which fields the one before it set. (The interaction scripts and
// the model test check that the event is clean after every step: EventLeftover.)
func (n *Node) event(k EventKind) *Event {
	if n.traced&(1<<k) == 0 {
		return nil
	}
	n.ev.Kind = k
	return &n.ev
}

// traceDrop traces a dropped request of call (zero for a cast) at router instance
// instance (-1 when not at one), if the node has a tracer.
func (n *Node) traceDrop(call CallID, reason string, instance int) {
	if ev := n.event(EvDrop); ev != nil {
		ev.Call = call
		ev.Reason = reason
		ev.Instance = instance
		n.cfg.Tracer.Trace(ev)
		ev.Kind, ev.Reason, ev.Instance = 0, "", 0
	}
}

// outgoing returns the node's own Message of kind k, for the caller to build the
// message it sends in, with send: the caller sets every field kind k uses, zero or not
// (see Message). The Transport only reads it during Send, and neither it nor the
// tracer calls back into the node, so one Message of each kind serves every send: a
// message built on the stack would escape to the heap through the Transport, one
// allocation per send. One of each kind, each set up once in New with its Kind and the
// node's ID as its From (nothing else writes them): a message only ever holds the
// fields its kind uses, so a send has nothing to clear of the message sent before it,
// even when that was of another kind.
func (n *Node) outgoing(k Kind) *Message { return &n.out[k-1] }

// send hands m, built in n.outgoing(), to the transport; it traces both outcomes. The
// sender is stamped once for all, in New: nothing but New writes the From of the
// node's outgoing message. sendRoute and sendReply, which send nearly every message,
// write it out: they call the transport themselves and sent only when there is more
// to do.
func (n *Node) send(to NodeID, m *Message) error {
	return n.sent(to, m, n.cfg.Transport.Send(to, m))
}

// sent is what send does once the transport took m (err nil) or refused it: it counts
// and traces the outcome, and returns err.
func (n *Node) sent(to NodeID, m *Message, err error) error {
	if err != nil {
		n.stats.Unreached++
		if ev := n.event(EvSendFail); ev != nil {
			ev.Call = m.Call
			ev.To = to
			ev.Msg = m
			ev.Err = err
			n.cfg.Tracer.Trace(ev)
			ev.Kind, ev.Msg, ev.To, ev.Err = 0, nil, "", nil
		}
		return err
	}
	if ev := n.event(EvSend); ev != nil {
		ev.Call = m.Call
		ev.To = to
		ev.Msg = m
		n.cfg.Tracer.Trace(ev)
		ev.Kind, ev.Msg, ev.To = 0, nil, ""
	}
	return nil
}

// remaining charges the time since arrived against budget. A clock stepped back
// since arrived charges nothing: a budget never grows. It is written to be inlined
// (routeAt, peerAt).
func (n *Node) remaining(budget, arrived time.Duration) time.Duration {
	if budget != Infinity && n.cfg.Semantics != Riak {
		wait := n.cfg.Clock.Now() - arrived
		if !n.cfg.Bugs.Has(bugs.UnclampedWait) {
			wait = max(wait, 0)
		}
		budget -= wait
	}
	return budget
}
