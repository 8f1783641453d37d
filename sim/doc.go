// Package sim is the deterministic simulation kernel of ensroute: virtual
// time, an event queue, seeded random streams and a structured trace with a
// running hash. It knows nothing about routers or networks; other packages
// build those on top of it.
//
// # A guided tour
//
// A run is a [World], created with [New] from a [Config]. The same Config and
// the same program always produce the same run, bit for bit: the kernel uses
// no wall clock, no goroutines and no global randomness, and map iteration
// order never reaches behaviour or output.
//
// Time is virtual. [World.Now] is a time.Duration since the run's epoch 0 and
// only moves when an event runs. [World.Schedule] and [World.After] queue a
// func for a virtual time, and [World.ScheduleAction] and [World.AfterAction]
// an [Action] (a value with a Run method: a pointer to a reused value
// schedules without allocating); [World.Step], [World.Run], [World.RunUntil]
// and [World.RunPast] execute queued events in order of time, and events due at
// the same time in the order they were scheduled. [World.Cancel] withdraws a
// pending event by its [EventID], and [World.Reschedule] cancels one and
// schedules another in a single step.
//
// Randomness comes from named streams: [World.Stream]("net") returns a
// *math/rand/v2.Rand whose sequence depends only on the seed and the name, so
// adding a new stream, or drawing more from one, never perturbs another. Give
// each concern (network delays, faults, workload) its own stream.
//
// Observations go into the trace: [World.Emit] appends a [Record] (time,
// sequence number, node, kind, and [Attr] fields built with [String], [Int]
// and [Dur]) and folds its compact binary encoding ([Record.AppendCanonical])
// into a running 128-bit xxh3, read with [World.TraceHash]. Two runs have the
// same hash exactly when they emitted the same records (barring a collision),
// so the hash is the unit of comparison for determinism and regression tests;
// it sees only what was emitted. Set [Config.KeepTrace] to
// also keep the records for inspection with [World.Trace]; [Record.AppendJSON]
// renders one as a line of a JSON-lines trace file. A run whose hash nobody
// reads can set [Config.NoHash]; [World.Recording] then tells whether anything
// consumes records at all, so that callers can skip building them.
//
// A kind of record emitted often can be declared once with its attribute keys
// ([World.Kind]) and then emitted with its values ([World.EmitKind]): the record
// kept and its JSON are the same as Emit's, but the hash covers the kind and its
// keys once and each record's values only, which makes frequent records cheaper
// to encode and hash. Strings that recur in such records, such as node names and
// call ids, can be declared as a [Name] ([World.Name], or [World.NameNum] for a
// name followed by a number, which is written out only if asked for) and given
// as a record's node or as a value ([Named]): the hash spells each Name once and
// refers to it by number after.
//
// A long stream of events planned up front need not sit in the queue all at
// once: [World.Reserve] takes their sequence numbers when they are planned, and
// [World.ScheduleReserved] queues each later in the very place it would have
// had.
package sim
