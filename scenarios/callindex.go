package scenarios

import "github.com/ensroute/ensroute/router"

// callIndex finds the newest workload call that was issued a call id. A node numbers
// the calls of each incarnation 1, 2, 3, ..., so per node and incarnation a slice
// indexed by sequence number does what a map keyed by the whole id would, without
// hashing an id on every message or growing a map by one entry per call.
type callIndex struct {
	nodes map[router.NodeID]*nodeCalls
}

// nodeCalls is one node's calls, by incarnation (a node has few).
type nodeCalls struct {
	incs []incCalls
}

type incCalls struct {
	inc   router.Incarnation
	calls []*callRec // calls[seq-1]
}

// get returns the call issued id, or nil.
func (x *callIndex) get(id router.CallID) *callRec {
	nc := x.nodes[id.Node]
	if nc == nil || id.Seq == 0 {
		return nil
	}
	for i := range nc.incs {
		if ic := &nc.incs[i]; ic.inc == id.Incarnation {
			if id.Seq-1 < uint64(len(ic.calls)) {
				return ic.calls[id.Seq-1]
			}
			return nil
		}
	}
	return nil
}

// put records rec as the newest call issued id (an id issued again, as a test-only
// bug makes a node do, now names rec).
func (x *callIndex) put(id router.CallID, rec *callRec) {
	if id.Seq == 0 {
		return
	}
	if x.nodes == nil {
		x.nodes = make(map[router.NodeID]*nodeCalls)
	}
	nc := x.nodes[id.Node]
	if nc == nil {
		nc = &nodeCalls{}
		x.nodes[id.Node] = nc
	}
	var ic *incCalls
	for i := range nc.incs {
		if nc.incs[i].inc == id.Incarnation {
			ic = &nc.incs[i]
		}
	}
	if ic == nil {
		nc.incs = append(nc.incs, incCalls{inc: id.Incarnation})
		ic = &nc.incs[len(nc.incs)-1]
	}
	for uint64(len(ic.calls)) < id.Seq {
		ic.calls = append(ic.calls, nil)
	}
	ic.calls[id.Seq-1] = rec
}
