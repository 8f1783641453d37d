package load

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ensroute/ensroute/router"
)

// untilDeadline is a caller whose every call times out correctly: at its deadline,
// or when its context is cancelled before.
func untilDeadline(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
	<-ctx.Done()
	if ctx.Err() == context.DeadlineExceeded {
		return router.Result{Err: router.ErrTimeout}, router.ErrTimeout
	}
	return router.Result{Err: ctx.Err()}, ctx.Err()
}

// TestOpenLoopRate: an open load at Rate 100 starts a call every 10ms, each at the
// first tick of its millisecond clock at or after it is due (the first, due at the
// start, at once): 100 calls in a second of virtual time. An
// interval computed from twice the rate, or a call started a tick after it was due,
// shows in the list of start times.
func TestOpenLoopRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var starts []time.Duration
		start := time.Now()
		caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			mu.Lock()
			starts = append(starts, time.Since(start))
			mu.Unlock()
			return answer(t, ev)
		})
		r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}},
			Callers: 10, Rate: 100, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(995 * time.Millisecond) // before the call due at 1s
		synctest.Wait()
		s := r.Stop(0)
		var want []time.Duration
		for k := range 100 {
			want = append(want, time.Duration(k)*10*time.Millisecond)
		}
		slices.Sort(starts)
		if diff := cmp.Diff(want, starts); diff != "" {
			t.Errorf("call start times (-want +got):\n%s", diff)
		}
		if s.Started != 100 || s.Total.Codes["ok"] != 100 || s.Skipped != 0 {
			t.Errorf("started %d, outcomes %v, skipped %d; want 100 calls answered", s.Started, s.Total.Codes, s.Skipped)
		}
	})
}

// TestOpenLoopStop: Stop ends an open load at once when no call is in flight: it
// does not wait out the calls' timeout (a minute here) and its grace, and Done is
// closed when it returns. Virtual time: Stop takes none.
func TestOpenLoopStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) { return answer(t, ev) })
		r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}},
			Callers: 4, Rate: 1000, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100*time.Millisecond + time.Microsecond) // between two ticks
		synctest.Wait()
		started := r.Summary().Started
		begin := time.Now()
		s := r.Stop(time.Second)
		if took := time.Since(begin); took >= time.Second {
			t.Errorf("Stop took %v with no call in flight, want it to return within its grace (1s)", took)
		}
		select {
		case <-r.Done():
		default:
			t.Error("Done not closed when Stop returned")
		}
		if s.Started != started || s.Unfinished != 0 {
			t.Errorf("started %d, unfinished %d; want the %d calls started before Stop, and 0", s.Started, s.Unfinished, started)
		}
	})
}

// TestStopWaitsForCallsInFlight: Stop waits for the calls in flight up to their
// timeout (plus the slack and its grace), not only its grace: calls that time out
// correctly, a second after they started, end well after Stop's 10ms of grace, and
// none is reported unfinished.
func TestStopWaitsForCallsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := Start(context.Background(), Config{Caller: callerFunc(untilDeadline), Targets: []Target{{Ensemble: "e1"}},
			Callers: 2, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		s := r.Stop(10 * time.Millisecond)
		if s.Started != 2 || s.Ended != 2 || s.Unfinished != 0 || s.Total.Codes["timeout"] != 2 {
			t.Errorf("started %d, ended %d, unfinished %d, outcomes %v; want the two calls in flight ended by their timeout",
				s.Started, s.Ended, s.Unfinished, s.Total.Codes)
		}
		if err := s.Check(); err != nil {
			t.Error(err)
		}
	})
}

// TestUnfinished: a call still running when Stop gives up on it (its timeout, slack
// and grace past) is reported: Unfinished counts it, a violation says so, and
// ViolationCount counts it, a single one too.
func TestUnfinished(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		block := make(chan struct{})
		caller := callerFunc(func(ctx context.Context, t router.Target, ev []byte) (router.Result, error) {
			<-block // ignores its deadline
			return answer(t, ev)
		})
		r, err := Start(context.Background(), Config{Caller: caller, Targets: []Target{{Ensemble: "e1"}},
			Callers: 1, Calls: 1, Timeout: 10 * time.Millisecond, Slack: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the call has started
		s := r.Stop(5 * time.Millisecond)
		close(block)
		<-r.Done()
		got := struct {
			Started, Ended, Unfinished, ViolationCount int64
			Violations                                 []string
		}{s.Started, s.Ended, s.Unfinished, s.ViolationCount, s.Violations}
		want := got
		want.Started, want.Ended, want.Unfinished, want.ViolationCount = 1, 0, 1, 1
		want.Violations = []string{"exactly-once: 1 calls never returned"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
		if s.Check() == nil {
			t.Error("Check passes a call that never returned")
		}
	})
}

// TestCancelEndsLoad: cancelling Start's context ends the load, closed or open: the
// calls in flight are cancelled, no call starts after, and Done closes without Stop.
// (A closed loop that did not look at the context made its Calls, a thousand, each
// cancelled at once.)
func TestCancelEndsLoad(t *testing.T) {
	for _, rate := range []float64{0, 100} {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			r, err := Start(ctx, Config{Caller: callerFunc(untilDeadline), Targets: []Target{{Ensemble: "e1"}},
				Callers: 2, Rate: rate, Calls: 1000, Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(15 * time.Millisecond) // two calls in flight, open or closed
			cancel()
			select {
			case <-r.Done():
			case <-time.After(time.Minute):
				t.Fatalf("rate %v: Done not closed a minute after the context was cancelled", rate)
			}
			s := r.Stop(0)
			if s.Started != 2 || s.Total.Codes["cancelled"] != 2 || s.Unfinished != 0 {
				t.Errorf("rate %v: started %d, outcomes %v, unfinished %d; want the 2 calls in flight cancelled, and no other",
					rate, s.Started, s.Total.Codes, s.Unfinished)
			}
		})
	}
}

// TestDefaults: a Config without Callers runs 16 of them (and an open one at most 16
// calls in flight), and one without Fast counts as fast the failures within a tenth
// of the timeout.
func TestDefaults(t *testing.T) {
	for _, rate := range []float64{0, 1000} {
		synctest.Test(t, func(t *testing.T) {
			r, err := Start(context.Background(), Config{Caller: callerFunc(untilDeadline), Targets: []Target{{Ensemble: "e1"}},
				Rate: rate, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
			synctest.Wait()
			if s := r.Summary(); s.Started != 16 || s.FastNS != int64(100*time.Millisecond) {
				t.Errorf("rate %v: %d calls in flight, Fast %v; want 16 and 100ms", rate, s.Started, time.Duration(s.FastNS))
			}
			r.Stop(0)
		})
	}
}
