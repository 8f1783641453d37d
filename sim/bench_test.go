package sim

import (
	"testing"
	"time"
)

// A kernel event, in every figure this package reports, is one call of an
// event's work by Step: one entry taken off the queue and run. Scheduling,
// cancelling and tracing are not events.

// churn is a steady-state workload for the kernel: a queue holding a fixed
// number of pending events, where every event that runs schedules one more at
// a pseudo-random offset, so the queue neither grows nor drains. offsets is
// drawn once, up front, so the run itself draws nothing.
type churn struct {
	w       *World
	offsets [4096]time.Duration
	k       int
}

func newChurn(pending int) *churn {
	c := &churn{w: New(Config{Seed: 1})}
	r := c.w.Stream("bench")
	for i := range c.offsets {
		c.offsets[i] = time.Duration(r.Int64N(int64(time.Millisecond)))
	}
	for range pending {
		c.Run()
	}
	return c
}

// Run is the event's work, scheduled as an Action: the churn is a pointer, so
// scheduling it allocates nothing.
func (c *churn) Run() {
	c.k++
	c.w.AfterAction(c.offsets[c.k%len(c.offsets)], c)
}

// newFuncChurn is a churn of 1024 pending events scheduled through After with
// one func value reused for every event (a closure made per event would measure
// the caller's allocation, not the kernel's).
func newFuncChurn() *churn {
	c := newChurn(0)
	var fn func()
	fn = func() {
		c.k++
		c.w.After(c.offsets[c.k%len(c.offsets)], fn)
	}
	for range 1024 {
		fn()
	}
	return c
}

// stepEvents runs one kernel event per iteration of w and reports events/s. One
// op is one event, so the allocs/op that -benchmem reports is the allocations per
// event.
func stepEvents(b *testing.B, w *World) {
	b.ReportAllocs()
	for b.Loop() {
		w.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkKernelAction runs the kernel's steady state with Actions: each
// iteration is one Step, which pops one event and runs it, and the event
// schedules the next. About 1024 events are pending throughout.
func BenchmarkKernelAction(b *testing.B) {
	stepEvents(b, newChurn(1024).w)
}

// BenchmarkKernelFunc is BenchmarkKernelAction through Schedule/After with
// one func value reused for every event (newFuncChurn).
func BenchmarkKernelFunc(b *testing.B) {
	stepEvents(b, newFuncChurn().w)
}

// BenchmarkKernelDeepQueue is BenchmarkKernelAction with 100,000 events
// pending: the 4-ary heap is 10 levels deep instead of 6, as in a large world.
func BenchmarkKernelDeepQueue(b *testing.B) {
	stepEvents(b, newChurn(100_000).w)
}

// timerChurn is the kernel's workload in the scenarios: few events pending (about
// eight), and a timer that is cancelled and re-armed every sixth event, as the
// network model re-points a host's timer event.
type timerChurn struct {
	churn
	timer EventID
}

// Run schedules the next event, as churn does, and re-arms the timer every sixth
// event.
func (c *timerChurn) Run() {
	c.k++
	c.w.AfterAction(c.offsets[c.k%len(c.offsets)], c)
	if c.k%6 == 0 {
		c.w.Cancel(c.timer)
		c.timer = c.w.AfterAction(c.offsets[(c.k*7)%len(c.offsets)], nopAction{})
	}
}

// nopAction is a timer's event that does nothing.
type nopAction struct{}

// Run does nothing.
func (nopAction) Run() {}

// BenchmarkKernelFew runs the kernel as the scenarios do (timerChurn): about eight
// events pending, a timer re-armed every sixth event. An op is one event (the
// re-armed timer's event, when it runs, is one more).
func BenchmarkKernelFew(b *testing.B) {
	c := &timerChurn{churn: *newChurn(0)}
	for range 8 {
		c.k++
		c.w.AfterAction(c.offsets[c.k%len(c.offsets)], c)
	}
	stepEvents(b, c.w)
}

// BenchmarkEmit measures one trace record of a typical shape (a message
// sent: eight attributes) folded into the running hash, without KeepTrace.
func BenchmarkEmit(b *testing.B) {
	w := New(Config{Seed: 1})
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		n++
		w.Emit("n1", "send", Int("msg", n), String("to", "n2"), String("kind", "route"), String("call", "n1.1.12345"),
			Int("hops", 1), Int("inst", 3), Dur("budget", 50*time.Millisecond), String("code", "ok"))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkAppendCanonical measures the encoding of BenchmarkEmit's record on its
// own, into a buffer with room, without the hash.
func BenchmarkAppendCanonical(b *testing.B) {
	attrs := []Attr{Int("msg", 1234), String("to", "n2"), String("kind", "route"), String("call", "n1.1.12345"),
		Int("hops", 1), Int("inst", 3), Dur("budget", 50*time.Millisecond), String("code", "ok")}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendCanonical(buf[:0], 1234567, "n1", "send", attrs)
	}
}

// BenchmarkEmitKind is BenchmarkEmit's record emitted as a declared kind
// (World.EmitKind) with its node and string values as Names: the hash covers its
// values, not its kind and keys, and numbers its names.
func BenchmarkEmitKind(b *testing.B) { benchEmitKind(b, Config{Seed: 1}) }

// BenchmarkEmitKindNoHash is BenchmarkEmitKind in a World that records nothing
// (Config.NoHash without KeepTrace): what a record costs a run whose hash nobody
// reads, when the caller still builds it.
func BenchmarkEmitKindNoHash(b *testing.B) { benchEmitKind(b, Config{Seed: 1, NoHash: true}) }

// benchEmitKind emits BenchmarkEmit's record as a declared kind into a World of cfg.
func benchEmitKind(b *testing.B, cfg Config) {
	w := New(cfg)
	send := w.Kind("send", "msg", "to", "kind", "call", "hops", "inst", "budget", "code")
	n1, n2, route, call, ok := w.Name("n1"), w.Name("n2"), w.Name("route"), w.Name("n1.1.12345"), w.Name("ok")
	// The values live in an array whose keys are set once, as the network's do
	// (netmodel.traceAttrs): a record fills in what changed.
	vals := [...]Attr{Int("msg", 0), Named("to", n2), Named("kind", route), Named("call", call),
		Int("hops", 1), Int("inst", 3), Dur("budget", 50*time.Millisecond), Named("code", ok)}
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		n++
		vals[0].Int = n
		w.EmitKind(n1, send, vals[:]...)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
