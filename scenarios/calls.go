package scenarios

import (
	"errors"
	"time"

	"github.com/ensroute/ensroute/internal/samestr"
	"github.com/ensroute/ensroute/router"
)

// callRec is what the checker keeps of one workload call for the whole run. It holds
// no pointer: nodes and ensembles are indexes into the world's tables, the error of
// the first completion is a class and a code, and what only an open call needs (its
// event, what it was delivered to) lives in an openCall slot that is given back when
// the call completes. So the records, a million of them at scale, are memory the
// garbage collector never scans, and filling them in stores no pointer.
type callRec struct {
	seq       uint64             // the id's sequence number (seq 0: no EvCall yet)
	idInc     router.Incarnation // the id's incarnation (the reused-id bug makes it 0)
	inc       router.Incarnation // the caller's incarnation
	node      int32              // the caller, an index into wd.order and wd.byIdx
	ens       int32              // the target, an index into wd.eord and wd.ensBy
	open      int32              // 1 + its slot in checker.open while open, else 0
	transfers int32
	// outstanding counts requests sent and not yet handed.
	outstanding int32
	completions int32
	start       time.Duration // on the caller's clock
	deadline    time.Duration // on the caller's clock
	startGlobal time.Duration
	endGlobal   time.Duration // when the call first completed, in virtual time
	latency     time.Duration
	// workFrom and workTo are the first stretch of service a leader spent on the
	// call's event (working), if worked; the checker's work holds the others.
	workFrom, workTo time.Duration
	class            errClass    // the first completion's error, as the report counts it
	code             router.Code // the first completion's error, as the outcome names it
	named            bool        // the router's EvCall named the call's id
	hopFlagged       bool
	redirected       bool // the caller's node redirected the call once (default: at most once)
	duplicated       bool // a request of this call was duplicated: transfers are not a chain
	lost             bool // the caller crashed first
	live             bool // liveness applies
	worked           bool
	// inFlight: the call timed out while a request of it had not reached a router
	// yet (lost, slow on the way, or queued), which a liveness failure points out.
	inFlight bool
}

// openCall is what the checker needs of a call only until its first completion.
type openCall struct {
	call  int32  // 1 + the call's index in checker.calls; 0 for a free slot
	event []byte // the call's event, shared with the router: never modified
	// delivered are the peers the call's event was delivered to: the first n0 (0 or
	// 1) in deliv0, the rest in more.
	n0     int
	deliv0 router.PeerRef
	more   []router.PeerRef
	// handed holds the least hop count each node was handed a request of the call
	// with (hop-bound, default).
	handed hopTable
	// nack is 1 + the hop count of the first nack handed to the caller's node (0:
	// none yet; -1: its turn is over): a request the node sends in that turn (the
	// sim.World's event nackAt), the redirect, must count those hops (hop-bound,
	// default). A redirect to a leader on the caller's own node sends nothing.
	nack   int
	nackAt uint64
}

// hopTable holds the least hop count each node was handed a call's or a cast's
// requests with: the first few nodes in place (n of them), those after them (a
// chain as long as the hop limit allows, and copies of it) in more, which a reused
// table keeps with its room.
type hopTable struct {
	n     int
	first [4]hopsHanded
	more  []hopsHanded
}

// hopsHanded is the least hop count a node was handed a request with.
type hopsHanded struct {
	node router.NodeID
	min  int
}

// saw records that node was handed a request with hops. The first node, the only
// one of most calls, is recorded inline: there is no entry to look for.
func (t *hopTable) saw(node router.NodeID, hops int) {
	if t.n != 0 {
		t.sawAgain(node, hops)
		return
	}
	t.first[0], t.n = hopsHanded{node: node, min: hops}, 1
}

// sawAgain is saw for a table that holds a node already.
func (t *hopTable) sawAgain(node router.NodeID, hops int) {
	if h := t.of(node); h != nil {
		h.min = min(h.min, hops)
	} else if t.n < len(t.first) {
		t.first[t.n] = hopsHanded{node: node, min: hops}
		t.n++
	} else {
		t.more = append(t.more, hopsHanded{node: node, min: hops})
	}
}

// least is the least hop count node was handed a request with, if it was handed one.
// An empty table, as every call's is when its caller's node first sends it, is
// answered inline.
func (t *hopTable) least(node router.NodeID) (int, bool) {
	if t.n == 0 {
		return 0, false
	}
	return t.leastOf(node)
}

