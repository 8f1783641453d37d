package scenarios

import (
	"time"

	"github.com/ensroute/ensroute/internal/samestr"
	"github.com/ensroute/ensroute/router"
)

// bitSet is a set of small non-negative integers.
type bitSet []uint64

// addNew adds i to b, and reports whether it was new there: the test and the set
// of a message id handed (checker.handed), on one word.
func (b *bitSet) addNew(i uint64) bool {
	for i/64 >= uint64(len(*b)) {
		*b = append(*b, 0)
	}
	w, bit := &(*b)[i/64], uint64(1)<<(i%64)
	was := *w & bit
	*w |= bit
	return was == 0
}

// working records that a leader works on the event of call from now for d (until it
// answers, or abandons the work).
func (c *checker) working(call router.CallID, d time.Duration) {
	i, ok := c.byIssued.recent(&call)
	if !ok {
		i, ok = c.byIssued.get(&call)
	}
	if ok {
		now := c.wd.w.Now()
		if r := &c.calls[i]; !r.worked {
			r.workFrom, r.workTo, r.worked = now, now+d, true
		} else {
			c.work = append(c.work, workSpan{call: i, from: now, to: now + d})
		}
	}
}

// workShare is a stretch of service a leader spent on call r's event from from to
// to: the part after the caller had given up, and all of it. The report sums them
// over every stretch (checker.work and each call's first) as the leaders' work.
func (r *callRec) workShare(from, to time.Duration) (wasted, total int64) {
	if r.completions > 0 && r.endGlobal < to {
		wasted = int64(to - max(from, r.endGlobal))
	}
	return wasted, int64(to - from)
}

// sameCall reports whether a and b name the same call.
func sameCall(a, b *router.CallID) bool {
	return a.Seq == b.Seq && a.Incarnation == b.Incarnation && samestr.Equal(string(a.Node), string(b.Node))
}
