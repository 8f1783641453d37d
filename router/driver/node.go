package driver

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensroute/ensroute/router"
)

// Node runs one node of a cluster in production: Config.Shards router cores (see
// the package documentation for why), Config.Routers router instances as goroutines
// with bounded mailboxes, blocking calls, and directory gossip. It is safe for
// concurrent use. Close stops it; Stop stops it and its transport gracefully.
type Node struct {
	cfg    Config
	log    *slog.Logger
	epoch  time.Time
	shards []*shard
	boxes  []chan inbound
	// taken counts, by router instance, the requests for local peers that the
	// instance has taken from its mailbox and not yet handed to their peer: a batch
	// is handed over one request after another, so behind a peer whose Handle is
	// slow the rest of the batch waits here, not in the mailbox (Stats.Mailboxes).
	taken []atomic.Int64

	learnMu sync.Mutex                   // one Learn at a time, so every shard sees the same order
	peersMu sync.Mutex                   // one AddPeer or RemovePeer at a time, for the same reason
	warned  map[router.EnsembleID]uint64 // the last conflicting version logged, by ensemble (under learnMu)
	members map[router.NodeID]bool       // Config.Members: the nodes whose gossip is taken
	refused senders                      // the senders of refused gossip logged already
	odd     senders                      // the senders of routes to an instance this node lacks, logged already

	// configured holds Config.Directory's entries (under learnMu) until Learn
	// replaces them, so that its log can say a leader replaced was only configured.
	configured map[router.EnsembleID]router.Entry

	// ensembles are a copy of Config.Ensembles; nil if it is nil (every entry taken).
	ensembles map[router.EnsembleID][]router.NodeID
	// recvMu orders Receive's mailbox sends before Close: once Close holds it, no
	// route is on its way into a mailbox, and every later one sees closed.
	recvMu  sync.RWMutex
	waiters sync.Pool // of *waiter

	done      chan struct{}
	closed    atomic.Bool
	timersOff atomic.Bool // Close is past waiting for riak relays: worker timers do nothing
	closeOnce sync.Once
	stopping  atomic.Bool   // Stop has begun: its one run
	stopped   chan struct{} // closed when Stop's run has ended
	stopErr   error         // what Stop's run returned (written before stopped closes)
	wg        sync.WaitGroup
	stats     counters
	// loopWarned is when a request in a loop was last warned of (now; 0: never).
	loopWarned atomic.Int64
}

// inbound is a route or cast waiting in a router instance's mailbox.
type inbound struct {
	m       router.Message
	arrived time.Duration
}

// New returns a started node for cfg, with defaults filled in: its router instances
// and, if it has Members, its anti-entropy run until Close.
func New(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	n := &Node{cfg: cfg, log: cfg.Logger.With("node", string(cfg.ID)), epoch: time.Now(), done: make(chan struct{}), stopped: make(chan struct{})}
	n.waiters.New = n.newWaiter
	n.members = make(map[router.NodeID]bool, len(cfg.Members))
	for _, m := range cfg.Members {
		n.members[m] = true
	}
	if len(cfg.Directory) > 0 {
		n.configured = make(map[router.EnsembleID]router.Entry, len(cfg.Directory))
		for _, e := range cfg.Directory {
			// The newest version of an ensemble's entries is the one its core
			// keeps, whatever their order.
			if had, ok := n.configured[e.Ensemble]; !ok || e.Version > had.Version {
				n.configured[e.Ensemble] = e
			}
		}
	}
	if cfg.Ensembles != nil {
		n.ensembles = make(map[router.EnsembleID][]router.NodeID, len(cfg.Ensembles))
		for e, nodes := range cfg.Ensembles {
			n.ensembles[e] = slices.Clone(nodes)
		}
	}
	for i := range cfg.Shards {
		s := &shard{n: n, idx: i, pinned: -1}
		core, err := router.New(router.Config{
			ID: cfg.ID, Incarnation: cfg.Incarnation, Semantics: cfg.Semantics, Routers: cfg.Routers,
			HopLimit: cfg.HopLimit, Shards: cfg.Shards, Shard: i,
			Clock: clock{s}, Transport: transport{s}, Rand: newRand(),
			Directory: router.NewDirectory(cfg.Directory),
		})
		if err != nil {
			// Validate refuses what the core does; this is for a check it lacks.
			return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
		s.core = core
		n.shards = append(n.shards, s)
	}
	n.boxes = make([]chan inbound, cfg.Routers)
	n.taken = make([]atomic.Int64, cfg.Routers)
	for i := range n.boxes {
		n.boxes[i] = make(chan inbound, cfg.Mailbox)
		n.spawn(func() { n.instance(i) })
	}
	if len(cfg.Members) > 0 {
		n.spawn(n.antiEntropy)
	}
	return n, nil
}

func (n *Node) spawn(fn func()) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		fn()
	}()
}

