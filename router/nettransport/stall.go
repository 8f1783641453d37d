package nettransport

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// A node that does not run for a while (stopped with SIGSTOP, swapped out, starved
// of CPU) comes back to connections whose read deadlines passed while it was away:
// every peer looks silent past the heartbeat timeout, though the silence was this
// node's. The stall clock tells the two apart. A ticker notes every stallTick that the
// process runs; a gap of more than stallAfter between two notes is a stall. A
// connection whose deadline passes with a stall inside its wait gives its peer a
// whole heartbeat timeout more (deadlineReader.Read), and a disconnection that
// follows a stall says so (peer.detach). Whoever notices a stall first logs it, so
// that the warning comes before anything the node reports because of it.
const (
	stallTick  = 250 * time.Millisecond
	stallAfter = time.Second
)

// stallClock is the transport's record of when its process last ran.
type stallClock struct {
	epoch time.Time
	log   *slog.Logger
	once  sync.Once // starts the ticker, with the first connection
	// mu makes seeing a stall and logging it one step: whoever asks about a stall
	// (stalledSince) waits for the warning of one seen meanwhile, so that it is logged
	// before anything reported because of it.
	mu sync.Mutex
	// last is when the process was last seen running, and resumed when the latest
	// stall was seen to end, both since epoch; 0: never. Written under mu.
	last, resumed atomic.Int64
}

func newStallClock(epoch time.Time, log *slog.Logger) *stallClock {
	return &stallClock{epoch: epoch, log: log}
}

// observe notes that the process runs at now. If it was last seen running more
// than stallAfter before, it was stalled meanwhile: the first to see it logs the
// stall and notes now as its end.
func (s *stallClock) observe(now time.Time) {
	at := int64(max(now.Sub(s.epoch), 1))
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.last.Load()
	if at <= last {
		return
	}
	s.last.Store(at)
	if gap := time.Duration(at - last); last != 0 && gap > stallAfter {
		s.resumed.Store(at)
		s.log.Warn("this node did not run for a while (the process was stopped, swapped out or starved of CPU): its peers may have found it silent and closed their connections",
			"stalled", (gap - stallTick).Round(time.Millisecond))
	}
}

// stalledSince reports whether the process stalled after from: a stall seen to end
// after it, or one it comes out of at now.
func (s *stallClock) stalledSince(from, now time.Time) bool {
	s.observe(now)
	r := s.resumed.Load()
	return r != 0 && r > int64(from.Sub(s.epoch))
}

// start runs the ticker until t closes, once; it does not wait for it.
func (s *stallClock) start(t *Transport) {
	s.once.Do(func() {
		t.spawn(func() {
			tick := time.NewTicker(stallTick)
			defer tick.Stop()
			s.observe(time.Now())
			for {
				select {
				case <-tick.C:
					s.observe(time.Now())
				case <-t.ctx.Done():
					return
				}
			}
		})
	})
}
