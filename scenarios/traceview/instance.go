package traceview

// onInstance are the kinds of record a router instance makes while it handles a
// message: it delivers to a local peer, drops the request, or sends it on (a send the
// network may refuse, duplicate, lose at once or judge by a rule).
var onInstance = map[string]bool{
	"deliver": true, "drop": true, "send": true, "unreachable": true,
	"dup": true, "rule": true, "rule-armed": true,
}

// inferInstances finds the router instance of each record. The trace names it in
// three places: a queued or shed record has its own "inst", and a route or cast is
// sent to the instance its send record names, so the record of its hand-over
// ("handed") happened on that instance. An instance handles a message in one step of
// the simulation, so the records right after the hand-over, at the same virtual time
// and on the same node, of the kinds an instance makes (onInstance), are that step's
// too. The first record that is not ends the step; losses at a send (no node) pass.
// Every other record happened outside the router instances (a call routes at its own
// node, replies go straight to the caller) and gets -1.
func (t *Trace) inferInstances() {
	cur, node, at := -1, "", int64(0)
	for i := range t.recs {
		r := &t.recs[i]
		t.inst[i] = -1
		if cur >= 0 && (int64(r.At) != at || r.Node != node && r.Node != "") {
			cur = -1
		}
		switch {
		case r.Kind == "queued" || r.Kind == "shed":
			t.inst[i] = int(num(r, "inst"))
			cur = -1
		case r.Kind == "handed":
			cur = -1
			if m := t.msgOf[num(r, "msg")]; m != nil && m.inst >= 0 {
				t.inst[i] = m.inst
				cur, node, at = m.inst, r.Node, int64(r.At)
			}
		case cur >= 0 && r.Node == node && onInstance[r.Kind]:
			t.inst[i] = cur
		case cur >= 0 && r.Node == "" && r.Kind == "lost":
		default:
			cur = -1
		}
	}
}
