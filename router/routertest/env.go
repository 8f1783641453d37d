package routertest

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/ensroute/ensroute/internal/bugs"
	"github.com/ensroute/ensroute/router"
)

// Config shapes an Env.
type Config struct {
	Semantics router.Semantics
	Routers   int // router instances per node; default 3 (small, so scripts stay readable)
	HopLimit  int // default router.DefaultHopLimit
	Bugs      bugs.Set
}

// Env is a hand-driven cluster of router nodes. Every message sent is parked in a list
// of flights that the test delivers, drops, duplicates or reorders by hand; time moves
// only when the test advances it. It is deterministic and single-threaded.
type Env struct {
	cfg     Config
	now     time.Duration
	nodes   map[router.NodeID]*node
	order   []router.NodeID
	flights []*Flight
	nextID  int
	timers  []*timer
	tseq    uint64
	log     []string
	held    []*Held
	// answered: the requests Answer took out of held, which it may answer again.
	answered []*Held
	results  map[router.CallID][]router.Result
}

// Flight is a message in flight, or one that arrived and waits in a router instance's
// mailbox.
type Flight struct {
	ID      int
	From    router.NodeID
	To      router.NodeID
	Msg     router.Message
	Arrived time.Duration // valid when Queued
	Queued  bool          // arrived, waiting in the mailbox of instance Msg.Instance
}

// String renders the flight as scripts show it.
func (f *Flight) String() string {
	s := fmt.Sprintf("#%d %s->%s %s", f.ID, f.From, f.To, f.Msg)
	if f.Queued {
		s += fmt.Sprintf(" (queued since %s)", f.Arrived)
	}
	return s
}

// Held is a request a hanging peer has not answered yet.
type Held struct {
	ID  int
	Req *router.Request
}

type node struct {
	id         router.NodeID
	inc        router.Incarnation
	n          *router.Node
	down       map[router.NodeID]bool // destinations this node cannot reach
	reconnects []router.NodeID
	peers      map[string]*Mode
}

type timer struct {
	at        time.Duration
	seq       uint64
	node      router.NodeID
	inc       router.Incarnation
	t         router.Timer
	cancelled bool
}

// New returns an empty Env.
func New(cfg Config) *Env {
	if cfg.Routers == 0 {
		cfg.Routers = 3
	}
	return &Env{cfg: cfg, nodes: make(map[router.NodeID]*node), results: make(map[router.CallID][]router.Result), nextID: 1}
}

// Now is the virtual time.
func (e *Env) Now() time.Duration { return e.now }

// AddNode adds a node with incarnation 1 and an empty directory.
func (e *Env) AddNode(id router.NodeID) (*router.Node, error) {
	if _, ok := e.nodes[id]; ok {
		return nil, fmt.Errorf("node %s exists", id)
	}
	nd := &node{id: id, inc: 1, down: make(map[router.NodeID]bool), peers: make(map[string]*Mode)}
	e.nodes[id] = nd
	e.order = append(e.order, id)
	return e.start(nd, nil)
}

func (e *Env) start(nd *node, dir *router.Directory) (*router.Node, error) {
	n, err := router.New(router.Config{
		ID:          nd.id,
		Incarnation: nd.inc,
		Semantics:   e.cfg.Semantics,
		Routers:     e.cfg.Routers,
		HopLimit:    e.cfg.HopLimit,
		Clock:       clock{e, nd.id, nd.inc},
		Transport:   transport{e, nd},
		Rand:        rand.New(rand.NewPCG(uint64(len(nd.id)), uint64(nd.inc))),
		Directory:   dir,
		Tracer:      tracer{e},
		Bugs:        e.cfg.Bugs,
	})
	if err != nil {
		return nil, err
	}
	nd.n = n
	return n, nil
}

// Node returns the router of id, or nil.
func (e *Env) Node(id router.NodeID) *router.Node {
	if nd, ok := e.nodes[id]; ok {
		return nd.n
	}
	return nil
}

