package sim

import (
	"slices"
	"time"
)

// entry is one pending event in the queue's array. Events are ordered by
// (at, seq); seq is unique, so the order is total and the queue never has to
// break a tie arbitrarily: whatever its shape, it pops the events in the same
// order.
type entry struct {
	at   time.Duration
	seq  uint64
	slot uint32
}

// before reports whether a runs before b.
func (a *entry) before(b *entry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// runsBefore reports whether a runs before an event at (at, seq).
func (a *entry) runsBefore(at time.Duration, seq uint64) bool {
	return a.at < at || (a.at == at && a.seq < seq)
}

// runsAfter reports whether a runs after an event at (at, seq).
func (a *entry) runsAfter(at time.Duration, seq uint64) bool {
	return a.at > at || (a.at == at && a.seq > seq)
}

// slot holds the payload of one pending event outside the array, so that
// moves copy only small entries, and an EventID names its event by slot.
type slot struct {
	act  Action
	gen  uint32 // incremented each time the slot is freed; stale ids mismatch
	idx  int32  // -1 while the slot is free; in a heap, its event's position
	next uint32 // while the slot is free: the next free slot's index+1, or 0
}

// queue holds the pending events in one of two shapes.
//
// A small queue is an array sorted latest first, so that the earliest event
// is the last element: pop takes it off the end, and push moves up one place
// the events due before the new one. In a simulation most events are
// scheduled a little ahead, before most of those pending, so few move; a
// cancel searches for its event from the end, then closes the gap. No
// positions are kept.
//
// Past heapAbove events the array becomes a 4-ary min-heap, whose operations
// take O(log n) wherever events fall; it turns back into a sorted array when
// it has shrunk to sortedAt events. A 4-ary heap is half as deep as a binary
// one and the four children of a node sit next to each other in memory;
// elements move into a hole instead of being swapped, so each level costs one
// entry copy and one position update (slot.idx, which a cancel reads).
//
// An EventID packs (generation << 32 | slotIndex+1), so the zero EventID never
// names a slot, and an id whose event has run or been cancelled no longer
// matches the slot's generation. Slots are recycled through a free list, so a
// steady-state simulation allocates nothing per event in the queue itself.
// (A generation wraps after 2^32 reuses of one slot; an id held across that
// many reuses could alias. That is far outside any realistic run.)
type queue struct {
	ev     []entry // sorted latest first, or a heap when isHeap
	slots  []slot
	free   uint32 // the first free slot's index+1 (a list through slot.next), or 0
	isHeap bool
}

// arity is the number of children of a heap node: the children of i are
// arity*i+1 .. arity*i+arity, its parent (i-1)/arity.
const arity = 4

// heapAbove is the most events a sorted array holds: one more turns it into a
// heap. sortedAt is the size at which a heap turns back into a sorted array,
// well below heapAbove, so that a queue whose size hovers about one of them
// does not switch shapes back and forth: each switch costs O(n log n) at
// most, and at least heapAbove-sortedAt operations separate two of them.
const (
	heapAbove = 64
	sortedAt  = 16
)

func (q *queue) len() int { return len(q.ev) }

// push adds act at (at, seq) and returns its id.
func (q *queue) push(at time.Duration, seq uint64, act Action) EventID {
	n := len(q.ev)
	if n == cap(q.ev) || q.free == 0 || n == heapAbove && !q.isHeap {
		return q.pushSlow(at, seq, act)
	}
	s := q.free - 1
	sl := &q.slots[s]
	q.free = sl.next
	sl.act = act
	id := EventID(uint64(sl.gen)<<32 | uint64(s+1))
	h := q.ev[:n+1]
	q.ev = h
	i := n
	if q.isHeap {
		// up(n, e) written out: as a call up would not be inlined.
		slots := q.slots
		for i > 0 {
			p := (i - 1) / arity
			if !h[p].runsAfter(at, seq) {
				break
			}
			moved := h[p]
			h[i] = moved
			slots[moved.slot].idx = int32(i)
			i = p
		}
		h[i] = entry{at: at, seq: seq, slot: s}
		slots[s].idx = int32(i)
		return id
	}
	// The events due before the new one, at the end, move up one place.
	sl.idx = 0 // pending
	for i > 0 && h[i-1].runsBefore(at, seq) {
		h[i] = h[i-1]
		i--
	}
	h[i] = entry{at: at, seq: seq, slot: s}
	return id
}

// pushSlow is push when it must first get a free slot or room to grow, or
// turn a full sorted array into a heap.
func (q *queue) pushSlow(at time.Duration, seq uint64, act Action) EventID {
	if q.free == 0 {
		if len(q.slots) >= 1<<31-1 {
			panic("sim: too many pending events")
		}
		q.slots = append(q.slots, slot{idx: -1})
		q.free = uint32(len(q.slots))
	}
	if len(q.ev) == heapAbove && !q.isHeap {
		q.toHeap()
	}
	q.ev = slices.Grow(q.ev, 1)
	return q.push(at, seq, act) // takes the common case now
}

// toHeap turns the sorted array into a heap: reversed, it is sorted earliest
// first, which is a heap already; only the positions need recording.
func (q *queue) toHeap() {
	slices.Reverse(q.ev)
	for i, e := range q.ev {
		q.slots[e.slot].idx = int32(i)
	}
	q.isHeap = true
}

// toSorted turns the heap into a sorted array, latest first.
func (q *queue) toSorted() {
	slices.SortFunc(q.ev, func(a, b entry) int {
		if b.before(&a) {
			return -1
		}
		return 1 // seq is unique: a and b are never the same event
	})
	q.isHeap = false
}

// peek returns the time of the earliest event.
func (q *queue) peek() (time.Duration, bool) {
	n := len(q.ev)
	if n == 0 {
		return 0, false
	}
	if q.isHeap {
		return q.ev[0].at, true
	}
	return q.ev[n-1].at, true
}

// pop removes the earliest event and returns it. Its id is invalid afterwards.
// (Step does the same, written out so that the common case is inlined.)
func (q *queue) pop() (at time.Duration, act Action, ok bool) {
	var e entry
	if q.sorted() {
		e = q.popLast()
	} else if e, ok = q.popHeap(); !ok {
		return 0, nil, false
	}
	return e.at, q.release(e.slot), true
}

// sorted reports whether the queue is a sorted array with an event in it,
// which popLast takes.
func (q *queue) sorted() bool { return !q.isHeap && len(q.ev) > 0 }

// popLast removes the earliest event's entry from a sorted array that is not
// empty, leaving its slot to be released. It is the common case of pop, small
// enough for the compiler to inline; popHeap does the rest.
func (q *queue) popLast() entry {
	n := len(q.ev) - 1
	e := q.ev[n]
	q.ev = q.ev[:n]
	return e
}

// popHeap is popLast for a heap or an empty queue.
func (q *queue) popHeap() (entry, bool) {
	h := q.ev
	n := len(h) - 1
	if n < 0 {
		return entry{}, false
	}
	top := h[0]
	q.ev = h[:n]
	if n > 0 {
		q.down(0, h[n])
	}
	if n <= sortedAt {
		q.toSorted()
	}
	return top, true
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
	if q.isHeap {
		q.cancelHeap(s)
		return true
	}
	// From the end, each event moves down one place until the one cancelled
	// has been overwritten.
	h := q.ev
	i := len(h) - 1
	carry := h[i]
	for carry.slot != s {
		i--
		carry, h[i] = h[i], carry
	}
	q.ev = q.ev[:len(h)-1]
	q.release(s)
	return true
}

// move is cancel(id) followed by push(at, seq, act), with the same outcome in
// every respect: the same id returned (cancel frees the slot and push takes it
// straight back), the same array, slots and free list. When id names a pending
// event of a sorted array it is done in one step: the event's entry moves from
// its old place to its new one, and only the events between the two move, one
// place each.
func (q *queue) move(id EventID, at time.Duration, seq uint64, act Action) EventID {
	low := uint32(id)
	if low == 0 {
		return q.push(at, seq, act) // nothing to cancel
	}
	if q.isHeap || int(low-1) >= len(q.slots) {
		q.cancel(id)
		return q.push(at, seq, act)
	}
	s := low - 1
	sl := &q.slots[s]
	if sl.idx < 0 || sl.gen != uint32(uint64(id)>>32) {
		return q.push(at, seq, act) // not pending: nothing to cancel
	}
	h := q.ev
	i := len(h) - 1
	for h[i].slot != s {
		i--
	}
	// As cancel and push would leave the slot: id is spent, idx says pending (a
	// heap's position may be left in it), and next (unused while the slot is in
	// use) holds the free list's head.
	sl.gen++
	sl.act = act
	sl.idx = 0
	sl.next = q.free
	// Events due after the new time, before the old place, move down one place;
	// or events due before it, after the old place, move up one place.
	for i > 0 && h[i-1].runsBefore(at, seq) {
		h[i] = h[i-1]
		i--
	}
	for i < len(h)-1 && h[i+1].runsAfter(at, seq) {
		h[i] = h[i+1]
		i++
	}
	h[i] = entry{at: at, seq: seq, slot: s}
	return EventID(uint64(sl.gen)<<32 | uint64(low))
}

// cancelHeap is cancel's removal of the pending event of slot s from a heap.
func (q *queue) cancelHeap(s uint32) {
	q.removeAt(int(q.slots[s].idx))
	if len(q.ev) <= sortedAt {
		q.toSorted()
	}
	q.release(s)
}

// release frees slot s and returns the action it held.
func (q *queue) release(s uint32) Action {
	sl := &q.slots[s]
	act := sl.act
	sl.act = nil // do not retain the closure
	sl.gen++
	sl.idx = -1
	sl.next = q.free
	q.free = s + 1
	return act
}

// removeAt deletes heap position i, restoring the heap property: the last
// entry fills the hole, sifted down or up as it needs.
func (q *queue) removeAt(i int) {
	n := len(q.ev) - 1
	last := q.ev[n]
	q.ev = q.ev[:n]
	if i == n {
		return
	}
	if i > 0 && last.before(&q.ev[(i-1)/arity]) {
		q.up(i, last)
		return
	}
	q.down(i, last)
}

// up places e, which belongs at or above position i, into the hole at i:
// every ancestor that e runs before moves down one level.
func (q *queue) up(i int, e entry) {
	h, slots := q.ev, q.slots
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
	h, slots := q.ev, q.slots
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
