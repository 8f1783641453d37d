package sim

import (
	"hash"
	"math"
	"math/rand/v2"
	"time"

	"github.com/zeebo/xxh3"
)

// Config configures a World.
type Config struct {
	// Seed determines every random stream of the run (see World.Stream).
	// Seed 0 is a valid seed like any other; the zero Config is a fixed,
	// reproducible run.
	Seed uint64
	// KeepTrace retains every Record in memory so that World.Trace returns
	// them. The running trace hash is kept unless NoHash is set, whatever
	// KeepTrace says.
	KeepTrace bool
	// Sink, if set, is handed every record as it is emitted, as KeepTrace would
	// keep it (a named value's string in Str), for a consumer that streams the
	// trace (to a file, say) rather than hold all of it. The record and its Attrs
	// are valid only during the call: Sink must copy what it keeps. It runs inside
	// Emit, on the simulation's own path, and must not call back into the World.
	Sink func(*Record)
	// NoHash keeps no trace hash, for runs whose hash nobody reads (such as
	// the passing seeds of a sweep): records are not encoded, and
	// World.TraceHash returns "". With neither KeepTrace, a Sink nor a hash,
	// nothing consumes a record: World.Recording reports false, and Emit and
	// EmitKind return at once.
	NoHash bool
}

// EventID identifies a scheduled event. The zero value is never a valid id.
// An id stops being valid once its event has run or been cancelled.
type EventID uint64

// World is one deterministic simulation run: a virtual clock, an event queue,
// named random streams and a trace. A World is not safe for concurrent use;
// the simulation is single-threaded by design.
type World struct {
	cfg      Config
	now      time.Duration
	nextSeq  uint64
	q        queue
	executed uint64
	stopped  bool
	// past is RunPast's t while it runs, and below any time once Stop is
	// called: RunPast's one check after each event.
	past    time.Duration
	running bool

	streams map[string]*rand.Rand

	hash      hash.Hash // nil with Config.NoHash
	recording bool      // a hash, kept records or a sink consume what Emit records
	keeping   bool      // kept records or a sink take each record (Config.KeepTrace, Sink)
	kept      Record    // the record being kept or handed to the Sink (keep)
	sinkAttrs []Attr    // the Attrs of the record handed to a Sink, reused
	encBuf    []byte
	traceLen  uint64
	records   []Record
	kinds     uint64 // kinds defined in the hashed stream (EmitKind)
	names     uint64 // Names defined in the hashed stream (EmitKind)
	nameSlab  []Name // where World.Name takes its next Names from
	nameSlabs int    // the size of the last slab of Names
}

// New returns a World at virtual time 0 with an empty queue and trace.
func New(cfg Config) *World {
	w := &World{
		cfg:       cfg,
		streams:   make(map[string]*rand.Rand),
		recording: !cfg.NoHash || cfg.KeepTrace || cfg.Sink != nil,
		keeping:   cfg.KeepTrace || cfg.Sink != nil,
	}
	if !cfg.NoHash {
		w.hash = xxh3.New128()
		w.encBuf = append(make([]byte, 0, 2*hashChunk), hashDomain...)
	}
	return w
}

// Now is the virtual time: nanoseconds since the run's epoch 0, as a
// time.Duration. It never decreases.
func (w *World) Now() time.Duration { return w.now }

// Seed returns the run's seed (Config.Seed).
func (w *World) Seed() uint64 { return w.cfg.Seed }

// Action is an event's work: Run is called once, when the event's time comes.
// Scheduling an Action that is a pointer to a reused value, rather than a
// fresh closure, lets a steady-state simulation schedule events without
// allocating.
type Action interface {
	Run()
}

// funcAction adapts a func to Action. A func value is one pointer, so storing
// it in the interface allocates nothing.
type funcAction func()

// Run calls f.
func (f funcAction) Run() { f() }

// Schedule arranges for fn to run at virtual time at; a time in the past is
// clamped to Now. Events run in order of time, and events with equal time run
// in the order they were scheduled: each call takes the next value of a
// sequence number, so an event scheduled from inside an event for the current
// time runs after every event already queued for that time. fn must not be
// nil.
func (w *World) Schedule(at time.Duration, fn func()) EventID {
	if fn == nil {
		panic("sim: Schedule with nil fn")
	}
	return w.ScheduleAction(at, funcAction(fn))
}

// ScheduleAction is Schedule for an Action: a.Run() is called at virtual time
// at, in the same order as Schedule's events (one sequence shared by both).
// a must not be nil. The queue holds a until the event runs or is cancelled;
// the kernel itself allocates nothing per event once its queue has grown to
// the number of events pending at once.
func (w *World) ScheduleAction(at time.Duration, a Action) EventID {
	if a == nil {
		panic("sim: ScheduleAction with nil action")
	}
	w.nextSeq++
	return w.q.push(max(at, w.now), w.nextSeq, a)
}

// After is Schedule(Now()+d, fn). A negative d is treated as 0, and a sum
// that would overflow is clamped to the largest time.Duration.
func (w *World) After(d time.Duration, fn func()) EventID {
	if fn == nil {
		panic("sim: Schedule with nil fn")
	}
	return w.AfterAction(d, funcAction(fn))
}

