package netmodel

import (
	"time"

	"github.com/ensroute/ensroute/router"
)

// timerSet is a host's armed timers, ordered by (local deadline, arming order). Every
// call arms a timer with the same timeout and stops it when it completes, mostly in
// arming order, so the set keeps two parts: the run, a doubly linked list of timers
// in that order, which arming appends to while a timer comes no earlier than the
// run's last and which stopping mostly takes from the front; and a binary heap for
// the timers armed out of order. The earliest timer is the lesser of the run's first
// and the heap's root.
//
// Timers live in slots recycled through a free list, so that arming and stopping
// allocate nothing once the host has seen as many timers at once. A router.TimerID
// is a slot's number and the slot's generation, which changes whenever the slot is
// let go, so a stale id never stops a later timer in its slot.
type timerSet struct {
	slots []timerSlot
	heap  []int32 // slot numbers
	// head and tail are the run's first and last slots, free the first free slot,
	// each plus one: 0 is none.
	head, tail int32
	free       int32
	n          int // armed timers
	seq        uint64
}

// timerSlot is one timer. pos is its place in the heap, inRun or unused; prev and
// next link it in the run (next also in the free list), plus one.
type timerSlot struct {
	deadline   time.Duration // on the local clock
	seq        uint64
	t          router.Timer
	pos        int32
	gen        uint32
	prev, next int32
}

// The states of a slot that is not in the heap.
const (
	inRun  = -1 // armed, in the run
	unused = -2 // not armed, in the free list
)

// len returns the number of armed timers.
func (s *timerSet) len() int { return s.n }

// first returns the earliest timer's deadline; the set must not be empty.
func (s *timerSet) first() time.Duration {
	if s.head == 0 {
		return s.slots[s.heap[0]].deadline
	}
	d := s.slots[s.head-1].deadline
	if len(s.heap) > 0 {
		d = min(d, s.slots[s.heap[0]].deadline)
	}
	return d
}

// arm adds a timer due at the local deadline and returns its id, and whether it is
// the earliest.
func (s *timerSet) arm(deadline time.Duration, t router.Timer) (id router.TimerID, head bool) {
	var i int32
	var sl *timerSlot
	if f := s.free; f != 0 {
		i = f - 1
		sl = &s.slots[i]
		s.free = sl.next
	} else {
		i = int32(len(s.slots))
		s.slots = append(s.slots, timerSlot{})
		sl = &s.slots[i]
	}
	s.seq++
	s.n++
	sl.deadline, sl.seq, sl.t = deadline, s.seq, t
	id = router.TimerID(uint64(sl.gen)<<32 | uint64(i) + 1)
	if s.tail == 0 {
		// The run is empty: the timer starts it, and is the earliest unless a timer
		// in the heap comes first (every one was armed before it, so a tie is theirs).
		sl.pos, sl.prev, sl.next = inRun, 0, 0
		s.head, s.tail = i+1, i+1
		return id, len(s.heap) == 0 || deadline < s.slots[s.heap[0]].deadline
	}
	if deadline >= s.slots[s.tail-1].deadline {
		// As late as the run's last, as a call's deadline mostly is: behind the
		// run's first, so not the earliest.
		sl.pos, sl.prev, sl.next = inRun, s.tail, 0
		s.slots[s.tail-1].next = i + 1
		s.tail = i + 1
		return id, false
	}
	p := len(s.heap)
	sl.pos = int32(p)
	s.heap = append(s.heap, i)
	if p > 0 && s.less(i, s.heap[(p-1)/2]) {
		s.up(p)
	}
	// The earliest if at the heap's root and before the run's first, which was
	// armed before it.
	return id, sl.pos == 0 && deadline < s.slots[s.head-1].deadline
}

// stop withdraws the timer id names if it is still armed, and says whether it was
// and whether it was the earliest.
func (s *timerSet) stop(id router.TimerID) (stopped, head bool) {
	i := uint32(id) - 1 // 1<<32-1 for slot number 0, which no id has
	if uint64(i) >= uint64(len(s.slots)) {
		return false, false
	}
	sl := &s.slots[i]
	if sl.gen != uint32(id>>32) {
		return false, false
	}
	switch p := sl.pos; {
	case p == inRun:
		if sl.prev == 0 {
			head = len(s.heap) == 0 || s.less(int32(i), s.heap[0])
		}
		s.unlink(sl)
	case p >= 0:
		head = p == 0 && (s.head == 0 || s.less(int32(i), s.head-1))
		s.remove(int(p))
	default:
		return false, false
	}
	s.release(int32(i))
	return true, head
}

// unlink takes a timer out of the run.
func (s *timerSet) unlink(sl *timerSlot) {
	if sl.prev == 0 {
		s.head = sl.next
	} else {
		s.slots[sl.prev-1].next = sl.next
	}
	if sl.next == 0 {
		s.tail = sl.prev
	} else {
		s.slots[sl.next-1].prev = sl.prev
	}
}

// pop removes the earliest timer and returns it; the set must not be empty.
func (s *timerSet) pop() router.Timer {
	var i int32
	if s.head != 0 && (len(s.heap) == 0 || s.less(s.head-1, s.heap[0])) {
		i = s.head - 1
		s.unlink(&s.slots[i])
	} else {
		i = s.heap[0]
		s.remove(0)
	}
	t := s.slots[i].t
	s.release(i)
	return t
}

// clear withdraws every timer; none of their ids stops anything afterwards.
func (s *timerSet) clear() {
	for s.head != 0 {
		i := s.head - 1
		s.head = s.slots[i].next
		s.release(i)
	}
	s.tail = 0
	for _, i := range s.heap {
		s.release(i)
	}
	s.heap = s.heap[:0]
}

// release lets slot i go: a later id for it has a new generation.
func (s *timerSet) release(i int32) {
	sl := &s.slots[i]
	sl.pos = unused
	sl.gen++
	sl.t = router.Timer{}
	sl.next = s.free
	s.free = i + 1
	s.n--
}

// remove takes the timer at heap position p out of the heap.
func (s *timerSet) remove(p int) {
	last := len(s.heap) - 1
	if p != last {
		s.heap[p] = s.heap[last]
		s.slots[s.heap[p]].pos = int32(p)
	}
	s.heap = s.heap[:last]
	if p != last {
		if !s.down(p) {
			s.up(p)
		}
	}
}

func (s *timerSet) less(a, b int32) bool {
	x, y := &s.slots[a], &s.slots[b]
	if x.deadline != y.deadline {
		return x.deadline < y.deadline
	}
	return x.seq < y.seq
}

// swap exchanges heap positions i and j and tells their slots.
func (s *timerSet) swap(i, j int) {
	h := s.heap
	h[i], h[j] = h[j], h[i]
	s.slots[h[i]].pos = int32(i)
	s.slots[h[j]].pos = int32(j)
}

func (s *timerSet) up(p int) {
	h := s.heap
	for p > 0 {
		parent := (p - 1) / 2
		if !s.less(h[p], h[parent]) {
			break
		}
		s.swap(p, parent)
		p = parent
	}
}

// down sifts the timer at p down and says whether it moved.
func (s *timerSet) down(p int) bool {
	h := s.heap
	start := p
	for {
		c := 2*p + 1
		if c >= len(h) {
			break
		}
		if r := c + 1; r < len(h) && s.less(h[r], h[c]) {
			c = r
		}
		if !s.less(h[c], h[p]) {
			break
		}
		s.swap(p, c)
		p = c
	}
	return p > start
}
