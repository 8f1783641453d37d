package sim

import "time"

// entry is one heap element. Events are ordered by (at, seq); seq is unique,
// so the order is total and the heap never has to break a tie arbitrarily:
// any correct heap pops the events in the same order.
type entry struct {
	at   time.Duration
	seq  uint64
	slot uint32
}

// before reports whether a runs before b.
func (a *entry) before(b *entry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// slot holds the payload of one pending event outside the heap, so that heap
// moves copy only small entries and a cancel can find its heap position.
type slot struct {
	act Action
	gen uint32 // incremented each time the slot is freed; stale ids mismatch
	idx int32  // position in queue.heap, or -1 when the slot is free
}

// queue is a 4-ary min-heap of events with O(log n) cancellation by id. A
// 4-ary heap is half as deep as a binary one and the four children of a node
// sit next to each other in memory; elements move into a hole instead of
// being swapped, so each level costs one entry copy and one position update.
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

// arity is the number of children of a heap node: the children of i are
// arity*i+1 .. arity*i+arity, its parent (i-1)/arity.
const arity = 4

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
	sl := &q.slots[s]
	sl.act = act
	gen := sl.gen
	// up(len(q.heap)-1, e) written out: push runs for every event, and as a
	// call up would not be inlined.
	e := entry{at: at, seq: seq, slot: s}
	h := append(q.heap, e)
	q.heap = h
	slots := q.slots
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(&h[p]) {
			break
		}
		moved := h[p]
		h[i] = moved
		slots[moved.slot].idx = int32(i)
		i = p
	}
	h[i] = e
	slots[s].idx = int32(i)
	return EventID(uint64(gen)<<32 | uint64(s+1))
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
	h := q.heap
	if len(h) == 0 {
		return 0, nil, false
	}
	top := h[0]
	n := len(h) - 1
	q.heap = h[:n]
	if n > 0 {
		q.down(0, h[n])
	}
	return top.at, q.release(top.slot), true
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

// removeAt deletes heap position i, restoring the heap property: the last
// entry fills the hole, sifted down or up as it needs.
func (q *queue) removeAt(i int) {
	n := len(q.heap) - 1
	last := q.heap[n]
	q.heap = q.heap[:n]
	if i == n {
		return
	}
	if i > 0 && last.before(&q.heap[(i-1)/arity]) {
		q.up(i, last)
		return
	}
	q.down(i, last)
}

// up places e, which belongs at or above position i, into the hole at i:
// every ancestor that e runs before moves down one level.
func (q *queue) up(i int, e entry) {
	h, slots := q.heap, q.slots
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(&h[p]) {
			break
		}
		moved := h[p]
		h[i] = moved
		slots[moved.slot].idx = int32(i)
		i = p
	}
	h[i] = e
	slots[e.slot].idx = int32(i)
}

// down places e, which belongs at or below position i, into the hole at i:
// while the earliest child runs before e, it moves up one level.
func (q *queue) down(i int, e entry) {
	h, slots := q.heap, q.slots
	n := len(h)
	for {
		c := arity*i + 1
		if c >= n {
			break
		}
		m := c
		if c+arity <= n {
			// A full set of children: the common case, unrolled.
			kids := h[c : c+arity : c+arity]
			k := 0
			if kids[1].before(&kids[k]) {
				k = 1
			}
			if kids[2].before(&kids[k]) {
				k = 2
			}
			if kids[3].before(&kids[k]) {
				k = 3
			}
			m = c + k
		} else {
			for k := c + 1; k < n; k++ {
				if h[k].before(&h[m]) {
					m = k
				}
			}
		}
		if !h[m].before(&e) {
			break
		}
		moved := h[m]
		h[i] = moved
		slots[moved.slot].idx = int32(i)
		i = m
	}
	h[i] = e
	slots[e.slot].idx = int32(i)
}
