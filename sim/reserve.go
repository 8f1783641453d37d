package sim

import "time"

// Reserve takes the next n sequence numbers, as n calls of Schedule would, and
// returns the first of them; the event for each is scheduled later with
// ScheduleReserved. An event scheduled that way runs exactly where it would have
// run had it been scheduled at the time of Reserve: among events due at the same
// time, after those scheduled before the Reserve and before those scheduled after
// it. A long stream of future events (a workload planned up front) can so keep
// only its next event queued instead of all of them, and still run in the same
// order. Reserve hands out numbers up to 2^63 only, and panics past it: Schedule
// takes its numbers one at a time with no check (it is kept small enough to be
// inlined), so that a Reserve that took them up to the last (2^64-1) would have the
// next Schedule wrap to 0 and run its event ahead of every event due at the same
// time. The 2^63 numbers left are more than any run schedules.
func (w *World) Reserve(n uint64) uint64 {
	if w.nextSeq > maxReserved || n > maxReserved-w.nextSeq {
		panic("sim: Reserve past the last sequence number it hands out (2^63)")
	}
	first := w.nextSeq + 1
	w.nextSeq += n
	return first
}

// maxReserved is the last sequence number Reserve hands out (see Reserve).
const maxReserved = 1 << 63

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