// ID returns the node's id.
func (n *Node) ID() router.NodeID { return n.cfg.ID }

// Incarnation returns the node's incarnation.
func (n *Node) Incarnation() router.Incarnation { return n.cfg.Incarnation }

func (n *Node) now() time.Duration { return time.Since(n.epoch) }

func (n *Node) isClosed() bool { return n.closed.Load() }

// shardOfInstance is the shard whose core router instance i runs on.
func (n *Node) shardOfInstance(i int) *shard { return n.shards[i%len(n.shards)] }

// anyShard picks a shard at random (no shared counter to contend on).
func (n *Node) anyShard() *shard { return n.shards[rand.Uint32()%uint32(len(n.shards))] }

// AddPeer makes p reachable as ref, which must live on this node and name an
// ensemble and a peer; adding a peer under a ref already added replaces it (under
// riak, as a new process replaces one that died: the old peer is removed, see
// RemovePeer). It
// returns ErrBadConfig (with router.ErrBadConfig) for a nil p (a nil interface, or a
// nil pointer or function in one) or a bad ref, and ErrClosed after Close.
func (n *Node) AddPeer(ref router.PeerRef, p Peer) error {
	if p == nil || isNil(p) {
		// The core checks too, but it is handed the adapter, which is never nil.
		return fmt.Errorf("%w: %w: peer %s is nil", ErrBadConfig, router.ErrBadConfig, ref)
	}
	if n.isClosed() {
		return ErrClosed
	}
	if err := n.everyShard(func(s *shard) error { return s.core.AddPeer(ref, adapter{s: s, p: p}) }); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err) // the core refuses only a bad ref
	}
	return nil
}

// everyShard runs op in a turn of each shard, one change of the peers at a time
// (peersMu): two changes of one ref at once would otherwise pass each other between
// shards, and leave some shards with one peer for the ref and some with the other. It
// stops at op's first error. What the turns hand over (replies to calls, requests to
// peers) is handed over once peersMu is released, since a peer's Handle may itself
// add or remove a peer.
func (n *Node) everyShard(op func(s *shard) error) error {
	var err error
	var self []router.Message
	var h []handed
	n.peersMu.Lock()
	for _, s := range n.shards {
		s.lock()
		err = op(s)
		self, h = append(self, take(&s.self, nil)...), append(h, take(&s.handed, nil)...)
		s.release()
		if err != nil {
			break
		}
	}
	n.peersMu.Unlock()
	n.handOver(self, h, nil)
	return err
}

// isNil reports whether x, a Peer or a Transport, holds a nil pointer or function (a
// (*T)(nil), a nil PeerFunc), which would panic when first used, on a router goroutine.
func isNil(x any) bool {
	switch v := reflect.ValueOf(x); v.Kind() {
	case reflect.Pointer, reflect.Func:
		return v.IsNil()
	}
	return false
}

// RemovePeer makes ref unreachable on this node, as when its process has stopped:
// requests that name it from now on fail, under default semantics at once (a
// peer-target call with router.ErrUnreachable, an ensemble call whose leader it was
// with router.ErrNotLeader), under riak as the original's do (router.ErrTimeout).
// Requests it was handed already are its own to answer under default semantics;
// under riak the leader hop's workers waiting for it answer timeout at once, as the
// original's worker sees its peer die, and what the peer does with any request it
// was handed (a reply, a nack, a forward) is ignored, as a dead process's would go
// nowhere. Removing a ref that was never added does nothing.
func (n *Node) RemovePeer(ref router.PeerRef) {
	_ = n.everyShard(func(s *shard) error {
		s.core.RemovePeer(ref)
		return nil
	})
}