// Nodes lists the node ids in the order they were added.
func (e *Env) Nodes() []router.NodeID { return append([]router.NodeID(nil), e.order...) }

// Restart crashes node id and starts its next incarnation: its pending calls, timers,
// held requests and queued messages are gone; its peers come back in the same modes; its
// directory is the one it had (keepDir) or empty.
func (e *Env) Restart(id router.NodeID, keepDir bool) error {
	nd, ok := e.nodes[id]
	if !ok {
		return fmt.Errorf("unknown node %s", id)
	}
	var dir *router.Directory
	if keepDir {
		dir = router.NewDirectory(nd.n.Directory().Entries())
	}
	for _, t := range e.timers {
		if t.node == id {
			t.cancelled = true
		}
	}
	kept := e.flights[:0]
	for _, f := range e.flights {
		if !(f.Queued && f.To == id) {
			kept = append(kept, f)
		}
	}
	e.flights = kept
	keptHeld := e.held[:0]
	for _, h := range e.held {
		if h.Req.Peer().Node != id {
			keptHeld = append(keptHeld, h)
		}
	}
	e.held = keptHeld
	nd.inc++
	if _, err := e.start(nd, dir); err != nil {
		return err
	}
	e.logf("%s: restarted as incarnation %d", id, nd.inc)
	for _, name := range sortedKeys(nd.peers) {
		if err := e.attach(nd, nd.peers[name].Ref); err != nil {
			return err
		}
	}
	return nil
}

// Disconnect makes sends from one node to another fail with ErrUnreachable (the
// transport starts a reconnect, which succeeds once Connect is called).
func (e *Env) Disconnect(from, to router.NodeID) { e.nodes[from].down[to] = true }

// Connect undoes Disconnect.
func (e *Env) Connect(from, to router.NodeID) {
	delete(e.nodes[from].down, to)
	e.logf("%s: connected ->%s", from, to)
}

// Flights returns the messages in flight or queued, in the order they were sent.
func (e *Env) Flights() []*Flight { return e.flights }

// Held returns the requests hanging peers have not answered.
func (e *Env) Held() []*Held { return e.held }

// Results returns every completion of call id, in order. Exactly-once means len 1.
func (e *Env) Results(id router.CallID) []router.Result { return e.results[id] }

// Calls returns every call id that completed at least once, sorted.
func (e *Env) Calls() []router.CallID {
	out := make([]router.CallID, 0, len(e.results))
	for id := range e.results {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		if a.Incarnation != b.Incarnation {
			return a.Incarnation < b.Incarnation
		}
		return a.Seq < b.Seq
	})
	return out
}

// TakeLog returns the trace lines written since the last call.
func (e *Env) TakeLog() []string {
	l := e.log
	e.log = nil
	return l
}

func (e *Env) logf(format string, args ...any) {
	e.log = append(e.log, fmt.Sprintf(format, args...))
}

// Call starts a call on node from and records its completions.
func (e *Env) Call(from router.NodeID, t router.Target, event string, timeout time.Duration) (router.CallID, error) {
	nd, ok := e.nodes[from]
	if !ok {
		return router.CallID{}, fmt.Errorf("unknown node %s", from)
	}
	var id router.CallID
	id, err := nd.n.Call(t, []byte(event), timeout, func(r router.Result) {
		e.results[r.Call] = append(e.results[r.Call], r)
	})
	return id, err
}

// find returns the flight with the given id.
func (e *Env) find(id int) (int, *Flight, error) {
	for i, f := range e.flights {
		if f.ID == id {
			return i, f, nil
		}
	}
	return 0, nil, fmt.Errorf("no flight #%d", id)
}

// Deliver hands flight id to its destination: replies, peer messages and gossip go to
// the node at once; route and cast messages arrive in their router instance's mailbox
// and are served at once (use Arrive and Serve to make them wait).
func (e *Env) Deliver(id int) error {
	if err := e.Arrive(id); err != nil {
		return err
	}
	if _, f, err := e.find(id); err == nil && f.Queued {
		return e.serve(f)
	}
	return nil
}

