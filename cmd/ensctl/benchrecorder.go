package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ensroute/ensroute/router"
)

// recorder collects latencies in a few locked shards of two HDR histograms each (of
// the successful calls and of the failed ones), so hundreds of callers neither
// contend on one lock nor hold hundreds of histograms.
type recorder struct {
	highest int64 // the longest latency the histograms hold, in ns
	// cut counts the calls a signal cut short: they have no outcome, and no latency.
	cut    atomic.Int64
	shards [16]struct {
		mu     sync.Mutex
		h, err *hdrhistogram.Histogram
		codes  [16]int64
		_      [64]byte
	}
}

// newRecorder returns a recorder of latencies of calls with deadline timeout. A call
// ends by its deadline, give or take the scheduling of its wake-up, and open loop's
// deadline counts from the scheduled start, so the histograms (1ns to twice the
// timeout and a minute more, 3 significant figures) hold every latency with room to
// spare; a longer one would be recorded as the longest they hold.
func newRecorder(timeout time.Duration) *recorder {
	r := &recorder{highest: int64(2*timeout + time.Minute)}
	for i := range r.shards {
		// The lowest value told apart is 1ns: with 1µs, the histogram's unit would be
		// 512ns, and a latency under half a millisecond off by up to that.
		r.shards[i].h = hdrhistogram.New(1, r.highest, 3)
		r.shards[i].err = hdrhistogram.New(1, r.highest, 3)
	}
	if recorderMade != nil {
		recorderMade()
	}
	return r
}

// recorderMade, when set (only by this package's tests), runs at the end of
// newRecorder; the tests make it take time there, as making the histograms does on a
// loaded machine.
var recorderMade func()

// end records how call res, made by worker, ended d after it started (or was due):
// its outcome and latency, or, when a signal cut it short (ctx's cancellation, which
// ends the call), that it has none. A call the signal ended before the driver started
// it (unsent) is neither: it is no call. It reports whether the signal ended the call,
// after which the worker makes no other.
func (r *recorder) end(worker int, d time.Duration, res router.Result) (signalled bool) {
	if errors.Is(res.Err, context.Canceled) {
		if !unsent(res) {
			r.cut.Add(1)
		}
		return true
	}
	r.record(worker, d, router.CodeOf(res.Err))
	return false
}

func (r *recorder) record(worker int, d time.Duration, c router.Code) {
	s := &r.shards[worker%len(r.shards)]
	h := s.h
	if c != router.CodeOK {
		h = s.err
	}
	s.mu.Lock()
	_ = h.RecordValue(min(max(d.Nanoseconds(), 1), r.highest)) // a call ends after its start
	s.codes[c]++
	s.mu.Unlock()
}

// merge returns the latencies of the successful calls, of the failed ones, and the
// count of each outcome.
func (r *recorder) merge() (ok, failed *hdrhistogram.Histogram, codes map[router.Code]int64) {
	ok, failed = hdrhistogram.New(1, r.highest, 3), hdrhistogram.New(1, r.highest, 3)
	codes = map[router.Code]int64{}
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		ok.Merge(s.h)
		failed.Merge(s.err)
		for c, n := range s.codes {
			if n > 0 {
				codes[router.Code(c)] += n
			}
		}
		s.mu.Unlock()
	}
	return ok, failed, codes
}
