package netmodel

import (
	"time"

	"github.com/ensroute/ensroute/router"
)

// timerSet is a host's armed timers: a binary heap of slot numbers ordered by (local
// deadline, arming order) over slots recycled through a free list, so that arming and
// stopping a timer allocate nothing once the host has seen as many timers at once.
// A router.TimerID is a slot's number and the slot's generation, which changes
// whenever the slot is let go, so a stale id never stops a later timer in its slot.
type timerSet struct {
	slots []timerSlot
	heap  []int32 // slot numbers
	free  []int32
	seq   uint64
}

// timerSlot is one timer; pos is its place in the heap, -1 when it is not armed.
type timerSlot struct {
	deadline time.Duration // on the local clock
	seq      uint64
	t        router.Timer
	pos      int32
	gen      uint32
}

// len returns the number of armed timers.
func (s *timerSet) len() int { return len(s.heap) }

// first returns the earliest timer's deadline; the set must not be empty.
func (s *timerSet) first() time.Duration { return s.slots[s.heap[0]].deadline }

// arm adds a timer due at the local deadline and returns its id.
func (s *timerSet) arm(deadline time.Duration, t router.Timer) (id router.TimerID, head bool) {
	var i int32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		i = int32(len(s.slots))
		s.slots = append(s.slots, timerSlot{})
	}
	s.seq++
	sl := &s.slots[i]
	sl.deadline, sl.seq, sl.t = deadline, s.seq, t
	p := len(s.heap)
	sl.pos = int32(p)
	s.heap = append(s.heap, i)
	// Sifted up only if due before its parent: a timer armed later than the others,
	// as a call's deadline mostly is, stays at the end.
	if p > 0 && s.less(i, s.heap[(p-1)/2]) {
		s.up(p)
	}
	return router.TimerID(uint64(sl.gen)<<32 | uint64(i) + 1), sl.pos == 0
}

// stop withdraws the timer id names if it is still armed, and says whether it was
// and whether it was the earliest.
func (s *timerSet) stop(id router.TimerID) (stopped, head bool) {
	i := int64(uint32(id)) - 1
	if id == 0 || i < 0 || i >= int64(len(s.slots)) {
		return false, false
	}
	sl := &s.slots[i]
	if sl.gen != uint32(id>>32) || sl.pos < 0 {
		return false, false
	}
	head = sl.pos == 0
	s.remove(int(sl.pos))
	return true, head
}

// pop removes the earliest timer and returns it; the set must not be empty.
func (s *timerSet) pop() router.Timer {
	i := s.heap[0]
	t := s.slots[i].t
	s.remove(0)
	return t
}

// clear withdraws every timer; none of their ids stops anything afterwards.
func (s *timerSet) clear() {
	for len(s.heap) > 0 {
		s.remove(len(s.heap) - 1)
	}
}

// remove takes the timer at heap position p out and lets its slot go.
func (s *timerSet) remove(p int) {
	i := s.heap[p]
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
	sl := &s.slots[i]
	sl.pos = -1
	sl.gen++
	sl.t = router.Timer{}
	s.free = append(s.free, i)
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
