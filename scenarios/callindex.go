package scenarios

import (
	"github.com/ensroute/ensroute/internal/samestr"
	"github.com/ensroute/ensroute/router"
)

// callIndex finds the newest workload call that was issued a call id. A node numbers
// the calls of each incarnation 1, 2, 3, ..., so per node and incarnation a slice
// indexed by sequence number does what a map keyed by the whole id would, without
// hashing an id on every message or growing a map by one entry per call.
type callIndex struct {
	// nodes are the nodes' calls by name, for get; byIdx the same by the index the
	// caller gives put, so that put hashes no name.
	nodes map[router.NodeID]*nodeCalls
	byIdx []*nodeCalls
	// lastNodes remembers recently looked-up nodes, direct-mapped by a hash of the id
	// that is cheaper than the map's: most lookups then hash nothing else.
	lastNodes [recentNodes]*nodeCalls
	// calls remembers the ids last put or found, each in its place (callSlot): a
	// call in flight is looked up several times (its request sent, handed,
	// delivered, worked on), so most lookups compare one id and are done.
	calls [recentCalls]recentCall
}

const recentNodes = 64

// recentCalls is the number of places callIndex.calls has.
const recentCalls = 256

// recentCall is an id and the newest call put under it; Seq 0 marks a place unused.
type recentCall struct {
	id   router.CallID
	call int32
}

// callSlot returns id's place in callIndex.calls: its sequence number, modulo the
// places. The calls a node has in flight take different places, and calls of two
// nodes share one only when their numbers agree modulo recentCalls; reading no byte
// of the node's name keeps recent small enough to be inlined. A place is a hint: it
// holds one id, compared in full.
func callSlot(id *router.CallID) uint64 {
	return id.Seq % recentCalls
}

// nodeCalls is one node's calls, by incarnation (a node has few). last is the
// incarnation put last, nearly always the one put next: put then searches nothing.
type nodeCalls struct {
	node router.NodeID
	incs []*incCalls
	last *incCalls
}

type incCalls struct {
	inc   router.Incarnation
	calls []int32 // calls[seq-1] is 1 + the call's index into checker.calls, 0 for none
}

// recent returns the call issued id if id is in its place (callSlot), as get would,
// and false otherwise, which says nothing: the caller then asks get. It is small
// enough to be inlined, so that a call in flight, looked up several times, costs a
// comparison. It compares nodes' names by their lengths and addresses only
// (samestr.Shared), never calling: the ids of a call's messages and events all carry
// the name its EvCall carried, which put kept; a name equal but stored apart is
// left to get.
func (x *callIndex) recent(id *router.CallID) (int32, bool) {
	rc := &x.calls[callSlot(id)]
	if rc.id.Seq == id.Seq && id.Seq != 0 && rc.id.Incarnation == id.Incarnation && samestr.Shared(string(rc.id.Node), string(id.Node)) {
		return rc.call, true
	}
	return 0, false
}

// get returns the call issued id, as an index into checker.calls, and whether there
// was one; a call found takes id's place, for recent.
func (x *callIndex) get(id *router.CallID) (int32, bool) {
	if id.Seq == 0 {
		return 0, false
	}
	nc := x.node(id.Node)
	if nc == nil {
		return 0, false
	}
	for _, ic := range nc.incs {
		if ic.inc == id.Incarnation {
			if id.Seq-1 < uint64(len(ic.calls)) {
				if c := ic.calls[id.Seq-1]; c > 0 {
					rc := &x.calls[callSlot(id)]
					rc.id, rc.call = *id, c-1
					return c - 1, true
				}
			}
			return 0, false
		}
	}
	return 0, false
}

// put records call (an index into checker.calls) as the newest call issued id (an id
// issued again, as a test-only bug makes a node do, now names call). node is a
// non-negative index of id.Node: the same name always comes with the same index, and
// no other name with it.
func (x *callIndex) put(node int32, id *router.CallID, call int32) {
	if id.Seq == 0 {
		return
	}
	if int(node) >= len(x.byIdx) {
		x.byIdx = append(x.byIdx, make([]*nodeCalls, int(node)+1-len(x.byIdx))...)
	}
	nc := x.byIdx[node]
	if nc == nil {
		nc = &nodeCalls{node: id.Node}
		x.byIdx[node] = nc
		if x.nodes == nil {
			x.nodes = make(map[router.NodeID]*nodeCalls)
		}
		x.nodes[id.Node] = nc
	}
	ic := nc.last
	if ic == nil || ic.inc != id.Incarnation {
		ic = nc.incarnation(id.Incarnation)
	}
	switch n := uint64(len(ic.calls)); {
	case id.Seq == n+1: // the node's next call, as nearly always
		ic.calls = append(ic.calls, call+1)
	case id.Seq <= n:
		ic.calls[id.Seq-1] = call + 1
	default: // in one step over the numbers never put
		ic.calls = append(ic.calls, make([]int32, id.Seq-n)...)
		ic.calls[id.Seq-1] = call + 1
	}
	rc := &x.calls[callSlot(id)]
	rc.id, rc.call = *id, call // what get would find now; it is looked up next
}

// incarnation returns the calls of nc's incarnation inc, added if it has none, and
// makes them nc.last.
func (nc *nodeCalls) incarnation(inc router.Incarnation) *incCalls {
	var ic *incCalls
	for _, c := range nc.incs {
		if c.inc == inc {
			ic = c
		}
	}
	if ic == nil {
		ic = &incCalls{inc: inc}
		nc.incs = append(nc.incs, ic)
	}
	nc.last = ic
	return ic
}

// node returns the calls of node, or nil.
func (x *callIndex) node(node router.NodeID) *nodeCalls {
	h := uint32(len(node))
	for i := 0; i < len(node); i++ {
		h = h*31 + uint32(node[i])
	}
	slot := &x.lastNodes[h%recentNodes]
	if nc := *slot; nc != nil && nc.node == node {
		return nc
	}
	nc := x.nodes[node]
	if nc != nil {
		*slot = nc
	}
	return nc
}
