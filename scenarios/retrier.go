package scenarios

import (
	"math/rand/v2"
	"time"

	"github.com/ensroute/ensroute/router"
)

// retrier makes the workload's retries (workload.retry) and ties each attempt to its
// request. A world without retries has none (world.retry is nil), and its calls pay
// one nil check at their start and one at their completion.
type retrier struct {
	wd   *world
	spec *Retry
	on   [classOther + 1]bool // the classes retried
	rng  *rand.Rand           // the jitter's draws: the "retry" stream
	// reqOf is each call's request, by the call's index in the checker's calls.
	reqOf []int32
	reqs  []request
	// cur is the request whose retry is being made (its attempt's EvCall names the
	// request in the trace), -1 while none is.
	cur int32
}

// request is one workload call as its caller made it: its first attempt, and each
// retry of it.
type request struct {
	first, last int32 // its first and latest attempts, indexes into the checker's calls
	attempts    int32
	origin, via int32 // as an arrival's
	ens         int32
	peer        int32 // the member called directly, -1 for a routed call
	event       []byte
	start       time.Duration      // when its first attempt started, in virtual time
	inc         router.Incarnation // the caller's incarnation: a crash ends the request
	state       reqState
}

// reqState is where a request stands beyond what its latest attempt says.
type reqState uint8

const (
	reqAttempt  reqState = iota // its latest attempt decides
	reqWaiting                  // a retry is due, not made yet
	reqLostWait                 // the caller crashed, or was down, when its retry was due
)

func newRetrier(wd *world, r *Retry) *retrier {
	rt := &retrier{wd: wd, spec: r, rng: wd.w.Stream("retry"), cur: -1}
	wd.kinds.retryCall = wd.w.Kind("call", "call", "target", "timeout", "request", "attempt")
	for c := classTimeout; c <= classOther; c++ {
		rt.on[c] = r.retries(c)
	}
	return rt
}

// began ties the call just begun, the checker's last, to its request: a new one, or
// the request whose retry is being made.
func (rt *retrier) began(origin *simNode, es *ensState, via, peer int32, event []byte) {
	call := int32(len(rt.wd.chk.calls) - 1)
	if rt.cur >= 0 {
		q := &rt.reqs[rt.cur]
		q.last = call
		q.attempts++
		rt.reqOf = append(rt.reqOf, rt.cur)
		return
	}
	rt.reqOf = append(rt.reqOf, int32(len(rt.reqs)))
	rt.reqs = append(rt.reqs, request{first: call, last: call, attempts: 1, origin: origin.idx, via: via,
		ens: es.idx, peer: peer, event: event, start: rt.wd.w.Now(), inc: origin.inc})
}

// completed decides, at the first completion of call i, whether its request is
// retried, and if so schedules the retry.
func (rt *retrier) completed(i int32, r *callRec) {
	if !rt.on[r.class] {
		return
	}
	qi := rt.reqOf[i]
	q := &rt.reqs[qi]
	if q.last != i || int(q.attempts) >= rt.spec.Attempts {
		return
	}
	wait := rt.spec.wait(int(q.attempts) + 1)
	if j := rt.spec.Jitter; j > 0 && wait > 0 {
		wait -= time.Duration(float64(float64(float64(wait)*j) * rt.rng.Float64()))
	}
	now := rt.wd.w.Now()
	if b := rt.spec.Budget.D(); b > 0 && now+wait-q.start > b {
		return // the request's budget is spent: it fails with this attempt
	}
	q.state = reqWaiting
	rt.wd.w.After(wait, func() { rt.due(qi) })
}

// due makes request qi's retry, on its caller's node: a paused node makes it when it
// resumes (unless the request's budget is spent by then), a node that crashed since
// makes none.
func (rt *retrier) due(qi int32) {
	q := &rt.reqs[qi]
	origin := rt.wd.byIdx[q.origin]
	if origin.node == nil || origin.inc != q.inc {
		q.state = reqLostWait
		return
	}
	origin.host.Defer(func() { rt.attempt(qi) }) // a crash drops it
}

