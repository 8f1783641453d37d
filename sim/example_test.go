package sim_test

import (
	"fmt"
	"time"

	"github.com/ensroute/ensroute/sim"
)

// Events run in order of virtual time, and events due at the same time in
// the order they were scheduled. Time only moves when an event runs.
func ExampleWorld_Schedule() {
	w := sim.New(sim.Config{})
	say := func(s string) func() {
		return func() { fmt.Printf("%v %s\n", w.Now(), s) }
	}
	w.Schedule(2*time.Millisecond, say("second"))
	w.Schedule(time.Millisecond, func() {
		fmt.Printf("%v first\n", w.Now())
		w.After(time.Millisecond, say("third: scheduled later, so after second"))
	})
	dropped := w.After(5*time.Millisecond, say("never"))
	w.Cancel(dropped)

	w.Run()
	fmt.Println("now", w.Now(), "executed", w.Executed(), "pending", w.Pending())
	// Output:
	// 1ms first
	// 2ms second
	// 2ms third: scheduled later, so after second
	// now 2ms executed 3 pending 0
}

// Each concern draws from its own named stream, fixed by the seed and the
// name alone: drawing from "faults" does not disturb "net".
func ExampleWorld_Stream() {
	a := sim.New(sim.Config{Seed: 42})
	b := sim.New(sim.Config{Seed: 42})
	for range 1000 {
		b.Stream("faults").Float64() // only b draws from faults
	}
	fmt.Println(a.Stream("net").IntN(1000), a.Stream("net").IntN(1000))
	fmt.Println(b.Stream("net").IntN(1000), b.Stream("net").IntN(1000))
	// Output:
	// 844 265
	// 844 265
}

// Emit records structured events; the trace hash summarises the whole run
// and is what determinism tests compare.
func ExampleWorld_Emit() {
	w := sim.New(sim.Config{Seed: 1, KeepTrace: true})
	w.Emit("", "start")
	w.After(1250*time.Microsecond, func() {
		w.Emit("n1", "send", sim.Int("to", 2), sim.String("msg", "hello world"))
	})
	w.After(3*time.Millisecond, func() {
		w.Emit("n2", "deliver", sim.Int("from", 1), sim.Dur("latency", 1750*time.Microsecond))
	})
	w.Run()

	for _, r := range w.Trace() {
		fmt.Println(r)
	}
	fmt.Println(string(w.Trace()[1].AppendJSON(nil)))
	fmt.Println(w.TraceLen(), w.TraceHash())
	// Output:
	//      0.000ms -        start
	//      1.250ms n1       send to=2 msg="hello world"
	//      3.000ms n2       deliver from=1 latency=1750000
	// {"t":1250000,"seq":1,"node":"n1","kind":"send","to":2,"msg":"hello world"}
	// 3 9a2f3f9367eeb6deaf38ab685639295e
}

// A kind of record emitted often is declared once with its keys, and strings
// that recur (nodes, message kinds) as Names; its records then carry only their
// values, with each Name spelled once in the hash, and are kept and rendered as
// Emit's would be.
func ExampleWorld_EmitKind() {
	w := sim.New(sim.Config{Seed: 1, KeepTrace: true})
	send := w.Kind("send", "to", "type", "msg")
	n1, n2, route := w.Name("n1"), w.Name("n2"), w.Name("route")
	w.EmitKind(n1, send, sim.Int("to", 2), sim.Named("type", route), sim.String("msg", "hi"))
	w.EmitKind(n2, send, sim.Int("to", 1), sim.Named("type", route), sim.String("msg", "hello"))
	for _, r := range w.Trace() {
		fmt.Println(string(r.AppendJSON(nil)))
	}
	// Output:
	// {"t":0,"seq":0,"node":"n1","kind":"send","to":2,"type":"route","msg":"hi"}
	// {"t":0,"seq":1,"node":"n2","kind":"send","to":1,"type":"route","msg":"hello"}
}
