package sim

import "time"

// entry is one heap element. Events are ordered by (at, seq); seq is unique,
// so the order is total and the heap never has to break a tie arbitrarily.
type entry struct {
	at   time.Duration
	seq  uint64
	slot uint32
}

// slot holds the payload of one pending event outside the heap, so that heap
// swaps move only small entries and a cancel can find its heap position.
type slot struct {
	act Action
	gen uint32 // incremented each time the slot is freed; stale ids mismatch
	idx int32  // position in queue.heap, or -1 when the slot is free
}

// queue is a binary min-heap of events with O(log n) cancellation by id.
//
// An EventID packs (generation << 32 | slotIndex+1), so the zero EventID never
// names a slot, and an id whose event has run or been cancelled no longer
// matches the slot's generation. Slots are recycled through a free list, so a
// steady-state simulation allocates nothing per event in the queue itself.
// (A generation wraps after 2^32 reuses of one slot; an id held across that
// many reuses could alias. That is far outside any realistic run.)
type queue struct {
	heap  []entry
	slots []slot
	free  []uint32
}

func (q *queue) len() int { return len(q.heap) }

// push adds act at (at, seq) and returns its id.
func (q *queue) push(at time.Duration, seq uint64, act Action) EventID {
	var s uint32
	if n := len(q.free); n > 0 {
		s = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		if len(q.slots) >= 1<<31-1 {
			panic("sim: too many pending events")
		}
		s = uint32(len(q.slots))
		q.slots = append(q.slots, slot{})
	}
	i := len(q.heap)
	q.heap = append(q.heap, entry{at: at, seq: seq, slot: s})
	sl := &q.slots[s]
	sl.act = act
	sl.idx = int32(i)
	q.up(i)
	return EventID(uint64(sl.gen)<<32 | uint64(s+1))
}

// peek returns the time of the earliest event.
func (q *queue) peek() (time.Duration, bool) {
	if len(q.heap) == 0 {
		return 0, false
	}
	return q.heap[0].at, true
}

// pop removes the earliest event and returns it. Its id is invalid afterwards.
func (q *queue) pop() (at time.Duration, act Action, ok bool) {
	if len(q.heap) == 0 {
		return 0, nil, false
	}
	e := q.heap[0]
	q.removeAt(0)
	return e.at, q.release(e.slot), true
}

// cancel removes the event named by id if it is still pending.
func (q *queue) cancel(id EventID) bool {
	low := uint32(id)
	if low == 0 || int(low-1) >= len(q.slots) {
		return false
	}
	s := low - 1
	sl := &q.slots[s]
	if sl.idx < 0 || sl.gen != uint32(uint64(id)>>32) {
		return false
	}
	q.removeAt(int(sl.idx))
	q.release(s)
	return true
}

// release frees slot s and returns the action it held.
func (q *queue) release(s uint32) Action {
	sl := &q.slots[s]
	act := sl.act
	sl.act = nil // do not retain the closure
	sl.gen++
	sl.idx = -1
	q.free = append(q.free, s)
	return act
}

func (q *queue) less(i, j int) bool {
	a, b := &q.heap[i], &q.heap[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (q *queue) swap(i, j int) {
	h := q.heap
	h[i], h[j] = h[j], h[i]
	q.slots[h[i].slot].idx = int32(i)
	q.slots[h[j].slot].idx = int32(j)
}

// removeAt deletes heap position i, restoring the heap property.
func (q *queue) removeAt(i int) {
	n := len(q.heap) - 1
	if i != n {
		q.swap(i, n)
	}
	q.heap = q.heap[:n]
	if i != n {
		if !q.down(i) {
			q.up(i)
		}
	}
}

func (q *queue) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !q.less(j, i) {
			break
		}
		q.swap(i, j)
		j = i
	}
}

// down sifts i toward the leaves and reports whether it moved.
func (q *queue) down(i0 int) bool {
	n := len(q.heap)
	i := i0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && q.less(r, l) {
			j = r
		}
		if !q.less(j, i) {
			break
		}
		q.swap(i, j)
		i = j
	}
	return i > i0
}
