package driver

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensroute/ensroute/router"
)

// shard is one router core of the node and the lock that gives it its turns. User
// code never runs under the lock: peer hand-overs are collected during the turn and
// run by unlock, as are replies that belong to another shard.
type shard struct {
	n    *Node
	idx  int
	mu   sync.Mutex
	core *router.Node
	// Filled during a turn, emptied by unlock.
	handed []handed
	self   []router.Message
	// pinned, when not negative, is what the core's clock reads during this turn
	// (see pin).
	pinned time.Duration
	// timers are the armed worker timers by id, under the lock; lastTimer numbers them.
	timers    map[router.TimerID]*time.Timer
	lastTimer router.TimerID
	stats     shardCounters
	// refused is the first send the transport refused during the turn, and the call
	// it was for (zero for a cast), or nil. The core keeps only a code of the error
	// (see router.Code), so Call and Cast take the transport's own word from here:
	// nettransport.ErrTooLarge names the frame limit, where the code says only
	// "unreachable".
	refused     error
	refusedCall router.CallID
	// ended are the calls ended at their deadline (or cancellation) while the shard
	// was busy (waiter.end), for a turn to fire in the core; endedN is how many,
	// read without endedMu.
	endedMu sync.Mutex
	ended   []router.CallID
	endedN  atomic.Int32
}

type handed struct {
	p Peer
	r *Request
}

// takeRefused returns the send the transport refused during this turn if it was for
// call (zero: a cast), or nil, and forgets it. Under the lock.
func (s *shard) takeRefused(call router.CallID) error {
	err := s.refused
	s.refused = nil
	if err == nil || s.refusedCall != call {
		return nil
	}
	return err
}

// lock starts a turn. A turn begins by firing, in the core, the deadlines of the calls
// ended while the shard was busy (fireLater), so that it reads the core as their
// callers saw them: a reply to one of them is late, and Stats counts it so.
func (s *shard) lock() {
	s.mu.Lock()
	s.fireHeld()
}

// tryLock starts a turn if the shard is free, as lock does, and reports whether it
// did.
func (s *shard) tryLock() bool {
	if !s.mu.TryLock() {
		return false
	}
	s.fireHeld()
	return true
}

// release ends a turn that hands nothing over: it releases the lock, then fires the
// calls ended while the turn held it (fireEnded).
func (s *shard) release() {
	s.mu.Unlock()
	s.fireEnded()
}

// fireLater has the core fire the deadline of call id, which its waiter has ended
// (waiter.end) while the shard was busy: in a turn of its own if the shard is free by
// now, or else at the end of the turn that holds it (release), or at the start of the
// next (lock), whichever comes first.
func (s *shard) fireLater(id router.CallID) {
	s.endedMu.Lock()
	s.ended = append(s.ended, id)
	s.endedN.Add(1)
	s.endedMu.Unlock()
	s.fireEnded()
}

// fireEnded fires the ended calls in a turn of their own, unless the shard is busy:
// the turn that holds it does when it ends (release). A call is added (endedN, then
// TryLock) and a turn ends (Unlock, then endedN) in the opposite orders, so at least
// one of the two sees the other's step, and no call is left unfired once the shard is
// free. A deadline fired completes its call and sends nothing, so the turn has nothing
// to hand over.
func (s *shard) fireEnded() {
	for s.endedN.Load() != 0 && s.tryLock() {
		s.mu.Unlock()
	}
}

// fireHeld fires the ended calls in the core, in the turn under way.
func (s *shard) fireHeld() {
	if s.endedN.Load() == 0 {
		return
	}
	s.endedMu.Lock()
	ids := s.ended
	s.ended = nil
	s.endedN.Store(0)
	s.endedMu.Unlock()
	for _, id := range ids {
		s.core.Fire(router.Timer{Kind: router.TimerCall, Call: id})
	}
}

// pin makes the core's clock read now until unpin, within a turn: a call's turn
// reads the clock once, and its deadline counts from the instant the caller's timer
// does.
func (s *shard) pin(now time.Duration) { s.pinned = now }

func (s *shard) unpin() { s.pinned = -1 }

// unlock ends a turn, then, outside the lock, hands what the turn produced to the
// other shards (replies to their calls) and to the user's peers.
func (s *shard) unlock() { s.unlockCounting(nil) }

