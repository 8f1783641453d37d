package traceview_test

import (
	"os"
	"time"

	"github.com/ensroute/ensroute/scenarios/traceview"
	"github.com/ensroute/ensroute/sim"
)

// lateReply is the trace of one call that times out at n3 while e1's leader on n1 is
// still working on it; the leader's answer arrives afterwards and is dropped. The
// records are those the simulator writes (ensim trace --format jsonl shows them).
func lateReply() []sim.Record {
	const ms = time.Millisecond
	w := sim.New(sim.Config{KeepTrace: true})
	call := sim.String("call", "n3.1.7")
	w.Schedule(0, func() {
		w.Emit("n3", "call", call, sim.String("target", "ens:e1"), sim.Dur("timeout", 50*ms))
		w.Emit("n3", "send", sim.Int("msg", 1), sim.String("to", "n1"), sim.String("msg_kind", "route"), call,
			sim.Int("hops", 1), sim.Int("inst", 2), sim.Dur("budget", 50*ms), sim.String("code", "ok"))
	})
	w.Schedule(300*time.Microsecond, func() {
		w.Emit("n1", "queued", sim.Int("msg", 1), sim.Int("inst", 2), sim.Int("depth", 1))
	})
	w.Schedule(305*time.Microsecond, func() {
		w.Emit("n1", "handed", sim.Int("msg", 1), sim.String("msg_kind", "route"), call)
		w.Emit("n1", "deliver", call, sim.String("peer", "e1/p1@n1"), sim.Dur("budget", 49695*time.Microsecond))
	})
	w.Schedule(50*ms, func() {
		w.Emit("n3", "complete", call, sim.String("code", "timeout"), sim.String("by", "-"))
	})
	w.Schedule(50200*time.Microsecond, func() {
		w.Emit("n1", "send", sim.Int("msg", 2), sim.String("to", "n3"), sim.String("msg_kind", "reply"), call,
			sim.Int("hops", 1), sim.Int("inst", 0), sim.Dur("budget", 0), sim.String("code", "ok"))
	})
	w.Schedule(50400*time.Microsecond, func() {
		w.Emit("n3", "handed", sim.Int("msg", 2), sim.String("msg_kind", "reply"), call)
		w.Emit("n3", "late", call, sim.String("reason", "completed"), sim.String("code", "ok"))
	})
	w.Run()
	return w.Trace()
}

// The text view: one line per record, with the router instance that handled the
// route (r2), then the call's life: where it went, how it ended, what came after.
func Example() {
	tr := traceview.New(lateReply(), traceview.Meta{Title: "a late reply", Nodes: []string{"n1", "n3"}})
	if err := tr.Write(os.Stdout, traceview.Text, traceview.Filter{Call: "n3.1.7"}); err != nil {
		panic(err)
	}
	// Output:
	// # a late reply
	// # 9 of 9 records: call n3.1.7
	//
	//        time  node  inst  kind      fields
	//  0.000000ms  n3    -     call      call=n3.1.7 target=ens:e1 timeout=50ms
	//  0.000000ms  n3    -     send      #1 route ->n1/r2 call=n3.1.7 hops=1 budget=50ms
	//  0.300000ms  n1    r2    queued    #1 depth=1
	//  0.305000ms  n1    r2    handed    #1 route call=n3.1.7 from=n3 after=305µs
	//  0.305000ms  n1    r2    deliver   call=n3.1.7 peer=e1/p1@n1 budget=49.695ms
	// 50.000000ms  n3    -     complete  call=n3.1.7 code=timeout
	// 50.200000ms  n1    -     send      #2 reply ->n3 call=n3.1.7 hops=1 code=ok
	// 50.400000ms  n3    -     handed    #2 reply call=n3.1.7 from=n1 after=200µs
	// 50.400000ms  n3    -     late      call=n3.1.7 reason=completed code=ok
	//
	// # 1 call
	//
	// call    caller  target  start       outcome  at           took  path                                          after
	// n3.1.7  n3      e1      0.000000ms  timeout  50.000000ms  50ms  route n3->n1/r2 +0s, deliver e1/p1@n1 +305µs  reply n1->n3 ok +200µs, late ok dropped (completed) +400µs
}

// The JSON lines view is the canonical records, here those of the last millisecond.
func ExampleTrace_Write_jsonl() {
	tr := traceview.New(lateReply(), traceview.Meta{})
	err := tr.Write(os.Stdout, traceview.JSONL, traceview.Filter{From: 50 * time.Millisecond, To: 51 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	// Output:
	// {"t":50000000,"seq":5,"node":"n3","kind":"complete","call":"n3.1.7","code":"timeout","by":"-"}
	// {"t":50200000,"seq":6,"node":"n1","kind":"send","msg":2,"to":"n3","msg_kind":"reply","call":"n3.1.7","hops":1,"inst":0,"budget":0,"code":"ok"}
	// {"t":50400000,"seq":7,"node":"n3","kind":"handed","msg":2,"msg_kind":"reply","call":"n3.1.7"}
	// {"t":50400000,"seq":8,"node":"n3","kind":"late","call":"n3.1.7","reason":"completed","code":"ok"}
}