// leastOf is least for a table that holds a node.
func (t *hopTable) leastOf(node router.NodeID) (int, bool) {
	if h := t.of(node); h != nil {
		return h.min, true
	}
	return 0, false
}

// of is node's entry, nil if it has none.
func (t *hopTable) of(node router.NodeID) *hopsHanded {
	for i := range t.n {
		if h := &t.first[i]; samestr.Equal(string(h.node), string(node)) {
			return h
		}
	}
	for i := range t.more {
		if h := &t.more[i]; samestr.Equal(string(h.node), string(node)) {
			return h
		}
	}
	return nil
}

// reset empties t, keeping more's room: its nodes' names are the spec's, alive
// anyway.
func (t *hopTable) reset() { t.n, t.more = 0, t.more[:0] }

// errClass sorts a call's first error into the report's outcome counts.
type errClass uint8

const (
	classOK errClass = iota
	classTimeout
	classNoLeader
	classNotLeader
	classUnreachable
	classHopLimit
	classOverloaded
	classOther
)

// classOf sorts err as the report counts it: the first sentinel it wraps, in this
// order. It is inlined: most outcomes are successes.
func classOf(err error) errClass {
	if err == nil {
		return classOK
	}
	return classOfErr(err)
}

// classOfErr is classOf for an error.
func classOfErr(err error) errClass {
	switch {
	case errors.Is(err, router.ErrTimeout):
		return classTimeout
	case errors.Is(err, router.ErrNoLeader):
		return classNoLeader
	case errors.Is(err, router.ErrNotLeader):
		return classNotLeader
	case errors.Is(err, router.ErrUnreachable):
		return classUnreachable
	case errors.Is(err, router.ErrHopLimit):
		return classHopLimit
	case errors.Is(err, router.ErrOverloaded):
		return classOverloaded
	}
	return classOther
}

// callID is the id the router named the call with (zero before its EvCall).
func (c *checker) callID(r *callRec) router.CallID {
	if !r.named {
		return router.CallID{}
	}
	return router.CallID{Node: c.wd.order[r.node], Incarnation: r.idInc, Seq: r.seq}
}

// is reports whether r is the call the router named id.
func (c *checker) is(r *callRec, id *router.CallID) bool {
	return r.named && r.seq == id.Seq && r.idInc == id.Incarnation && samestr.Equal(string(c.wd.order[r.node]), string(id.Node))
}

// openSlot returns a free openCall slot's index.
func (c *checker) openSlot() int32 {
	if k := len(c.freeOpen); k > 0 {
		i := c.freeOpen[k-1]
		c.freeOpen = c.freeOpen[:k-1]
		return i
	}
	c.open = append(c.open, openCall{})
	return int32(len(c.open) - 1)
}

// closeOpen gives r's open slot back, once r has completed.
//
// The slot drops the event and the other peers it was delivered to, so that it keeps
// nothing of the call alive, field by field: clearing the whole slot at once costs a
// bulk write barrier over all its pointer words while the collector marks. deliv0 is
// left as it was (n0 says it is unused): its strings are the spec's names, which
// live for the run anyway.
func (c *checker) closeOpen(r *callRec) {
	if r.open == 0 {
		return
	}
	i := r.open - 1
	o := &c.open[i]
	o.call, o.event, o.more, o.n0, o.nack = 0, nil, nil, 0, 0
	o.handed.reset()
	c.freeOpen = append(c.freeOpen, i)
	r.open = 0
}

func (o *openCall) deliver(p *router.PeerRef) {
	if o.n0 == 0 {
		// Field by field, for the same reason as in closeOpen.
		o.deliv0.Ensemble, o.deliv0.Name, o.deliv0.Node, o.n0 = p.Ensemble, p.Name, p.Node, 1
		return
	}
	o.more = append(o.more, *p)
}

func (o *openCall) wasDelivered(p *router.PeerRef) bool {
	if o.n0 > 0 && samePeer(&o.deliv0, p) {
		return true
	}
	for i := range o.more {
		if samePeer(&o.more[i], p) {
			return true
		}
	}
	return false
}

// delivered lists the peers the call's event was delivered to.
func (o *openCall) delivered() []router.PeerRef {
	out := make([]router.PeerRef, 0, o.n0+len(o.more))
	if o.n0 > 0 {
		out = append(out, o.deliv0)
	}
	return append(out, o.more...)
}