// attempt makes request qi's next attempt, an ordinary workload call.
func (rt *retrier) attempt(qi int32) {
	wd := rt.wd
	q := &rt.reqs[qi]
	origin := wd.byIdx[q.origin]
	if origin.node == nil || origin.inc != q.inc {
		q.state = reqLostWait
		return
	}
	q.state = reqAttempt
	if b := rt.spec.Budget.D(); b > 0 && rt.wd.w.Now()-q.start > b {
		// Due within the budget, but its caller was paused until past it: the
		// request fails with its latest attempt, as completed decides of a wait
		// past the budget.
		return
	}
	rt.cur = qi
	es := wd.ensBy[q.ens]
	if q.peer >= 0 {
		wd.callPeer(origin, es, q.peer, q.event)
	} else {
		wd.call(origin, es, q.via, q.event)
	}
	rt.cur = -1
}

// Retries ties the workload's attempts to their requests, for a workload that
// retries (workload.retry). A request is a workload call as its caller made it, its
// first attempt and each retry; every attempt is a call, counted in Calls. OK,
// FailedEveryAttempt, FailedEarly, Lost and Open add up to Requests.
type Retries struct {
	Requests uint64 `json:"requests"`
	Attempts uint64 `json:"attempts"`
	// OK are the requests that succeeded; OKAfterRetry those of them that needed a
	// retry.
	OK           uint64 `json:"ok"`
	OKAfterRetry uint64 `json:"ok_after_retry"`
	// FailedEveryAttempt failed on each of workload.retry.attempts attempts;
	// FailedEarly failed with attempts left, with an outcome not retried or once the
	// budget was spent.
	FailedEveryAttempt uint64 `json:"failed_every_attempt"`
	FailedEarly        uint64 `json:"failed_early"`
	// Lost ended with their caller: an attempt lost with it, or a retry due while it
	// was down or after it restarted. Open had no outcome when the run ended.
	Lost uint64 `json:"lost_with_caller"`
	Open uint64 `json:"open"`
	// Amplification is Attempts per Request, 0 for none.
	Amplification float64 `json:"amplification"`
}

// Add adds o's counts to r's and works out the amplification of the sum.
func (r *Retries) Add(o Retries) {
	r.Requests += o.Requests
	r.Attempts += o.Attempts
	r.OK += o.OK
	r.OKAfterRetry += o.OKAfterRetry
	r.FailedEveryAttempt += o.FailedEveryAttempt
	r.FailedEarly += o.FailedEarly
	r.Lost += o.Lost
	r.Open += o.Open
	r.Amplification = 0
	if r.Requests > 0 {
		r.Amplification = float64(r.Attempts) / float64(r.Requests)
	}
}

// report counts the requests by how they ended.
func (rt *retrier) report() *Retries {
	var r Retries
	calls := rt.wd.chk.calls
	for i := range rt.reqs {
		q := &rt.reqs[i]
		r.Attempts += uint64(q.attempts)
		last := &calls[q.last]
		switch {
		case q.state == reqLostWait:
			r.Lost++
		case q.state == reqWaiting:
			// A retry due but never made: dropped by a crash while its node was
			// paused, or the run ended first.
			if sn := rt.wd.byIdx[q.origin]; sn.node == nil || sn.inc != q.inc {
				r.Lost++
			} else {
				r.Open++
			}
		case last.completions == 0 && last.lost:
			r.Lost++
		case last.completions == 0:
			r.Open++
		case last.class == classOK:
			r.OK++
			if q.attempts > 1 {
				r.OKAfterRetry++
			}
		case int(q.attempts) >= rt.spec.Attempts:
			r.FailedEveryAttempt++
		default:
			r.FailedEarly++
		}
	}
	r.Add(Retries{Requests: uint64(len(rt.reqs))})
	return &r
}