// Arrive lands flight id at its destination. A queued kind waits in the mailbox of
// its router instance until Serve; other kinds are handled at once.
func (e *Env) Arrive(id int) error {
	i, f, err := e.find(id)
	if err != nil {
		return err
	}
	if f.Queued {
		return fmt.Errorf("flight #%d already arrived", id)
	}
	if f.Msg.Kind.Queued() {
		f.Queued = true
		f.Arrived = e.now
		e.logf("arrive %s", f)
		return nil
	}
	e.flights = append(e.flights[:i], e.flights[i+1:]...)
	e.logf("deliver %s", f)
	e.nodes[f.To].n.Deliver(&f.Msg, e.now)
	return nil
}

// DeliverArrivedAt lands flight id, a kind handled at once (not a route or cast), as
// a node that was paused hands over what reached it meanwhile: the message arrived at
// time at, no later than now, and is handled now. A node charges a request's budget
// with the time since it arrived.
func (e *Env) DeliverArrivedAt(id int, at time.Duration) error {
	i, f, err := e.find(id)
	if err != nil {
		return err
	}
	if f.Msg.Kind.Queued() {
		return fmt.Errorf("flight #%d is a %s message: it waits in a mailbox (arrive, then serve)", id, f.Msg.Kind)
	}
	if at < 0 || at > e.now {
		return fmt.Errorf("flight #%d cannot have arrived at %s: now is %s", id, at, e.now)
	}
	e.flights = append(e.flights[:i], e.flights[i+1:]...)
	e.logf("deliver %s (arrived at %s)", f, at)
	e.nodes[f.To].n.Deliver(&f.Msg, at)
	return nil
}

// Serve lets router instance r of node id handle the oldest message in its mailbox.
func (e *Env) Serve(id router.NodeID, r int) error {
	for _, f := range e.flights {
		if f.Queued && f.To == id && f.Msg.Instance == r {
			return e.serve(f)
		}
	}
	return fmt.Errorf("mailbox %s/r%d is empty", id, r)
}

func (e *Env) serve(f *Flight) error {
	i, _, err := e.find(f.ID)
	if err != nil {
		return err
	}
	e.flights = append(e.flights[:i], e.flights[i+1:]...)
	e.logf("serve %s", f)
	e.nodes[f.To].n.Deliver(&f.Msg, f.Arrived)
	return nil
}