// unlockCounting is unlock for a router instance's turn: taken, the instance's count
// of requests taken and not yet handed to their peer (Node.taken), counts each
// request for a local peer until its Handle is called.
func (s *shard) unlockCounting(taken *atomic.Int64) {
	if len(s.handed) == 0 && len(s.self) == 0 {
		s.release()
		return
	}
	var hbuf [4]handed
	var mbuf [2]router.Message
	h := take(&s.handed, hbuf[:0])
	self := take(&s.self, mbuf[:0])
	if taken != nil {
		taken.Add(int64(len(h)))
	}
	s.release()
	s.n.handOver(self, h, taken)
}

// handOver delivers what turns produced, outside every lock: replies to calls of this
// node, then requests to its peers, counting down taken (when not nil) as each is
// handed over.
func (n *Node) handOver(self []router.Message, h []handed, taken *atomic.Int64) {
	for _, m := range self {
		n.deliverReply(m)
	}
	for _, x := range h {
		if taken != nil {
			taken.Add(-1)
		}
		x.p.Handle(x.r)
	}
}

// take empties *src and returns what it held: copied into buf when it fits, so that
// *src keeps its array for the next turn, or else the array itself, which *src then
// gives up (another turn may append to *src while the caller reads the batch).
func take[T any](src *[]T, buf []T) []T {
	if len(*src) <= cap(buf) {
		buf = append(buf, *src...)
		clear(*src)
		*src = (*src)[:0]
		return buf
	}
	out := *src
	*src = nil
	return out
}

// fire hands a timer to the core (the riak worker's timeout; call deadlines are the
// callers' contexts). Once Close is past its wait for riak relays, a timer does
// nothing: a closed node sends nothing more of its own.
func (s *shard) fire(id router.TimerID, t router.Timer) {
	if s.n.timersOff.Load() {
		return
	}
	s.lock()
	if _, armed := s.timers[id]; !armed {
		s.unlock() // stopped after it had started to fire
		return
	}
	delete(s.timers, id)
	s.core.Fire(t)
	s.unlock()
}

// stopTimers stops the worker timers still armed (Close): they would do nothing when
// they fire (fire), but would keep the node in memory until then.
func (s *shard) stopTimers() {
	s.lock()
	defer s.release()
	for _, tm := range s.timers {
		tm.Stop()
	}
	s.timers = nil
}

// clock is a shard's router.Clock: monotonic time since the node started.
type clock struct{ s *shard }

func (c clock) Now() time.Duration {
	if c.s.pinned >= 0 {
		return c.s.pinned
	}
	return c.s.n.now()
}

// After arms a real timer, except for a call's deadline: the caller's goroutine waits
// on its context, which expires at the same instant, and fires the deadline itself.
func (c clock) After(d time.Duration, t router.Timer) router.TimerID {
	if t.Kind == router.TimerCall {
		return 0
	}
	s := c.s
	s.lastTimer++
	id := s.lastTimer
	if s.timers == nil {
		s.timers = make(map[router.TimerID]*time.Timer)
	}
	s.timers[id] = time.AfterFunc(d, func() { s.fire(id, t) })
	return id
}

// Stop stops a worker timer; the core calls it under the shard's lock.
func (c clock) Stop(id router.TimerID) {
	if tm, ok := c.s.timers[id]; ok {
		tm.Stop()
		delete(c.s.timers, id)
	}
}

// transport is a shard's router.Transport: the node's transport, except that a
// message to the node itself (a reply to another shard's call) is kept for unlock.
// What it sends for other nodes' calls is counted (Stats.Served, Stats.PassedOn).
type transport struct{ s *shard }

func (t transport) Send(to router.NodeID, m *router.Message) error {
	if to == t.s.n.cfg.ID {
		t.s.self = append(t.s.self, *m)
		return nil
	}
	if err := t.s.n.cfg.Transport.Send(to, m); err != nil {
		if t.s.refused == nil {
			t.s.refused, t.s.refusedCall = err, m.Call
		}
		return err
	}
	t.s.stats.sent(t.s.n.cfg.ID, to, m)
	return nil
}

// adapter is how a user's Peer is registered in a shard's core: the core's hand-over
// is collected, and run once the turn is over.
type adapter struct {
	s *shard
	p Peer
}

func (a adapter) Handle(r *router.Request) {
	a.s.handed = append(a.s.handed, handed{p: a.p, r: &Request{s: a.s, r: r, handed: clock{a.s}.Now()}})
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) }