// AfterAction is ScheduleAction(Now()+d, a), with d treated as After treats
// it.
func (w *World) AfterAction(d time.Duration, a Action) EventID {
	if d < 0 {
		d = 0
	}
	at := w.now + d
	if d > math.MaxInt64-w.now {
		at = math.MaxInt64
	}
	return w.ScheduleAction(at, a)
}

// Cancel removes a scheduled event that has not yet run and reports whether
// it was pending. Cancelling an event that already ran (including the one
// currently running), was already cancelled, or the zero EventID returns
// false and changes nothing.
func (w *World) Cancel(id EventID) bool { return w.q.cancel(id) }

// Reschedule is Cancel(id) followed by ScheduleAction(at, a), in one step: the
// event a runs at at (clamped to Now), takes the next sequence number, and the id
// returned is the one ScheduleAction would have returned; id, if it named a
// pending event, no longer does. Moving an event that is pending costs less than
// cancelling it and scheduling it anew. id may be zero or name no pending event,
// as for Cancel. a must not be nil.
func (w *World) Reschedule(id EventID, at time.Duration, a Action) EventID {
	if a == nil {
		panic("sim: Reschedule with nil action")
	}
	w.nextSeq++
	return w.q.move(id, max(at, w.now), w.nextSeq, a)
}

// Pending is the number of scheduled events that have neither run nor been
// cancelled.
func (w *World) Pending() int { return w.q.len() }

// Executed is the number of events run so far, counting the one currently
// running.
func (w *World) Executed() uint64 { return w.executed }

// Step runs the next event, first advancing Now to its time. It returns false,
// doing nothing, if the queue is empty. Step, Run, RunUntil and RunPast must
// not be called from inside an event; they panic if they are. An event that
// panics leaves the World as it was in the middle of that event: if the panic
// is recovered outside the event, Step, Run, RunUntil and RunPast panic from
// then on.
func (w *World) Step() bool {
	w.mustNotBeRunning()
	// w.q.pop written out, so that its common case, popLast, is inlined.
	var e entry
	if w.q.sorted() {
		e = w.q.popLast()
	} else {
		var ok bool
		if e, ok = w.q.popHeap(); !ok {
			return false
		}
	}
	act := w.q.release(e.slot)
	w.now = e.at
	w.executed++
	w.running = true
	act.Run()
	w.running = false
	return true
}

// Run steps until the queue is empty or Stop is called. Each call starts with
// no stop request; a Stop during the run makes Run return after the event that
// called it, leaving the remaining events queued for a later Run.
func (w *World) Run() {
	w.mustNotBeRunning()
	w.stopped = false
	for !w.stopped && w.Step() {
	}
	w.stopped = false
}

// RunUntil runs, in order, every event whose time is <= t, including events
// scheduled meanwhile for times <= t, and then sets Now to t if t > Now.
// Like Run, it starts with no stop request; if Stop is called it returns after
// the current event without advancing Now to t.
func (w *World) RunUntil(t time.Duration) {
	w.mustNotBeRunning()
	w.stopped = false
	for !w.stopped {
		at, ok := w.q.peek()
		if !ok || at > t {
			break
		}
		w.Step()
	}
	if w.stopped {
		w.stopped = false
		return
	}
	if t > w.now {
		w.now = t
	}
}

// RunPast runs events in order, as Step does, until the queue is empty or it
// has run an event whose time is after t: that first event past t runs too,
// then RunPast returns true. It returns false when the queue has emptied, or
// when Stop is called, after the current event (Pending tells the two apart);
// but a Stop in the event that goes past t ends the run there, with true.
// Unlike RunUntil it never moves Now beyond the last event run. But for Stop,
// which that loop would not heed, it is the loop
// "for w.Step() { if w.Now() > t { break } }" with the loop's checks made once
// per event instead of around each call of Step.
func (w *World) RunPast(t time.Duration) bool {
	w.mustNotBeRunning()
	w.stopped = false
	w.past = t
	// Running stays set from one event to the next: it is cleared only on
	// return, so an event that panics leaves it set, as Step does.
	w.running = true
	for {
		// Step's body, written out.
		var e entry
		if w.q.sorted() {
			e = w.q.popLast()
		} else {
			var ok bool
			if e, ok = w.q.popHeap(); !ok {
				break
			}
		}
		act := w.q.release(e.slot)
		w.now = e.at
		w.executed++
		act.Run()
		if e.at > w.past { // past t, or Stop was called
			w.running, w.stopped = false, false
			return e.at > t
		}
	}
	w.running, w.stopped = false, false
	return false
}

// Stop makes the Run, RunUntil or RunPast in progress return after the current
// event. It has no effect on a later Run, RunUntil or RunPast, nor on Step.
func (w *World) Stop() { w.stopped, w.past = true, math.MinInt64 }

func (w *World) mustNotBeRunning() {
	if w.running {
		panic("sim: Step/Run/RunUntil/RunPast called from inside an event (or after an event panicked)")
	}
}