// Receive hands the node a message from another node; the transport calls it on its
// reader goroutine. It never blocks on a router instance: routes and casts go to the
// mailbox of the instance they name, and one that is full (or a closed node) sheds
// them (the caller gets router.ErrOverloaded); replies complete their call under the
// lock of the shard that owns it, and only that shard's. Gossip is learned only from
// Config.Members, and only its well-formed entries.
func (n *Node) Receive(m router.Message) {
	switch m.Kind {
	case router.KindRoute, router.KindCast:
		n.recvMu.RLock()
		defer n.recvMu.RUnlock()
		if n.isClosed() {
			// A closing node takes no new work: the caller learns at once.
			n.stats.shed.Add(1)
			s := n.shardOfInstance(max(m.Instance, 0) % len(n.boxes))
			s.lock()
			s.core.Shed(m)
			s.unlock()
			return
		}
		n.arrived(&m)
		if m.Instance < 0 || m.Instance >= len(n.boxes) {
			// The sender runs more router instances than this node (a client
			// configured with another count): fold its pick onto ours rather than
			// drop the request and leave its caller waiting out its whole deadline.
			n.stats.badInstance.Add(1)
			n.badInstance(m.From, m.Instance)
			m.Instance = (m.Instance%len(n.boxes) + len(n.boxes)) % len(n.boxes)
		}
		select {
		case n.boxes[m.Instance] <- inbound{m: m, arrived: n.now()}:
		default:
			n.stats.shed.Add(1)
			s := n.shardOfInstance(m.Instance)
			s.lock()
			s.core.Shed(m)
			s.unlock()
		}
	case router.KindReply:
		n.deliverReply(m)
	case router.KindPeer:
		s := n.anyShard()
		if n.isClosed() {
			// As for a route: the caller learns at once rather than at its deadline.
			n.stats.shed.Add(1)
			s.lock()
			s.core.Shed(m)
			s.unlock()
			return
		}
		n.arrived(&m)
		s.lock()
		s.core.Deliver(&m, n.now())
		s.unlock()
	case router.KindGossip:
		if n.isClosed() {
			return
		}
		n.stats.gossipIn.Add(1)
		n.learnGossip(&m)
	}
}

// deliverReply hands a reply to the shard that started its call (any shard counts a
// reply for another node as late), or under riak a leader's answer to the shard of
// the worker it answers. The clock is read as the reply comes, before the
// shard's lock: a reply that comes after its call's deadline times the call out,
// though the caller's goroutine has not yet had the turn in which it fires the
// deadline itself.
func (n *Node) deliverReply(m router.Message) {
	s := n.shards[0]
	switch {
	case m.Worker != 0: // a leader's answer to a riak worker here, which relays it
		s = n.shards[router.ShardOfWorker(m.Worker, len(n.shards))]
	case m.Call.Node == n.cfg.ID:
		s = n.shards[router.ShardOf(m.Call, len(n.shards))]
	}
	now := n.now()
	s.lock()
	s.core.Deliver(&m, now)
	s.unlock()
}

// instance is router instance i: it drains its mailbox in batches, one turn of its
// shard per batch.
func (n *Node) instance(i int) {
	box := n.boxes[i]
	s := n.shardOfInstance(i)
	taken := &n.taken[i]
	for {
		var in inbound
		select {
		case in = <-box:
		case <-n.done:
			// What the mailbox took before Close is answered.
			for {
				select {
				case in = <-box:
					s.lock()
					s.deliverAt(in)
					s.unlockCounting(taken)
				default:
					return
				}
			}
		}
		s.lock()
		s.deliverAt(in)
	batch:
		for range 63 {
			select {
			case in = <-box:
				s.deliverAt(in)
			default:
				break batch
			}
		}
		s.unlockCounting(taken)
	}
}

// deliverAt delivers a route or cast from the mailbox under s's lock, with the clock
// read once for it: the core charges its wait against the budget and stamps its
// hand-over to a local peer at the same instant.
func (s *shard) deliverAt(in inbound) {
	s.pin(s.n.now())
	s.core.Deliver(&in.m, in.arrived)
	s.unpin()
}