// DeliverAll delivers every flight, including those sent meanwhile, until none is left
// or limit deliveries were made.
func (e *Env) DeliverAll(limit int) (int, error) {
	n := 0
	for len(e.flights) > 0 && n < limit {
		f := e.flights[0]
		var err error
		if f.Queued {
			err = e.serve(f)
		} else {
			err = e.Deliver(f.ID)
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Shed refuses flight id, a route or cast message, as a driver whose router-instance
// mailbox is full does: the destination node is told with Node.Shed.
func (e *Env) Shed(id int) error {
	i, f, err := e.find(id)
	if err != nil {
		return err
	}
	if !f.Msg.Kind.Queued() || f.Queued {
		return fmt.Errorf("flight #%d is not a route or cast message in flight", id)
	}
	e.flights = append(e.flights[:i], e.flights[i+1:]...)
	e.logf("shed %s", f)
	e.nodes[f.To].n.Shed(f.Msg)
	return nil
}

// Drop loses flight id.
func (e *Env) Drop(id int) error {
	i, f, err := e.find(id)
	if err != nil {
		return err
	}
	e.flights = append(e.flights[:i], e.flights[i+1:]...)
	e.logf("drop %s", f)
	return nil
}

// Dup puts a copy of flight id in flight, with a new id.
func (e *Env) Dup(id int) (int, error) {
	_, f, err := e.find(id)
	if err != nil {
		return 0, err
	}
	c := &Flight{ID: e.nextID, From: f.From, To: f.To, Msg: f.Msg}
	e.nextID++
	e.flights = append(e.flights, c)
	e.logf("dup %s", c)
	return c.ID, nil
}

// Advance moves time forward by d, firing due timers in (time, scheduling) order.
func (e *Env) Advance(d time.Duration) {
	end := e.now + d
	for {
		t := e.nextTimer(end)
		if t == nil {
			break
		}
		e.now = t.at
		t.cancelled = true
		nd := e.nodes[t.node]
		if nd.inc != t.inc {
			continue
		}
		e.logf("fire %s %s", t.node, t.t)
		nd.n.Fire(t.t)
	}
	e.now = end
	e.compactTimers()
}

func (e *Env) nextTimer(end time.Duration) *timer {
	var best *timer
	for _, t := range e.timers {
		if t.cancelled || t.at > end {
			continue
		}
		if best == nil || t.at < best.at || (t.at == best.at && t.seq < best.seq) {
			best = t
		}
	}
	return best
}

func (e *Env) compactTimers() {
	kept := e.timers[:0]
	for _, t := range e.timers {
		if !t.cancelled {
			kept = append(kept, t)
		}
	}
	e.timers = kept
}

// Timers returns the armed timers as text, in firing order.
func (e *Env) Timers() []string {
	ts := make([]*timer, 0, len(e.timers))
	for _, t := range e.timers {
		if !t.cancelled {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].at != ts[j].at {
			return ts[i].at < ts[j].at
		}
		return ts[i].seq < ts[j].seq
	})
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = fmt.Sprintf("%s at %s: %s", t.node, t.at, t.t)
	}
	return out
}

type clock struct {
	e    *Env
	node router.NodeID
	inc  router.Incarnation
}

func (c clock) Now() time.Duration { return c.e.now }

// After arms a timer; its id is its scheduling sequence number, never reused.
func (c clock) After(d time.Duration, t router.Timer) router.TimerID {
	c.e.tseq++
	tm := &timer{at: c.e.now + d, seq: c.e.tseq, node: c.node, inc: c.inc, t: t}
	c.e.timers = append(c.e.timers, tm)
	return router.TimerID(tm.seq)
}

func (c clock) Stop(id router.TimerID) {
	for _, tm := range c.e.timers {
		if router.TimerID(tm.seq) == id {
			tm.cancelled = true
		}
	}
}

type transport struct {
	e  *Env
	nd *node
}

func (t transport) Send(to router.NodeID, m *router.Message) error {
	if err := CheckMessage(m); err != nil {
		// No script expects this line, so the script shows the broken promise.
		t.e.logf("%s: bad message: %v", t.nd.id, err)
	}
	if _, ok := t.e.nodes[to]; !ok || t.nd.down[to] {
		t.nd.reconnects = append(t.nd.reconnects, to)
		t.e.logf("%s: reconnect ->%s started", t.nd.id, to)
		return router.ErrUnreachable
	}
	f := &Flight{ID: t.e.nextID, From: t.nd.id, To: to, Msg: *m}
	t.e.nextID++
	t.e.flights = append(t.e.flights, f)
	return nil
}

type tracer struct{ e *Env }

func (t tracer) Trace(ev *router.Event) {
	if err := CheckEvent(ev); err != nil {
		// No script expects this line, so the script shows the broken promise.
		t.e.logf("%s: bad event: %v", ev.Node, err)
	}
	switch ev.Kind {
	case router.EvSend:
		// The transport parked the message as the newest flight just before this event.
		t.e.logf("%s: send #%d ->%s %s", ev.Node, t.e.nextID-1, ev.To, *ev.Msg)
		Scribble(ev.Msg) // the node is done with it: see Scribble
		return
	case router.EvSendFail:
		t.e.logf("%s", ev)
		Scribble(ev.Msg)
		return
	case router.EvReplyHere:
		// Not shown: what the node does with the reply (complete, late, redirect)
		// is, in the same turn.
		return
	}
	t.e.logf("%s", ev)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
