package traceview

import (
	"strings"
	"testing"

	"github.com/ensroute/ensroute/sim"
)

// TestLifeCallerCrashed: the table's row of a call that never completed, its caller
// having crashed, shows in its path the crash and the late reply the restarted node
// dropped (old-incarnation), each in its place; a crash of another node, or one
// before the call, is not the caller's. The row used to end its path at the reply
// and say nothing of either: outcome none, for no reason shown.
func TestLifeCallerCrashed(t *testing.T) {
	tr := handTrace(
		rec(0.5, "n1", "crash"),
		rec(0.6, "n1", "restart"),
		callRec(1, "n1", "n1.2.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.2.1", sim.Int("hops", 1)),
		rec(2, "n2", "handed", sim.Int("msg", 1), sim.String("msg_kind", "route"), sim.String("call", "n1.2.1")),
		rec(2, "n2", "deliver", sim.String("call", "n1.2.1"), sim.String("peer", "e1/p1@n2")),
		rec(3, "n3", "crash"),
		rec(5, "n1", "crash"),
		rec(6, "n1", "restart"),
		sendRec(8, "n2", 2, "n1", "reply", "n1.2.1", sim.String("code", "ok")),
		rec(9, "n1", "handed", sim.Int("msg", 2), sim.String("msg_kind", "reply"), sim.String("call", "n1.2.1")),
		rec(9, "n1", "late", sim.String("call", "n1.2.1"), sim.String("reason", "old-incarnation"), sim.String("code", "ok")),
	)
	row := callRow(t, textOf(t, tr, Filter{Call: "n1.2.1"}), "n1.2.1")
	want := "route n1->n2/r0 +0s, deliver e1/p1@n2 +1ms, caller crashed +4ms, reply n2->n1 ok +7ms, late ok dropped (old-incarnation) +8ms"
	if len(row) < 8 || row[4] != "none" || row[7] != want {
		t.Errorf("row %q\nwant outcome none and path %q", strings.Join(row, " | "), want)
	}
	// A caller that crashed after the call's last record: the crash ends the path.
	tr = handTrace(
		callRec(1, "n1", "n1.1.1"),
		sendRec(1, "n1", 1, "n2", "route", "n1.1.1", sim.Int("hops", 1)),
		rec(7, "n1", "crash"),
	)
	row = callRow(t, textOf(t, tr, Filter{}), "n1.1.1")
	if want := "route n1->n2/r0 +0s, caller crashed +6ms"; len(row) < 8 || row[7] != want {
		t.Errorf("row %q\nwant path %q", strings.Join(row, " | "), want)
	}
}
