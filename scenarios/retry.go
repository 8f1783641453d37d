package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// MaxAttempts is the most attempts workload.retry may make of one request.
const MaxAttempts = 10

// Retry is how the workload's callers retry a call that failed (workload.retry): a
// request is made as its first attempt, an ordinary call; when an attempt fails with
// an outcome in On, the caller waits and makes the next attempt, another call with
// its own id, to the same target with the same event and workload.timeout, up to
// Attempts attempts in all. The wait before attempt n (n >= 2), in virtual time
// rather than on the caller's clock, is Backoff doubled n-2 times, at most
// MaxBackoff when that is set; with Jitter j, a share of it drawn from the run's
// seeded randomness ("retry" stream) is taken off: the wait is drawn uniformly from
// [w*(1-j), w]. With Budget set, no attempt starts later than Budget
// after the request's first attempt started, a retry due while its caller was paused
// included. Casts are never retried.
type Retry struct {
	Attempts   int      `json:"attempts"`
	Backoff    Duration `json:"backoff,omitempty"`
	MaxBackoff Duration `json:"max_backoff,omitempty"`
	Jitter     float64  `json:"jitter,omitempty"`
	// On names the outcomes retried, as the report counts them: "timeout",
	// "no-leader", "not-leader", "unreachable", "hop-limit", "overloaded", "other".
	// Left out or empty: every failure.
	On     []string `json:"on,omitempty"`
	Budget Duration `json:"budget,omitempty"`
}

// retryOutcomes are the names On takes, in the order of their errClass from
// classTimeout on.
var retryOutcomes = []string{"timeout", "no-leader", "not-leader", "unreachable", "hop-limit", "overloaded", "other"}

// validate reports the first field of r that is out of range, named by its path.
func (r *Retry) validate() error {
	const f = "workload.retry"
	switch {
	case r.Attempts < 1 || r.Attempts > MaxAttempts:
		return fmt.Errorf("%s.attempts: %d, want 1..%d attempts per request in all (the first one included)", f, r.Attempts, MaxAttempts)
	case r.Backoff < 0 || r.Backoff.D() > time.Hour:
		return fmt.Errorf("%s.backoff: %v, want 0 up to 1h", f, r.Backoff.D())
	case r.MaxBackoff < 0 || r.MaxBackoff.D() > time.Hour:
		return fmt.Errorf("%s.max_backoff: %v, want 0 (none) up to 1h", f, r.MaxBackoff.D())
	case r.MaxBackoff > 0 && r.MaxBackoff < r.Backoff:
		return fmt.Errorf("%s.max_backoff: %v is less than backoff %v", f, r.MaxBackoff.D(), r.Backoff.D())
	case !(r.Jitter >= 0 && r.Jitter <= 1):
		return fmt.Errorf("%s.jitter: %v, want 0..1 (the share of each wait that may be drawn off it)", f, r.Jitter)
	case r.Budget < 0 || r.Budget.D() > time.Hour:
		return fmt.Errorf("%s.budget: %v, want 0 (none) up to 1h", f, r.Budget.D())
	}
	for i, o := range r.On {
		if !slices.Contains(retryOutcomes, o) {
			return fmt.Errorf("%s.on[%d]: %q is not an outcome: want one of %s", f, i, o, strings.Join(retryOutcomes, ", "))
		}
		if slices.Contains(r.On[:i], o) {
			return fmt.Errorf("%s.on[%d]: %q is repeated", f, i, o)
		}
	}
	if w := r.wait(r.Attempts); w > time.Hour {
		return fmt.Errorf("%s.backoff: %v doubled before each of %d retries waits %v before the last, past the limit of 1h: set max_backoff", f, r.Backoff.D(), r.Attempts-1, w)
	}
	return nil
}

// wait is the longest wait before attempt n (n >= 2): Backoff doubled n-2 times, at
// most MaxBackoff when that is set. It saturates rather than overflow.
func (r *Retry) wait(n int) time.Duration {
	if n < 2 {
		return 0
	}
	w := r.Backoff.D()
	for range n - 2 {
		if w > math.MaxInt64/2 {
			return math.MaxInt64
		}
		w *= 2
	}
	if r.MaxBackoff > 0 {
		w = min(w, r.MaxBackoff.D())
	}
	return w
}

// span is the longest a request's retries can go on after its first attempt ended:
// each retry's wait and timeout. The world stays busy that much longer. Zero
// without retries.
func (r *Retry) span(timeout time.Duration) time.Duration {
	if r == nil {
		return 0
	}
	var s time.Duration
	for n := 2; n <= r.Attempts; n++ {
		s = satAdd(s, satAdd(r.wait(n), timeout))
	}
	if r.Budget > 0 {
		s = min(s, satAdd(r.Budget.D(), timeout))
	}
	return s
}

// retries reports whether r retries failures of class c.
func (r *Retry) retries(c errClass) bool {
	if c == classOK {
		return false
	}
	if len(r.On) == 0 {
		return true
	}
	return slices.Contains(r.On, retryOutcomes[min(int(c), int(classOther))-int(classTimeout)])
}
