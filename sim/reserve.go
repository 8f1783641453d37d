package sim

import (
	"math"
	"time"
)

// Reserve takes the next n sequence numbers, as n calls of Schedule would, and
// returns the first of them; the event for each is scheduled later with
// ScheduleReserved. An event scheduled that way runs exactly where it would have
// run had it been scheduled at the time of Reserve: among events due at the same
// time, after those scheduled before the Reserve and before those scheduled after
// it. A long stream of future events (a workload planned up front) can so keep
// only its next event queued instead of all of them, and still run in the same
// order. Reserving past the last sequence number (2^64-1) panics: the numbers would
// wrap and reuse those of pending events.
func (w *World) Reserve(n uint64) uint64 {
	if n > math.MaxUint64-w.nextSeq {
		panic("sim: Reserve past the last sequence number")
	}
	first := w.nextSeq + 1
	w.nextSeq += n
	return first
}

// ScheduleReserved schedules a at virtual time at (clamped to Now, as Schedule
// does) under seq, a sequence number taken with Reserve. Each reserved number must
// be used at most once, and only a reserved one: a number Schedule took, or one used
// twice, would put two pending events under one number, which then run in an order
// the queue's shape decides, not the order of scheduling. That is not checked (it
// would cost a record of every number reserved); 0, a number not handed out yet, and
// a nil a panic.
func (w *World) ScheduleReserved(at time.Duration, seq uint64, a Action) EventID {
	if a == nil {
		panic("sim: ScheduleReserved with nil action")
	}
	if seq == 0 || seq > w.nextSeq {
		panic("sim: ScheduleReserved with a sequence number Reserve did not hand out")
	}
	if at < w.now {
		at = w.now
	}
	return w.q.push(at, seq, a)
}