// Close stops the router instances and anti-entropy and waits for them. The routes
// and casts already in the mailboxes are delivered first (to a peer on this node by
// its Handle, on the router instance: Close takes as long as those Handles do, and a
// program that must stop in bounded time runs it on a goroutine of its own, as
// ensnode does, or calls Stop with a deadline); a route, cast or peer event that
// arrives after Close is shed (under default semantics its caller gets router.ErrOverloaded at once; under riak it waits
// out its deadline, as in the original), and a reply still completes its call. Calls
// still waiting end by their replies or deadlines (their contexts', or CallTimeout's
// own; a peer-target call with neither ends only by its reply or its context's
// cancellation, see Call); new calls fail with ErrClosed. Under riak, Close also
// waits for the leader hop's workers whose follower forwarded its request, until the
// leader's answer comes and they relay it, or their timers answer timeout: the
// answers are on their way to this node, and a node that stopped before they came
// would leave their callers to wait out their deadlines. It waits at most RelayWait
// for them; those still waiting then answer timeout at once. It is idempotent.
//
// After Close, AddPeer, Call and Cast fail with ErrClosed, and gossip received is
// ignored; Learn and Announce still apply entries (Lookup and Entries show them),
// and Announce still pushes them to the members while the transport is open.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.recvMu.Lock()
		n.closed.Store(true)
		n.recvMu.Unlock()
		close(n.done)
	})
	n.wg.Wait()
	n.awaitRelays()
	n.timersOff.Store(true)
	for _, s := range n.shards {
		s.stopTimers()
	}
	return nil
}

// relayPoll is how often Close looks again for riak workers still relaying.
const relayPoll = time.Millisecond

// RelayWait bounds Close's wait, under riak, for the leaders' answers its workers are
// to relay: a call's timeout may be long, and a leader may never answer.
const RelayWait = 2 * time.Second

// awaitRelays waits until no shard's core has a riak worker waiting for a leader's
// answer to relay (router.Node.Relaying): each goes when the answer comes, or at its
// timer, or after RelayWait, when those left give up (router.Node.GiveUpRelays).
func (n *Node) awaitRelays() {
	giveUp := time.Now().Add(RelayWait)
	for {
		waiting := 0
		for _, s := range n.shards {
			s.lock()
			waiting += s.core.Relaying()
			s.unlock()
		}
		if waiting == 0 {
			return
		}
		if !time.Now().Before(giveUp) {
			for _, s := range n.shards {
				s.lock()
				s.core.GiveUpRelays()
				s.unlock()
			}
			return
		}
		time.Sleep(relayPoll)
	}
}

// badInstance logs, once per sender, a route or cast from node from that named router
// instance i, which this node does not run: the nodes' router counts differ.
func (n *Node) badInstance(from router.NodeID, i int) {
	if !n.odd.first(from) {
		return
	}
	n.log.Warn("a route named a router instance this node does not run: the nodes' router counts differ (--routers should be the same on every node and client); folded onto one it runs (logged once per sender; Stats.BadInstance counts every one)",
		"from", string(from), "instance", i, "routers", len(n.boxes))
}

// senders remembers the nodes something was logged for, so that it is logged once
// per sender however often the sender does it again. It remembers the last
// maxSenders of them: clients take a new id at every start, and a node that runs for
// months must not keep one entry for each. A sender forgotten is logged again.
type senders struct {
	mu    sync.Mutex
	seen  map[router.NodeID]bool
	order []router.NodeID // the senders in seen, oldest at next once full
	next  int
}

// maxSenders bounds what a senders remembers.
const maxSenders = 256

// first reports whether from is new, and remembers it.
func (s *senders) first(from router.NodeID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[from] {
		return false
	}
	if s.seen == nil {
		s.seen = make(map[router.NodeID]bool)
	}
	if len(s.order) < maxSenders {
		s.order = append(s.order, from)
	} else {
		delete(s.seen, s.order[s.next])
		s.order[s.next] = from
		s.next = (s.next + 1) % maxSenders
	}
	s.seen[from] = true
	return true
}
